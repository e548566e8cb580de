r"""NAB's raw score of one data file, as pure functions (Lavin & Ahmad 2015; numenta/NAB v1.1).

The definitions follow NAB's ``nab/sweeper.py`` (``calcSweepScore``, ``calcScoreByThreshold``) and
``nab/util.py`` (``getProbationPeriod``), read for this port; no code was copied. Notation for one
file of N rows: label windows w = [a_w, b_w] as inclusive row ranges, sorted and disjoint, of
width |w| = b_w - a_w + 1; D the detections, the rows whose anomaly score reached the threshold
(NAB: score >= threshold); a cost profile (A_TP, A_FP, A_FN), with A_TN = 0.

1. Probationary period. Rows i < P are not scored, with
       P = min(floor(p N), p * 5000),   p = probationaryPercent = 0.15,
   so P = min(floor(0.15 N), 750): 750 rows for nyc_taxi, machine_temperature and
   ambient_temperature, 604 for ec2_request_latency. A window with no row at or after P is dropped.
2. Scaled sigmoid of a relative position y:
       sigma(y) = 2 / (1 + exp(5 y)) - 1   for y < 3,      sigma(y) = -1   for y >= 3.
   sigma(-1) = 0.98661 (a window's left edge), sigma(0) = 0 (its right edge), sigma(1) = -0.98661.
3. Weight of a detection at row i (NAB's "sweep score"):
       inside window w:   A_TP * sigma(y) / sigma(-1),   y = -(b_w - i + 1) / |w|
                          (A_TP exactly at the left edge, falling to ~0 at the right edge);
       outside windows:   A_FP * sigma(y),   y = (i - b_p) / (|p| - 1) for the nearest window p that
                          ends before i, and y = 3 (so A_FP * -1) when no window precedes i.
4. Raw score of the file:
       S = sum over scored windows w of  (max weight of the detections in w, or -A_FN if none)
         + sum over detections i outside every window of  weight(i).
   Only the earliest detection of a window counts (the weight falls with i, so the maximum is the
   earliest); every false positive counts.

NAB's published scores use one threshold per detector and profile, optimized over the whole
58-file corpus; here the detections are given, so the score is that of those detections.
Normalisation, 100 (S - S_null) / (S_perfect - S_null), is corpus-level in NAB and is not done here.

One deviation: NAB divides by |p| - 1, which is 0 for a one-row window; here the divisor is at
least 1 (real NAB windows are hundreds of rows wide, so published scores are unaffected).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "PROFILES",
    "NabProfile",
    "NabScore",
    "nab_score",
    "detection_weights",
    "probationary_length",
    "scaled_sigmoid",
]

PROBATIONARY_PERCENT = 0.15  # NAB's probationaryPercent


@dataclass(frozen=True)
class NabProfile:
    """A NAB cost profile (``config/profiles.json``); A_TN is 0 in every profile."""

    name: str  # "standard", "reward_low_FP_rate" or "reward_low_FN_rate"
    tp: float  # A_TP, the reward for a detection at a window's left edge
    fp: float  # A_FP, the cost of a false positive far from any window (entered as a positive number)
    fn: float  # A_FN, the cost of a window with no detection (positive)


PROFILES = {
    "standard": NabProfile("standard", tp=1.0, fp=0.11, fn=1.0),
    "reward_low_FP_rate": NabProfile("reward_low_FP_rate", tp=1.0, fp=0.22, fn=1.0),
    "reward_low_FN_rate": NabProfile("reward_low_FN_rate", tp=1.0, fp=0.11, fn=2.0),
}


@dataclass(frozen=True)
class NabScore:
    """The raw NAB score of one file and how it breaks down."""

    score: float  # S, the raw score
    window_scores: tuple[float, ...]  # per scored window: the earliest detection's weight, or -A_FN
    false_positive_score: float  # the sum of the weights of detections outside every window
    detected_windows: int  # scored windows with at least one detection
    windows: int  # scored windows (those with a row at or after the probationary period)
    false_positives: int  # detections outside every window
    probationary_rows: int  # P, the unscored rows at the start
    counts: dict  # NAB's point counts after the probationary period: tp, fp, fn, tn (rows, not windows)


def scaled_sigmoid(y: float | np.ndarray) -> float | np.ndarray:
    """NAB's scaled sigmoid: sigma(y) = 2 / (1 + exp(5 y)) - 1 for y < 3, and -1 for y >= 3.

    Example:
        >>> round(scaled_sigmoid(-1.0), 5), scaled_sigmoid(0.0), scaled_sigmoid(3.0)
        (0.98661, 0.0, -1.0)
    """
    y_array = np.asarray(y, dtype=np.float64)
    with np.errstate(over="ignore"):  # exp(5y) overflows to inf for large y; 2 / inf - 1 = -1 is right
        value = np.where(y_array >= 3.0, -1.0, 2.0 / (1.0 + np.exp(5.0 * y_array)) - 1.0)
    return float(value) if np.ndim(y) == 0 else value


def probationary_length(n_rows: int, probationary_percent: float = PROBATIONARY_PERCENT) -> int:
    """P, the number of unscored rows at the start: the rows i < min(floor(p N), p * 5000).

    NAB's bound may be fractional for other p; a row i is scored when i >= that bound, so this returns
    its ceiling. For p = 0.15 it is min(floor(0.15 N), 750).

    Example:
        >>> probationary_length(4032), probationary_length(10320), probationary_length(100)
        (604, 750, 15)
    """
    if n_rows < 0:
        raise ValueError(f"probationary_length: n_rows must be >= 0; got {n_rows}.")
    if not 0.0 <= probationary_percent <= 1.0:
        raise ValueError(f"probationary_length: probationary_percent must be in [0, 1]; got {probationary_percent}.")
    return math.ceil(min(math.floor(probationary_percent * n_rows), probationary_percent * 5000))


def detection_weights(n_rows: int, windows: Sequence[tuple[int, int]], profile: NabProfile) -> np.ndarray:
    """The weight a detection would get at each row (NAB's sweep score), (N,) float64.

    Inside window w: A_TP sigma(-(b_w - i + 1) / |w|) / sigma(-1); outside: A_FP sigma((i - b_p) / (|p| - 1))
    after the nearest preceding window p, and -A_FP before the first window (see the module docstring).

    Example:
        >>> detection_weights(10, [(4, 5)], PROFILES["standard"]).round(3).tolist()
        [-0.11, -0.11, -0.11, -0.11, 1.0, 0.86, -0.109, -0.11, -0.11, -0.11]
    """
    windows = check_windows(n_rows, windows)
    rows = np.arange(n_rows, dtype=np.float64)
    weights = np.full(n_rows, -profile.fp)  # no window before: y = 3, sigma = -1
    max_tp = scaled_sigmoid(-1.0)
    for k, (a, b) in enumerate(windows):
        width = b - a + 1
        inside = rows[a : b + 1]
        weights[a : b + 1] = profile.tp * scaled_sigmoid(-(b - inside + 1) / width) / max_tp
        stop = windows[k + 1][0] if k + 1 < len(windows) else n_rows  # until the next window starts
        after = rows[b + 1 : stop]
        weights[b + 1 : stop] = profile.fp * scaled_sigmoid((after - b) / max(width - 1, 1))
    return weights


def nab_score(
    detections: np.ndarray,
    windows: Sequence[tuple[int, int]],
    profile: NabProfile | str = "standard",
    probationary_percent: float = PROBATIONARY_PERCENT,
) -> NabScore:
    """The raw NAB score of boolean ``detections`` (N,) against label ``windows`` (inclusive row ranges).

    Rows before the probationary period are ignored; each scored window adds its earliest detection's
    weight or -A_FN; each detection outside the windows adds its (negative) weight.

    Example:
        >>> flags = np.zeros(1000, dtype=bool)
        >>> nab_score(flags, [(300, 399), (700, 799)]).score      # the null detector: -A_FN per window
        -2.0
        >>> flags[[300, 700]] = True                               # both windows at their left edge
        >>> nab_score(flags, [(300, 399), (700, 799)]).score
        2.0
    """
    flags = np.asarray(detections)
    if flags.ndim != 1 or (flags.size and flags.dtype != bool):
        raise ValueError(f"nab_score: detections must be a 1-D boolean array (N,); got dtype {flags.dtype} "
                         f"and shape {flags.shape}. Compare the anomaly scores with the threshold first.")
    profile = as_profile(profile, unknown="nab_score: unknown profile")
    n = flags.size
    windows = check_windows(n, windows)
    start = probationary_length(n, probationary_percent)
    weights = detection_weights(n, windows, profile)
    scored = np.arange(n) >= start
    in_window = np.zeros(n, dtype=bool)
    window_scores = []
    for a, b in windows:
        in_window[a : b + 1] = True
        if b < start:
            continue  # the whole window lies in the probationary period
        hits = np.flatnonzero(flags[a : b + 1] & scored[a : b + 1])
        window_scores.append(float(weights[a + hits[0]]) if hits.size else -profile.fn)
    false = flags & scored & ~in_window
    fp_score = float(weights[false].sum())
    counts = {
        "tp": int((flags & scored & in_window).sum()),
        "fp": int(false.sum()),
        "fn": int((~flags & scored & in_window).sum()),
        "tn": int((~flags & scored & ~in_window).sum()),
    }
    return NabScore(
        score=float(sum(window_scores) + fp_score),
        window_scores=tuple(window_scores),
        false_positive_score=fp_score,
        detected_windows=sum(1 for s in window_scores if s != -profile.fn),
        windows=len(window_scores),
        false_positives=counts["fp"],
        probationary_rows=start,
        counts=counts,
    )


def as_profile(profile: NabProfile | str, unknown: str = "unknown NAB profile") -> NabProfile:
    """A NabProfile, or the name of one of PROFILES; anything else is a ValueError that starts with ``unknown``."""
    if isinstance(profile, NabProfile):
        return profile
    if isinstance(profile, str) and profile in PROFILES:
        return PROFILES[profile]
    raise ValueError(f"{unknown} {profile!r}; expected one of {', '.join(PROFILES)} or a NabProfile.")


def check_windows(n_rows: int, windows: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Windows as sorted, disjoint, inclusive (start, end) row ranges inside [0, n_rows)."""
    checked = []
    for window in windows:
        try:
            a, b = (int(v) for v in window)
        except (TypeError, ValueError):
            raise ValueError(f"windows must be (start, end) pairs of row numbers; got {window!r}.") from None
        if not 0 <= a <= b < n_rows:
            raise ValueError(f"window ({a}, {b}) is not an inclusive row range inside the {n_rows} rows; "
                             f"expected 0 <= start <= end < {n_rows}.")
        if checked and a <= checked[-1][1]:
            raise ValueError(f"windows must be sorted and disjoint; ({a}, {b}) starts at or before the end of "
                             f"{checked[-1]}. Merge overlapping windows first, as NAB does.")
        checked.append((a, b))
    return checked
