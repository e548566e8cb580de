"""``GRUAnomalyDetector``: unsupervised anomaly scores per time step from a GRU, on scikit-learn's contract."""

from __future__ import annotations

import dataclasses
import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd

from grukit.data import StandardScaler
from grukit.detect.config import TRAIN_DEFAULTS, Z_THRESHOLD, DetectConfig
from grukit.detect.scores import alarms_from_flags, causal_mean, error_zscore, flags_from_scores, quantile_threshold
from grukit.detect.stream import Stream, read_stream
from grukit.errors import ConfigError, DataError
from grukit.estimator import Estimator

__all__ = ["GRUAnomalyDetector"]

DEFAULT_DATASET = "nyc_taxi"





class GRUAnomalyDetector(Estimator):
    """Score every time step of a series for how anomalous it is, with a GRU trained on a clean stretch.

    Two methods (``method``): "forecast" takes the squared residual of a one-step GRU forecast,
    "autoencoder" the reconstruction error of the window ending at the step (see
    :mod:`grukit.detect.scores`). With ``score="zscore"`` (the forecast method's default) the
    score is that error in standard deviations of the errors' own history (the last ``history``
    steps) and the threshold is ``Z_THRESHOLD`` of them unless ``threshold`` is given; with
    ``score="error"`` (the autoencoder's default) the score is the error itself and the threshold a
    quantile of the validation scores. Both are causal. The model learns from the clean stretch at the
    start of the data (by default NAB's probationary period: the first 15% of the rows, at most
    750); the end of that stretch is held out for early stopping.

    scikit-learn's contract: ``__init__`` only stores its arguments, ``fit`` checks them, trains and
    returns ``self``, learned state ends in ``_``. Options are the fields of :class:`DetectConfig`
    and :class:`grukit.train.TrainConfig`. Unlike scikit-learn's outlier detectors, whose
    ``score_samples`` is the negated anomaly score, ``score_samples`` here returns the anomaly score
    itself (higher is more anomalous) and ``predict`` returns booleans (True: flagged).

    Example:
        >>> from grukit.detect import GRUAnomalyDetector
        >>> detector = GRUAnomalyDetector(method="forecast", lookback=48).fit("nyc_taxi.csv")
        >>> scores = detector.score_samples("nyc_taxi.csv")     # (N,), NaN for the first lookback rows
        >>> flags = detector.predict("nyc_taxi.csv")            # (N,) bool: score >= threshold_
        >>> detector.save("runs/taxi"); detector = GRUAnomalyDetector.load("runs/taxi")
    """

    PERSISTENCE = "grukit.detect.persistence"
    CONFIG = DetectConfig
    ARGUMENTS = ("method", "lookback")
    TRAIN_DEFAULTS = TRAIN_DEFAULTS

    def __init__(self, method: str | None = None, lookback: int | None = None, **options) -> None:
        self.method = method
        self.lookback = lookback
        self.options = options

    # ----------------------------------------------------------------- training
    def read(self, data=None, config: DetectConfig | None = None) -> Stream:
        """``data`` (a path, DataFrame or array; None: the bundled NAB series ``dataset``) as a Stream."""
        config = config or getattr(self, "config_", None) or self.configs()[0]
        if data is None:
            from grukit.detect.nab import load_nab

            name = config.dataset or DEFAULT_DATASET
            stream = read_stream(load_nab(name), time_col="timestamp", value_col="value", missing=config.missing)
            stream.name, stream.stem = f"bundled NAB series {name!r}", name
            return stream
        return read_stream(data, time_col=config.time_col, value_col=config.value_col, missing=config.missing)

    def fit(self, data=None, *, out: str | Path | None = None, resume: bool = False,
            callbacks=()) -> "GRUAnomalyDetector":
        """Train on the clean stretch of ``data`` (None: the bundled NAB series ``dataset``) and set the threshold.

        ``out``: a folder for the training log (metrics.csv) and per-epoch checkpoints; ``resume``
        continues from its last checkpoint; ``callbacks`` go to :func:`grukit.train.fit`.
        """
        from grukit.detect.methods import build_net, loss_for, window_dataset
        from grukit.train import fit, seed_everything
        from grukit.train.checkpoint import digest

        config, train_config = self.configs()
        stream = self.read(data, config)
        clean, how = clean_rows(stream, config)
        fit_rows = split_clean(stream, clean, how, config)
        scaler = StandardScaler().fit(stream.values[:fit_rows])
        scaled = scaler.transform(stream.values)  # (N, C)
        seed_everything(train_config.seed)
        net = build_net(config, stream.values.shape[1])
        overlap = config.window_rows() - 1  # validation windows reach back into the training rows
        fingerprint = {"data": digest(scaled[:clean]), "options": dataclasses.asdict(config)}
        result = fit(net, loss_for(config), window_dataset(scaled, (0, fit_rows), config),
                     window_dataset(scaled, (fit_rows - overlap, clean), config), train_config, out_dir=out,
                     resume=resume, callbacks=callbacks, fingerprint=fingerprint)
        self.config_, self.train_config_, self.net_, self.scaler_ = config, train_config, net.cpu().eval(), scaler
        self.columns_ = {"time": stream.time_column, "values": list(stream.value_columns)}
        self.history_ = result.history
        self.clean_ = {"rows": clean, "rule": how, "train_rows": [0, fit_rows], "validation_rows": [fit_rows, clean]}
        self.training_ = {"best_epoch": result.best_epoch, "best_val_loss": result.best_val_loss,
                          "epochs_run": result.epochs_run, "stopped_early": result.stopped_early}
        validation = self._scores(scaled[:clean])[fit_rows:clean]  # scores are causal: the clean rows suffice
        self.threshold_, rule = threshold_rule(config, validation)
        finite = validation[np.isfinite(validation)]
        self.validation_ = {"steps": int(finite.size), "score_mean": float(finite.mean()) if finite.size else None,
                            "score_max": float(finite.max()) if finite.size else None, "threshold_rule": rule}
        self.data_name_ = stream.name
        return self

    # ----------------------------------------------------------------- scoring
    def score_samples(self, data=None) -> np.ndarray:
        """The anomaly score of every row of ``data`` (None: the bundled series ``dataset``): (N,) float64.

        Higher is more anomalous; NaN for the first rows, which have no full window behind them.
        """
        self._check_fitted()
        return self._scores(self._scaled(self.read(data)))

    def predict(self, data=None) -> np.ndarray:
        """Flags, (N,) bool: True where the score reaches ``threshold_``."""
        return flags_from_scores(self.score_samples(data), self.threshold_)

    def score_frame(self, data=None) -> pd.DataFrame:
        """The scores CSV's content: time (or step), the value columns, score, flagged, alarm.

        ``alarm`` marks the flagged steps that raise an alarm: those with no alarm in the rest period
        (``rest_period`` steps, lookback by default) before them, or scoring above the last alarm.
        """
        self._check_fitted()
        stream = self.read(data)
        scores = self._scores(self._scaled(stream))
        frame = {stream.time_column or "step": stream.time if stream.time is not None else np.arange(len(stream))}
        for c, name in enumerate(stream.value_columns):
            frame[name] = stream.values[:, c]
        frame["score"] = scores
        frame["flagged"] = flags_from_scores(scores, self.threshold_)
        frame["alarm"] = alarms_from_flags(frame["flagged"], self.config_.rest_steps(), scores)
        return pd.DataFrame(frame)

    def _scaled(self, stream: Stream) -> np.ndarray:
        trained = self.columns_["values"]
        if len(stream.value_columns) != len(trained):
            raise DataError(f"{stream.name} has the value column(s) {', '.join(stream.value_columns)} but the model "
                            f"was trained on {', '.join(trained)}; pass data with the training columns.")
        need = self.config_.window_rows()
        if len(stream) < need:
            raise DataError(f"{stream.name} has {len(stream)} rows but scoring needs at least {need} "
                            f"({_window_text(self.config_)}); pass a longer stretch of the series.")
        return self.scaler_.transform(stream.values)

    def _scores(self, scaled: np.ndarray) -> np.ndarray:
        from grukit.detect.methods import step_errors

        errors = causal_mean(step_errors(self.net_, scaled, self.config_), self.config_.smoothing)
        return error_zscore(errors, self.config_.history) if self.config_.score_kind() == "zscore" else errors


def threshold_rule(config: DetectConfig, validation: np.ndarray) -> tuple[float, str]:
    """The threshold and how it was set: given, Z_THRESHOLD standard deviations, or a validation quantile."""
    if config.threshold is not None:
        return float(config.threshold), "given"
    if config.score_kind() == "zscore":
        return Z_THRESHOLD, f"{Z_THRESHOLD:g} standard deviations above the errors' history"
    return quantile_threshold(validation, config.threshold_quantile), (
        f"quantile {config.threshold_quantile:g} of the validation scores")


# --------------------------------------------------------------------------- the clean stretch
def clean_rows(stream: Stream, config: DetectConfig) -> tuple[int, str]:
    """The number of rows at the start that form the clean stretch, and the rule that chose them."""
    n = len(stream)
    if config.train_end is None:
        rows = math.floor(config.train_fraction * n)
        rule = f"the first {config.train_fraction:g} of its {n} rows"
        if config.train_max_rows is not None and rows > config.train_max_rows:
            rows, rule = config.train_max_rows, f"{rule}, at most {config.train_max_rows}"
        return rows, rule
    if stream.time is None:
        raise ConfigError(f"train_end needs timestamps but {stream.name} has no time column; "
                          f"use train_fraction and train_max_rows instead.")
    try:
        end = pd.Timestamp(config.train_end)
    except (TypeError, ValueError):
        raise ConfigError(f"train_end {config.train_end!r} is not a date/time; write it like "
                          f"2014-07-15 00:00:00.") from None
    later = np.flatnonzero(np.asarray(stream.time >= end))
    rows = int(later[0]) if later.size else n
    return rows, f"the rows before {end}"


def split_clean(stream: Stream, clean: int, rule: str, config: DetectConfig) -> int:
    """The end of the training rows inside the clean stretch; the rest is validation. Too short: DataError."""
    window = config.window_rows()
    if _training_rows(clean, config) >= window:
        return _training_rows(clean, config)
    need = next(n for n in itertools.count(window + 1) if _training_rows(n, config) >= window)
    raise DataError(
        f"the clean stretch of {stream.name} has {clean} rows ({rule}), too few to train on: lookback "
        f"{config.lookback} needs at least {need} ({window} for one training window, {need - window} held out "
        f"for validation); use a smaller lookback, a longer clean stretch (train_fraction, train_max_rows or "
        f"train_end) or a longer series."
    )


def _training_rows(clean: int, config: DetectConfig) -> int:
    return clean - max(1, math.floor(config.val_fraction * clean))


def _window_text(config: DetectConfig) -> str:
    if config.method == "forecast":
        return f"lookback {config.lookback} + the step forecast"
    return f"one window of lookback {config.lookback}"
