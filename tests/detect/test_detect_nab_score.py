"""NAB's scoring: golden numbers on hand-made files, the null and perfect detectors, and a published score.

The published numbers come from NAB v1.1's results (``nab_v1_published_file_scores_subset.csv``,
bundled); the numenta rows of ec2_request_latency are reproduced exactly from the detections of
NAB's own numenta detector (its results file, see ``NUMENTA_EC2_DETECTIONS``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from grukit.detect import (
    NAB_FILES,
    PROFILES,
    load_nab,
    nab_score,
    nab_windows,
    probationary_length,
    published_scores,
    scaled_sigmoid,
    window_rows,
)
from grukit.detect.nab_score import detection_weights

# Rows where NAB's numenta detector's anomaly_score reaches its standard-profile threshold 0.542187690735
# in results/numenta/realKnownCause/numenta_ec2_request_latency_system_failure.csv (numenta/NAB commit
# 4b89baf): 4 in the probationary period (unscored), 3 false positives before the first window
# (2014-03-10 01:06, 2014-03-10 09:31, 2014-03-11 15:41), and 2 + 3 + 2 in the three windows.
NUMENTA_EC2_DETECTIONS = [2, 41, 50, 54, 833, 934, 1296, 2081, 2082, 3391, 3394, 3395, 4023, 4024]
# The S(t) column of that file at each window's first row: the window's score.
NUMENTA_EC2_WINDOW_SCORES = (0.862403644211, 0.881866057864, 0.291599351768)


def test_scaled_sigmoid_golden_values():
    assert scaled_sigmoid(-1.0) == pytest.approx(0.9866142981514305, abs=1e-15)
    assert scaled_sigmoid(-0.5) == pytest.approx(0.8482836399575131, abs=1e-15)
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(1.0) == pytest.approx(-0.9866142981514303, abs=1e-15)
    assert scaled_sigmoid(3.0) == -1.0 and scaled_sigmoid(500.0) == -1.0
    assert scaled_sigmoid(np.array([-1.0, 3.0])).tolist() == [scaled_sigmoid(-1.0), -1.0]


def test_probationary_period_is_nabs():
    # min(floor(0.15 N), 0.15 * 5000), as in NAB's getProbationPeriod
    assert [probationary_length(len(load_nab(name))) for name in NAB_FILES] == [750, 750, 604, 750]
    assert probationary_length(100) == 15 and probationary_length(5000) == 750 and probationary_length(0) == 0
    assert probationary_length(1000, probationary_percent=0.1) == 100


def test_hand_made_file_golden_score():
    # N = 100: rows 0..14 unscored; windows of width 10 at rows 40..49 and 70..79.
    windows = [(40, 49), (70, 79)]
    detections = np.zeros(100, dtype=bool)
    detections[[5, 20, 42, 45, 52, 95]] = True
    result = nab_score(detections, windows)
    tp = 0.9771068409226045  # row 42: sigma(-(49 - 42 + 1) / 10) / sigma(-1); row 45 does not count
    fp_before = -0.11  # row 20: no window before it
    fp_after_1 = -0.07504879692619866  # row 52: 0.11 * sigma((52 - 49) / (10 - 1)), cheap just after a window
    fp_after_2 = -0.1099696633657564  # row 95: 0.11 * sigma((95 - 79) / 9)
    assert result.window_scores == pytest.approx((tp, -1.0), abs=1e-14)  # the second window is missed
    assert result.false_positive_score == pytest.approx(fp_before + fp_after_1 + fp_after_2, abs=1e-14)
    assert result.score == pytest.approx(-0.31791161936935064, abs=1e-14)
    assert (result.detected_windows, result.windows, result.false_positives) == (1, 2, 3)
    assert result.counts == {"tp": 2, "fp": 3, "fn": 18, "tn": 62}  # row 5 is in the probationary period


def test_only_the_earliest_detection_of_a_window_counts():
    windows = [(40, 49)]
    early, late = np.zeros(100, dtype=bool), np.zeros(100, dtype=bool)
    early[40] = True
    late[[40, 41, 48, 49]] = True
    assert nab_score(early, windows).score == pytest.approx(1.0, abs=1e-15)  # left edge: exactly A_TP
    assert nab_score(late, windows).score == nab_score(early, windows).score
    right_edge = np.zeros(100, dtype=bool)
    right_edge[49] = True
    # the right edge still scores sigma(-1/10) / sigma(-1) = 0.248, far less than the left edge
    assert nab_score(right_edge, windows).score == pytest.approx(scaled_sigmoid(-0.1) / scaled_sigmoid(-1.0))


def test_windows_in_the_probationary_period_are_not_scored():
    detections = np.zeros(100, dtype=bool)
    detections[3] = True  # inside the first window, but unscored
    result = nab_score(detections, [(2, 6), (40, 49)])
    assert result.windows == 1 and result.score == -1.0 and result.probationary_rows == 15


def test_detection_weights_follow_the_profile():
    weights = detection_weights(10, [(4, 5)], PROFILES["reward_low_FP_rate"])
    assert weights[0] == pytest.approx(-0.22) and weights[4] == pytest.approx(1.0)
    assert weights[6] == pytest.approx(0.22 * scaled_sigmoid(1.0))


@pytest.mark.parametrize("name", list(NAB_FILES))
@pytest.mark.parametrize("profile", list(PROFILES))
def test_null_detector_reproduces_the_published_scores(name, profile):
    frame = load_nab(name)
    windows = window_rows(frame["timestamp"], nab_windows(name))
    result = nab_score(np.zeros(len(frame), dtype=bool), windows, profile)
    assert result.score == published_scores(name, profile)["null"] == -PROFILES[profile].fn * len(windows)
    assert result.counts["tp"] == result.counts["fp"] == 0
    # NAB's published null rows count the scored points the same way (e.g. ec2: FN 346, TN 3082)
    expected = {"nyc_taxi": (1035, 8535), "machine_temperature": (2268, 19677),
                "ec2_request_latency": (346, 3082), "ambient_temperature": (726, 5791)}[name]
    assert (result.counts["fn"], result.counts["tn"]) == expected


@pytest.mark.parametrize("name", list(NAB_FILES))
def test_perfect_detector_scores_the_window_count(name):
    frame = load_nab(name)
    windows = window_rows(frame["timestamp"], nab_windows(name))
    detections = np.zeros(len(frame), dtype=bool)
    detections[[a for a, _ in windows]] = True
    assert nab_score(detections, windows).score == pytest.approx(len(windows), abs=1e-12)


@pytest.mark.parametrize("profile, published", [("standard", 1.70586905384), ("reward_low_FP_rate", 1.37586905384),
                                                ("reward_low_FN_rate", 1.70586905384)])
def test_numenta_ec2_published_score_is_reproduced(profile, published):
    frame = load_nab("ec2_request_latency")
    windows = window_rows(frame["timestamp"], nab_windows("ec2_request_latency"))
    detections = np.zeros(len(frame), dtype=bool)
    detections[NUMENTA_EC2_DETECTIONS] = True
    result = nab_score(detections, windows, profile)
    assert result.score == pytest.approx(published, abs=1e-10)
    assert published_scores("ec2_request_latency", profile)["numenta"] == published
    assert result.window_scores == pytest.approx(NUMENTA_EC2_WINDOW_SCORES, abs=1e-11)
    assert result.counts == {"tp": 7, "tn": 3079, "fp": 3, "fn": 339}  # the published TP, TN, FP, FN


def test_window_rows_are_nabs():
    # From SOURCE.md: window starts (row index) and rows per window; ec2's last window is cut by the file's end.
    expected = {"nyc_taxi": ([5839, 7080, 8423, 8731, 9977], [207] * 5),
                "machine_temperature": ([2126, 3703, 16057, 19232], [567] * 4),
                "ec2_request_latency": ([2014, 3328, 3956], [135, 135, 76]),
                "ambient_temperature": ([3540, 5999], [363, 363])}
    for name, (starts, widths) in expected.items():
        rows = window_rows(load_nab(name)["timestamp"], nab_windows(name))
        assert [a for a, _ in rows] == starts and [b - a + 1 for a, b in rows] == widths


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(ValueError, match=r"^nab_score: detections must be a 1-D boolean array \(N,\); got dtype "
                                         r"float64 and shape \(3,\)\. Compare the anomaly scores with the threshold "
                                         r"first\.$"):
        nab_score(np.zeros(3), [])
    with pytest.raises(ValueError, match=r"^windows must be sorted and disjoint; \(5, 9\) starts at or before the "
                                         r"end of \(2, 6\)\. Merge overlapping windows first, as NAB does\.$"):
        nab_score(np.zeros(20, dtype=bool), [(2, 6), (5, 9)])
    with pytest.raises(ValueError, match=r"^window \(5, 30\) is not an inclusive row range inside the 20 rows; "
                                         r"expected 0 <= start <= end < 20\.$"):
        nab_score(np.zeros(20, dtype=bool), [(5, 30)])
    with pytest.raises(ValueError, match=r"^nab_score: unknown profile 'strict'; expected one of standard, "
                                         r"reward_low_FP_rate, reward_low_FN_rate or a NabProfile\.$"):
        nab_score(np.zeros(20, dtype=bool), [], "strict")


def test_sigmoid_matches_its_equation():
    for y in np.linspace(-2.5, 2.99, 23):
        assert scaled_sigmoid(float(y)) == pytest.approx(2 / (1 + math.exp(5 * y)) - 1, abs=1e-15)
