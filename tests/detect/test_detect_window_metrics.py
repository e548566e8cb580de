"""Window-level metrics, flagged stretches, and the score functions (causal mean, z-score, threshold, alarms)."""

from __future__ import annotations

import numpy as np
import pytest

from grukit.detect import flagged_stretches, window_metrics
from grukit.detect.scores import (
    alarms_from_flags,
    causal_mean,
    error_zscore,
    flags_from_scores,
    place_window_errors,
    quantile_threshold,
)
from grukit.errors import DataError


def _flags(n, rows):
    flags = np.zeros(n, dtype=bool)
    flags[list(rows)] = True
    return flags


def test_stretches_are_maximal_runs():
    assert flagged_stretches(_flags(10, [0, 1, 4, 8, 9])) == [(0, 1), (4, 4), (8, 9)]
    assert flagged_stretches(np.zeros(5, dtype=bool)) == []


def test_window_metrics_count_windows_and_false_stretches():
    # windows 10..19 (hit twice: counts once), 40..49 (missed), 60..69 (hit by a stretch that starts before it)
    flags = _flags(100, [12, 15, 16, 30, 31, 58, 59, 60, 90])
    m = window_metrics(flags, [(10, 19), (40, 49), (60, 69)])
    assert (m.detected_windows, m.windows, m.false_stretches, m.stretches) == (2, 3, 2, 5)
    assert m.precision == pytest.approx(2 / 4) and m.recall == pytest.approx(2 / 3)
    assert m.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_window_metrics_ignore_rows_before_start():
    flags = _flags(100, [5, 12, 50])
    m = window_metrics(flags, [(2, 8), (10, 19)], start=10)
    assert (m.detected_windows, m.windows, m.false_stretches) == (1, 1, 1)  # window (2, 8) and flag 5 dropped


def test_nothing_flagged_scores_zero():
    m = window_metrics(np.zeros(50, dtype=bool), [(10, 19)])
    assert (m.precision, m.recall, m.f1) == (0.0, 0.0, 0.0)


def test_causal_mean_has_no_look_ahead():
    errors = np.array([np.nan, 1.0, 2.0, 3.0, 10.0])
    assert np.array_equal(causal_mean(errors, 2), [np.nan, np.nan, 1.5, 2.5, 6.5], equal_nan=True)
    changed = errors.copy()
    changed[4] = 1000.0  # a later error never changes an earlier score
    assert np.array_equal(causal_mean(changed, 3)[:4], causal_mean(errors, 3)[:4], equal_nan=True)


def test_place_window_errors():
    assert np.array_equal(place_window_errors(np.array([1.0, 2.0]), 5, 3), [np.nan] * 3 + [1.0, 2.0], equal_nan=True)


def test_threshold_is_empirical_inside_the_sample_and_tail_fitted_beyond():
    scores = np.arange(1.0, 101.0)  # 100 scores
    assert quantile_threshold(scores, 0.9) == pytest.approx(np.quantile(scores, 0.9))
    assert quantile_threshold(scores, 1.0) == 100.0
    # exponential scores: the generalized Pareto tail recovers the quantile -ln(1 - q) roughly
    sample = np.random.default_rng(0).exponential(size=2000)
    assert quantile_threshold(sample, 0.9999) == pytest.approx(-np.log(1e-4), rel=0.1)
    assert quantile_threshold(sample, 0.9999) > sample.max() * 0.9
    with pytest.raises(DataError, match=r"^no validation step has a score, so no threshold can be set; make the "
                                        r"clean stretch longer than lookback \+ smoothing rows, or pass a fixed "
                                        r"threshold\.$"):
        quantile_threshold(np.array([np.nan]), 0.99)


def test_flags_and_alarms():
    assert flags_from_scores(np.array([np.nan, 0.5, 1.0, 2.0]), 1.0).tolist() == [False, False, True, True]
    flags = _flags(12, [1, 2, 3, 4, 8, 9, 11])
    assert np.flatnonzero(alarms_from_flags(flags, 3)).tolist() == [1, 8]  # 11 is within 3 steps of 8
    assert np.flatnonzero(alarms_from_flags(flags, 0)).tolist() == [1, 2, 3, 4, 8, 9, 11]


def test_bad_flags_are_rejected():
    with pytest.raises(ValueError, match=r"^flags must be a 1-D boolean array \(N,\); got dtype int64 and shape "
                                         r"\(3,\)\.$"):
        window_metrics(np.array([0, 1, 0]), [])


def test_zscore_is_causal_and_follows_its_equation():
    rng = np.random.default_rng(3)
    errors = rng.exponential(size=300)
    errors[:5] = np.nan
    z = error_zscore(errors, history=50)
    assert np.isnan(z[:5]).all() and z[5] == 0.0  # the first error: no spread yet
    for t in (6, 40, 120, 299):
        past = errors[max(0, t - 49) : t + 1]
        past = past[np.isfinite(past)]
        assert z[t] == pytest.approx((errors[t] - past.mean()) / past.std(), abs=1e-9)
    changed = errors.copy()
    changed[200:] *= 10.0
    assert np.array_equal(error_zscore(changed, 50)[:200], z[:200], equal_nan=True)  # nothing after t reaches z_t
    assert error_zscore(np.zeros(10), 5).tolist() == [0.0] * 10  # an error-free stretch divides by no zero


def test_a_false_alarm_does_not_hide_a_stronger_one():
    # The trial's case: a false alarm 40 steps before the true spike started a 48-step rest period.
    scores = np.zeros(200)
    scores[100], scores[140] = 13.0, 40.0
    flags = flags_from_scores(scores, 12.0)
    assert np.flatnonzero(alarms_from_flags(flags, 48)).tolist() == [100]  # the old rule: the spike is hidden
    assert np.flatnonzero(alarms_from_flags(flags, 48, scores)).tolist() == [100, 140]
    scores[141] = 39.0  # a weaker flag right after the spike stays quiet
    assert np.flatnonzero(alarms_from_flags(flags_from_scores(scores, 12.0), 48, scores)).tolist() == [100, 140]
