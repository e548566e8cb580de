"""What ``grukit forecast train --out DIR`` leaves in DIR, besides the training log.

model.safetensors, config.json, metrics.json, forecast.csv (the forecast after the data; not for
a model with future covariates, whose values for the horizon only ``predict(future=...)`` has),
cross_validation.csv and per_series.csv (with cross-validation), plots/ (forecast.png: the
forecast after the data; series.png: a grid of series for panels; cross_validation.png or
test_window.png: the last cross-validation or test window; loss.png) and report.html; each
written atomically.

The report shows: the accuracy table (the model and the baselines; interval coverage for
quantile models), the per-series table of a panel (worst first, sortable), the plots, then the
read-back line, the training (members, epochs, seconds) and the options.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from grukit._io import atomic_write, atomic_write_text
from grukit.evaluate import plot_forecast, plot_loss, plot_series_grid, write_report
from grukit.forecast.evaluation import predict_windows
from grukit.forecast.columns import quantile_column
from grukit.forecast.pipeline import original_windows, window_dataset


def write_table(frame, path: Path) -> None:
    """A DataFrame as CSV, or Parquet when the name ends in .parquet."""
    if Path(path).suffix.lower() == ".parquet":
        atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
    else:
        atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False))


def _last_test_window_plot(model, path: Path) -> None:
    """The last test window of the first series: its history, what came true and the forecast."""
    prepared, config = model.prepared_, model.config_
    rows = np.flatnonzero(prepared.index["test"][:, 0] == 0)
    last = int(rows[-1])
    history, actual = original_windows(prepared, "test", config)
    dataset = window_dataset(prepared, "test", config)
    scaled = predict_windows(model.net_, [dataset[last]], batch_size=1)[0]  # (K, C, Q)
    scaler = prepared.target_scalers[0]
    median = int(np.argmin(np.abs(np.asarray(config.quantiles or [0.5]) - 0.5)))
    lower = upper = None
    if len(config.quantiles) > 1:
        lower = scaler.inverse_transform(scaled[..., 0])
        upper = scaler.inverse_transform(scaled[..., -1])
    series = prepared.series_set.series[0]
    start = int(prepared.index["test"][last, 1])
    steps = np.arange(len(series)) if series.time is None else series.time
    history_time = steps[start : start + config.lookback]
    future_time = steps[start + config.lookback : start + config.lookback + config.horizon]
    plot_forecast(path, history_time, history[last], future_time, actual[last], scaler.inverse_transform(
        scaled[..., median]), lower, upper, title=f"Last test window of {series.id!r}",
        channel_names=prepared.series_set.target_columns)


def _future_plot(model, forecast, path: Path) -> None:
    """The end of the first series and the forecast after it (with the P10-P90 band of quantile models)."""
    config, schema = model.config_, model.schema_
    series = model.prepared_.series_set.series[0]
    rows = forecast[forecast.iloc[:, 0] == series.id]
    shown = min(len(series), max(config.lookback, 3 * config.horizon))
    steps = np.arange(len(series)) if series.time is None else series.time
    targets = schema["target_columns"]
    lower = upper = None
    if len(config.quantiles) > 1:
        low, high = min(config.quantiles), max(config.quantiles)
        lower = rows[[quantile_column(t, low) for t in targets]].to_numpy()
        upper = rows[[quantile_column(t, high) for t in targets]].to_numpy()
    plot_forecast(path, steps[-shown:], series.target[-shown:], rows.iloc[:, 1].to_numpy(), None,
                  rows[targets].to_numpy(), lower, upper, title=f"Forecast after the data of {series.id!r}",
                  channel_names=targets)


def _cv_plot(model, cv, path: Path) -> None:
    """The last cross-validation window of the first series (first target): history, actual, forecast."""
    frame = cv.forecasts
    first = frame.iloc[0, 0]
    mine = frame[frame.iloc[:, 0] == first]
    rows = mine[mine["cutoff"] == mine["cutoff"].max()]
    target = model.schema_["target_columns"][0]
    if "target" in rows:
        rows = rows[rows["target"] == target]
    actual = rows["y" if "target" in rows else target].to_numpy()
    series = model.prepared_.series_set.series[model.prepared_.series_set.ids.index(first)]
    steps = np.arange(len(series)) if series.time is None else series.time
    cut = int(steps.searchsorted(rows.iloc[0, 1]))  # rows before the forecast
    shown = slice(max(0, cut - max(model.config_.lookback, 3 * model.config_.horizon)), cut)
    plot_forecast(path, steps[shown], series.target[shown, :1], rows.iloc[:, 1].to_numpy(), actual,
                  rows["GRU"].to_numpy(), title=f"Last cross-validation window of {first!r}",
                  channel_names=[target])


GRID_SERIES = 12  # series drawn in the grid of a panel, in the per-series table's order (worst first)
TABLE_SERIES = 50  # rows of the per-series table in the report (per_series.csv has them all)


def _series_grid(model, forecast, order: list[str], path: Path) -> None:
    """The end of each series and its forecast after the data, for up to GRID_SERIES series."""
    config, target = model.config_, model.schema_["target_columns"][0]
    by_id = {s.id: s for s in model.prepared_.series_set.series}
    id_name = forecast.columns[0]
    panels = []
    for series_id in order[:GRID_SERIES]:
        series, rows = by_id[series_id], forecast[forecast[id_name] == series_id]
        shown = min(len(series), max(config.lookback, 3 * config.horizon))
        steps = np.arange(len(series)) if series.time is None else series.time
        panel = {"title": series_id, "history_time": steps[-shown:], "history": series.target[-shown:, 0],
                 "future_time": rows.iloc[:, 1].to_numpy(), "forecast": rows[target].to_numpy()}
        if len(config.quantiles) > 1:
            panel["lower"] = rows[quantile_column(target, min(config.quantiles))].to_numpy()
            panel["upper"] = rows[quantile_column(target, max(config.quantiles))].to_numpy()
        panels.append(panel)
    shown = f"{len(panels)} of {len(order)} series" if len(order) > len(panels) else f"{len(panels)} series"
    plot_series_grid(path, panels, title=f"Forecast after the data: {shown}, worst cross-validation first")


def write_run(model, out: Path, cv=None, unscored: str = "") -> Path:
    """Write every artifact of a fitted forecaster into ``out``; returns the report's path.

    ``cv``: a :class:`grukit.forecast.cross_validation.CrossValidation` whose metrics go to
    metrics.json (and the report) and whose forecasts go to cross_validation.csv; without it the
    held-out test part's metrics do. With neither (``unscored`` says why), there is no
    metrics.json and the report shows the forecast without scores.
    """
    out = Path(out)
    model.save(out)
    metrics = cv.metrics if cv is not None else model.metrics_
    if metrics is not None:
        atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    plots, tables = {}, {}
    panel = len(model.prepared_.series_set) > 1
    if cv is not None and cv.per_series is not None:
        write_table(cv.per_series, out / "per_series.csv")
        if panel:
            shown = cv.per_series.head(TABLE_SERIES)
            more = f" (the first {len(shown)} of {len(cv.per_series)}; all in per_series.csv)" if len(
                cv.per_series) > len(shown) else ""
            tables[f"Per series, worst first{more}"] = shown
    if not model.config_.future_covariates:  # else the future values are needed: `grukit forecast predict --future`
        forecast = model.predict()
        write_table(forecast, out / "forecast.csv")
        plots["Forecast after the data"] = out / "plots" / "forecast.png"
        _future_plot(model, forecast, plots["Forecast after the data"])
        if panel:
            order = (list(cv.per_series["id"].drop_duplicates()) if cv is not None and cv.per_series is not None
                     else model.prepared_.series_set.ids)
            plots["Series after the data"] = out / "plots" / "series.png"
            _series_grid(model, forecast, order, plots["Series after the data"])
    if cv is not None:
        write_table(cv.forecasts, out / "cross_validation.csv")
        plots["Forecast on the last cross-validation window"] = out / "plots" / "cross_validation.png"
        _cv_plot(model, cv, plots["Forecast on the last cross-validation window"])
    if "test" in model.prepared_.index:
        plots["Forecast on the last test window"] = out / "plots" / "test_window.png"
        _last_test_window_plot(model, plots["Forecast on the last test window"])
    plots["Training and validation loss"] = plot_loss(out / "plots" / "loss.png", model.history_)
    details = {"read back": model.read_back_, "data": model.prepared_.source_name,
               "training": getattr(model, "training_", {}), "forecast": dataclasses.asdict(model.config_),
               "train": dataclasses.asdict(model.train_config_)}
    title = f"grukit forecast: {model.prepared_.source_name}, horizon {model.config_.horizon}"
    shown = {key: value for key, value in (metrics or {}).items() if key != "scaled"}  # z-scores mislead as %
    return write_report(out / "report.html", shown, plots, title, details, tables,
                        unscored=f"Not scored: {unscored}" if unscored else "Not scored.")
