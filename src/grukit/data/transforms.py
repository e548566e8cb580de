"""The log transform for series with multiplicative seasonality, composed with the z-score scaler.

    z = (log(y) - mean_) / scale_          y = exp(z * scale_ + mean_)

``mean_`` and ``scale_`` are those of log(y) over the train rows, so the network forecasts
log-ratios to the series' train level: seasonal swings that grow with the level (airline
passengers, retail sales) become swings of constant size. Forecasts come back through exp, so
they are always > 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from grukit.data.scaling import StandardScaler
from grukit.errors import DataError

__all__ = ["LogScaler", "log_transform", "inverse_log_transform", "scaler_from_dict"]


def log_transform(values: np.ndarray) -> np.ndarray:
    """z = log(y), elementwise; every y must be > 0.

    Example:
        >>> log_transform(np.array([1.0, np.e])).tolist()
        [0.0, 1.0]
    """
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size and finite.min() <= 0:
        raise DataError(f"transform='log' needs every target value > 0; got a minimum of {finite.min():g}. "
                        f"Shift the series above 0 or use transform='none'.")
    return np.log(values)


def inverse_log_transform(values: np.ndarray) -> np.ndarray:
    """y = exp(z), elementwise: forecasts on the log scale back to the original one.

    Example:
        >>> inverse_log_transform(np.array([0.0])).tolist()
        [1.0]
    """
    return np.exp(np.asarray(values, dtype=np.float64))


class LogScaler:
    """``StandardScaler`` of log(y): the same contract (fit, transform, inverse_transform, to_dict).

    ``standardize=False`` keeps only the log (for ``scaler="none"``).

    Example:
        >>> scaler = LogScaler().fit(np.array([[1.0], [np.e ** 2]]))
        >>> scaler.transform(np.array([[np.e]])).tolist()
        [[0.0]]
        >>> scaler.inverse_transform(np.array([[1.0]])).round(6).tolist()
        [[7.389056]]
    """

    def __init__(self, standardize: bool = True) -> None:
        self.standardize = standardize
        self.inner_ = StandardScaler()  # the z-score of log(y)

    @property
    def mean_(self) -> np.ndarray | None:
        return self.inner_.mean_

    @property
    def scale_(self) -> np.ndarray | None:
        return self.inner_.scale_

    def fit(self, values: np.ndarray) -> LogScaler:
        """Learn the z-score of log(values) (N, C); identity statistics when ``standardize`` is False."""
        logged = log_transform(values)
        if self.standardize:
            self.inner_.fit(logged)
        else:
            width = np.shape(logged)[-1]
            self.inner_ = StandardScaler.from_dict({"mean": [0.0] * width, "scale": [1.0] * width})
        return self

    def transform(self, values: np.ndarray, channels: Sequence[int] | None = None) -> np.ndarray:
        """z = (log(y) - mean_) / scale_ over the last axis."""
        return self.inner_.transform(log_transform(values), channels)

    def inverse_transform(self, values: np.ndarray, channels: Sequence[int] | None = None) -> np.ndarray:
        """y = exp(z * scale_ + mean_) over the last axis, e.g. on forecasts (B, K, C)."""
        return inverse_log_transform(self.inner_.inverse_transform(values, channels))

    def to_dict(self) -> dict:
        """JSON-able state: ``{"transform": "log", "mean": [...], "scale": [...]}`` (statistics of log(y))."""
        return {"transform": "log", **self.inner_.to_dict()}

    def __repr__(self) -> str:
        return f"LogScaler({self.inner_!r})"


def scaler_from_dict(state: dict) -> StandardScaler | LogScaler:
    """Rebuild a fitted ``StandardScaler`` or ``LogScaler`` from its ``to_dict()`` output."""
    if isinstance(state, dict) and state.get("transform") == "log":
        scaler = LogScaler()
        scaler.inner_ = StandardScaler.from_dict({k: v for k, v in state.items() if k != "transform"})
        return scaler
    return StandardScaler.from_dict(state)
