"""The log transform for series with multiplicative seasonality, and its inverse (pure functions).

Fitted models see z = log(y); forecasts come back as y_hat = exp(z_hat). With a z-score scaler
after it, ``scaler(log(y))``, the network forecasts log-ratios to the series' train level, so
seasonal swings that grow with the level become swings of constant size.
"""

from __future__ import annotations

import numpy as np


def log_transform(values: np.ndarray) -> np.ndarray:
    """z = log(y), elementwise; every y must be > 0.

    Example:
        >>> log_transform(np.array([1.0, np.e])).tolist()
        [0.0, 1.0]
    """
    values = np.asarray(values, dtype=np.float64)
    if not (values > 0).all():
        raise ValueError(f"log_transform: every value must be > 0; got a minimum of {values.min()}. "
                         f"Shift the series or do without the log transform.")
    return np.log(values)


def inverse_log_transform(values: np.ndarray) -> np.ndarray:
    """y = exp(z), elementwise: forecasts on the log scale back to the original one.

    Example:
        >>> inverse_log_transform(np.array([0.0])).tolist()
        [1.0]
    """
    return np.exp(np.asarray(values, dtype=np.float64))
