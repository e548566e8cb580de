"""``LazyWindowDataset``: windows over very many series, located on demand, never listed.

All series are stacked row-wise in one array (a NumPy array, or a ``np.memmap`` when the data live
on disk), series s holding rows [offsets[s], offsets[s + 1]). The dataset keeps two int64 numbers
per series, the first window's row and the running count of windows, and finds window i by a binary
search over the counts. Its memory is O(series), whatever the number of windows; the rows of a
window are read (gathered into float32) only when it is drawn, a batch at a time, so a training
run holds at most a batch of windows.

With w_s windows in series s and ends_s = w_0 + ... + w_s, item i is (shapes use the legend of
:mod:`grukit.nn.functional`):

    s      = the first series with ends_s > i
    start  = first_s + (i - ends_s + w_s) * stride                the window's first row in the stack
    x      = inputs[start : start + T]                            (T, I)
    y      = targets[start + T : start + T + K]                   (K, C)
    future = known_future[start + T : start + T + K]              (K, F)   only with known_future

which is item i of ``WindowDataset`` over the same series with ``window_index(ranges, ...)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from grukit.data.checks import check_positive_int
from grukit.errors import DataError

__all__ = ["LazyWindowDataset", "stack_series", "save_series", "open_series"]


class LazyWindowDataset(torch.utils.data.Dataset):
    """(lookback, horizon) windows over stacked series, drawn lazily; float32 tensors.

    Args:
        inputs: (N, I), every series' input rows one after the other; np.memmap works as is.
        offsets: (S + 1,) int row offsets: series s is rows [offsets[s], offsets[s + 1]).
        lookback: T, the input rows per window.
        horizon: K, the target rows per window.
        targets: (N, C), the values to forecast; None: ``inputs`` themselves.
        known_future: (N, F), features known ahead (calendar); None for none.
        stride: rows between one window's start and the next within a series.
        ranges: (S, 2) int row ranges [lo, hi) inside each series (0 = its first row) that hold its
            windows, e.g. its training part; None: every row.

    Items are ``(x (T, I), y (K, C))``, plus ``future (K, F)`` with ``known_future``.

    Example:
        >>> values = np.arange(10.0)[:, None]                          # two series of 5 rows
        >>> ds = LazyWindowDataset(values, np.array([0, 5, 10]), lookback=3, horizon=1)
        >>> len(ds), [t.squeeze(-1).tolist() for t in ds[2]]           # the first window of series 1
        (4, [[5.0, 6.0, 7.0], [8.0]])
    """

    def __init__(
        self,
        inputs: np.ndarray,
        offsets: np.ndarray,
        lookback: int,
        horizon: int,
        *,
        targets: np.ndarray | None = None,
        known_future: np.ndarray | None = None,
        stride: int = 1,
        ranges: np.ndarray | None = None,
    ) -> None:
        self.lookback = check_positive_int("lookback", lookback)
        self.horizon = check_positive_int("horizon", horizon)
        self.stride = check_positive_int("stride", stride)
        self.inputs = _rows(inputs, "inputs", None)  # (N, I), kept as given: no copy
        self.targets = self.inputs if targets is None else _rows(targets, "targets", len(self.inputs))
        self.known_future = None if known_future is None else _rows(known_future, "known_future", len(self.inputs))
        offsets = _check_offsets(offsets, len(self.inputs))  # (S + 1,)
        lo, hi = _check_ranges(ranges, np.diff(offsets))  # (S,), (S,)
        span = self.lookback + self.horizon
        counts = np.maximum((hi - lo - span) // self.stride + 1, 0)  # (S,) windows per series
        self.first = offsets[:-1] + lo  # (S,) int64: each series' first window start, in stack rows
        self.ends = np.cumsum(counts)  # (S,) int64: windows in series 0..s

    @property
    def index_nbytes(self) -> int:
        """Bytes of the dataset's own arrays: 16 per series, whatever the number of windows."""
        return self.first.nbytes + self.ends.nbytes

    def __len__(self) -> int:
        return int(self.ends[-1]) if len(self.ends) else 0

    def starts(self, items: np.ndarray) -> np.ndarray:
        """The first stack row of each window in ``items`` (W,): an int64 array (W,)."""
        items = np.asarray(items, dtype=np.int64)
        bad = np.flatnonzero((items < 0) | (items >= len(self)))
        if bad.size:
            raise IndexError(f"LazyWindowDataset: window {items[bad[0]]} is out of range; "
                             f"there are {len(self)} windows.")
        series = np.searchsorted(self.ends, items, side="right")  # (W,)
        counts_before = np.where(series > 0, self.ends[series - 1], 0)  # (W,) windows in earlier series
        return self.first[series] + (items - counts_before) * self.stride

    def __getitem__(self, item: int) -> tuple[torch.Tensor, ...]:
        return self.__getitems__([item])[0]

    def __getitems__(self, items: list[int]) -> list[tuple[torch.Tensor, ...]]:
        """A batch of windows in one gather per array (the DataLoader calls this instead of B ``__getitem__``)."""
        cut = self.starts(items) + self.lookback  # (B,)
        past = cut[:, None] - self.lookback + np.arange(self.lookback)  # (B, T) row numbers
        ahead = cut[:, None] + np.arange(self.horizon)  # (B, K)
        parts = [_float32(self.inputs[past]), _float32(self.targets[ahead])]  # (B, T, I), (B, K, C)
        if self.known_future is not None:
            parts.append(_float32(self.known_future[ahead]))  # (B, K, F)
        return list(zip(*parts))


def stack_series(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per-series arrays (N_s, C) -> the stack (sum N_s, C) and its offsets (S + 1,).

    Example:
        >>> values, offsets = stack_series([np.zeros((3, 1)), np.ones((2, 1))])
        >>> values.shape, offsets.tolist()
        ((5, 1), [0, 3, 5])
    """
    if not arrays:
        raise DataError("stack_series needs at least one series; got none.")
    offsets = np.concatenate([[0], np.cumsum([len(a) for a in arrays])]).astype(np.int64)
    return np.concatenate([np.asarray(a).reshape(len(a), -1) for a in arrays], axis=0), offsets


def save_series(folder: str | Path, values: np.ndarray, offsets: np.ndarray) -> None:
    """Write ``values.npy`` and ``offsets.npy`` into ``folder``, for :func:`open_series`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "values.npy", np.asarray(values))
    np.save(folder / "offsets.npy", _check_offsets(offsets, len(values)))


def open_series(folder: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(values as a read-only np.memmap, offsets) from a :func:`save_series` folder; no row is read yet."""
    folder = Path(folder)
    for name in ("values.npy", "offsets.npy"):
        if not (folder / name).is_file():
            raise DataError(f"open_series: {folder / name} does not exist; write the folder with save_series.")
    return np.load(folder / "values.npy", mmap_mode="r"), np.load(folder / "offsets.npy")


def _float32(rows: np.ndarray) -> torch.Tensor:
    """A float32 tensor over ``rows``, rows gathered (so copied) from a possibly memory-mapped array."""
    return torch.from_numpy(np.asarray(rows, dtype=np.float32))


def _rows(values: np.ndarray, name: str, rows: int | None) -> np.ndarray:
    """``values`` as is when it is a 2-D array (an np.memmap stays one) with ``rows`` rows."""
    if not isinstance(values, np.ndarray) or values.ndim != 2:
        shape = getattr(values, "shape", None)
        raise DataError(f"LazyWindowDataset: {name} must be a 2-D NumPy array (N, C); got "
                        f"{type(values).__name__} of shape {shape}.")
    if rows is not None and len(values) != rows:
        raise DataError(f"LazyWindowDataset: {name} has {len(values)} rows but inputs have {rows}; "
                        f"stack the same rows of every series.")
    return values


def _check_offsets(offsets: np.ndarray, rows: int) -> np.ndarray:
    offsets = np.asarray(offsets)
    if (offsets.ndim != 1 or len(offsets) < 2 or not np.issubdtype(offsets.dtype, np.integer)
            or offsets[0] != 0 or offsets[-1] != rows or np.any(np.diff(offsets) < 0)):
        raise DataError(f"LazyWindowDataset: offsets must be S + 1 non-decreasing integers from 0 to the {rows} "
                        f"rows; got {offsets[:5].tolist()}{' ...' if len(offsets) > 5 else ''} "
                        f"(length {len(offsets)}); build them with stack_series.")
    return offsets.astype(np.int64)


def _check_ranges(ranges: np.ndarray | None, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) per series, each inside its series: 0 <= lo <= hi <= length."""
    if ranges is None:
        return np.zeros_like(lengths), lengths
    ranges = np.asarray(ranges)
    if ranges.shape != (len(lengths), 2) or not np.issubdtype(ranges.dtype, np.integer):
        raise DataError(f"LazyWindowDataset: ranges must be an ({len(lengths)}, 2) integer array of row ranges "
                        f"[lo, hi), one per series; got shape {ranges.shape}.")
    lo, hi = ranges[:, 0].astype(np.int64), ranges[:, 1].astype(np.int64)
    bad = np.flatnonzero((lo < 0) | (hi < lo) | (hi > lengths))
    if bad.size:
        s = int(bad[0])
        raise DataError(f"LazyWindowDataset: series {s} has rows [0, {lengths[s]}) but its range is "
                        f"[{lo[s]}, {hi[s]}); give 0 <= lo <= hi <= its length.")
    return lo, hi
