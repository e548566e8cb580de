"""M3: other ways to weigh the network against statistical forecasts, from the network's saved forecasts.

A selection round of ``combine`` (BENCHMARKS.md, "How the defaults were chosen", fifth round).
``--train`` fits ``GRUForecaster`` with its defaults on each M3 group (as ``forecast_m3.py`` does)
and saves, per series, the network's forecast after the series' end and its backtest forecast
(made one horizon before the end, what the default weights are computed from). Without
``--train`` the saved forecasts are combined, with no training, by the rules below, and scored
with ``forecast_m3.py``'s sMAPE and MASE (the median over the seeds given):

    T                 the default: w = e_theta / (e_net + e_theta) between the network and Theta
    T shrunk          w halfway between T's and 1/2
    damped alone      a damped-trend exponential smoothing (Gardner & McKenzie 1985), below
    equal thirds      (network + Theta + damped) / 3
    inverse errors    weights 1/e (and 1/e^2) over the three, e from the backtest
    T against both    T's rule between the network and the mean of Theta and damped
    T, theta c        T with Theta's coefficient c (1.5 or 3; the default is 2) for every series
    T, theta chosen   T with each series' coefficient (1, 1.5, 2 or 3, or another set) chosen by its Theta
                      backtest error

The damped trend runs on the same seasonally adjusted rows as grukit's Theta
(:mod:`grukit.evaluate.theta`), per series: l_t = l + phi b + alpha e, b_t = phi b + alpha beta e,
forecast l + (phi + .. + phi^h) b, with (alpha, beta, phi) on a grid minimising the one-step squared
error (7 x 4 x 4 values), l_1 = y_1, b_1 = y_2 - y_1. It lives here: it was tried, not kept.

    python benchmarks/m3_weight_rules.py --train --validation --seeds 0,1,2 --saved benchmarks/.cache/m3_rules
    python benchmarks/m3_weight_rules.py --validation --seeds 0,1,2 --saved benchmarks/.cache/m3_rules
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import forecast_m3 as m3
from grukit.evaluate.theta import _additive, _seasonal, seasonal_indices, theta, theta_family
from grukit.forecast.pipeline import last_rows

ALPHA = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9])
BETA = np.array([0.01, 0.05, 0.1, 0.2])  # beta as a share of alpha
PHI = np.array([0.8, 0.9, 0.95, 0.98])


def damped_trend(history: np.ndarray, horizon: int, season_length: int) -> np.ndarray:
    """Damped-trend forecasts (S, K) from histories (S, T, 1), NaN before each start (see the module doc)."""
    rows = np.asarray(history, dtype=np.float64)[..., 0]  # (S, T)
    additive = _additive(rows)
    index = seasonal_indices(rows, season_length, additive)
    t = rows.shape[1]
    m = 1 if index is None else index.shape[1]
    x = rows if index is None else _seasonal(rows, index[:, np.arange(t) % m], additive, remove=True)
    alpha, beta, phi = (g.ravel() for g in np.meshgrid(ALPHA, BETA, PHI, indexing="ij"))
    beta = beta * alpha
    start = (~np.isnan(x)).argmax(axis=1)
    series = np.arange(len(x))
    first = x[series, start]
    slope = np.where(start + 1 < t, x[series, np.minimum(start + 1, t - 1)] - first, 0.0)
    level, trend = np.repeat(first[:, None], len(alpha), 1), np.repeat(slope[:, None], len(alpha), 1)
    sse = np.zeros_like(level)
    for step in range(t):
        active = (step > start)[:, None]
        predicted = level + phi * trend
        error = np.where(active, x[:, step : step + 1] - predicted, 0.0)
        sse += error * error
        level = np.where(active, predicted + alpha * error, level)
        trend = np.where(active, phi * trend + beta * error, trend)
    best = sse.argmin(axis=1)
    damping = np.cumsum(phi[best][:, None] ** np.arange(1, horizon + 1), axis=1)  # phi + .. + phi^h
    forecast = level[series, best][:, None] + damping * trend[series, best][:, None]
    if index is not None:
        forecast = _seasonal(forecast, index[:, (t + np.arange(horizon)) % m], additive, remove=False)
    return forecast


def train(group: str, validation: bool, seed: int, path: Path) -> None:
    """Fit the defaults on one group and save the network's forecasts after the end and at the backtest."""
    import grukit.forecast.forecaster as forecaster
    from grukit.forecast import combine
    from grukit.forecast.defaults import theta_rows
    from grukit.forecast.pipeline import forecast_rows

    saved = {}

    def capture(series_list, futures, network, config, season):
        k = config.horizon
        usable = np.array([len(s) - k >= forecast_rows(config) for s in series_list])
        back = [s.head(len(s) - k) if ok else s for s, ok in zip(series_list, usable)]
        values = network([*series_list, *back], None)[..., 0, 0]  # (2S, K): one channel, the point forecast
        saved.update(ids=np.array([s.id for s in series_list]), after=values[: len(series_list)],
                     back=values[len(series_list):], usable=usable, theta_rows=theta_rows(config))
        return combine.theta_combined(series_list, futures, network, config, season)

    original = forecaster.theta_combined
    forecaster.theta_combined = capture
    try:
        train_df, _ = m3.m3_frames(group, validation, None)
        m3.grukit_forecasts(train_df, m3.HORIZON[group], seed)
    finally:
        forecaster.theta_combined = original
    np.savez(path, **saved)


def rules(path: Path, train_df: pd.DataFrame, season: int) -> dict[str, np.ndarray]:
    """Every rule's forecasts (S, K), rows in the saved series order."""
    d = np.load(path)
    values = {sid: part["y"].to_numpy(float)[:, None] for sid, part in train_df.groupby("unique_id", sort=False)}
    ys = [values[sid] for sid in d["ids"]]
    k, rows, usable = d["after"].shape[1], int(d["theta_rows"]), d["usable"]
    backs = [y[:-k] if ok else y for y, ok in zip(ys, usable)]
    actual = np.stack([y[-k:, 0] if ok else np.zeros(k) for y, ok in zip(ys, usable)])
    th, th_back = (theta(last_rows(v, rows), k, season)[..., 0] for v in (ys, backs))
    dp, dp_back = (damped_trend(last_rows(v, rows), k, season) for v in (ys, backs))
    net, net_back = d["after"], d["back"]
    e_net, e_th, e_dp, e_both = (np.where(usable, np.abs(f - actual).mean(1), 1.0)
                                 for f in (net_back, th_back, dp_back, (th_back + dp_back) / 2))
    w = e_th / (e_net + e_th)
    shrunk = 0.5 + 0.5 * (w - 0.5)
    w_both = e_both / (e_net + e_both)
    out = {"T (the default)": w[:, None] * net + (1 - w[:, None]) * th,
           "T shrunk halfway to 1/2": shrunk[:, None] * net + (1 - shrunk[:, None]) * th,
           "network alone": net, "Theta alone": th, "damped trend alone": dp,
           "equal thirds: network, Theta, damped": (net + th + dp) / 3,
           "T against the mean of Theta and damped": w_both[:, None] * net + (1 - w_both[:, None]) * (th + dp) / 2}
    for power in (1, 2):
        inverse = np.stack([e_net, e_th, e_dp], -1) ** -float(power)
        inverse /= inverse.sum(-1, keepdims=True)
        out[f"weights 1/e^{power} over network, Theta, damped"] = (
            inverse[:, :1] * net + inverse[:, 1:2] * th + inverse[:, 2:] * dp)
    out.update(theta_coefficient_rules(ys, backs, actual, usable, net, net_back, rows, k, season))
    return out


COEFFICIENTS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0)  # Theta's theta: 1 is SES alone, 2 the classic half slope
CHOICES = {  # the sets a series' coefficient is chosen from; the first is the default C
    "T, theta chosen per series by its backtest (1, 1.5, 2, 3)": (1.0, 1.5, 2.0, 3.0),
    "T, theta chosen from (1, 1.5, 2, 3, 4)": (1.0, 1.5, 2.0, 3.0, 4.0),
    "T, theta chosen from (1, 1.25, 1.5, 1.75, 2, 2.5, 3)": (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0),
    "T, theta chosen from (1, 2, 3)": (1.0, 2.0, 3.0),
}


def theta_coefficient_rules(ys, backs, actual, usable, net, net_back, rows, k, season) -> dict[str, np.ndarray]:
    """T's rule with other Theta coefficients (the sixth round): one for every series, or each series' own,
    the one of a set whose backtest forecast of its last horizon was closest (mean absolute error)."""
    after = theta_family(last_rows(ys, rows), k, season, COEFFICIENTS)[..., 0]  # (F, S, K)
    back = theta_family(last_rows(backs, rows), k, season, COEFFICIENTS)[..., 0]
    errors = np.abs(back - actual).mean(-1)  # (F, S)
    series = np.arange(len(actual))

    def t_rule(th, th_back):
        e_net, e_th = (np.where(usable, np.abs(f - actual).mean(1), 1.0) for f in (net_back, th_back))
        w = np.divide(e_th, e_net + e_th, out=np.full_like(e_th, 0.5), where=e_net + e_th > 0)
        return w[:, None] * net + (1 - w[:, None]) * th

    out = {f"T, theta {c:g} for every series": t_rule(after[i], back[i])
           for i, c in enumerate(COEFFICIENTS) if c in (1.0, 1.5, 3.0)}
    for name, choice in CHOICES.items():
        index = np.array([COEFFICIENTS.index(c) for c in choice])
        chosen = np.where(usable, index[errors[index].argmin(0)], COEFFICIENTS.index(2.0))  # (S,)
        out[name] = t_rule(after[chosen, series], back[chosen, series])
    # the damped trend as a fifth choice beside C's four coefficients
    index = np.array([COEFFICIENTS.index(c) for c in CHOICES[next(iter(CHOICES))]])
    dp, dp_back = (damped_trend(last_rows(v, rows), k, season) for v in (ys, backs))
    five, five_back = np.concatenate([after[index], dp[None]]), np.concatenate([back[index], dp_back[None]])
    classic = list(index).index(COEFFICIENTS.index(2.0))  # a series too short to backtest: theta 2
    chosen = np.where(usable, np.abs(five_back - actual).mean(-1).argmin(0), classic)  # (S,)
    out["T, theta (1, 1.5, 2, 3) or the damped trend chosen per series"] = t_rule(five[chosen, series],
                                                                                  five_back[chosen, series])
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--validation", action="store_true", help="the validation windows (as forecast_m3.py)")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--train", action="store_true", help="fit and save the network's forecasts (about 3 min a seed)")
    p.add_argument("--saved", type=Path, required=True, help="folder of the saved forecasts")
    args = p.parse_args()
    mode, seeds = ("validation" if args.validation else "test"), [int(s) for s in args.seeds.split(",")]
    args.saved.mkdir(parents=True, exist_ok=True)
    per_seed: dict[int, dict] = {}
    for seed in seeds:
        scores: dict[str, dict] = {}
        for group in m3.GROUPS:
            path = args.saved / f"{group}_{mode}_seed{seed}.npz"
            if args.train:
                train(group, args.validation, seed, path)
            train_df, target = m3.m3_frames(group, args.validation, None)
            target = m3.with_step(target)
            for name, forecast in rules(path, train_df, m3.SEASON[group]).items():
                ids = np.load(path)["ids"]
                frame = pd.DataFrame({"unique_id": np.repeat(ids, forecast.shape[1]),
                                      "step": np.tile(np.arange(forecast.shape[1]), len(ids)), "f": forecast.ravel()})
                scores.setdefault(name, {})[group] = m3.per_series(train_df, target, m3.aligned(target, frame, "f"),
                                                                   m3.SEASON[group])
        per_seed[seed] = {name: {**{g: m3.summary(s) for g, s in by_group.items()},
                                 "overall": m3.overall(list(by_group.values()))} for name, by_group in scores.items()}
    results = {name: m3.median_over_seeds({s: per_seed[s][name] for s in seeds}) for name in per_seed[seeds[0]]}
    print(f"M3, {mode}, median over grukit seeds {args.seeds}: the network's forecasts weighed by other rules")
    print(m3.score_table(results, [*m3.GROUPS, "overall"]))
    for name, result in results.items():
        print(f"{name}: overall sMAPE {result['overall']['smape']:.4f}, MASE {result['overall']['mase']:.5f}")


if __name__ == "__main__":
    main()
