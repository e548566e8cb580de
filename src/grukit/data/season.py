"""Seasonality from the values: the autocorrelation test of the Theta method, and a panel's season length.

Shapes use the legend of :mod:`grukit.nn.functional`; a panel is (S, T), one series per row. A
panel with series of different lengths is left-padded with NaN to a common T; a row's values are
its real rows (no NaN after the first real one).

A frequency (monthly, hourly, ...) names the season; integer steps do not, so
:func:`detect_season` reads it from the data: the candidate period that most series show.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

__all__ = ["CANDIDATE_SEASONS", "acf", "detect_season", "seasonal_test"]

CANDIDATE_SEASONS = (4, 7, 12, 24, 52)  # quarters, weekdays, months, hours, weeks: the usual periods
SHARE = 0.2  # detect_season: the least share of series whose differences pass the test at the period
LEVEL = 0.90  # seasonal_test: two-sided confidence of the test, as the Theta method (Hyndman & Billah 2003)


def acf(x: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelations r_1 .. r_max_lag of each row, NaN rows (padding) left out: (S, max_lag).

        r_k = sum_t (x_t - xbar)(x_{t-k} - xbar) / sum_t (x_t - xbar)^2     over the row's real values

    A constant row gives zeros.

    Example:
        >>> acf(np.array([[1.0, 2.0, 1.0, 2.0, 1.0, 2.0]]), 2).round(3)
        array([[-0.833,  0.667]])
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))  # (S, T)
    real = ~np.isnan(x)
    count = np.maximum(real.sum(axis=1, keepdims=True), 1)
    centred = np.where(real, x - np.nansum(np.where(real, x, 0.0), axis=1, keepdims=True) / count, 0.0)  # (S, T)
    denominator = (centred**2).sum(axis=1)  # (S,)
    lags = np.stack([(centred[:, k:] * centred[:, :-k]).sum(axis=1) for k in range(1, max_lag + 1)], axis=1)
    return np.divide(lags, denominator[:, None], out=np.zeros_like(lags), where=denominator[:, None] > 0)


def seasonal_test(x: np.ndarray, season_length: int, level: float = LEVEL) -> np.ndarray:
    """Whether each row is seasonal with period m: the Theta method's test, (S,) bool.

        |r_m| > z_{(1+level)/2} * sqrt((1 + 2 sum_{k<m} r_k^2) / n)

    with n the row's real values; rows with fewer than 3 m values, and m < 2, are not seasonal.

    Example:
        >>> seasonal_test(np.tile([1.0, 5.0, 2.0, 8.0], 6)[None], 4).tolist()
        [True]
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))  # (S, T)
    m = int(season_length)
    n = (~np.isnan(x)).sum(axis=1)  # (S,)
    if m < 2 or x.shape[1] < 3 * m:
        return np.zeros(len(x), dtype=bool)
    r = acf(x, m)  # (S, m)
    spread = np.sqrt((1 + 2 * (r[:, : m - 1] ** 2).sum(axis=1)) / np.maximum(n, 1))  # (S,)
    bound = NormalDist().inv_cdf((1 + level) / 2) * spread
    return (n >= 3 * m) & (np.abs(r[:, m - 1]) > bound)


def detect_season(x: np.ndarray, candidates: tuple[int, ...] = CANDIDATE_SEASONS, share: float = SHARE) -> int:
    """The season length of a panel without a frequency: the candidate that most series show, else 1.

    Each row's first differences (so a trend does not hide the season) are tested with
    :func:`seasonal_test` at each candidate m, counting only a positive r_m; the candidate passed
    by the largest share of the rows long enough to test wins if that share is at least ``share``
    (0.2), else there is no season (1). Chosen on the M3 training parts (BENCHMARKS.md): it finds
    12 for the monthly series, 4 for the quarterly ones and 1 for the yearly and "other" ones.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> detect_season(np.tile([1.0, 3.0, 2.0, 5.0], 12)[None] + rng.normal(0, 0.1, (3, 48)))
        4
        >>> detect_season(rng.normal(size=(3, 48)).cumsum(axis=1))
        1
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))  # (S, T)
    d = np.diff(x, axis=1)  # (S, T-1): NaN where either row is padding
    n = (~np.isnan(d)).sum(axis=1)
    best, best_share = 1, 0.0
    for m in candidates:
        testable = n >= 3 * m
        if not testable.any():
            continue
        positive = acf(d, m)[:, m - 1] > 0
        passed = seasonal_test(d, m) & positive & testable
        fraction = passed.sum() / testable.sum()
        if fraction > best_share:
            best, best_share = m, fraction
    return best if best_share >= share else 1
