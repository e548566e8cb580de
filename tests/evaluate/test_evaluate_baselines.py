"""The baselines give exact, hand-checked forecasts."""

from __future__ import annotations

import re

import numpy as np
import pytest

from grukit.evaluate import all_baselines, drift, mean, naive, seasonal_naive


def raises(kind, text):
    return pytest.raises(kind, match="^" + re.escape(text) + "$")


# (B=2, T=5, C=2). Written per window and channel, then laid out as (B, T, C).
# window 0: channel 0 = 1, 2, 4, 7, 11    channel 1 = 10, 0, 10, 0, 10
# window 1: channel 0 = 3, 3, 3, 3, 3      channel 1 = -1, 1, -1, 1, 3
HISTORY = np.array([
    [[1, 2, 4, 7, 11], [10, 0, 10, 0, 10]],
    [[3, 3, 3, 3, 3], [-1, 1, -1, 1, 3]],
], dtype=float).transpose(0, 2, 1)


def per_channel(forecast):
    """(B, K, C) -> [[window 0 channel 0, channel 1], [window 1 ...]] as lists, to compare with the comments."""
    return forecast.transpose(0, 2, 1).tolist()


def test_naive_repeats_the_last_value():
    forecast = naive(HISTORY, 3)
    assert forecast.shape == (2, 3, 2)
    assert per_channel(forecast) == [[[11, 11, 11], [10, 10, 10]], [[3, 3, 3], [3, 3, 3]]]


def test_seasonal_naive_repeats_the_last_season():
    # m=2: y_{T+h} = y_{T+h-2*ceil(h/2)} -> steps T-1, T, T-1 = the 4th, 5th, 4th values
    assert per_channel(seasonal_naive(HISTORY, 3, 2)) == [[[7, 11, 7], [0, 10, 0]], [[3, 3, 3], [1, 3, 1]]]
    # m=3, K=4: the 3rd, 4th, 5th, then the 3rd again (T+4-3*2 = T-2 with T=5)
    assert per_channel(seasonal_naive(HISTORY, 4, 3)) == [[[4, 7, 11, 4], [10, 0, 10, 10]],
                                                           [[3, 3, 3, 3], [-1, 1, 3, -1]]]


def test_seasonal_naive_with_one_season_of_history():
    assert per_channel(seasonal_naive(HISTORY, 2, 5)) == [[[1, 2], [10, 0]], [[3, 3], [-1, 1]]]


def test_seasonal_naive_falls_back_to_naive_when_the_history_is_shorter_than_a_season():
    np.testing.assert_array_equal(seasonal_naive(HISTORY, 3, 6), naive(HISTORY, 3))


def test_seasonal_naive_with_season_one_is_naive():
    np.testing.assert_array_equal(seasonal_naive(HISTORY, 4, 1), naive(HISTORY, 4))


def test_drift_extends_the_line_through_the_first_and_last_value():
    # slopes (y_T - y_1) / (T - 1): (11 - 1)/4 = 2.5, (10 - 10)/4 = 0, 0, (3 - -1)/4 = 1
    assert per_channel(drift(HISTORY, 2)) == [[[13.5, 16.0], [10, 10]], [[3, 3], [4, 5]]]


def test_drift_of_a_single_step_is_naive():
    np.testing.assert_array_equal(drift(HISTORY[:, -1:], 3), naive(HISTORY, 3))


def test_mean_repeats_the_window_mean():
    # (1+2+4+7+11)/5 = 5, (10+0+10+0+10)/5 = 6, 3, (-1+1-1+1+3)/5 = 0.6
    expected = np.array([[[5, 5], [6, 6]], [[3, 3], [0.6, 0.6]]])
    np.testing.assert_allclose(np.array(per_channel(mean(HISTORY, 2))), expected, rtol=0, atol=1e-12)


def test_all_baselines_matches_each_function():
    forecasts = all_baselines(HISTORY, 3, season_length=2)
    assert list(forecasts) == ["naive", "seasonal_naive", "drift", "mean"]
    np.testing.assert_array_equal(forecasts["naive"], naive(HISTORY, 3))
    np.testing.assert_array_equal(forecasts["seasonal_naive"], seasonal_naive(HISTORY, 3, 2))
    np.testing.assert_array_equal(forecasts["drift"], drift(HISTORY, 3))
    np.testing.assert_array_equal(forecasts["mean"], mean(HISTORY, 3))
    assert all(f.dtype == np.float64 and f.shape == (2, 3, 2) for f in forecasts.values())


def test_forecasts_do_not_alias_the_history():
    history = HISTORY.copy()
    for forecast in all_baselines(history, 2, season_length=2).values():
        forecast[...] = -99.0
    np.testing.assert_array_equal(history, HISTORY)


def test_history_must_be_3d():
    with raises(ValueError, "naive: history must be 3-D (B, T, C); got a 2-D array of shape (5, 2). "
                            "For a single window of shape (T, C) add a batch axis, e.g. history[None]."):
        naive(HISTORY[0], 3)


def test_horizon_must_be_a_positive_integer():
    with raises(ValueError, "drift: horizon must be a positive integer; got 0."):
        drift(HISTORY, 0)


def test_season_length_must_be_a_positive_integer():
    with raises(ValueError, "seasonal_naive: season_length must be a positive integer; got 2.5."):
        seasonal_naive(HISTORY, 3, 2.5)


def test_history_must_be_finite():
    history = HISTORY.copy()
    history[0, 0, 0] = np.nan
    with raises(ValueError, "mean: history holds 1 non-finite value(s) (NaN or inf) out of 20; "
                            "drop or fill them before evaluating."):
        mean(history, 1)
