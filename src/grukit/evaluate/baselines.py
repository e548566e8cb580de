"""Simple benchmark forecasts, made from the same input windows as the model's.

Shapes use the legend of :mod:`grukit.nn.functional`; a batch B holds windows.

Every baseline takes ``history`` (B, T, C), the last T observed values before each window's
forecast in the original scale, and the horizon K, and returns forecasts (B, K, C) as float64.
Below, y_1 .. y_T are one window's history for one channel and h = 1 .. K.
A model worth keeping should beat all of them on the same test windows.
"""

from __future__ import annotations

import numpy as np

from grukit.evaluate._checks import as_finite_array, check_positive_int

__all__ = ["naive", "seasonal_naive", "drift", "mean", "all_baselines"]


def naive(history: object, horizon: int) -> np.ndarray:
    """Repeat the last observed value.

    yhat_{T+h} = y_T

    Example:
        >>> naive([[[1.0], [3.0]]], 2)[0, :, 0]
        array([3., 3.])
    """
    x = _as_history("naive", history)
    k = check_positive_int("naive", "horizon", horizon)
    return np.repeat(x[:, -1:, :], k, axis=1)  # (B, K, C)


def seasonal_naive(history: object, horizon: int, season_length: int) -> np.ndarray:
    """Repeat the last observed season.

    yhat_{T+h} = y_{T+h-m*ceil(h/m)}        (m = season_length)

    With m = 1 this is :func:`naive`. When the history is shorter than one season (L < m) there
    is no full season to repeat, so it falls back to :func:`naive`.

    Example:
        >>> seasonal_naive([[[1.0], [2.0], [3.0], [4.0]]], 5, season_length=2)[0, :, 0]
        array([3., 4., 3., 4., 3.])
    """
    x = _as_history("seasonal_naive", history)
    k = check_positive_int("seasonal_naive", "horizon", horizon)
    m = check_positive_int("seasonal_naive", "season_length", season_length)
    lookback = x.shape[1]
    if lookback < m:
        return naive(x, k)
    # T+h-m*ceil(h/m) as an index into the window (y_T at T-1) is T-m + (h-1) mod m.
    index = lookback - m + (np.arange(k) % m)  # (K,)
    return x[:, index, :]  # (B, K, C)


def drift(history: object, horizon: int) -> np.ndarray:
    """Extend the line through the first and the last value (Hyndman & Athanasopoulos' drift method).

    yhat_{T+h} = y_T + h * (y_T - y_1) / (T - 1)

    A one-step history (T = 1) has no slope and gives the naive forecast.

    Example:
        >>> drift([[[1.0], [2.0], [5.0]]], 2)[0, :, 0]   # slope (5 - 1) / 2 = 2
        array([7., 9.])
    """
    x = _as_history("drift", history)
    k = check_positive_int("drift", "horizon", horizon)
    lookback = x.shape[1]
    last = x[:, -1, :]  # (B, C)
    slope = (last - x[:, 0, :]) / (lookback - 1) if lookback > 1 else np.zeros_like(last)  # (B, C)
    steps = np.arange(1, k + 1, dtype=np.float64)  # (K,)
    return last[:, None, :] + steps[None, :, None] * slope[:, None, :]  # (B, K, C)


def mean(history: object, horizon: int) -> np.ndarray:
    """Repeat the mean of the history window.

    yhat_{T+h} = 1/T * sum_{t=1}^{T} y_t

    Example:
        >>> mean([[[1.0], [2.0], [6.0]]], 2)[0, :, 0]
        array([3., 3.])
    """
    x = _as_history("mean", history)
    k = check_positive_int("mean", "horizon", horizon)
    return np.repeat(x.mean(axis=1, keepdims=True), k, axis=1)  # (B, K, C)


def all_baselines(history: object, horizon: int, season_length: int = 1) -> dict[str, np.ndarray]:
    """Every baseline on the same windows: {"naive", "seasonal_naive", "drift", "mean"} -> (B, K, C).

    Example:
        >>> sorted(all_baselines(np.zeros((2, 8, 1)), 3, season_length=4))
        ['drift', 'mean', 'naive', 'seasonal_naive']
    """
    x = _as_history("all_baselines", history)
    return {
        "naive": naive(x, horizon),
        "seasonal_naive": seasonal_naive(x, horizon, season_length),
        "drift": drift(x, horizon),
        "mean": mean(x, horizon),
    }


def _as_history(owner: str, history: object) -> np.ndarray:
    """``history`` as a finite float64 array (B, T, C) with T >= 1."""
    x = as_finite_array(owner, "history", history)
    if x.ndim != 3:
        raise ValueError(
            f"{owner}: history must be 3-D (B, T, C); got a {x.ndim}-D array of shape {x.shape}. "
            f"For a single window of shape (T, C) add a batch axis, e.g. history[None]."
        )
    if x.shape[1] == 0:
        raise ValueError(f"{owner}: history must hold at least one step (T >= 1); got shape {x.shape}.")
    return x
