"""Argument checks shared by the metrics and the baselines.

Every message names the function and the argument, says what was expected and what was
received and, where there is one, how to fix it. The tests compare these texts exactly.
"""

from __future__ import annotations

import numbers

import numpy as np


def as_finite_array(owner: str, name: str, value: object) -> np.ndarray:
    """``value`` as a float64 array with no NaN or inf."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {name} must be an array of numbers; got {type(value).__name__}.") from None
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        raise ValueError(
            f"{owner}: {name} holds {bad} non-finite value(s) (NaN or inf) out of {array.size}; "
            f"drop or fill them before evaluating."
        )
    return array


def as_pair(owner: str, y_true: object, y_pred: object) -> tuple[np.ndarray, np.ndarray]:
    """Actuals and forecasts of one non-empty shape (..., K, C), as float64 arrays."""
    y = as_finite_array(owner, "y_true", y_true)
    y_hat = as_finite_array(owner, "y_pred", y_pred)
    if y.shape != y_hat.shape:
        raise ValueError(
            f"{owner}: y_true and y_pred must have the same shape (..., K, C); got {y.shape} and {y_hat.shape}."
        )
    if y.size == 0:
        raise ValueError(f"{owner}: y_true and y_pred are empty (shape {y.shape}); pass at least one value.")
    return y, y_hat


def check_positive_int(owner: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer; got {value!r}.")
    return int(value)
