"""What ``grukit forecast train --out DIR`` leaves in DIR, besides the training log.

model.safetensors, config.json, metrics.json, forecast.csv, plots/forecast.png, plots/loss.png
and report.html; each written atomically.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from grukit._io import atomic_write, atomic_write_text
from grukit.evaluate import plot_forecast, plot_loss, write_report
from grukit.forecast.evaluation import predict_windows
from grukit.forecast.pipeline import original_windows, window_dataset


def write_table(frame, path: Path) -> None:
    """A DataFrame as CSV, or Parquet when the name ends in .parquet."""
    if Path(path).suffix == ".parquet":
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


def write_run(model, out: Path) -> Path:
    """Write every artifact of a fitted forecaster into ``out``; returns the report's path."""
    out = Path(out)
    model.save(out)
    metrics = model.metrics_
    atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    write_table(model.predict(), out / "forecast.csv")
    plots = {}
    if "test" in model.prepared_.index:
        plots["Forecast on the last test window"] = out / "plots" / "forecast.png"
        _last_test_window_plot(model, plots["Forecast on the last test window"])
    plots["Training and validation loss"] = plot_loss(out / "plots" / "loss.png", model.history_)
    details = {"data": model.prepared_.source_name, "forecast": dataclasses.asdict(model.config_),
               "train": dataclasses.asdict(model.train_config_)}
    title = f"grukit forecast: {model.prepared_.source_name}, horizon {model.config_.horizon}"
    return write_report(out / "report.html", metrics, plots, title, details)
