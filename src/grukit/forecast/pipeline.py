"""From a data source and a ``ForecastConfig`` to scaled arrays and train/val/test windows.

The protocol, in order: load and check the series; split each series chronologically into
train, validation and test rows (validation and test windows start ``lookback`` rows early so
their first window has a full history); fit one scaler per series on its train rows only;
assemble inputs (scaled targets, scaled covariates, calendar features); cut windows as views.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from grukit.data import (
    ModelArrays,
    SeriesSet,
    SplitSpec,
    StandardScaler,
    check_length,
    dataset_info,
    fit_scalers,
    load_dataset,
    load_series,
    model_arrays,
    season_length,
    series_split_ranges,
    window_index,
)
from grukit.errors import DataError
from grukit.forecast.config import ForecastConfig

DEFAULT_DATASET = "air_passengers"


@dataclass
class PreparedData:
    """Everything downstream needs: the series, their scalers, arrays, split ranges and windows."""

    series_set: SeriesSet
    target_scalers: list[StandardScaler]
    covariate_scalers: list[StandardScaler] | None
    arrays: ModelArrays
    ranges: list[dict]  # per series {"train": (a, b), "val": (a, b) | None, "test": (a, b)}
    index: dict[str, np.ndarray]  # "train" | "val" | "test" -> (M, 2) (series, start) window pairs
    season_length: int  # for MASE and seasonal naive; 1 when unknown
    source_name: str  # the file, the bundled dataset or "DataFrame"


def resolve_source(data: str | Path | pd.DataFrame | None, config: ForecastConfig) -> tuple[object, str]:
    """The data to load and its name; with no data, the bundled dataset (and its usual columns)."""
    if data is not None:
        return data, "DataFrame" if isinstance(data, pd.DataFrame) else str(data)
    name = config.dataset or DEFAULT_DATASET
    info = dataset_info(name)
    if not config.target:
        config.target = list(info.target)
    if config.time_col is None:
        config.time_col = info.time_column
    if config.season_length is None and info.season_length is not None:
        config.season_length = info.season_length
    return load_dataset(name), f"bundled dataset {name!r}"


def load(data, config: ForecastConfig) -> tuple[SeriesSet, str]:
    source, name = resolve_source(data, config)
    series_set = load_series(source, time_col=config.time_col, target=config.target or None, id_col=config.id_col,
                             value_col=config.value_col, covariates=config.covariates or None,
                             missing=config.missing, freq=config.freq)
    if data is None and series_set.layout == "wide":
        series_set.series[0].id = config.dataset or DEFAULT_DATASET  # name the bundled series after its dataset
    return series_set, name


class IdentityScaler(StandardScaler):
    """``scaler="none"``: a StandardScaler fixed at mean 0 and scale 1 (fit learns only the channel count)."""

    def fit(self, values: np.ndarray) -> "IdentityScaler":
        width = np.shape(values)[-1]
        self.mean_, self.scale_ = np.zeros(width), np.ones(width)
        return self


def new_target_scaler(config: ForecastConfig):
    """An unfitted target scaler for ``config``: z-score or identity, of log(y) with ``transform="log"``."""
    from grukit.data import LogScaler

    if config.transform == "log":
        return LogScaler(standardize=config.scaler == "standard")
    return StandardScaler() if config.scaler == "standard" else IdentityScaler()


def scalers_for(series_set: SeriesSet, ranges: list[dict], config: ForecastConfig):
    """One target scaler (and covariate scaler) per series, fitted on its train rows only."""
    targets = []
    for series, r in zip(series_set.series, ranges):
        try:
            targets.append(new_target_scaler(config).fit(series.target[slice(*r["train"])]))
        except DataError as err:
            column = series_set.target_columns[int(np.nanargmin(series.target[slice(*r["train"])].min(axis=0)))]
            where = f"column {column!r}" if len(series_set.series) == 1 else f"series {series.id!r}, column {column!r}"
            raise DataError(f"{where}: {err}") from None
    covariates = None
    if config.scaler == "standard" and series_set.covariate_columns:
        covariates = fit_scalers([s.past_covariates for s in series_set.series], [r["train"] for r in ranges])
    return targets, covariates


def prepare(data, config: ForecastConfig) -> PreparedData:
    """Load, check, split, scale and window ``data`` (None: the bundled default) under ``config``."""
    series_set, name = load(data, config)
    check_length(series_set, config.lookback, config.horizon)
    spec = SplitSpec(config.split, config.val_size, config.test_size)
    ranges = series_split_ranges(series_set, spec, config.lookback)
    target_scalers, covariate_scalers = scalers_for(series_set, ranges, config)
    arrays = model_arrays(series_set, target_scalers, covariate_scalers, calendar=config.calendar)
    index = {"train": window_index([r["train"] for r in ranges], config.lookback, config.horizon, config.stride)}
    for part in ("val", "test"):
        if all(r[part] is not None for r in ranges):
            index[part] = window_index([r[part] for r in ranges], config.lookback, config.horizon)
    period = config.season_length or season_length(series_set.freq) or 1
    return PreparedData(series_set, target_scalers, covariate_scalers, arrays, ranges, index, period, name)


def window_dataset(prepared: PreparedData, part: str, config: ForecastConfig):
    """The torch dataset of one part's windows, or None when that part has none."""
    from grukit.data import WindowDataset

    index = prepared.index.get(part)
    if index is None or len(index) == 0:
        return None
    a = prepared.arrays
    return WindowDataset(a.inputs, a.targets, index, config.lookback, config.horizon, known_future=a.known_future)


def original_windows(prepared: PreparedData, part: str, config: ForecastConfig) -> tuple[np.ndarray, np.ndarray]:
    """The original-scale target history (M, L, C) and actuals (M, K, C) of a part's windows."""
    history, actual = [], []
    for series, start in prepared.index[part]:
        target = prepared.series_set.series[series].target  # (N, C)
        history.append(target[start : start + config.lookback])
        actual.append(target[start + config.lookback : start + config.lookback + config.horizon])
    return np.stack(history), np.stack(actual)
