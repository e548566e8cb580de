"""Cross-validation by rolling forecast origin: forecasts at cutoffs near the end of each series.

With W windows, step s and horizon h, window i (i = 0 .. W-1) of a series of n rows has its
cutoff after row c_i = n - h - (W - 1 - i) s: the model sees rows [0, c_i) and forecasts rows
[c_i, c_i + h). Cutoffs count rows per series, so series that end on different dates are each
evaluated on their own last rows (as StatsForecast and NeuralForecast do).

    refit=False   one model, trained on the rows before each series' first cutoff, forecasts
                  at every cutoff from the rows before it (no row after a cutoff reaches its
                  forecast, nor the model's training).
    refit=True    a new model for each window, trained on the rows before its cutoffs.

A series whose first cutoff leaves fewer than 2 rows (or, without padding, fewer than lookback)
is left out of the windows where that happens, with a warning.

The baselines are computed from the same history: Naive (the last value) and SeasonalNaive (the
value one season before; the naive value where the history is shorter than one season). Scores
use :func:`grukit.evaluate.evaluate_all` over every window and step; MASE divides each window's
MAE by the seasonal-naive MAE of its own history.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from grukit.data import Series, SeriesSet
from grukit.errors import ConfigError, DataError
from grukit.forecast.columns import quantile_column

__all__ = ["CrossValidation", "cross_validation"]

MODEL = "GRU"
BASELINES = ("Naive", "SeasonalNaive")


@dataclass
class CrossValidation:
    """The result of :func:`cross_validation`."""

    forecasts: pd.DataFrame  # id, time, cutoff, the actual target, then one column per model
    metrics: dict  # {"horizon", "model", "baselines": {name: metrics}, "windows", ...}: metrics.json's shape
    per_window: list[dict]  # the same metrics for each of the n_windows cutoffs, earliest first, plus "rows"
    per_series: pd.DataFrame | None = None  # one row per series (and target), worst first: see per_series_metrics

    def table(self) -> str:
        """The metrics as the fixed-width table ``grukit forecast train`` prints."""
        from grukit.evaluate import format_metrics_table

        return format_metrics_table(self.metrics).replace("Test metrics", "Cross-validation metrics", 1)


def cross_validation(estimator, data=None, *, n_windows: int = 1, step: int | None = None, refit: bool = False,
                     h: int | None = None) -> CrossValidation:
    """Forecasts of ``estimator``'s options at ``n_windows`` cutoffs; see the module docstring."""
    from grukit.forecast.pipeline import forecast_rows, load
    from grukit.forecast.defaults import resolve_config
    from grukit.train.progress import fit_label

    config, _ = estimator.configs(data)
    series_set, _ = load(data, config)
    resolve_config(config, [len(s) for s in series_set.series], series_set.freq)
    horizon = config.horizon
    h = horizon if h is None else h
    step = h if step is None else step
    for name, value, low in (("n_windows", n_windows, 1), ("step", step, 1), ("h", h, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ConfigError(f"cross_validation: {name} must be a whole number >= {low}; got {value!r}.")
    if h > horizon:
        raise ConfigError(f"cross_validation: h={h} is longer than the horizon {horizon}; pass horizon={h}.")
    if config.future_covariates and h != horizon:
        raise ConfigError(f"cross_validation: a model with future covariates needs their values for the whole "
                          f"horizon after each cutoff; use h={horizon} (got h={h}).")
    need = forecast_rows(config)
    # the estimator's options in force (a bundled dataset's preset included), trained on all rows before a cutoff
    options = {**estimator._options(data), "horizon": horizon, "lookback": config.lookback, "split": "fraction",
               "test_size": 0, "val_size": 0, "dataset": None}
    model, frames, windows = None, [], []
    for i in range(n_windows):
        back = h + (n_windows - 1 - i) * step  # rows after the cutoff, from each series' end
        kept = [s for s in series_set.series if len(s) - back >= need]
        if not kept:
            raise DataError(f"cross_validation: no series has {need} rows before the cutoff of window {i + 1} "
                            f"({back} rows from the end); use fewer windows, a smaller step or h.")
        if len(kept) < len(series_set.series):
            warnings.warn(f"cross_validation window {i + 1}: {len(series_set) - len(kept)} series have fewer than "
                          f"{need} rows before the cutoff and are left out of it.", stacklevel=3)
        history = [s.head(len(s) - back) for s in kept]
        if model is None or refit:
            with fit_label(f"cross-validation {i + 1}/{n_windows}" if refit else "cross-validation"):
                model = type(estimator)(**options).fit(_like(series_set, history))
        futures = None
        if config.future_covariates:  # the known-ahead columns after each cutoff, from the data
            n_future = len(config.future_covariates)
            futures = [s.past_covariates[len(p): len(p) + horizon, -n_future:] for s, p in zip(kept, history)]
        forecast = model._forecast_many(history, h, futures)
        frame, arrays = _window(series_set, kept, history, forecast, h, config, model.season_length_)
        frames.append(frame)
        windows.append(arrays)
    frame = pd.concat(frames, ignore_index=True)
    season = model.season_length_
    per_window = [{**_metrics([w], h, season), "rows": w["rows"]} for w in windows]
    per_series = per_series_metrics(windows, series_set.target_columns, season)
    metrics = _metrics(windows, h, season)
    if len(config.quantiles) > 1:
        metrics["intervals"] = interval_coverage(frame, config.quantiles, series_set.target_columns)
    return CrossValidation(frame, metrics, per_window, per_series)


def interval_coverage(frame: pd.DataFrame, quantiles: list[float], columns: list[str]) -> dict:
    """How often the actual value fell between the lowest and the highest quantile forecast.

    coverage = mean 1[q_low <= y <= q_high] over every window, step and target; nominal = q_high - q_low.
    """
    from grukit.forecast.evaluation import coverage

    low, high = min(quantiles), max(quantiles)
    actual = frame[columns[0] if len(columns) == 1 else "y"].to_numpy()
    lower, upper = (frame[quantile_column(MODEL, q)].to_numpy() for q in (low, high))
    return {"lower_quantile": low, "upper_quantile": high, "nominal": high - low,
            "coverage": coverage(actual, lower, upper)}


def _like(series_set: SeriesSet, series: list[Series]) -> SeriesSet:
    return SeriesSet(series, series_set.target_columns, series_set.covariate_columns, series_set.time_column,
                     series_set.id_column, series_set.freq, series_set.layout)


def baseline_forecasts(history: np.ndarray, h: int, season: int) -> dict[str, np.ndarray]:
    """Naive and SeasonalNaive forecasts (h, C) from one series' history (n, C).

        Naive:          y_{n+k} = y_n
        SeasonalNaive:  y_{n+k} = y_{n+k-m*ceil(k/m)}, the naive value when n < m

    Example:
        >>> baseline_forecasts(np.arange(6.0)[:, None], 3, 4)["SeasonalNaive"][:, 0].tolist()
        [2.0, 3.0, 4.0]
    """
    from grukit.evaluate import naive, seasonal_naive

    window = history[None]  # (1, n, C): the whole history is the window
    return {"Naive": naive(window, h)[0], "SeasonalNaive": seasonal_naive(window, h, max(1, season))[0]}


def _window(series_set, kept, history, forecast, h, config, season) -> tuple[pd.DataFrame, dict]:
    """One window's rows (id, time, cutoff, actual, GRU and its quantiles, baselines) and its arrays.

    The arrays: "histories" (one (N, C) per series), "actual" and one (S, K, C) per model.
    """
    columns = series_set.target_columns
    id_name, time_name = forecast.columns[0], forecast.columns[1]
    actual = np.stack([s.target[len(p): len(p) + h] for s, p in zip(kept, history)])  # (S, K, C)
    baselines = [baseline_forecasts(p.target, h, season) for p in history]
    unseasoned = [p.id for p in history if len(p) < season]
    if unseasoned:  # seasonal naive needs one whole season of history to repeat
        warnings.warn(f"{len(unseasoned)} of {len(history)} series (first {unseasoned[0]!r}) have less than one season "
                      f"({season} rows) before the cutoff: their SeasonalNaive forecast is the naive one.",
                      stacklevel=4)
    arrays = {"ids": [s.id for s in kept], "histories": [p.target for p in history], "actual": actual,
              "rows": len(history[0]),
              MODEL: forecast[columns].to_numpy().reshape(len(kept), h, len(columns))}
    for name in ("Naive", "SeasonalNaive"):
        arrays[name] = np.stack([b[name] for b in baselines])  # (S, K, C)
    parts = []
    for c, target in enumerate(columns):
        part = pd.DataFrame({id_name: forecast[id_name], time_name: forecast[time_name]})
        part["cutoff"] = np.repeat([p.time[-1] if p.time is not None else len(p) - 1 for p in history], h)
        if len(columns) > 1:
            part["target"] = target
        part[target if len(columns) == 1 else "y"] = actual[..., c].ravel()
        part[MODEL] = arrays[MODEL][..., c].ravel()
        for q in config.quantiles:
            if q != 0.5:
                part[quantile_column(MODEL, q)] = forecast[quantile_column(target, q)].to_numpy()
        for name in ("Naive", "SeasonalNaive"):
            part[name] = arrays[name][..., c].ravel()
        parts.append(part)
    return pd.concat(parts, ignore_index=True), arrays


def _metrics(windows: list[dict], h: int, season: int) -> dict:
    """Every model scored over all windows and steps; MASE per window against its own history.

    MASE = mean_w MAE_w / scale_w, scale_w = mean_t |y_t - y_{t-m}| over window w's history (m = 1
    where the history has m rows or fewer; windows whose history is constant, scale 0, are left out).
    """
    from grukit.evaluate import metrics as scores

    actual = np.concatenate([w["actual"] for w in windows])  # (W, K, C)
    histories = [past for w in windows for past in w["histories"]]
    scales = np.stack([in_sample_scale(past, season) for past in histories])  # (W, C)
    usable = scales > 0  # (W, C)

    def score(name: str) -> dict:
        forecast = np.concatenate([w[name] for w in windows])  # (W, K, C)
        metrics = {name: getattr(scores, name)(actual, forecast) for name in ("mae", "rmse", "mse", "mape", "smape")}
        mae_w = np.abs(actual - forecast).mean(axis=1)  # (W, C)
        metrics["mase"] = float(np.mean(mae_w[usable] / scales[usable])) if usable.any() else float("nan")
        return metrics

    return {"horizon": h, "model": score(MODEL),
            "baselines": {"naive": score("Naive"), "seasonal_naive": score("SeasonalNaive")},
            "windows": len(actual), "season_length": season}


def per_series_metrics(windows: list[dict], columns: list[str], season: int) -> pd.DataFrame:
    """One row per series (and target), the worst first: the table a person scans for problems.

    Columns: id, [target], windows, MAE of GRU, Naive and SeasonalNaive, the GRU's MASE (mean over
    its windows of MAE / in-sample scale, as in ``metrics``) and sMAPE %, and ``GRU / best
    baseline``: the GRU's MAE over the lower baseline MAE (above 1: a baseline did better). Sorted
    by that ratio, largest first.
    """
    from grukit.evaluate import metrics as scores

    records: dict[tuple, dict] = {}
    for w in windows:
        for j, series_id in enumerate(w["ids"]):
            scale = in_sample_scale(w["histories"][j], season)  # (C,)
            for c, target in enumerate(columns):
                record = records.setdefault((series_id, target), {"actual": [], "mase": [],
                                                                  **{name: [] for name in (MODEL, *BASELINES)}})
                actual = w["actual"][j, :, c]  # (h,)
                record["actual"].append(actual)
                for name in (MODEL, *BASELINES):
                    record[name].append(w[name][j, :, c])
                if scale[c] > 0:
                    record["mase"].append(np.abs(actual - w[MODEL][j, :, c]).mean() / scale[c])
    rows = []
    for (series_id, target), record in records.items():
        actual = np.concatenate(record["actual"])
        mae = {name: float(np.abs(actual - np.concatenate(record[name])).mean()) for name in (MODEL, *BASELINES)}
        best = min(mae[name] for name in BASELINES)
        row = {"id": series_id, "target": target, "windows": len(record["actual"]),
               **{f"{name} MAE": mae[name] for name in (MODEL, *BASELINES)},
               f"{MODEL} MASE": float(np.mean(record["mase"])) if record["mase"] else float("nan"),
               f"{MODEL} sMAPE %": float(scores.smape(actual, np.concatenate(record[MODEL]))),
               f"{MODEL} / best baseline": mae[MODEL] / best if best > 0 else float("nan")}
        rows.append(row)
    table = pd.DataFrame(rows).sort_values(f"{MODEL} / best baseline", ascending=False, na_position="last",
                                           kind="stable", ignore_index=True)
    return table if len(columns) > 1 else table.drop(columns="target")


def in_sample_scale(history: np.ndarray, season: int) -> np.ndarray:
    """mean_t |y_t - y_{t-m}| per channel of a history (N, C); m = 1 when N <= m (MASE's denominator).

    Example:
        >>> in_sample_scale(np.array([[1.0], [2.0], [4.0]]), 12).tolist()
        [1.5]
    """
    from grukit.evaluate.metrics import seasonal_naive_scale

    return seasonal_naive_scale(history, season if len(history) > season else 1)
