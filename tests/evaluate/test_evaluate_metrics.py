"""Golden numbers for the metrics, worked out by hand, and their error messages."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from grukit.errors import DataError
from grukit.evaluate import evaluate_all, mae, mape, mase, mse, rmse, smape


def raises(kind, text):
    return pytest.raises(kind, match="^" + re.escape(text) + "$")


# K=2 steps, C=2 channels. y - yhat = [[-1, 0], [2, -4]], so |e| = 1, 0, 2, 4.
Y = np.array([[1.0, 2.0], [3.0, 4.0]])
Y_HAT = np.array([[2.0, 2.0], [1.0, 8.0]])
# Training part (N=4, C=2).
# m=1: channel 0 steps |1-0|, |3-1|, |4-3| = 1, 2, 1 -> scale 4/3; channel 1: 0, 2, 1 -> scale 1.
# m=2: channel 0 |3-0|, |4-1| = 3, 3 -> scale 3;   channel 1: |12-10|, |13-10| = 2, 3 -> scale 2.5.
TRAIN = np.array([[0.0, 10.0], [1.0, 10.0], [3.0, 12.0], [4.0, 13.0]])


def test_mae():
    assert mae(Y, Y_HAT) == pytest.approx(1.75)  # (1 + 0 + 2 + 4) / 4


def test_mse_and_rmse():
    assert mse(Y, Y_HAT) == pytest.approx(5.25)  # (1 + 0 + 4 + 16) / 4
    assert rmse(Y, Y_HAT) == pytest.approx(math.sqrt(5.25))


def test_mape():
    # |e| / |y| = 1/1, 0/2, 2/3, 4/4 -> 100 * (8/3) / 4 = 200/3
    assert mape(Y, Y_HAT) == pytest.approx(200 / 3)


def test_mape_skips_zero_actuals():
    # the point with y = 0 is left out: 100 * (|2-1|/2 + |4-5|/4) / 2 = 100 * 0.75 / 2 = 37.5
    assert mape([[0.0], [2.0], [4.0]], [[5.0], [1.0], [5.0]]) == pytest.approx(37.5)


def test_mape_is_nan_when_every_actual_is_zero():
    assert math.isnan(mape(np.zeros((3, 2)), np.ones((3, 2))))


def test_smape():
    # |e| / (|y| + |yhat|) = 1/3, 0/4, 2/4, 4/12 -> sum 7/6 -> 200/4 * 7/6 = 175/3
    assert smape(Y, Y_HAT) == pytest.approx(175 / 3)


def test_smape_counts_zero_over_zero_as_zero():
    # terms 0/0 -> 0 (still counted in n), |1-3|/(1+3) = 1/2 -> 200/2 * 1/2 = 50
    assert smape([[0.0], [1.0]], [[0.0], [3.0]]) == pytest.approx(50.0)
    # a zero actual with a nonzero forecast is the maximum term: 200/1 * 2/2 = 200
    assert smape([[0.0]], [[2.0]]) == pytest.approx(200.0)


def test_mase_naive_scale():
    # |e| / scale: channel 0: 1/(4/3), 2/(4/3) = 0.75, 1.5; channel 1: 0/1, 4/1 -> (0.75 + 1.5 + 0 + 4) / 4
    assert mase(Y, Y_HAT, TRAIN) == pytest.approx(1.5625)


def test_mase_seasonal_scale():
    # channel 0: 1/3, 2/3; channel 1: 0/2.5, 4/2.5 = 1.6 -> (1/3 + 2/3 + 0 + 1.6) / 4 = 0.65
    assert mase(Y, Y_HAT, TRAIN, season_length=2) == pytest.approx(0.65)


def test_metrics_average_over_leading_window_axes():
    y = np.stack([Y, Y + 1.0])  # (B=2, K=2, C=2), the same errors twice
    y_hat = np.stack([Y_HAT, Y_HAT + 1.0])
    assert mae(y, y_hat) == pytest.approx(1.75)
    assert mase(y, y_hat, TRAIN) == pytest.approx(1.5625)


def test_mase_with_one_training_series_per_window_row():
    # series 0 [1, 2, 4]: scale (1 + 2) / 2 = 1.5; series 1 [0, 4, 0]: scale (4 + 4) / 2 = 4.
    # errors 2 and 2 -> (2/1.5 + 2/4) / 2 = (4/3 + 1/2) / 2 = 11/12
    trains = [np.array([1.0, 2.0, 4.0]), np.array([[0.0], [4.0], [0.0]])]
    y_true = np.array([[[3.0]], [[1.0]]])  # (S=2, K=1, C=1)
    y_pred = np.array([[[5.0]], [[3.0]]])
    assert mase(y_true, y_pred, trains) == pytest.approx(11 / 12)


def test_mase_with_series_index():
    # windows from series 1, 0, 1 with errors 2, 2, 4 -> (2/4 + 2/1.5 + 4/4) / 3 = (17/6) / 3 = 17/18
    trains = [[1.0, 2.0, 4.0], [0.0, 4.0, 0.0]]
    y_true = np.array([[[1.0]], [[3.0]], [[0.0]]])  # (B=3, K=1, C=1)
    y_pred = np.array([[[3.0]], [[5.0]], [[4.0]]])
    assert mase(y_true, y_pred, trains, series_index=np.array([1, 0, 1])) == pytest.approx(17 / 18)


def test_evaluate_all_returns_python_floats():
    result = evaluate_all(Y, Y_HAT, TRAIN, season_length=2)
    assert list(result) == ["mae", "rmse", "mse", "mape", "smape", "mase"]
    assert all(type(value) is float for value in result.values())
    assert result == pytest.approx({"mae": 1.75, "rmse": math.sqrt(5.25), "mse": 5.25, "mape": 200 / 3,
                                    "smape": 175 / 3, "mase": 0.65})


def test_constant_training_series_is_a_clear_error():
    train = np.array([[0.0, 5.0], [1.0, 5.0], [2.0, 5.0]])
    with raises(DataError, "mase: channel 1 of y_train does not change over lag season_length=1 (a constant "
                           "series), so its seasonal-naive scale is 0 and MASE is undefined. Drop that channel, "
                           "try another season_length, or compare with MAE/RMSE instead."):
        mase(Y, Y_HAT, train)
    assert issubclass(DataError, ValueError)


def test_training_series_shorter_than_the_season():
    with raises(DataError, "mase: y_train[1] has 2 training steps; the seasonal-naive scale needs more than "
                           "season_length=2. Use a longer training part or a smaller season_length."):
        mase([[[1.0]], [[2.0]]], [[[1.0]], [[2.0]]], [[1.0, 2.0, 3.0], [1.0, 2.0]], season_length=2)


def test_shape_mismatch():
    with raises(ValueError, "mae: y_true and y_pred must have the same shape (..., K, C); got (2, 2) and (2, 1)."):
        mae(Y, Y_HAT[:, :1])


def test_non_finite_values():
    with raises(ValueError, "rmse: y_pred holds 1 non-finite value(s) (NaN or inf) out of 4; "
                            "drop or fill them before evaluating."):
        rmse(Y, np.array([[1.0, np.nan], [1.0, 1.0]]))


def test_mase_channel_mismatch():
    with raises(ValueError, "mase: y_train must be (N, C) with C=2 channels like y_true; got shape (4, 1)."):
        mase(Y, Y_HAT, TRAIN[:, :1])


def test_mase_needs_a_channel_axis():
    with raises(ValueError, "mase: y_true and y_pred must be at least 2-D (..., K, C) so that the last axis is "
                            "the channel; got shape (2,). For one channel add an axis, e.g. y_true[:, None]."):
        mase([1.0, 2.0], [1.0, 2.0], [1.0, 2.0, 3.0])


def test_mase_series_count_mismatch():
    with raises(ValueError, "mase: y_train lists 2 series, so y_true's first axis must index them (length 2); "
                            "got shape (3, 1, 1). Pass series_index=(one series number per window) for "
                            "concatenated windows."):
        mase(np.ones((3, 1, 1)), np.ones((3, 1, 1)), [[1.0, 2.0], [1.0, 3.0]])


def test_mase_series_index_out_of_range():
    with raises(ValueError, "mase: series_index values must lie in [0, 2) for 2 training series; "
                            "got values from 0 to 2."):
        mase(np.ones((2, 1, 1)), np.ones((2, 1, 1)), [[1.0, 2.0], [1.0, 3.0]], series_index=[0, 2])


def test_season_length_must_be_a_positive_integer():
    with raises(ValueError, "mase: season_length must be a positive integer; got 0."):
        mase(Y, Y_HAT, TRAIN, season_length=0)
