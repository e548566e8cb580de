"""Flagged stretches and window-level precision, recall and F1.

A flagged stretch is a maximal run of consecutive flagged rows. Against label windows (inclusive
row ranges):

    TP = label windows with at least one flagged row inside         (a detected window)
    FP = flagged stretches that touch no label window                (a false alarm)
    FN = label windows with no flagged row
    precision = TP / (TP + FP)     recall = TP / (TP + FN)     F1 = 2 P R / (P + R)

Precision is 0 when nothing is flagged, and F1 is 0 when P + R = 0. Rows before ``start`` (the
unscored probationary period on NAB) are ignored: flags there are dropped and a window that ends
before ``start`` is not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from grukit.detect.nab_score import check_windows

__all__ = ["WindowMetrics", "flagged_stretches", "window_metrics"]


@dataclass(frozen=True)
class WindowMetrics:
    """Window-level detection quality of one file."""

    precision: float  # TP / (TP + FP); 0 when nothing is flagged
    recall: float  # TP / (TP + FN)
    f1: float  # 2 P R / (P + R); 0 when both are 0
    detected_windows: int  # TP: label windows with a flagged row
    windows: int  # TP + FN: label windows counted
    false_stretches: int  # FP: flagged stretches outside every label window
    stretches: int  # all flagged stretches counted

    def to_dict(self) -> dict:
        return asdict(self)


def flagged_stretches(flags: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True in ``flags`` (N,) as inclusive (start, end) row ranges.

    Example:
        >>> flagged_stretches(np.array([0, 1, 1, 0, 0, 1], dtype=bool))
        [(1, 2), (5, 5)]
    """
    flags = _as_flags(flags)
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)  # (N + 2,)
    edges = np.diff(padded)  # +1 where a run starts, -1 one past where it ends
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(a), int(b) - 1) for a, b in zip(starts, stops)]


def window_metrics(flags: np.ndarray, windows: Sequence[tuple[int, int]], start: int = 0) -> WindowMetrics:
    """Window-level precision, recall and F1 of ``flags`` (N,) against inclusive row ``windows``.

    Example:
        >>> flags = np.zeros(100, dtype=bool); flags[[12, 13, 50, 80]] = True
        >>> m = window_metrics(flags, [(10, 19), (60, 69)])
        >>> m.detected_windows, m.false_stretches, m.precision, m.recall
        (1, 2, 0.3333333333333333, 0.5)
    """
    flags = _as_flags(flags).copy()
    windows = [w for w in check_windows(flags.size, windows) if w[1] >= start]
    flags[:start] = False
    inside = np.zeros(flags.size, dtype=bool)
    for a, b in windows:
        inside[a : b + 1] = True
    stretches = flagged_stretches(flags)
    false = sum(1 for a, b in stretches if not inside[a : b + 1].any())
    detected = sum(1 for a, b in windows if flags[a : b + 1].any())
    precision = detected / (detected + false) if detected + false else 0.0
    recall = detected / len(windows) if windows else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return WindowMetrics(precision, recall, f1, detected, len(windows), false, len(stretches))


def _as_flags(flags: np.ndarray) -> np.ndarray:
    array = np.asarray(flags)
    if array.ndim != 1 or (array.size and array.dtype != bool):
        raise ValueError(f"flags must be a 1-D boolean array (N,); got dtype {array.dtype} and shape {array.shape}.")
    return array
