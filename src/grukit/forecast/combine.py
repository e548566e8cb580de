"""``combine="theta"``: the network's forecast combined with the Theta method's, weighted per series.

Shapes use the legend of :mod:`grukit.nn.functional`.

    yhat   = w f_net + (1 - w) f_theta
    yhat_q = f_net_q + (1 - w) (f_theta - f_net)       every quantile moves with the point forecast
    w      = e_theta / (e_net + e_theta)                per series and channel

f_net is the network's point forecast (the members' median; the 0.5 quantile of a quantile
model), f_theta the Theta method's (:func:`grukit.evaluate.theta.theta`) from the series' last
THETA_LOOKBACKS lookbacks of rows, both in original units. The weight comes from a backtest on the
series' own last K rows: e_net and e_theta are the mean absolute errors of the two forecasts made
K rows before the end (the network unchanged, Theta fitted on the rows before), so the method
that did better there counts more; equal errors, or a series too short for the backtest, give
w = 1/2. Where Theta cannot follow the data (a clean cycle the network has learned), w nears 1.
The same backtest picks Theta's coefficient per series and channel among ``theta_coefficients``
(1: no trend .. 3: two thirds of the slope): the one whose backtest forecast was closest (the
first of the closest on a tie; the classic 2, or the first listed, for a series too short).
Chosen on the M3 validation windows (BENCHMARKS.md): both sMAPE and MASE below the network alone
on every M3 group, below an equal-weight mean overall, and below the classic coefficient alone.
"""

from __future__ import annotations

import numpy as np

from grukit.forecast.columns import median_index
from grukit.forecast.pipeline import forecast_rows, last_rows

__all__ = ["chosen_theta", "network_weight", "theta_combined", "with_theta"]


def network_weight(net: np.ndarray, theta: np.ndarray, actual: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """The network's weight w (S, C) from the backtest forecasts ``net`` and ``theta`` (S, K, C) of ``actual``.

        w = e_theta / (e_net + e_theta),   e = 1/K sum_k |forecast_k - actual_k|

    1/2 for a series that is not ``usable`` (S,) (too short to backtest) or where both errors are 0.

    Example:
        >>> actual = np.zeros((2, 3, 1))
        >>> network_weight(actual + 1.0, actual + 3.0, actual, np.array([True, False]))[:, 0].tolist()
        [0.75, 0.5]
    """
    e_net = np.abs(net - actual).mean(axis=1)  # (S, C)
    e_theta = np.abs(theta - actual).mean(axis=1)
    total = e_net + e_theta
    weight = np.divide(e_theta, total, out=np.full_like(total, 0.5), where=total > 0)
    return np.where(np.asarray(usable, dtype=bool)[:, None], weight, 0.5)


def chosen_theta(histories: np.ndarray, actual: np.ndarray, usable: np.ndarray, horizon: int, season: int,
                 coefficients) -> np.ndarray:
    """Theta's forecasts (2S, K, C) after each series' end (rows :S) and at its backtest (rows S:).

    ``histories`` (2S, T, C): each series' last rows, then the same K rows earlier; ``actual``
    (S, K, C): its last K rows; ``usable`` (S,): long enough to backtest. Each series and channel
    takes the coefficient whose backtest forecast of ``actual`` had the lowest mean absolute error.

    Example:
        >>> y = np.arange(12.0)                                            # a straight line; K = 2
        >>> histories = np.stack([y, np.r_[np.nan, np.nan, y[:-2]]])[..., None]   # the series, 2 rows earlier
        >>> f = chosen_theta(histories, y[None, -2:, None], np.array([True]), 2, 1, [1.0, 3.0])
        >>> f[:, :, 0].round(2)            # theta 3 (2/3 of the slope) was closer on the backtest than 1 (none)
        array([[11.66, 12.33],
               [ 9.66, 10.33]])
    """
    from grukit.evaluate.theta import theta_family

    n = len(actual)
    family = theta_family(histories, horizon, season, coefficients)  # (F, 2S, K, C)
    errors = np.abs(family[:, n:] - actual).mean(axis=2)  # (F, S, C)
    fallback = list(coefficients).index(2.0) if 2.0 in coefficients else 0
    best = np.where(np.asarray(usable, dtype=bool)[:, None], errors.argmin(axis=0), fallback)  # (S, C)
    pick = np.concatenate([best, best])[None, :, None, :]  # (1, 2S, 1, C)
    return np.take_along_axis(family, pick, axis=0)[0]


def with_theta(values: np.ndarray, theta: np.ndarray, weight: np.ndarray, point: int = 0) -> np.ndarray:
    """The network's forecasts ``values`` (S, K, C, Q) moved towards ``theta`` (S, K, C) by 1 - ``weight`` (S, C).

    ``point``: the index along Q of the point forecast. Returns a new (S, K, C, Q) array.

    Example:
        >>> values = np.array([[[[1.0, 2.0, 4.0]]]])       # one step, quantiles 0.1, 0.5, 0.9
        >>> with_theta(values, np.full((1, 1, 1), 6.0), np.full((1, 1), 0.5), point=1)[0, 0, 0]
        array([3., 4., 6.])
    """
    shift = (1.0 - weight[:, None, :]) * (theta - values[..., point])  # (S, K, C)
    return values + shift[..., None]


def theta_combined(series_list: list, futures: list | None, network, config, season: int) -> np.ndarray:
    """The forecasts after each series' end (S, K, C, Q), the network's combined with Theta's.

    ``network(series_list, futures, cuts)`` gives the network's forecasts (S, K, C, Q) in original
    units after each series' end, less its last ``cuts`` rows; it runs once, on each series and on
    the series without its last K rows (the backtest), and Theta fits both in one call.
    ``futures``: each series' future covariates for the K steps after its end, or None; the
    backtest's are the series' own last K rows of those columns.
    """
    from grukit.forecast.defaults import theta_rows

    k, point, n = config.horizon, median_index(config.quantiles), len(series_list)
    need = forecast_rows(config)  # rows the network needs before the backtest's cutoff
    usable = np.array([len(s) - k >= need for s in series_list])  # (S,)
    cuts = [0] * n + [k if ok else 0 for ok in usable]  # the backtest: each usable series less its last K rows
    both_futures = None
    if futures is not None:
        f = len(config.future_covariates)
        both_futures = [*futures, *(s.past_covariates[-k:, -f:] if ok else g
                                    for s, g, ok in zip(series_list, futures, usable))]
    values = network([*series_list, *series_list], both_futures, cuts)  # (2S, K, C, Q): after the end, the backtest
    targets = [s.target[: len(s) - cut] for s, cut in zip([*series_list, *series_list], cuts)]
    actual = np.stack([s.target[-k:] if ok else np.zeros((k, s.target.shape[1]))
                       for s, ok in zip(series_list, usable)])  # (S, K, C)
    thetas = chosen_theta(last_rows(targets, theta_rows(config)), actual, usable, k, season,
                          config.theta_coefficients)  # (2S, K, C)
    weight = network_weight(values[n:, ..., point], thetas[n:], actual, usable)  # (S, C)
    return with_theta(values[:n], thetas[:n], weight, point)
