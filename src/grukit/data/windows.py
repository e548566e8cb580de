"""Sliding windows over a series, as views: no window is ever copied out of its series.

A window starting at row s takes ``lookback`` input rows and the ``horizon`` rows that follow
(shapes use the legend of :mod:`grukit.nn.functional`):

    x = values[s : s + lookback]                        (T, C)
    y = values[s + lookback : s + lookback + horizon]   (K, C)

A start s is valid inside a row range [start, stop) when start <= s and s + lookback + horizon <= stop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from grukit.data.checks import check_positive_int
from grukit.errors import DataError

__all__ = ["sliding_windows", "window_index", "window_starts"]


def window_starts(start: int, stop: int, lookback: int, horizon: int, stride: int = 1) -> np.ndarray:
    """Valid window starts in [start, stop): start, start + stride, ... up to stop - lookback - horizon.

    Returns an int64 array (W,); empty when the range is shorter than lookback + horizon.

    Example:
        >>> window_starts(0, 10, lookback=4, horizon=2, stride=2).tolist()
        [0, 2, 4]
    """
    lookback = check_positive_int("lookback", lookback)
    horizon = check_positive_int("horizon", horizon)
    stride = check_positive_int("stride", stride)
    if start < 0 or stop < start:
        raise DataError(f"invalid row range ({start}, {stop}); expected 0 <= start <= stop.")
    last = stop - lookback - horizon  # the last valid start
    return np.arange(start, max(last + 1, start), stride, dtype=np.int64)


def window_index(
    ranges: Sequence[tuple[int, int] | None], lookback: int, horizon: int, stride: int = 1
) -> np.ndarray:
    """All (series, start) pairs for one row range per series (None = no range): int64 (W, 2).

    Example:
        >>> window_index([(0, 4), None, (1, 5)], lookback=2, horizon=1).tolist()
        [[0, 0], [0, 1], [2, 1], [2, 2]]
    """
    parts = [np.zeros((0, 2), dtype=np.int64)]
    for series, row_range in enumerate(ranges):
        if row_range is None:
            continue
        starts = window_starts(row_range[0], row_range[1], lookback, horizon, stride)  # (W,)
        parts.append(np.stack([np.full_like(starts, series), starts], axis=1))  # (W, 2)
    return np.concatenate(parts, axis=0)


def sliding_windows(values: np.ndarray, length: int, stride: int = 1) -> np.ndarray:
    """Every ``length``-row window of ``values`` (N, C) as a read-only view (W, length, C).

    Window w is ``values[w * stride : w * stride + length]``; W = (N - length) // stride + 1. No data are
    copied (``np.shares_memory(windows, values)`` is True).

    Example:
        >>> sliding_windows(np.arange(5.0)[:, None], 3)[:, :, 0].tolist()
        [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]]
    """
    length = check_positive_int("length", length)
    stride = check_positive_int("stride", stride)
    if values.ndim != 2:
        raise DataError(f"sliding_windows expects a 2-D array (N, C); got shape {values.shape}.")
    if values.shape[0] < length:
        raise DataError(
            f"sliding_windows needs at least {length} rows for one window; got {values.shape[0]}."
        )
    windows = np.lib.stride_tricks.sliding_window_view(values, length, axis=0)  # (N - length + 1, C, length)
    return np.moveaxis(windows, -1, 1)[::stride]  # (W, length, C)
