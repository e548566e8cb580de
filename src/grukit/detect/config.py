"""``DetectConfig``: every data, model, scoring and threshold option of an anomaly detector, flat and typed.

Training options live in :class:`grukit.train.TrainConfig`; detection trains small models on short
clean stretches, so its defaults there are ``TRAIN_DEFAULTS`` (any option given wins).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from grukit.train.dataclass_config import check_field_types, require

__all__ = ["DetectConfig", "METHODS", "TRAIN_DEFAULTS", "Z_THRESHOLD"]

METHODS = ("forecast", "autoencoder")

# TrainConfig values used for detection unless given: a few hundred windows train in seconds.
TRAIN_DEFAULTS = {"epochs": 40, "batch_size": 32, "lr": 3e-3, "patience": 8}
# The default threshold of score "zscore": the error this many standard deviations above its history. Chosen on
# the whole NAB corpus (58 files), as NAB chooses one threshold per detector: benchmarks/detect_nab_corpus.py.
Z_THRESHOLD = 12.0


@dataclass
class DetectConfig:
    """How :class:`grukit.detect.GRUAnomalyDetector` reads, models, scores and flags a series.

    Example:
        >>> config = DetectConfig(method="autoencoder", lookback=32, threshold_quantile=0.999)
    """

    # --- data
    dataset: str | None = None  # bundled NAB series used when no data is given: nyc_taxi, machine_temperature, ...
    time_col: str | None = None  # time column (date, time, timestamp, ds or datetime detected when None)
    value_col: str | None = None  # value column (every other column when None)
    missing: Literal["error", "interpolate", "ffill"] = "error"  # missing values: error | interpolate | ffill
    # --- the clean stretch the model learns normal behaviour from
    train_fraction: float = 0.15  # the clean stretch: this share of the rows at the start
    train_max_rows: int | None = 750  # at most this many rows (0.15 and 750 are NAB's probationary period)
    train_end: str | None = None  # or by time: every row before this timestamp (overrides the fraction)
    val_fraction: float = 0.2  # the end of the clean stretch held out for early stopping and the threshold
    # --- model
    method: Literal["forecast", "autoencoder"] = "forecast"  # forecast residuals | sequence autoencoder
    lookback: int = 48  # past steps per window (forecast: the input; autoencoder: the window)
    hidden_size: int = 32  # GRU units per layer (the autoencoder's code size)
    num_layers: int = 1  # stacked GRU layers
    dropout: float = 0.0  # dropout between GRU layers
    reset: Literal["after", "before"] = "after"  # GRU candidate form: after (PyTorch/cuDNN) | before (Cho 2014)
    revin: bool = True  # normalize each window by its own mean and std (RevIN), so level shifts are not errors
    # --- score and threshold
    score: Literal["zscore", "error"] | None = None  # zscore (error in std devs of its history) | error; none: by method
    # None: zscore for the forecast method, error for the autoencoder, whose window errors smear a spike over T steps
    history: int = 8640  # zscore: the past errors its mean and spread come from (8640: 30 days of 5-minute steps)
    smoothing: int = 1  # steps in the causal moving mean of the per-step error (1: none)
    threshold_quantile: float = 0.9999  # score "error": threshold = this quantile of the validation scores (tail-fitted)
    threshold: float | None = None  # a fixed threshold; None: Z_THRESHOLD for "zscore", the quantile rule for "error"
    rest_period: int | None = None  # steps after an alarm in which flags raise no new alarm (None: lookback)

    def __post_init__(self) -> None:
        check_field_types(self)
        require(self, self.history >= 2, "history", "an integer >= 2")
        for name in ("lookback", "hidden_size", "num_layers", "smoothing"):
            require(self, getattr(self, name) >= 1, name, "an integer >= 1")
        require(self, 0.0 < self.train_fraction <= 1.0, "train_fraction", "in (0, 1]")
        require(self, self.train_max_rows is None or self.train_max_rows >= 2, "train_max_rows",
                "an integer >= 2, or None for no cap")
        require(self, 0.0 < self.val_fraction < 1.0, "val_fraction", "in (0, 1)")
        require(self, 0.0 <= self.dropout < 1.0, "dropout", "in [0, 1)")
        require(self, 0.0 < self.threshold_quantile <= 1.0, "threshold_quantile", "in (0, 1]")
        require(self, self.threshold is None or math.isfinite(self.threshold), "threshold", "a finite number or None")
        require(self, self.rest_period is None or self.rest_period >= 0, "rest_period",
                "an integer >= 0, or None for lookback")

    def score_kind(self) -> str:
        """The score in use: ``score``, or by method when it is None (zscore for forecast, error for autoencoder)."""
        if self.score is not None:
            return self.score
        return "zscore" if self.method == "forecast" else "error"

    def rest_steps(self) -> int:
        """The rest period in steps: ``rest_period``, or ``lookback`` when it is None."""
        return self.lookback if self.rest_period is None else self.rest_period

    def window_rows(self) -> int:
        """Rows one training window spans: lookback + 1 for a forecast (the next value), lookback otherwise."""
        return self.lookback + 1 if self.method == "forecast" else self.lookback

