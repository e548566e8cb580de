"""``GRUForecaster``: the forecasting estimator, on the scikit-learn contract."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pandas as pd

from grukit.data import StandardScaler, future_times
from grukit.data.calendar import calendar_features
from grukit.errors import ConfigError, DataError
from grukit.forecast.config import ForecastConfig
from grukit.forecast.pipeline import DEFAULT_DATASET, load, new_target_scaler, prepare, window_dataset
from grukit.forecast.presets import preset_options

KIND = "forecast"


def split_options(options: dict) -> tuple[dict, dict]:
    """Route flat options to ForecastConfig and TrainConfig; an unknown key lists the valid ones."""
    from grukit.train import TrainConfig

    forecast_keys = [f.name for f in dataclasses.fields(ForecastConfig)]
    train_keys = [f.name for f in dataclasses.fields(TrainConfig)]
    unknown = [key for key in options if key not in forecast_keys and key not in train_keys]
    if unknown:
        raise ConfigError(f"unknown option{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                          f"valid options: {', '.join(forecast_keys + train_keys)}.")
    return ({k: v for k, v in options.items() if k in forecast_keys},
            {k: v for k, v in options.items() if k in train_keys})


def build_net(config: ForecastConfig, input_size: int, target_size: int, future_size: int):
    from grukit.models import ForecastNet

    return ForecastNet(
        input_size, target_size, config.horizon, future_size, config.hidden_size, config.num_layers, config.dropout,
        reset=config.reset, layer_norm=config.layer_norm, zoneout=config.zoneout,
        recurrent_dropout=config.recurrent_dropout, strategy=config.strategy, quantiles=tuple(config.quantiles),
        revin=config.revin, channel_independent=config.channel_independent, segment_length=config.segment_length,
    )


def forecast_loss(model, batch, loss: str = "mse"):
    """The training loss on the scaled data; batch = (x, y[, future]).

    Point forecasts: ``loss="mse"``, mean((y_hat - y)^2), or ``"mae"``, mean(|y_hat - y|).
    Quantile models: the pinball loss averaged over the quantiles.
    """
    import torch.nn.functional as F

    from grukit.models import pinball_loss

    x, y = batch[0], batch[1]
    future = batch[2] if len(batch) > 2 else None
    prediction = model(x, future, y)  # (B, K, C, Q)
    if model.num_quantiles > 1:
        return pinball_loss(prediction, y, model.quantiles)
    if loss == "mae":
        return F.l1_loss(prediction[..., 0], y)
    return F.mse_loss(prediction[..., 0], y)


class GRUForecaster:
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

    def __init__(self, lookback: int | None = None, horizon: int | None = None, **options) -> None:
        self.lookback = lookback
        self.horizon = horizon
        self.options = options

    # ----------------------------------------------------------------- training
    def configs(self, data=None):
        """The validated (ForecastConfig, TrainConfig) of this estimator's arguments.

        Without ``data`` the bundled dataset's preset fills the options not given (see
        :mod:`grukit.forecast.presets`); lookback and horizon default to 48 and 12 otherwise.
        """
        from grukit.train import TrainConfig, config_from_dict

        options = {k: v for k, v in (("lookback", self.lookback), ("horizon", self.horizon)) if v is not None}
        options.update(self.options)
        if data is None:
            options = preset_options(options.get("dataset") or DEFAULT_DATASET, options)
        forecast, train = split_options(options)
        return config_from_dict(ForecastConfig, forecast).validate(), config_from_dict(TrainConfig, train)

    def fit(self, data=None, *, out: str | Path | None = None, resume: bool = False,
            callbacks=()) -> "GRUForecaster":
        """Train on ``data`` (a CSV/Parquet path or DataFrame; None: the bundled default) and score the test part.

        ``out``: a folder for the training log (metrics.csv) and per-epoch checkpoints; ``resume``
        continues from its last checkpoint; ``callbacks`` go to :func:`grukit.train.fit`.
        """
        from grukit.train import fit, seed_everything

        config, train_config = self.configs(data)
        prepared = prepare(data, config)
        seed_everything(train_config.seed)
        net = build_net(config, len(prepared.arrays.input_names), len(prepared.series_set.target_columns),
                        0 if prepared.arrays.known_future is None else prepared.arrays.known_future[0].shape[1])
        loss_fn = functools.partial(forecast_loss, loss=config.loss)
        result = fit(net, loss_fn, window_dataset(prepared, "train", config),
                     window_dataset(prepared, "val", config), train_config, out_dir=out, resume=resume,
                     callbacks=callbacks)
        self.config_, self.train_config_, self.net_, self.prepared_ = config, train_config, net.cpu(), prepared
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
    def predict(self, data=None) -> pd.DataFrame:
        """Forecast the ``horizon`` steps after the end of each series in ``data`` (default: the training data).

        Returns a long DataFrame: series id, time (or step), then one column per target, plus
        ``{target}_q{quantile}`` columns for quantile models.
        """
        self._check_fitted()
        if data is None and getattr(self, "prepared_", None) is None:
            raise ConfigError("a loaded GRUForecaster forecasts from the data you pass: call predict(data) with "
                              "at least the last lookback rows of each series.")
        series_set = self.prepared_.series_set if data is None else self._load_like_training(data)
        short = [s.id for s in series_set.series if len(s) < self.config_.lookback]
        if short:
            raise DataError(f"series {short[0]!r} has fewer rows than lookback {self.config_.lookback}; "
                            f"predict needs at least the last {self.config_.lookback} rows of each series.")
        rows = [self._forecast_series(series) for series in series_set.series]
        return pd.concat(rows, ignore_index=True)

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

    def _scaler_for(self, series) -> tuple[StandardScaler, StandardScaler | None]:
        """The training scaler of a known series id; a new series is scaled on its own history."""
        ids = self.schema_["series_ids"]
        if series.id in ids:
            i = ids.index(series.id)
            covariates = self.covariate_scalers_[i] if self.covariate_scalers_ else None
            return self.target_scalers_[i], covariates
        target = new_target_scaler(self.config_).fit(series.target)
        if self.config_.scaler == "none":
            return target, None
        covariates = StandardScaler().fit(series.past_covariates) if series.past_covariates.shape[1] else None
        return target, covariates

    def _forecast_series(self, series) -> pd.DataFrame:
        import torch

        config, freq = self.config_, self.schema_["freq"]
        target_scaler, covariate_scaler = self._scaler_for(series)
        last = slice(len(series) - config.lookback, len(series))
        parts = [target_scaler.transform(series.target[last])]  # (L, C)
        if series.past_covariates.shape[1]:
            covariates = series.past_covariates[last]
            parts.append(covariate_scaler.transform(covariates) if covariate_scaler else covariates)
        times = None
        if series.time is not None:
            times = future_times(series.time[-1], freq, config.horizon)
        future = None
        if self.future_size_:
            parts.append(calendar_features(series.time[last], freq))
            future = torch.tensor(calendar_features(times, freq), dtype=torch.float32)[None]  # (1, K, F)
        x = torch.tensor(np.concatenate(parts, axis=1), dtype=torch.float32)[None]  # (1, L, C_in)
        self.net_.eval()
        with torch.no_grad():
            y = self.net_(x, future)[0].double().numpy()  # (K, C, Q)
        return self._frame(series, times, target_scaler, y)

    def _frame(self, series, times, scaler: StandardScaler, y: np.ndarray) -> pd.DataFrame:
        schema = self.schema_
        time_name = schema["time_column"] or "step"
        when = times if times is not None else np.arange(len(series), len(series) + self.config_.horizon)
        frame = {schema["id_column"] or "series": series.id, time_name: when}
        quantiles = self.config_.quantiles or [None]
        for q_index, q in enumerate(quantiles):
            values = scaler.inverse_transform(y[..., q_index])  # (K, C)
            for c, name in enumerate(schema["target_columns"]):
                frame[name if q in (None, 0.5) else f"{name}_q{q:g}"] = values[:, c]
        return pd.DataFrame(frame)

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

    # ----------------------------------------------------------------- persistence
    def save(self, folder: str | Path) -> None:
        """Write model.safetensors and config.json (no pickle) into ``folder``."""
        from grukit.forecast.persistence import save_forecaster

        self._check_fitted()
        save_forecaster(self, Path(folder))

    @classmethod
    def load(cls, folder: str | Path) -> "GRUForecaster":
        """Rebuild a fitted forecaster from a folder written by :meth:`save`."""
        from grukit.forecast.persistence import load_forecaster

        return load_forecaster(cls, Path(folder))

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise ConfigError("this GRUForecaster is not fitted yet; call fit(data) or GRUForecaster.load(folder) first.")


__all__ = ["GRUForecaster"]
