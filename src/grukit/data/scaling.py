"""Per-channel z-score scaling, fitted on the train rows only.

    z = (x - mean_) / scale_          x = z * scale_ + mean_

``mean_`` and ``scale_`` are the per-channel mean and population standard deviation (ddof=0) of the
rows given to ``fit``: pass the train rows only, so nothing about the val/test rows leaks into the
model. A (near-)constant channel, std <= 10 * eps * max(1, |mean|), gets ``scale_ = 1`` so it maps
to 0 instead of dividing by zero. One scaler per series: series on different scales stay apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from grukit.errors import DataError

__all__ = ["StandardScaler", "fit_scalers"]


class StandardScaler:
    """Z-score each channel with statistics learned by ``fit`` (scikit-learn's contract).

    Shapes: fit takes (N, C); transform / inverse_transform take (..., C), so windows (B, T, C) and
    forecasts (B, K, C) work as they are.

    Example:
        >>> scaler = StandardScaler().fit(np.array([[1.0, 5.0], [3.0, 5.0]]))
        >>> scaler.mean_.tolist(), scaler.scale_.tolist()
        ([2.0, 5.0], [1.0, 1.0])
        >>> scaler.transform(np.array([[3.0, 5.0]])).tolist()
        [[1.0, 0.0]]
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None  # (C,) per-channel mean of the fitted rows
        self.scale_: np.ndarray | None = None  # (C,) per-channel std of the fitted rows, 1 if constant

    def fit(self, values: np.ndarray) -> StandardScaler:
        """Learn ``mean_`` and ``scale_`` from ``values`` (N, C); returns ``self``."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2:
            raise DataError(
                f"StandardScaler.fit expects a 2-D array (N, C) of train rows; got shape {values.shape}."
            )
        if values.shape[0] == 0:
            raise DataError("cannot fit StandardScaler on 0 rows; pass the train rows (N, C) with N >= 1.")
        bad = np.flatnonzero(~np.isfinite(values).all(axis=0))
        if bad.size:
            raise DataError(
                f"cannot fit StandardScaler: channel {int(bad[0])} has missing or infinite values; fill them "
                f"first, e.g. load_series(..., missing='interpolate')."
            )
        mean = values.mean(axis=0)  # (C,)
        std = values.std(axis=0)  # (C,) ddof=0
        constant = std <= 10 * np.finfo(np.float64).eps * np.maximum(1.0, np.abs(mean))
        self.mean_ = mean
        self.scale_ = np.where(constant, 1.0, std)
        return self

    def transform(self, values: np.ndarray, channels: Sequence[int] | None = None) -> np.ndarray:
        """z = (x - mean_) / scale_ over the last axis; ``channels`` picks fitted channels for x's last axis."""
        mean, scale = self._stats(values, channels)
        return (np.asarray(values, dtype=np.float64) - mean) / scale

    def inverse_transform(self, values: np.ndarray, channels: Sequence[int] | None = None) -> np.ndarray:
        """x = z * scale_ + mean_ over the last axis, e.g. on forecasts (B, K, C).

        ``channels`` names which fitted channels the last axis holds, e.g. ``[6]`` for OT alone when
        the scaler was fitted on all 7 ETT channels.
        """
        mean, scale = self._stats(values, channels)
        return np.asarray(values, dtype=np.float64) * scale + mean

    def to_dict(self) -> dict:
        """JSON-able state: ``{"mean": [...], "scale": [...]}``."""
        self._check_fitted()
        return {"mean": self.mean_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, state: dict) -> StandardScaler:
        """Rebuild a fitted scaler from ``to_dict()`` output."""
        if not isinstance(state, dict) or set(state) != {"mean", "scale"}:
            got = sorted(state) if isinstance(state, dict) else type(state).__name__
            raise DataError(f"invalid StandardScaler state: expected the keys ['mean', 'scale']; got {got}.")
        mean = np.asarray(state["mean"], dtype=np.float64)
        scale = np.asarray(state["scale"], dtype=np.float64)
        if mean.ndim != 1 or mean.shape != scale.shape or not (scale > 0).all():
            raise DataError(
                f"invalid StandardScaler state: mean and scale must be lists of equal length with scale > 0; "
                f"got {len(np.atleast_1d(mean))} means and {len(np.atleast_1d(scale))} scales."
            )
        scaler = cls()
        scaler.mean_, scaler.scale_ = mean, scale
        return scaler

    def _check_fitted(self) -> None:
        if self.mean_ is None:
            raise DataError("StandardScaler is not fitted; call fit(train_values) first.")

    def _stats(self, values: np.ndarray, channels: Sequence[int] | None) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        mean, scale = self.mean_, self.scale_
        if channels is not None:
            index = np.asarray(channels, dtype=np.int64)
            if index.size and (index.min() < 0 or index.max() >= mean.shape[0]):
                raise DataError(
                    f"channels {list(index)} are out of range; the scaler was fitted on {mean.shape[0]} channels."
                )
            mean, scale = mean[index], scale[index]
        width = np.shape(values)[-1] if np.ndim(values) else None
        if width != mean.shape[0]:
            raise DataError(
                f"StandardScaler expects {mean.shape[0]} channels in the last axis; got shape {np.shape(values)}; "
                f"pass arrays shaped (..., {mean.shape[0]}) or choose channels."
            )
        return mean, scale

    def __repr__(self) -> str:
        fitted = "unfitted" if self.mean_ is None else f"{self.mean_.shape[0]} channels"
        return f"StandardScaler({fitted})"


def fit_scalers(arrays: Sequence[np.ndarray], train_ranges: Sequence[tuple[int, int]]) -> list[StandardScaler]:
    """One ``StandardScaler`` per series, fitted on its train rows ``arrays[i][start:stop]`` only.

    Typical use: ``fit_scalers([s.target for s in ss.series], [r["train"] for r in ranges])``.

    Example:
        >>> [s.mean_.tolist() for s in fit_scalers([np.arange(4.0)[:, None]], [(0, 2)])]
        [[0.5]]
    """
    if len(arrays) != len(train_ranges):
        raise DataError(
            f"fit_scalers got {len(arrays)} arrays but {len(train_ranges)} train ranges; give one range per series."
        )
    return [StandardScaler().fit(np.asarray(a)[start:stop]) for a, (start, stop) in zip(arrays, train_ranges)]
