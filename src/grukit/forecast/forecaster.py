"""``GRUForecaster``: the forecasting estimator, on the scikit-learn contract."""

from __future__ import annotations

import dataclasses
import functools
import time
from pathlib import Path

import numpy as np
import pandas as pd

from grukit.data import StandardScaler, future_times
from grukit.errors import ConfigError, DataError
from grukit.estimator import Estimator
from grukit.forecast.config import ForecastConfig
from grukit.forecast.columns import quantile_column
from grukit.forecast.combine import theta_combined
from grukit.forecast.defaults import GENERIC_TRAIN, training_size
from grukit.forecast.network import build_net
from grukit.forecast.pipeline import (DEFAULT_DATASET, forecast_rows, last_window, last_windows, load,
                                      new_target_scaler, prepare, standard_stats, window_dataset)
from grukit.forecast.presets import preset_options

COLUMN_LISTS = ("target", "covariates", "future_covariates")  # options that name columns, a list or one name
MIX = ("mae", "smape", "mase")  # loss="mix": the loss of ensemble member k is MIX[k % 3]


def member_loss(loss: str, member: int, positive: bool) -> str:
    """The training loss of ensemble member ``member`` under ``loss``.

    ``loss="mix"`` gives the members, in turn, MAE, sMAPE and MASE-scaled MAE (the ensemble of
    losses of N-BEATS, Oreshkin et al. 2020); sMAPE needs positive data, so on a series set with a
    value <= 0 that member trains with MAE instead (``positive`` False).

    Example:
        >>> [member_loss("mix", k, positive=True) for k in range(4)], member_loss("mix", 1, positive=False)
        (['mae', 'smape', 'mase', 'mae'], 'mae')
    """
    if loss != "mix":
        return loss
    chosen = MIX[member % len(MIX)]
    return "mae" if chosen == "smape" and not positive else chosen


def forecast_loss(model, batch, loss: str = "mse"):
    """The training loss of a batch = (x, y[, future]).

    Point forecasts, with errors e = y_hat - y of each window:
        mse    mean(e^2), and mae mean(|e|), on the scaled data (with window scaling: e / window spread)
        smape  mean(2 |e| / (|y_hat| + |y|)), on the original scale (positive data)
        mase   mean(|e| / d), d the window's mean absolute one-step change (MASE's scale)
    Quantile models: the pinball loss averaged over the quantiles.
    """
    import torch.nn.functional as F

    from grukit.models import pinball_loss

    x, y = batch[0], batch[1]
    future = batch[2] if len(batch) > 2 else None
    prediction = model(x, future, y)  # (B, K, C, Q)
    if model.num_quantiles == 1 and loss == "smape":
        point = prediction[..., 0]
        return (2.0 * (point - y).abs() / (point.abs() + y.abs()).clamp_min(1e-8)).mean()
    scale = model.window_step(x) if loss == "mase" else model.window_scale(x)  # (B, 1, C) or None
    if scale is not None:
        prediction, y = prediction / scale.unsqueeze(-1), y / scale
    if model.num_quantiles > 1:
        return pinball_loss(prediction, y, model.quantiles)
    if loss in ("mae", "mase"):
        return F.l1_loss(prediction[..., 0], y)
    return F.mse_loss(prediction[..., 0], y)


class GRUForecaster(Estimator):
    """Forecast the next ``horizon`` steps of one or many series with a GRU.

    Follows scikit-learn's contract: ``__init__`` only stores its arguments, ``fit`` checks them,
    trains and returns ``self``; learned state ends in ``_``. Options are the fields of
    :class:`ForecastConfig` (data, windows, model) and :class:`grukit.train.TrainConfig`.

    Example:
        >>> from grukit.forecast import GRUForecaster
        >>> model = GRUForecaster(lookback=24, horizon=12, epochs=50).fit()   # bundled air passengers
        >>> model.metrics_["model"]["smape"], model.predict().head()
        >>> model.save("runs/air"); model = GRUForecaster.load("runs/air")
    """

    PERSISTENCE = "grukit.forecast.persistence"
    CONFIG = ForecastConfig
    # forecasts train on every row by default; a search scores each trial on the last 20 % of each series,
    # one network per trial (pruning reads its epochs); the best options then train the default ensemble
    TUNE_OPTIONS = (("val_size", 0.2), ("ensemble", 1))
    ARGUMENTS = ("lookback", "horizon")
    TRAIN_DEFAULTS = GENERIC_TRAIN

    def __init__(self, lookback: int | None = None, horizon: int | None = None, **options) -> None:
        self.lookback = lookback
        self.horizon = horizon
        self.options = options

    # ----------------------------------------------------------------- training
    def _options(self, data) -> dict:
        """The flat options in force for ``configs(data)``.

        Without ``data`` the bundled dataset's preset fills the options not given (see
        :mod:`grukit.forecast.presets`; ``preset=False`` turns it off); otherwise the generic
        defaults hold (:mod:`grukit.forecast.defaults`), and options left at 0 (lookback, horizon)
        are chosen from the data by ``fit``.
        """
        given = self._given()
        if data is None and given.get("preset", True):
            options = preset_options(given.get("dataset") or DEFAULT_DATASET, given)
        else:
            options = super()._options(data)
        for key in COLUMN_LISTS:  # one column may be named alone: target="sst" is target=["sst"]
            if isinstance(options.get(key), str):
                options[key] = [options[key]]
        return options

    def fit(self, data=None, *, out: str | Path | None = None, resume: bool = False,
            callbacks=(), on_data=None) -> "GRUForecaster":
        """Train on ``data`` (a CSV/Parquet path or DataFrame; None: the bundled default); returns ``self``.

        By default the model learns from every row of every series (``test_size=0``); evaluate it
        with :meth:`cross_validation`. With ``test_size > 0`` the last part of each series is held
        out and scored against the baselines into ``metrics_``.

        ``out``: a folder for the training log (metrics.csv) and per-epoch checkpoints (one
        ``member{k}/`` folder per ensemble member); ``resume`` continues from its last checkpoint;
        ``callbacks`` go to :func:`grukit.train.fit`. ``on_data``: called with the read-back line
        (:mod:`grukit.forecast.read_back`, also kept as ``read_back_``) once the data are read, before
        training; the command line prints it.
        """
        from grukit.forecast.read_back import read_back
        from grukit.models import MedianEnsemble
        from grukit.train import fit, seed_everything
        from grukit.train.checkpoint import digest
        from grukit.train.progress import fit_label

        config, train_config = self.configs(data)
        prepared = prepare(data, config)
        self.read_back_ = read_back(prepared, config)
        if on_data is not None:
            on_data(self.read_back_)
        sizes = training_size(len(prepared.index["train"]), self._options(data))
        train_config = dataclasses.replace(train_config, **sizes)
        dims = (len(prepared.arrays.input_names), len(prepared.series_set.target_columns),
                0 if prepared.arrays.known_future is None else prepared.arrays.known_future[0].shape[1])
        # sMAPE needs the network's outputs in the original units and positive data
        positive = (config.scaler in ("window", "none") and config.transform == "none"
                    and all(bool((t > 0).all()) for t in prepared.train_targets()))
        a = prepared.arrays  # what a --resume must find again: the same windows of the same data, the same options
        windows = [index.tolist() for index in prepared.index.values()]
        fingerprint = {"data": digest(a.inputs, a.targets, a.known_future, windows),
                       "options": dataclasses.asdict(config)}
        members, result, epochs, started = [], None, [], time.perf_counter()
        for k in range(config.ensemble):
            member_config = dataclasses.replace(train_config, seed=train_config.seed + k)
            seed_everything(member_config.seed)
            net = build_net(config, *dims, member=k)
            member_out = out if out is None or config.ensemble == 1 else Path(out) / f"member{k}"
            loss_fn = functools.partial(forecast_loss, loss=member_loss(config.loss, k, positive))
            with fit_label(f"member {k + 1}/{config.ensemble}" if config.ensemble > 1 else ""):
                result = fit(net, loss_fn, window_dataset(prepared, "train", config),
                             window_dataset(prepared, "val", config), member_config, out_dir=member_out,
                             resume=resume, callbacks=callbacks, fingerprint=fingerprint)
            members.append(net.cpu())
            epochs.append(len(result.history))
        self.training_ = {"members": config.ensemble, "epochs": epochs, "batch_size": train_config.batch_size,
                          "windows": int(len(prepared.index["train"])),
                          "seconds": round(time.perf_counter() - started, 2)}
        net = members[0] if config.ensemble == 1 else MedianEnsemble(members)
        self.config_, self.train_config_, self.net_, self.prepared_ = config, train_config, net.eval(), prepared
        self.schema_ = prepared.series_set.to_dict()  # columns, frequency, series ids
        self.target_scalers_ = prepared.target_scalers
        self.covariate_scalers_ = prepared.covariate_scalers
        self.future_size_ = 0 if prepared.arrays.known_future is None else prepared.arrays.known_future[0].shape[1]
        self.season_length_ = prepared.season_length
        self.history_ = result.history
        self.metrics_ = self.score() if "test" in prepared.index else None
        return self

    def score(self) -> dict:
        """Test-part metrics of the model and the baselines (metrics.json's content)."""
        from grukit.forecast.evaluation import evaluate_test

        self._check_fitted()
        if getattr(self, "prepared_", None) is None:
            raise ConfigError("score() needs the training data; a loaded model is scored by "
                              "`grukit forecast backtest` or by fitting again.")
        return evaluate_test(self.net_, self.prepared_, self.config_)

    # ----------------------------------------------------------------- forecasting
    def predict(self, data=None, h: int | None = None, future=None) -> pd.DataFrame:
        """Forecast the next ``h`` steps (default: the horizon) after the end of each series in ``data``.

        ``data`` defaults to the training data; new or updated series are read like it. All series
        go through the network together, in batches. ``future``: with ``future_covariates``, a
        DataFrame (or file) with their values for the ``horizon`` steps after each series' end
        (the id and time columns of the training data, then those columns). Returns a long
        DataFrame: series id, time (or step), then one column per target, plus
        ``{target}_q{quantile}`` columns for quantile models.
        """
        self._check_fitted()
        h = self._check_h(h)
        if data is None and getattr(self, "prepared_", None) is None:
            raise ConfigError("a loaded GRUForecaster forecasts from the data you pass: call predict(data) with "
                              "at least the last lookback rows of each series.")
        series_set = self.prepared_.series_set if data is None else self._load_like_training(data)
        return self._forecast_many(series_set.series, h, self._future_values(series_set.series, future))

    def _future_values(self, series_list, future) -> list[np.ndarray] | None:
        """Each series' future covariates for the horizon after its end, (K, F_cov), from ``future``."""
        from grukit.forecast.future import future_values

        if not self.config_.future_covariates:
            return None
        return future_values(series_list, future, self.config_, self.schema_)

    def _check_h(self, h: int | None) -> int:
        horizon = self.config_.horizon
        if h is None:
            return horizon
        if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or not 1 <= h <= horizon:
            raise ConfigError(f"h must be a whole number from 1 to the trained horizon {horizon}; got {h!r}. "
                              f"For longer forecasts fit again with horizon={h}.")
        return int(h)

    def _load_like_training(self, data):
        """Load ``data`` with the training's columns, frequency and layout (also used by streaming)."""
        trained = self.schema_
        config = dataclasses.replace(self.config_, dataset=None, freq=self.config_.freq or trained["freq"])
        series_set, name = load(data, config)
        if series_set.target_columns != trained["target_columns"] or \
                series_set.covariate_columns != trained["covariate_columns"]:
            raise DataError(f"the columns of {name} differ from training: got targets {series_set.target_columns} "
                            f"and covariates {series_set.covariate_columns}, trained on "
                            f"{trained['target_columns']} and {trained['covariate_columns']}; pass data with the "
                            f"training columns.")
        return series_set

    def _scaler_for(self, series, positions: dict[str, int], cut: int = 0) -> tuple[StandardScaler,
                                                                                      StandardScaler | None]:
        """The training scaler of a known series id (``positions``: id -> training index); a new
        series is scaled on its own history (without its last ``cut`` rows)."""
        if series.id in positions:
            i = positions[series.id]
            covariates = self.covariate_scalers_[i] if self.covariate_scalers_ else None
            return self.target_scalers_[i], covariates
        rows = slice(0, len(series) - cut)
        target = new_target_scaler(self.config_).fit(series.target[rows])
        if self.config_.scaler == "none":
            return target, None
        covariates = StandardScaler().fit(series.past_covariates[rows]) if series.past_covariates.shape[1] else None
        return target, covariates

    def _forecast_many(self, series_list, h: int | None = None, futures: list | None = None,
                       batch_size: int = 4096) -> pd.DataFrame:
        """Forecast every series in one pass per ``batch_size`` series; a frame as :meth:`predict` returns.

        ``futures``: per series its future covariates (K, F_cov), for a model that has them.
        """
        config, h = self.config_, h or self.config_.horizon
        need = forecast_rows(config)
        short = [s for s in series_list if len(s) < need]
        if short:
            raise DataError(f"series {short[0].id!r} has {len(short[0])} rows; predict needs at least "
                            f"{'2 rows' if config.pad else f'the last lookback={need} rows'} of each series.")
        if config.future_covariates and futures is None:
            futures = self._future_values(series_list, None)  # raises: the values are needed
        network = functools.partial(self._network_values, batch_size=batch_size)
        if config.combine == "theta":
            values = theta_combined(series_list, futures, network, config, self.season_length_)
        else:
            values = network(series_list, futures)  # (S, K, C, Q), original units
        return self._frame(series_list, values[:, :h])

    def _network_values(self, series_list, futures: list | None, cuts: list[int] | None = None,
                        batch_size: int = 4096) -> np.ndarray:
        """The network's forecasts after the end of each series, in original units: (S, K, C, Q).

        ``cuts``: per series, rows to leave out at its end first (a backtest's forecast); None: none.
        """
        import torch

        config, freq = self.config_, self.schema_["freq"]
        cuts = cuts or [0] * len(series_list)
        positions = {sid: i for i, sid in enumerate(self.schema_["series_ids"])}
        pairs = [self._scaler_for(series, positions, cut) for series, cut in zip(series_list, cuts)]
        scalers = [target for target, _ in pairs]
        stats = standard_stats(scalers)
        if stats is not None and not self.future_size_ and not series_list[0].past_covariates.shape[1]:
            x = torch.tensor(last_windows(series_list, stats, config, cuts), dtype=torch.float32)  # (S, T, I)
            future = None
        else:  # covariates, calendar features or log scalers: each series' window on its own
            cut_list = [series.head(len(series) - cut) if cut else series for series, cut in zip(series_list, cuts)]
            windows = [last_window(series, target, covariates, config, freq, self.future_size_,
                                   None if futures is None else futures[i])
                       for i, (series, (target, covariates)) in enumerate(zip(cut_list, pairs))]
            x = torch.tensor(np.stack([w[0] for w in windows]), dtype=torch.float32)  # (S, T, I)
            future = torch.tensor(np.stack([w[1] for w in windows]), dtype=torch.float32) if self.future_size_ else None
        self.net_.eval()
        with torch.no_grad():
            y = torch.cat([self.net_(x[i : i + batch_size], None if future is None else future[i : i + batch_size])
                           for i in range(0, len(x), batch_size)])
        y = y.double().numpy()  # (S, K, C, Q), scaled
        if stats is not None:  # x = z * scale + mean, every series at once
            return y * stats[1][:, None, :, None] + stats[0][:, None, :, None]
        return np.stack([np.stack([sc.inverse_transform(y[i, ..., q]) for q in range(y.shape[-1])], axis=-1)
                         for i, sc in enumerate(scalers)])

    def _frame(self, series_list, values: np.ndarray) -> pd.DataFrame:
        """Long frame of forecasts (S, K, C, Q) in original units: id, time, targets, quantile columns."""
        schema, h = self.schema_, values.shape[1]
        frame = {schema["id_column"] or "series": np.repeat([s.id for s in series_list], h)}
        if series_list[0].time is not None:
            frame[schema["time_column"] or "step"] = _future_stamps(series_list, schema["freq"], h)  # (S*h,)
        else:
            frame[schema["time_column"] or "step"] = np.concatenate([np.arange(len(s), len(s) + h)
                                                                     for s in series_list])
        quantiles = self.config_.quantiles or [None]
        for q_index, q in enumerate(quantiles):
            for c, name in enumerate(schema["target_columns"]):
                frame[quantile_column(name, q)] = values[:, :, c, q_index].ravel()  # (S*h,)
        return pd.DataFrame(frame)

    def cross_validation(self, data=None, n_windows: int = 1, step: int | None = None, refit: bool = False,
                         h: int | None = None) -> pd.DataFrame:
        """Forecasts at ``n_windows`` cutoffs at the end of each series, next to the actuals and baselines.

        See :func:`grukit.forecast.cross_validation.cross_validation`; the metrics table of the
        result is ``cross_validation_metrics(frame)``. This estimator's options are used; its
        fitted state (if any) is not touched.
        """
        from grukit.forecast.cross_validation import cross_validation

        return cross_validation(self, data, n_windows=n_windows, step=step, refit=refit, h=h)

    # ----------------------------------------------------------------- streaming
    def update(self, new_rows) -> "GRUForecaster":
        """Append new rows (a DataFrame or file with the training columns) to the series being streamed.

        Keeps only the last ``lookback`` rows per series (:mod:`grukit.forecast.streaming`); the
        rows must continue each series at its frequency, without gaps. Returns ``self``.
        """
        from grukit.forecast.streaming import ForecastStream

        if getattr(self, "stream_", None) is None:
            self.stream_ = ForecastStream(self)
        self.stream_.update(new_rows)
        return self

    def forecast(self) -> pd.DataFrame:
        """Forecast after the rows given to :meth:`update`: equal to ``predict(all rows so far)``."""
        from grukit.forecast.streaming import ForecastStream

        if getattr(self, "stream_", None) is None:
            self.stream_ = ForecastStream(self)
        return self.stream_.forecast()


def _future_stamps(series_list, freq: str, h: int) -> np.ndarray:
    """The h timestamps after each series' last, concatenated (S*h,): one NumPy pass on a regular grid."""
    from grukit.data.frequency import future_grid, parse_freq

    lasts = np.array([s.time.values[-1] for s in series_list]).astype("datetime64[ns]")  # any unit -> ns
    if all(s.time.tz is None for s in series_list):
        grid = future_grid(lasts, h, parse_freq(freq))
        if grid is not None:
            return grid.ravel()
    return np.concatenate([np.asarray(future_times(s.time[-1], freq, h)) for s in series_list])


__all__ = ["GRUForecaster"]
