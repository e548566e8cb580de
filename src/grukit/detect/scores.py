"""From per-step errors to anomaly scores and a threshold: small pure functions on NumPy arrays.

Shapes use the legend of :mod:`grukit.nn.functional`. An undefined score (a row too early to have
a full window behind it) is NaN and is never flagged.

    forecast residual error     e_t = mean_c (x_tc - x^_tc)^2,  x^_t forecast from x_{t-T} .. x_{t-1}   (t >= T)
    autoencoder window error    e_t = mean_{s = t-T+1 .. t} mean_c (x_sc - x^_sc)^2 over the window
                                ending at t, reconstructed as a whole                             (t >= T - 1)
    score                       s_t = (1/k) sum_{j=0}^{k-1} e_{t-j},   k = smoothing   (causal: no look-ahead)
    threshold                   tau = quantile_q(s_t over the validation rows);  flag_t = s_t >= tau
    alarm                       alarm_t = flag_t and (no alarm in the rest_period steps before t,
                                                      or s_t above the score of the last alarm)
    z-score (the default)       z_t = (s_t - mu_t) / sd_t, mu_t and sd_t the mean and std of s over the
                                last `history` steps up to t; then the threshold is a number of standard deviations

Both errors use only rows up to t, so a score could be computed as the stream arrives, as NAB requires.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from grukit.errors import DataError

__all__ = ["alarms_from_flags", "causal_mean", "error_zscore", "flags_from_scores", "place_window_errors",
           "quantile_threshold"]

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


def error_zscore(errors: np.ndarray, history: int) -> np.ndarray:
    """z_t = (e_t - mu_t) / sd_t: the error in standard deviations of the last ``history`` errors up to t.

    The standard score behind an anomaly likelihood (Ahmad et al. 2017, Numenta's HTM detector:
    likelihood = Phi(z)): it rises only when an error is high *for that series at that time*, so
    one threshold serves series whose errors differ in scale, and a stretch that stays noisy stops
    raising it. Causal (mu_t and sd_t use e_s for s <= t); NaN where e_t is NaN, 0 at the first error;
    sd_t is floored at 1e-12 (1 + |mu_t|), so an error-free stretch does not divide by zero.
    Shapes: (N,) -> (N,).

    Example:
        >>> errors = np.r_[np.tile([1.0, 2.0], 50), 9.0]          # steady errors, then a jump
        >>> error_zscore(errors, history=100)[[-2, -1]].round(2).tolist()
        [1.0, 8.28]
    """
    if history < 2:
        raise ValueError(f"error_zscore: history must be >= 2; got {history}.")
    e = pd.Series(np.asarray(errors, dtype=np.float64))
    past = e.rolling(history, min_periods=1)  # NaN errors are skipped
    mu, sd = past.mean().to_numpy(), past.std(ddof=0).to_numpy()
    return (e.to_numpy() - mu) / np.maximum(sd, 1e-12 * (1.0 + np.abs(mu)))


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


def alarms_from_flags(flags: np.ndarray, rest_period: int, scores: np.ndarray | None = None) -> np.ndarray:
    """Alarms, (N,) bool: a flagged step raises one unless an alarm was raised in the ``rest_period`` steps before.

    alarm_t = flag_t and (no alarm at t - rest_period .. t - 1, or s_t > s of the last alarm), so a
    weaker alarm never hides a stronger one that follows it (NAB's detectors call this a rest
    period; the score rule needs ``scores`` (N,), without them only the rest period counts).
    rest_period 0 makes every flagged step an alarm.

    Example:
        >>> flags = np.array([0, 1, 1, 1, 0, 1, 1], dtype=bool)
        >>> alarms_from_flags(flags, 2).astype(int).tolist()
        [0, 1, 0, 0, 0, 1, 0]
        >>> alarms_from_flags(flags, 2, scores=np.array([0, 5, 4, 9, 0, 6, 6])).astype(int).tolist()
        [0, 1, 0, 1, 0, 0, 1]
    """
    alarms, _ = continued_alarms(flags, rest_period, scores, (-rest_period - 1, -np.inf))
    return alarms


def continued_alarms(flags: np.ndarray, rest_period: int, scores: np.ndarray | None,
                     last: tuple[int, float]) -> tuple[np.ndarray, tuple[int, float]]:
    """:func:`alarms_from_flags` for steps that follow earlier ones: ``last`` is the step (counted from
    this call's first step, so negative for an earlier call's) and score of the last alarm so far;
    returns the alarms (N,) and the new ``last``, for the next call."""
    flags = np.asarray(flags, dtype=bool)
    alarms = np.zeros_like(flags)
    step, level = last
    for t in np.flatnonzero(flags):
        score = -np.inf if scores is None else scores[t]
        if t - step > rest_period or score > level:
            alarms[t], step, level = True, int(t), score
    return alarms, (step, level)


def flags_from_scores(scores: np.ndarray, threshold: float) -> np.ndarray:
    """flag_t = s_t >= tau; an undefined (NaN) score is never flagged. Shapes: (N,) -> (N,) bool.

    Example:
        >>> flags_from_scores(np.array([np.nan, 0.5, 2.0]), 1.0).tolist()
        [False, False, True]
    """
    scores = np.asarray(scores, dtype=np.float64)
    return np.isfinite(scores) & (scores >= threshold)
