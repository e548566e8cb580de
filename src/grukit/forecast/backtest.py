"""Rolling-origin backtest: refit at several forecast origins and score the horizon after each.

With N folds and horizon K, fold k (k = 1..N) keeps the first ``n - (N - k) K`` rows of every
series, trains on them except the last K (its validation part is the K rows before those) and
scores one window, the last K rows, against the baselines. The origins step back K rows at a time,
so the N test stretches tile the last N K rows of the data.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from grukit.errors import ConfigError
from grukit.forecast.forecaster import GRUForecaster
from grukit.forecast.pipeline import load

METRICS = ("mae", "rmse", "mse", "mape", "smape", "mase")


def _cut(data, series_set, rows: int):
    """The data up to ``rows`` rows of the first series (by its timestamps, so long data cuts alike)."""
    first = series_set.series[0]
    frame = data if isinstance(data, pd.DataFrame) else None
    if frame is None:
        raise ConfigError("backtest needs tabular data; pass a CSV/Parquet file or a DataFrame.")
    if first.time is None:
        return frame.iloc[:rows]
    column = series_set.time_column
    times = pd.to_datetime(frame.index if column is None else frame[column])
    return frame[np.asarray(times <= first.time[rows - 1])]


def backtest(data, folds: int, options: dict) -> dict:
    """Fit and score ``folds`` models; returns per-fold metrics and their means (metrics.json's shape)."""
    from grukit.forecast.pipeline import resolve_source

    if folds < 1:
        raise ConfigError(f"folds must be at least 1; got {folds}.")
    config, train_config = GRUForecaster(**options).configs(data)
    source, name = resolve_source(data, config)
    if not isinstance(source, pd.DataFrame):
        from grukit.data._source import read_source

        source = read_source(source)[0]
    series_set, _ = load(source, config)
    n = min(len(s) for s in series_set.series)
    horizon = config.horizon
    results = []
    for k in range(1, folds + 1):
        rows = n - (folds - k) * horizon
        fold_options = {**dataclasses.asdict(config), **dataclasses.asdict(train_config), "split": "size",
                        "val_size": horizon, "test_size": horizon, "dataset": None}
        model = GRUForecaster(**fold_options).fit(_cut(source, series_set, rows))
        results.append({"fold": k, "train_rows": rows - horizon, "origin_row": rows - horizon,
                        "model": model.metrics_["model"], "baselines": model.metrics_["baselines"]})
    mean = {"model": {m: float(np.mean([r["model"][m] for r in results])) for m in METRICS},
            "baselines": {b: {m: float(np.mean([r["baselines"][b][m] for r in results])) for m in METRICS}
                          for b in results[0]["baselines"]}}
    return {"data": name, "folds": folds, "horizon": horizon, "protocol": __doc__.split("\n\n")[1].replace("\n", " "),
            "per_fold": results, **mean}
