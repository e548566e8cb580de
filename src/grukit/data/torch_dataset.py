"""``WindowDataset``: (lookback, horizon) windows over many series for a torch ``DataLoader``.

The only file of ``grukit.data`` that imports torch. Each item is cut from its series as a tensor
view (basic slicing, no copy); the ``DataLoader``'s collate then stacks a batch.

For index entry (s, start) (shapes use the legend of :mod:`grukit.nn.functional`):

    x      = inputs[s][start : start + T]                     (T, I)
    y      = targets[s][start + T : start + T + K]            (K, C)
    future = known_future[s][start + T : start + T + K]       (K, F)   only with known_future
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from grukit.data.checks import check_positive_int
from grukit.errors import DataError

__all__ = ["WindowDataset"]


class WindowDataset(torch.utils.data.Dataset):
    """Windows over per-series arrays, returned as float32 tensors.

    Args:
        inputs: per series (N_i, I): scaled targets, past covariates and calendar features.
        targets: per series (N_i, C): the scaled values to forecast.
        index: (W, 2) int pairs (series, start), e.g. from ``window_index``.
        lookback: T, the input rows per window.
        horizon: K, the target rows per window.
        known_future: per series (N_i, F), features known ahead (calendar); None for none.

    Items are ``(x (T, I), y (K, C))``, plus ``future (K, F)`` when ``known_future`` is given.
    float32 inputs are used without copying, so items share memory with the arrays passed in.

    Example:
        >>> values = np.arange(10.0)[:, None]
        >>> ds = WindowDataset([values], [values], np.array([[0, 0], [0, 5]]), lookback=3, horizon=2)
        >>> x, y = ds[1]
        >>> x.squeeze(-1).tolist(), y.squeeze(-1).tolist()
        ([5.0, 6.0, 7.0], [8.0, 9.0])
    """

    def __init__(
        self,
        inputs: Sequence[np.ndarray],
        targets: Sequence[np.ndarray],
        index: np.ndarray,
        lookback: int,
        horizon: int,
        known_future: Sequence[np.ndarray] | None = None,
    ) -> None:
        self.lookback = check_positive_int("lookback", lookback)
        self.horizon = check_positive_int("horizon", horizon)
        self.inputs = [_tensor(a, f"inputs[{i}]") for i, a in enumerate(inputs)]  # (N_i, I) each
        self.targets = [_tensor(a, f"targets[{i}]") for i, a in enumerate(targets)]  # (N_i, C) each
        self.known_future = None
        if known_future is not None:
            self.known_future = [_tensor(a, f"known_future[{i}]") for i, a in enumerate(known_future)]
        self._check_rows()
        self.index = _check_index(index, [len(a) for a in self.inputs], self.lookback + self.horizon)  # (W, 2)

    def __len__(self) -> int:
        return int(self.index.shape[0])

    def __getitem__(self, item: int) -> tuple[torch.Tensor, ...]:
        series, start = (int(v) for v in self.index[item])
        cut = start + self.lookback
        x = self.inputs[series][start:cut]  # (T, I), a view
        y = self.targets[series][cut : cut + self.horizon]  # (K, C), a view
        if self.known_future is None:
            return x, y
        return x, y, self.known_future[series][cut : cut + self.horizon]  # + (K, F)

    def _check_rows(self) -> None:
        groups = [("targets", self.targets)]
        if self.known_future is not None:
            groups.append(("known_future", self.known_future))
        for name, arrays in groups:
            if len(arrays) != len(self.inputs):
                raise DataError(
                    f"WindowDataset got {len(self.inputs)} input arrays but {len(arrays)} {name} arrays; "
                    f"give one per series."
                )
            for i, (a, b) in enumerate(zip(self.inputs, arrays)):
                if a.shape[0] != b.shape[0]:
                    raise DataError(
                        f"WindowDataset: series {i} has {a.shape[0]} input rows but {b.shape[0]} {name} rows; "
                        f"all arrays of a series need the same rows."
                    )


def _tensor(values: np.ndarray, name: str) -> torch.Tensor:
    """A float32 tensor over ``values`` (N, C): no copy when it is already float32 and writable."""
    array = np.ascontiguousarray(values, dtype=np.float32)
    if array.ndim != 2:
        raise DataError(f"WindowDataset: {name} must be a 2-D array (N, C); got shape {array.shape}.")
    if not array.flags.writeable:
        array = array.copy()
    return torch.from_numpy(array)


def _check_index(index: np.ndarray, rows: list[int], window: int) -> np.ndarray:
    """(W, 2) int64 (series, start) pairs whose windows lie inside their series."""
    index = np.asarray(index)
    if index.ndim != 2 or index.shape[1] != 2 or (index.size and not np.issubdtype(index.dtype, np.integer)):
        raise DataError(f"WindowDataset: index must be a (W, 2) integer array of (series, start); got shape {index.shape}.")
    index = index.astype(np.int64).reshape(-1, 2)
    series, starts = index[:, 0], index[:, 1]  # (W,), (W,)
    known = (series >= 0) & (series < len(rows))
    n_rows = np.asarray(rows + [0], dtype=np.int64)[np.where(known, series, len(rows))]  # (W,), 0 if unknown
    bad = np.flatnonzero(~known | (starts < 0) | (starts + window > n_rows))
    if bad.size:
        s, start = (int(v) for v in index[bad[0]])
        has = f"has {rows[s]} rows" if known[bad[0]] else f"does not exist ({len(rows)} series)"
        raise DataError(
            f"WindowDataset: window (series {s}, start {start}) needs rows [{start}, {start + window}) but the "
            f"series {has}; build the index with window_index."
        )
    return index
