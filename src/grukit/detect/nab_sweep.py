r"""NAB's corpus-level threshold and normalized score, as pure functions (numenta/NAB v1.1).

NAB scores a detector at one threshold per profile: the one that maximizes the raw score summed
over the whole corpus (``nab/optimizer.py`` with ``nab/sweeper.py`` ``calcScoreByThreshold``, read
for this port; no code was copied). Every distinct anomaly score is a candidate, and a row is a
detection when its score reaches the threshold (score >= tau). The sweep here is exact: each file
gives events (v, d), "a threshold at or below v adds d to the raw score", with w_i the weight of a
detection at row i (:func:`grukit.detect.nab_score.detection_weights`) and only scored rows (after
the probationary period, finite score) taking part:

    a row i outside every window, score s_i:      (s_i, w_i)            (w_i < 0: a false positive)
    a scored window: its rows' running maximum of the score, read left to right, steps up at the
    records i_1 < ... < i_m (s_{i_1} < ... < s_{i_m}). At tau <= s_{i_m} the earliest detection is
    i_m; each lower record moves it earlier:
                                                   (s_{i_m}, w_{i_m} + A_FN),   (s_{i_k}, w_{i_k} - w_{i_{k+1}})  k < m

    S(tau) = -A_FN * W + sum of d over the events with v >= tau          (W scored windows)

The best threshold is the highest tau among those with the largest S (NAB sorts the candidates by
score with a stable sort, starting from "no detection"). The normalized score is corpus-level:

    normalized = 100 (S - S_null) / (S_perfect - S_null),    S_null = -A_FN W,    S_perfect = A_TP W

(the null detector misses every window; the perfect one detects each at its left edge). With
NAB v1.1's 116 scored windows, numenta's raw 46.634 (standard) is 100 (46.634 + 116) / 232 = 70.10.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grukit.detect.nab_score import (
    PROBATIONARY_PERCENT,
    NabProfile,
    as_profile,
    check_windows,
    detection_weights,
    probationary_length,
)

__all__ = ["ThresholdChoice", "best_threshold", "normalized_score", "scored_windows", "threshold_events"]


@dataclass(frozen=True)
class ThresholdChoice:
    """The corpus threshold of one profile and the raw score it gives."""

    threshold: float  # tau; inf when no threshold beats detecting nothing
    score: float  # S(tau), the raw score summed over the files
    windows: int  # W, the scored windows of the corpus
    normalized: float  # 100 (S - S_null) / (S_perfect - S_null)


def scored_windows(n_rows: int, windows: Sequence[tuple[int, int]],
                   probationary_percent: float = PROBATIONARY_PERCENT) -> int:
    """W of one file: its windows with a row at or after the probationary period.

    Example:
        >>> scored_windows(1000, [(10, 100), (300, 399)])     # the first lies in the 150 probationary rows
        1
    """
    start = probationary_length(n_rows, probationary_percent)
    return sum(1 for _, b in check_windows(n_rows, windows) if b >= start)


def threshold_events(
    scores: np.ndarray,
    windows: Sequence[tuple[int, int]],
    profile: NabProfile | str = "standard",
    probationary_percent: float = PROBATIONARY_PERCENT,
) -> tuple[np.ndarray, np.ndarray]:
    """The events (v, d) of one file's anomaly ``scores`` (N,): two arrays, a value and a score change per event.

    Example:
        >>> scores = np.full(24, np.nan); scores[20:23] = [0.9, 0.5, 0.95]   # NaN: no score, never detected
        >>> v, d = threshold_events(scores, [(21, 22)])
        >>> v.tolist(), d.round(3).tolist()     # row 20: a false positive; the window's records: rows 21 and 22
        ([0.9, 0.5, 0.95], [-0.11, 0.14, 1.86])
    """
    profile = as_profile(profile)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1:
        raise ValueError(f"threshold_events: scores must be one anomaly score per row, shape (N,); got shape "
                         f"{scores.shape}.")
    n = scores.size
    windows = check_windows(n, windows)
    start = probationary_length(n, probationary_percent)
    weights = detection_weights(n, windows, profile)  # (N,)
    scored = (np.arange(n) >= start) & np.isfinite(scores)
    in_window = np.zeros(n, dtype=bool)
    values, deltas = [], []
    for a, b in windows:
        in_window[a : b + 1] = True
        rows = a + np.flatnonzero(scored[a : b + 1])
        if b < start or not rows.size:
            continue
        s = scores[rows]
        record = np.ones(s.size, dtype=bool)
        record[1:] = s[1:] > np.maximum.accumulate(s)[:-1]  # a new running maximum: the earliest row at that level
        w = weights[rows[record]]
        d = np.empty_like(w)
        d[-1] = w[-1] + profile.fn  # from a missed window (-A_FN) to a detection at the highest record
        d[:-1] = w[:-1] - w[1:]  # the detection moves to an earlier, heavier row
        values.append(s[record])
        deltas.append(d)
    outside = scored & ~in_window
    values.insert(0, scores[outside])
    deltas.insert(0, weights[outside])
    return np.concatenate(values), np.concatenate(deltas)


def best_threshold(
    files: Sequence[tuple[np.ndarray, Sequence[tuple[int, int]]]],
    profile: NabProfile | str = "standard",
    probationary_percent: float = PROBATIONARY_PERCENT,
) -> ThresholdChoice:
    """NAB's optimized threshold over ``files``, a sequence of (scores (N,), windows) pairs, and its raw score.

    Example:
        >>> quiet = np.zeros(200); quiet[150] = 1.0             # a detection at the window's left edge
        >>> noisy = np.zeros(200); noisy[[40, 170]] = 0.8        # a false positive (-0.11), then a detection (+0.86)
        >>> choice = best_threshold([(quiet, [(150, 159)]), (noisy, [(160, 179)])])
        >>> choice.threshold, round(choice.score, 3), choice.windows
        (0.8, 1.75, 2)
    """
    profile = as_profile(profile)
    events = [threshold_events(scores, windows, profile, probationary_percent) for scores, windows in files]
    windows = sum(scored_windows(len(scores), w, probationary_percent) for scores, w in files)
    base = -profile.fn * windows  # every window missed: nothing reaches the threshold
    values = np.concatenate([v for v, _ in events]) if events else np.zeros(0)
    deltas = np.concatenate([d for _, d in events]) if events else np.zeros(0)
    order = np.argsort(-values, kind="stable")
    values, totals = values[order], base + np.cumsum(deltas[order])
    last = np.ones(values.size, dtype=bool)
    last[:-1] = values[1:] != values[:-1]  # the last event of each distinct value: all with v >= tau are in
    thresholds = np.concatenate([[math.inf], values[last]])
    scores = np.concatenate([[base], totals[last]])
    best = int(np.argmax(scores))  # the first maximum: the highest threshold among equal scores
    score = float(scores[best])
    return ThresholdChoice(float(thresholds[best]), score, windows, normalized_score(score, windows, profile))


def normalized_score(raw: float, windows: int, profile: NabProfile | str = "standard") -> float:
    """100 (S - S_null) / (S_perfect - S_null) for a corpus of ``windows`` scored windows.

    Example:
        >>> round(normalized_score(46.6344501971, 116, "standard"), 4)     # numenta (HTM) on NAB v1.1
        70.1011
    """
    profile = as_profile(profile)
    if windows < 1:
        raise ValueError(f"normalized_score: the corpus must have at least one scored window; got {windows}.")
    null, perfect = -profile.fn * windows, profile.tp * windows
    return 100.0 * (raw - null) / (perfect - null)
