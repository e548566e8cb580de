"""From per-step errors to anomaly scores and a threshold: small pure functions on NumPy arrays.

Shape legend: N rows, C channels, T = lookback, W windows. An undefined score (a row too early to
have a full window behind it) is NaN and is never flagged.

    forecast residual error     e_t = mean_c (x_tc - x^_tc)^2,  x^_t forecast from x_{t-T} .. x_{t-1}   (t >= T)
    autoencoder window error    e_t = mean_{s = t-T+1 .. t} mean_c (x_sc - x^_sc)^2 over the window
                                ending at t, reconstructed as a whole                             (t >= T - 1)
    score                       s_t = (1/k) sum_{j=0}^{k-1} e_{t-j},   k = smoothing   (causal: no look-ahead)
    threshold                   tau = quantile_q(s_t over the validation rows);  flag_t = s_t >= tau
    alarm                       alarm_t = flag_t and no alarm in the rest_period steps before t

Both errors use only rows up to t, so a score could be computed as the stream arrives, as NAB requires.
"""

from __future__ import annotations

import numpy as np

from grukit.errors import DataError

__all__ = ["alarms_from_flags", "causal_mean", "flags_from_scores", "place_window_errors", "quantile_threshold"]

TAIL = 0.1  # the share of the largest validation scores a tail is fitted to


def place_window_errors(errors: np.ndarray, n_rows: int, last_row: int) -> np.ndarray:
    """Put one error per window, (W,), at the row its window ends on: (N,) with NaN before ``last_row``.

    Window w ends on row ``last_row + w``.

    Example:
        >>> place_window_errors(np.array([1.0, 2.0]), 4, last_row=2).tolist()
        [nan, nan, 1.0, 2.0]
    """
    out = np.full(n_rows, np.nan)
    out[last_row : last_row + len(errors)] = errors
    return out


def causal_mean(errors: np.ndarray, k: int) -> np.ndarray:
    """s_t = mean(e_{t-k+1} .. e_t), NaN until k defined errors lie behind t. Shapes: (N,) -> (N,).

    Example:
        >>> causal_mean(np.array([np.nan, 1.0, 3.0, 5.0]), 2).tolist()
        [nan, nan, 2.0, 4.0]
    """
    errors = np.asarray(errors, dtype=np.float64)
    if k == 1:
        return errors.copy()
    kernel = np.ones(k) / k
    valid = np.convolve(np.nan_to_num(errors), kernel, mode="full")[: errors.size]  # sum of the last k / k
    complete = np.convolve(np.isfinite(errors).astype(np.float64), np.ones(k), mode="full")[: errors.size] == k
    return np.where(complete, valid, np.nan)


def quantile_threshold(validation_scores: np.ndarray, q: float) -> float:
    """tau = the q-quantile of the scores' distribution, from the defined validation scores (n of them).

    Empirical (linear interpolation) while the sample reaches it, n (1 - q) >= 1; q = 1 is the largest
    score. Beyond the sample, a generalized Pareto tail is fitted to the excesses over
    t0 = the empirical (1 - TAIL) quantile (peaks over threshold; Pickands 1975, Siffer et al. 2017),
    by the method of moments on the N_t excesses y = s - t0 > 0 with mean m and variance v:

        gamma = (1 - m^2 / v) / 2,    sigma = m (1 + m^2 / v) / 2
        tau   = t0 + (sigma / gamma) ((n (1 - q) / N_t)^(-gamma) - 1)       (gamma = 0: t0 - sigma ln(n (1 - q) / N_t))

    so a quantile like 0.9999 can be set from a few hundred clean steps. With fewer than 3 distinct
    excesses the tail cannot be fitted and the largest score is returned.

    Example:
        >>> quantile_threshold(np.array([np.nan, 1.0, 2.0, 3.0, 4.0]), 0.5)
        2.5
        >>> scores = np.random.default_rng(0).exponential(size=2000)     # exp(1): the 0.9999 quantile is 9.21
        >>> round(quantile_threshold(scores, 0.9999), 2)
        9.55
    """
    scores = np.asarray(validation_scores, dtype=np.float64)
    scores = scores[np.isfinite(scores)]
    if scores.size == 0:
        raise DataError("no validation step has a score, so no threshold can be set; make the clean stretch "
                        "longer than lookback + smoothing rows, or pass a fixed threshold.")
    n = scores.size
    if q >= 1.0:
        return float(scores.max())
    if n * (1.0 - q) >= 1.0:
        return float(np.quantile(scores, q))
    t0 = float(np.quantile(scores, 1.0 - TAIL))
    excess = scores[scores > t0] - t0  # (N_t,)
    if np.unique(excess).size < 3:
        return float(scores.max())
    m, v = excess.mean(), excess.var()
    gamma, sigma = 0.5 * (1.0 - m * m / v), 0.5 * m * (1.0 + m * m / v)
    ratio = n * (1.0 - q) / excess.size
    if abs(gamma) < 1e-9:
        return float(t0 - sigma * np.log(ratio))
    return float(t0 + sigma / gamma * (ratio ** (-gamma) - 1.0))


def alarms_from_flags(flags: np.ndarray, rest_period: int) -> np.ndarray:
    """Alarms, (N,) bool: a flagged step raises one unless an alarm was raised in the ``rest_period`` steps before.

    alarm_t = flag_t and no alarm at t - rest_period .. t - 1 (NAB's detectors call this a rest period).
    rest_period 0 makes every flagged step an alarm.

    Example:
        >>> alarms_from_flags(np.array([0, 1, 1, 1, 0, 1, 1], dtype=bool), 2).astype(int).tolist()
        [0, 1, 0, 0, 0, 1, 0]
    """
    flags = np.asarray(flags, dtype=bool)
    alarms = np.zeros_like(flags)
    last = -rest_period - 1
    for t in np.flatnonzero(flags):
        if t - last > rest_period:
            alarms[t], last = True, t
    return alarms


def flags_from_scores(scores: np.ndarray, threshold: float) -> np.ndarray:
    """flag_t = s_t >= tau; an undefined (NaN) score is never flagged. Shapes: (N,) -> (N,) bool.

    Example:
        >>> flags_from_scores(np.array([np.nan, 0.5, 2.0]), 1.0).tolist()
        [False, False, True]
    """
    scores = np.asarray(scores, dtype=np.float64)
    return np.isfinite(scores) & (scores >= threshold)
