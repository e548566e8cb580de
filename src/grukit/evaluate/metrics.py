"""Point-forecast accuracy: MAE, MSE, RMSE, MAPE, sMAPE and MASE as pure NumPy functions.

Shapes use the legend of :mod:`grukit.nn.functional`; a batch B holds windows.

Every metric takes ``y_true`` (actuals) and ``y_pred`` (forecasts) of one shape (..., K, C), in the
original scale of the data, averages over every element (all windows, steps and channels) and
returns a Python float. Inputs are converted to float64; NaN or inf is an error, not a silent NaN.
Lower is better for all six.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from grukit.errors import DataError
from grukit.evaluate._checks import as_finite_array, as_pair, check_positive_int

__all__ = ["mae", "mse", "rmse", "mape", "smape", "mase", "evaluate_all"]


def mae(y_true: object, y_pred: object) -> float:
    """Mean absolute error.

    MAE = 1/n * sum_i |y_i - yhat_i|        (n: every element of the (..., K, C) arrays)

    Example:
        >>> mae([[1.0], [2.0]], [[2.0], [4.0]])
        1.5
    """
    y, y_hat = as_pair("mae", y_true, y_pred)
    return float(np.mean(np.abs(y - y_hat)))


def mse(y_true: object, y_pred: object) -> float:
    """Mean squared error.

    MSE = 1/n * sum_i (y_i - yhat_i)^2

    Example:
        >>> mse([[1.0], [2.0]], [[2.0], [4.0]])
        2.5
    """
    y, y_hat = as_pair("mse", y_true, y_pred)
    return float(np.mean(np.square(y - y_hat)))


def rmse(y_true: object, y_pred: object) -> float:
    """Root mean squared error, in the unit of the data.

    RMSE = sqrt(1/n * sum_i (y_i - yhat_i)^2)

    Example:
        >>> rmse([[0.0], [0.0]], [[3.0], [-3.0]])
        3.0
    """
    y, y_hat = as_pair("rmse", y_true, y_pred)
    return float(np.sqrt(np.mean(np.square(y - y_hat))))


def mape(y_true: object, y_pred: object) -> float:
    """Mean absolute percentage error, in percent, over the points whose actual is not zero.

    MAPE = 100/n' * sum_{i: y_i != 0} |y_i - yhat_i| / |y_i|      (n': the number of such points)

    Points where the actual is exactly 0 are left out (the ratio is undefined there); when every
    actual is 0 the result is NaN. Prefer sMAPE or MASE for series that touch or cross zero.

    Example:
        >>> mape([[0.0], [2.0], [4.0]], [[5.0], [1.0], [5.0]])   # the 0 is skipped: (50 + 25) / 2
        37.5
    """
    y, y_hat = as_pair("mape", y_true, y_pred)
    nonzero = y != 0
    if not nonzero.any():
        return float("nan")
    return float(100.0 * np.mean(np.abs(y[nonzero] - y_hat[nonzero]) / np.abs(y[nonzero])))


def smape(y_true: object, y_pred: object) -> float:
    """Symmetric mean absolute percentage error, in percent (the M4 competition's definition).

    sMAPE = 200/n * sum_i |y_i - yhat_i| / (|y_i| + |yhat_i|)        (between 0 and 200)

    A term whose denominator is 0 (actual and forecast both exactly 0, a perfect forecast) counts
    as 0 and still counts in n.

    Example:
        >>> smape([[0.0], [1.0]], [[0.0], [3.0]])   # 200/2 * (0 + 2/4)
        50.0
    """
    y, y_hat = as_pair("smape", y_true, y_pred)
    denominator = np.abs(y) + np.abs(y_hat)
    terms = np.divide(np.abs(y - y_hat), denominator, out=np.zeros_like(y), where=denominator != 0)
    return float(200.0 * np.mean(terms))


def seasonal_naive_scale(y_train: np.ndarray, season_length: int) -> np.ndarray:
    """The in-sample MAE of the seasonal-naive forecast on one training series, per channel (MASE's scale;
    also used by :mod:`grukit.forecast.cross_validation`).

    scale_c = 1/(N - m) * sum_{t=m}^{N-1} |y_{t,c} - y_{t-m,c}|        y_train (N, C) -> (C,)
    """
    return np.mean(np.abs(y_train[season_length:] - y_train[:-season_length]), axis=0)


def mase(
    y_true: object,
    y_pred: object,
    y_train: object,
    season_length: int = 1,
    *,
    series_index: object = None,
) -> float:
    """Mean absolute scaled error (Hyndman & Koehler 2006).

    MASE = 1/n * sum_i |y_i - yhat_i| / scale_{s(i), c(i)}
    scale_{s,c} = 1/(N_s - m) * sum_{t=m}^{N_s-1} |y_{t,c} - y_{t-m,c}|   over the training part of series s

    Each error is divided by the in-sample MAE of the seasonal-naive forecast (season length m,
    use 1, the naive forecast, when the season is unknown) of its own series and channel, so it is
    the mean over channels of MAE_c / scale_c. Below 1: better than that in-sample benchmark.

    Args:
        y_true, y_pred: (..., K, C) actuals and forecasts; the last axis is the channel.
        y_train: the training part of one series as an array (N, C), or (N,) or a flat list of
            numbers for one channel; or a list (or tuple) of S such arrays, one per series. With
            several series, y_true's first axis indexes them (y_true is (S, ..., K, C)) unless
            ``series_index`` says which series each window is from.
        season_length: m, a positive integer smaller than every training series' length.
        series_index: optional (B,) integers in [0, S): the training series of each window
            y_true[b], for windows of several series concatenated along the first axis.

    Raises:
        DataError (a ValueError): a training series is too short for m, or a channel of it
            never changes over lag m (scale 0), which leaves MASE undefined.

    Example:
        >>> mase([[3.0]], [[5.0]], [1.0, 2.0, 4.0])   # scale = (1 + 2) / 2 = 1.5; MASE = 2 / 1.5
        1.3333333333333333
    """
    y, y_hat = as_pair("mase", y_true, y_pred)
    m = check_positive_int("mase", "season_length", season_length)
    if y.ndim < 2:
        raise ValueError(
            f"mase: y_true and y_pred must be at least 2-D (..., K, C) so that the last axis is the "
            f"channel; got shape {y.shape}. For one channel add an axis, e.g. y_true[:, None]."
        )
    per_series = isinstance(y_train, Sequence) and not _is_flat_numbers(y_train)
    if per_series and len(y_train) == 0:
        raise ValueError("mase: y_train is an empty list; pass one training array per series.")
    trains = {f"y_train[{s}]": train for s, train in enumerate(y_train)} if per_series else {"y_train": y_train}
    scales = np.stack([_train_scale(name, train, y.shape[-1], m) for name, train in trains.items()])  # (S, C)
    scale = _scale_per_window(scales, y.shape, per_series, series_index)
    return float(np.mean(np.abs(y - y_hat) / scale))


def evaluate_all(
    y_true: object,
    y_pred: object,
    y_train: object,
    season_length: int = 1,
    *,
    series_index: object = None,
) -> dict[str, float]:
    """All six metrics at once: {"mae", "rmse", "mse", "mape", "smape", "mase"} as Python floats.

    The arguments are those of :func:`mase`; see each metric for its equation and conventions.

    Example:
        >>> evaluate_all([[1.0], [2.0]], [[2.0], [4.0]], [0.0, 1.0])["mase"]
        1.5
    """
    return {
        "mae": mae(y_true, y_pred),
        "rmse": rmse(y_true, y_pred),
        "mse": mse(y_true, y_pred),
        "mape": mape(y_true, y_pred),
        "smape": smape(y_true, y_pred),
        "mase": mase(y_true, y_pred, y_train, season_length, series_index=series_index),
    }


def _is_flat_numbers(value: Sequence) -> bool:
    """A plain list of numbers is one single-channel series, not a list of series."""
    return len(value) > 0 and all(np.ndim(item) == 0 for item in value)


def _train_scale(name: str, train: object, channels: int, m: int) -> np.ndarray:
    """Check one training series and return its seasonal-naive scale (C,)."""
    array = as_finite_array("mase", name, train)
    if array.ndim == 1:
        array = array[:, None]  # (N, 1)
    if array.ndim != 2 or array.shape[1] != channels:
        raise ValueError(
            f"mase: {name} must be (N, C) with C={channels} channels like y_true; got shape {array.shape}."
        )
    if array.shape[0] <= m:
        raise DataError(
            f"mase: {name} has {array.shape[0]} training steps; the seasonal-naive scale needs more than "
            f"season_length={m}. Use a longer training part or a smaller season_length."
        )
    scale = seasonal_naive_scale(array, m)
    flat = np.flatnonzero(scale == 0)
    if flat.size:
        raise DataError(
            f"mase: channel {int(flat[0])} of {name} does not change over lag season_length={m} "
            f"(a constant series), so its seasonal-naive scale is 0 and MASE is undefined. "
            f"Drop that channel, try another season_length, or compare with MAE/RMSE instead."
        )
    return scale


def _scale_per_window(scales: np.ndarray, shape: tuple[int, ...], per_series: bool, series_index: object) -> np.ndarray:
    """Lay the (S, C) scales out so that they broadcast against errors of ``shape`` (..., K, C)."""
    count = scales.shape[0]
    middle = (1,) * (len(shape) - 2)
    if series_index is not None:
        index = np.asarray(series_index)
        if index.shape != shape[:1] or not np.issubdtype(index.dtype, np.integer):
            raise ValueError(
                f"mase: series_index must be {shape[:1]} integers, one per window y_true[b]; "
                f"got shape {index.shape} and dtype {index.dtype}."
            )
        if index.min() < 0 or index.max() >= count:
            raise ValueError(f"mase: series_index values must lie in [0, {count}) for {count} training series; "
                             f"got values from {index.min()} to {index.max()}.")
        return scales[index].reshape(shape[:1] + middle + shape[-1:])  # (B, 1.., C)
    if not per_series:
        return scales[0]  # (C,)
    if shape[0] != count:
        raise ValueError(
            f"mase: y_train lists {count} series, so y_true's first axis must index them (length {count}); "
            f"got shape {shape}. Pass series_index=(one series number per window) for concatenated windows."
        )
    return scales.reshape((count,) + middle + shape[-1:])  # (S, 1.., C)
