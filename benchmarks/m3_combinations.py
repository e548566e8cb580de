"""M3: grukit's network combined with the Theta method in several ways, from saved forecasts.

The selection round of ``combine`` (BENCHMARKS.md, "How the defaults were chosen"): read the
network's forecasts that ``forecast_m3.py --forecasts DIR --grukit-options '{"combine": "none"}'``
wrote, fit grukit's Theta method (:func:`grukit.evaluate.theta.theta`) on each series, and score
every combination in the table below with the same sMAPE and MASE as ``forecast_m3.py``, next to
the StatsForecast forecasts in its ``--cache``. Nothing is trained here; the numbers of a row
"mean, 2 lookbacks" equal what ``forecast_m3.py`` gives with the default ``combine="theta"``.

    python benchmarks/forecast_m3.py --validation --seeds 0 --cache benchmarks/.cache/m3 \\
        --grukit-options '{"combine": "none"}' --forecasts benchmarks/.cache/m3_forecasts
    python benchmarks/m3_combinations.py --validation --seed 0 --cache benchmarks/.cache/m3 \\
        --forecasts benchmarks/.cache/m3_forecasts
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import forecast_m3 as m3
from grukit.evaluate.theta import theta
from grukit.forecast.pipeline import last_rows

LOOKBACK = {"yearly": 18, "quarterly": 24, "monthly": 54, "other": 24}  # the default: 3 horizons (no season known)


def histories(train: pd.DataFrame, rows: int | None) -> np.ndarray:
    """Each series' last ``rows`` values (all with None), left-padded with NaN: (S, R, 1)."""
    values = [part[["y"]].to_numpy(dtype=float) for _, part in train.groupby("unique_id", sort=False)]
    return last_rows(values, max(map(len, values)) if rows is None else rows)


def combinations(net: np.ndarray, train: pd.DataFrame, group: str) -> dict[str, np.ndarray]:
    """Every combination scored: name -> forecasts in the target's row order (S*h,)."""
    h, lookback = m3.HORIZON[group], LOOKBACK[group]
    season = m3.SEASON[group]  # what grukit's detect_season finds on each M3 group (1, 4, 12, 1)
    theta2 = theta(histories(train, 2 * lookback), h, season)[..., 0].ravel()
    rows = {"network alone": net, "Theta alone (2 lookbacks)": theta2}
    for share in (0.3, 0.4, 0.5, 0.6, 0.7):
        rows[f"{share:g} network + {1 - share:g} Theta (2 lookbacks)"] = share * net + (1 - share) * theta2
    rows["mean, Theta on 1 lookback"] = (net + theta(histories(train, lookback), h, season)[..., 0].ravel()) / 2
    rows["mean, Theta on the whole series"] = (net + theta(histories(train, None), h, season)[..., 0].ravel()) / 2
    no_season = theta(histories(train, 2 * lookback), h, 1)[..., 0].ravel()
    rows["mean, Theta without a season (2 lookbacks)"] = (net + no_season) / 2
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--validation", action="store_true", help="the validation windows (as forecast_m3.py)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache", type=Path, required=True, help="forecast_m3.py's --cache (the StatsForecast forecasts)")
    p.add_argument("--forecasts", type=Path, required=True, help="forecast_m3.py's --forecasts folder")
    args = p.parse_args()
    mode = "validation" if args.validation else "test"
    scores: dict[str, dict[str, pd.DataFrame]] = {}
    for group in m3.GROUPS:
        m = m3.SEASON[group]
        train, target = m3.m3_frames(group, args.validation, None)
        target = m3.with_step(target)
        saved = pd.read_csv(args.forecasts / f"{group}_{mode}_seed{args.seed}.csv", dtype={"unique_id": str})
        baselines = pd.read_csv(args.cache / f"{group}_{mode}_all.csv", dtype={"unique_id": str})
        for name, forecast in combinations(m3.aligned(target, saved, "grukit"), train, group).items():
            scores.setdefault(name, {})[group] = m3.per_series(train, target, forecast, m)
        for column in ("AutoETS", "AutoTheta"):
            forecast = m3.aligned(target, baselines, column)
            scores.setdefault(column, {})[group] = m3.per_series(train, target, forecast, m)
    results = {name: {**{g: m3.summary(s) for g, s in by_group.items()}, "overall": m3.overall(list(by_group.values()))}
               for name, by_group in scores.items()}
    print(f"M3, {mode}, grukit seed {args.seed}: the network's forecasts combined with Theta")
    print(m3.score_table(results, [*m3.GROUPS, "overall"]))


if __name__ == "__main__":
    main()
