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
from grukit.data.assemble import with_observed_mask
from grukit.errors import DataError
from grukit.forecast.config import ForecastConfig
from grukit.forecast.defaults import resolve_config

DEFAULT_DATASET = "air_passengers"


@dataclass
class PreparedData:
    """Everything downstream needs: the series, their scalers, arrays, split ranges and windows."""

    series_set: SeriesSet
    target_scalers: list[StandardScaler]
    covariate_scalers: list[StandardScaler] | None
    arrays: ModelArrays
    ranges: list[dict]  # per series {"train": (a, b), "val": (a, b) | None, "test": (a, b)}
    index: dict[str, np.ndarray]  # "train" | "val" | "test" -> (W, 2) (series, start) window pairs
    season_length: int  # for MASE, seasonal naive and Theta: the config, the frequency or the train rows; 1: none
    source_name: str  # the file, the bundled dataset or "DataFrame"
    pad: int = 0  # rows of left padding before each series in ``arrays`` (ranges and index count them)
    short: list[str] | None = None  # ids of the series shorter than lookback + horizon (padded)
    untrained: list[str] | None = None  # ids of the series too short for a training window (min_history + horizon)

    def train_targets(self) -> list[np.ndarray]:
        """Each series' train rows of its targets, original scale, in its own row numbers: (n_train, C)."""
        return [s.target[slice(*r["train"])] for s, r in zip(self.series_set.series, _unpadded(self.ranges, self.pad))]


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
    """The series of ``data`` (a file, a DataFrame, an already loaded SeriesSet, or None) and its name."""
    if isinstance(data, SeriesSet):
        return data, "series"
    source, name = resolve_source(data, config)
    series_set = load_series(source, time_col=config.time_col, target=config.target or None, id_col=config.id_col,
                             value_col=config.value_col, covariates=config.covariates or None,
                             missing=config.missing, freq=config.freq, date_format=config.date_format,
                             future_covariates=config.future_covariates or None)  # read after the covariates
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
    """An unfitted target scaler for ``config``: z-score or identity, of log(y) with ``transform="log"``.

    ``scaler="window"`` scales inside the network, per window, so the series scaler is the identity.
    """
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
    if config.scaler != "none" and series_set.covariate_columns:
        covariates = fit_scalers([s.past_covariates for s in series_set.series], [r["train"] for r in ranges])
    return targets, covariates


def prepare(data, config: ForecastConfig) -> PreparedData:
    """Load, check, split, scale and window ``data`` (None: the bundled default) under ``config``.

    Options left at 0 (horizon, lookback) are resolved from the data first, in place
    (:func:`grukit.forecast.defaults.resolve_config`).
    """
    series_set, name = load(data, config)
    resolve_config(config, [len(s) for s in series_set.series], series_set.freq)
    pad = config.lookback - 1 if config.pad else 0
    short, untrained = check_lengths(series_set, config)
    spec = SplitSpec(config.split, config.val_size, config.test_size)
    ranges = series_split_ranges(series_set, spec, config.lookback, pad)
    target_scalers, covariate_scalers = scalers_for(series_set, _unpadded(ranges, pad), config)
    arrays = model_arrays(series_set, target_scalers, covariate_scalers, calendar=config.calendar,
                          future_columns=len(config.future_covariates))
    if config.pad:
        arrays = with_observed_mask(arrays, pad, len(series_set.target_columns))
    first = min_history(config) - 1 if config.pad else 0  # train windows need min_history real rows of history
    train = [(max(r["train"][0], first), r["train"][1]) for r in ranges]
    index = {"train": window_index(train, config.lookback, config.horizon, config.stride)}
    for part in ("val", "test"):
        if all(r[part] is not None for r in ranges):
            index[part] = window_index([r[part] for r in ranges], config.lookback, config.horizon)
            if len(index[part]) == 0:
                rows = min(r[part][1] - r[part][0] for r in ranges) - config.lookback
                raise DataError(f"the {part} part has {rows} row{'s' if rows != 1 else ''} per series, less than "
                                f"one horizon ({config.horizon} rows); give {part}_size at least the horizon, or "
                                f"{part}_size=0{' and evaluate with cross_validation' if part == 'test' else ''}.")
    if len(index["train"]) == 0:
        need = min_history(config) + config.horizon
        raise DataError(f"no training window: a series needs at least {need} training rows (history "
                        f"{min_history(config)} + horizon {config.horizon}) and none has; use a shorter horizon "
                        f"or longer series.")
    prepared = PreparedData(series_set, target_scalers, covariate_scalers, arrays, ranges, index, 1, name,
                            pad, short, untrained)
    prepared.season_length = config.season_length or season_length(series_set.freq) or _detected_season(prepared)
    return prepared


def _detected_season(prepared: PreparedData) -> int:
    """Without a frequency (integer steps), the season length the train rows show (1: none); with one, 1.

    Every target column of every series is one row of :func:`grukit.data.season.detect_season`.
    """
    if prepared.series_set.freq is not None:
        return 1
    from grukit.data.season import detect_season

    columns = [target[:, c : c + 1] for target in prepared.train_targets() for c in range(target.shape[1])]
    return detect_season(last_rows(columns, max(map(len, columns)))[..., 0])  # (S*C, T), left-padded with NaN


def check_lengths(series_set: SeriesSet, config: ForecastConfig) -> tuple[list[str], list[str]]:
    """The ids of the short series (padded) and of those too short to train on; see the rule below.

    Without padding every series needs lookback + horizon rows (else a DataError). With padding
    a series of at least min_history + horizon rows trains (its windows' history may be partly
    padding); a shorter one gives no training window and is only forecast, with a warning; a
    series of fewer than 2 rows is an error.
    """
    import warnings

    if not config.pad:
        check_length(series_set, config.lookback, config.horizon)
        return [], []
    tiny = [s for s in series_set.series if len(s) < 2]
    if tiny:
        rows = len(tiny[0])
        raise DataError(f"series {tiny[0].id!r} has {rows} row{'' if rows == 1 else 's'}; a forecast needs at least 2 "
                        f"rows per series; drop {'it' if len(tiny) == 1 else f'the {len(tiny)} such series'} or add "
                        f"rows.")
    need = config.lookback + config.horizon
    short = [s.id for s in series_set.series if len(s) < need]
    train_need = min_history(config) + config.horizon
    untrained = [s.id for s in series_set.series if len(s) < train_need]
    if untrained and len(untrained) < len(series_set):  # when none trains, fit's "no training window" error says so
        warnings.warn(f"{len(untrained)} of {len(series_set)} series (first {untrained[0]!r}) have fewer than "
                      f"{train_need} rows: they give no training window and are only forecast.", stacklevel=3)
    return short, untrained


def last_rows(targets: list[np.ndarray], rows: int) -> np.ndarray:
    """The last ``rows`` rows of each series' targets (N_i, C), left-padded with NaN: (S, T, C), T = ``rows``.

    Example:
        >>> last_rows([np.array([[1.0], [2.0], [3.0]]), np.array([[4.0]])], 2)[..., 0].tolist()
        [[2.0, 3.0], [nan, 4.0]]
    """
    channels = targets[0].shape[1]
    out = np.full((len(targets), rows, channels), np.nan)
    for i, target in enumerate(targets):
        tail = np.asarray(target, dtype=np.float64)[-rows:]
        out[i, rows - len(tail) :] = tail
    return out


def forecast_rows(config: ForecastConfig) -> int:
    """Rows of a series a forecast needs: 2 with padding (the padding fills the window), else the lookback."""
    return 2 if config.pad else config.lookback


def min_history(config: ForecastConfig) -> int:
    """Real rows a padded training window must hold: ``config.min_history``, by default min(lookback, horizon)."""
    return min(config.lookback, config.min_history or config.horizon)


def _unpadded(ranges: list[dict], pad: int) -> list[dict]:
    """The train ranges in the series' own row numbers (scalers are fitted on real rows)."""
    return [{**r, "train": (max(0, r["train"][0] - pad), r["train"][1] - pad)} for r in ranges]


def window_dataset(prepared: PreparedData, part: str, config: ForecastConfig):
    """The torch dataset of one part's windows, or None when that part has none."""
    from grukit.data import WindowDataset

    index = prepared.index.get(part)
    if index is None or len(index) == 0:
        return None
    a = prepared.arrays
    return WindowDataset(a.inputs, a.targets, index, config.lookback, config.horizon, known_future=a.known_future)


def original_windows(prepared: PreparedData, part: str, config: ForecastConfig, length: int | None = None,
                     fill: float | None = None, index: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The original-scale target history (W, T, C) and actuals (W, K, C) of a part's windows.

    ``length`` T: rows of history before each window's forecast, the lookback by default (the
    baselines ask for at least one season); rows before the series' start repeat its first
    value, or are ``fill`` when given (NaN for the Theta method). ``index``: other (series,
    start) windows (W, 2) than the part's, such as the part's shifted one horizon back.
    """
    length = length or config.lookback
    history, actual = [], []
    for series, start in (prepared.index[part] if index is None else index):
        target = prepared.series_set.series[series].target  # (N, C)
        start -= prepared.pad  # in the series' own rows; negative: the history starts in the padding
        end = start + config.lookback  # the first forecast row
        past = target[max(0, end - length) : end]  # (<= T, C)
        before = np.repeat(past[:1], length - len(past), axis=0)  # (T - len(past), C)
        if fill is not None:
            before = np.full_like(before, fill)
        history.append(np.concatenate([before, past]))
        actual.append(target[start + config.lookback : start + config.lookback + config.horizon])
    return np.stack(history), np.stack(actual)


def standard_stats(scalers: list) -> tuple[np.ndarray, np.ndarray] | None:
    """The means and scales (S, C) of per-series z-score scalers, for a whole batch at once; None when any
    of them is another kind (a log scaler), which must then transform its own series."""
    if not all(type(sc) in (StandardScaler, IdentityScaler) for sc in scalers):
        return None
    return np.stack([sc.mean_ for sc in scalers]), np.stack([sc.scale_ for sc in scalers])


def last_windows(series_list: list, stats: tuple[np.ndarray, np.ndarray], config: ForecastConfig,
                 cuts: list[int] | None = None) -> np.ndarray:
    """:func:`last_window` for every series at once, for models with targets alone (no covariates, no
    calendar): x (S, T, I), equal to stacking ``last_window`` of each series.

    ``stats``: the series' z-score means and scales (S, C) (:func:`standard_stats`). ``cuts``: per
    series, rows left out at its end first (the window ends that many rows earlier); None: none.
    """
    mean, scale = stats
    cuts = cuts or [0] * len(series_list)
    targets = [s.target[: len(s) - cut] for s, cut in zip(series_list, cuts)]
    rows = last_rows(targets, config.lookback)  # (S, T, C), NaN before a series' start
    real = ~np.isnan(rows[..., :1])  # (S, T, 1)
    x = np.where(real, (rows - mean[:, None]) / scale[:, None], 0.0)  # padded rows are zeros
    return np.concatenate([x, real.astype(np.float64)], axis=2) if config.pad else x


def last_window(series, target_scaler, covariate_scaler, config: ForecastConfig, freq: str | None,
                future_size: int, future_values: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """The network's input for a forecast after the end of ``series``: x (T, I) and future (K, F) or None.

    The same layout as training: [scaled targets | observed mask (with padding) | scaled past
    covariates | calendar | scaled future covariates]; a series shorter than lookback is
    left-padded with zero rows (mask 0). ``future_values`` (K, F_cov): the future covariates of
    the K forecast steps, original units.
    """
    from grukit.data import future_times
    from grukit.data.calendar import calendar_features

    n_future = len(config.future_covariates)
    rows = min(len(series), config.lookback)
    last = slice(len(series) - rows, len(series))
    parts = [target_scaler.transform(series.target[last])]  # (rows, C)
    if config.pad:
        parts.append(np.ones((rows, 1)))
    covariates = series.past_covariates[last]  # (rows, P + F_cov)
    if covariates.shape[1] and covariate_scaler is not None:
        covariates = covariate_scaler.transform(covariates)
    split = covariates.shape[1] - n_future
    parts.append(covariates[:, :split])
    known = []
    if future_size > n_future:  # calendar features
        parts.append(calendar_features(series.time[last], freq))
        known.append(calendar_features(future_times(series.time[-1], freq, config.horizon), freq))  # (K, F_cal)
    parts.append(covariates[:, split:])
    if n_future:
        ahead = np.asarray(future_values, dtype=np.float64)  # (K, F_cov)
        if covariate_scaler is not None:
            ahead = covariate_scaler.transform(ahead, channels=list(range(split, split + n_future)))
        known.append(ahead)
    x = np.concatenate(parts, axis=1)  # (rows, I)
    if rows < config.lookback:
        x = np.concatenate([np.zeros((config.lookback - rows, x.shape[1])), x])  # (T, I)
    return x, (np.concatenate(known, axis=1) if known else None)
