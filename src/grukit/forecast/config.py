"""``ForecastConfig``: every data, window and model option of a forecasting run, flat and typed.

Training options live in :class:`grukit.train.TrainConfig`; a TOML file or the command line may
set fields of both, and an unknown key is an error that lists the valid ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from grukit.errors import ConfigError, DataError
from grukit.train.dataclass_config import check_field_types, require

Missing = Literal["error", "interpolate", "ffill"]
Split = Literal["fraction", "size", "ett"]
Scaler = Literal["window", "standard", "none"]
Transform = Literal["none", "log"]
Reset = Literal["after", "before"]
Strategy = Literal["direct", "recursive"]
Loss = Literal["mse", "mae", "mix"]
Combine = Literal["theta", "none"]


@dataclass
class ForecastConfig:
    # --- data
    dataset: str | None = None  # bundled dataset name, used when no data file is given
    time_col: str | None = None  # time column (detected when None)
    target: list[str] = field(default_factory=list)  # target columns (all numeric ones when empty)
    covariates: list[str] = field(default_factory=list)  # past covariate columns
    future_covariates: list[str] = field(default_factory=list)  # columns known ahead (prices, holidays); predict(future=...)
    id_col: str | None = None  # series id column of long data (unique_id detected)
    value_col: str | None = None  # value column of long data (y detected)
    missing: Missing = "error"  # missing values: error | interpolate | ffill
    freq: str | None = None  # pandas frequency alias (inferred when None)
    date_format: str | None = None  # strftime pattern of the time column, e.g. %d.%m.%Y (detected when None)
    season_length: int | None = None  # seasonal period of MASE, seasonal naive and Theta (None: from freq, or the data)
    # --- windows and split
    lookback: int = 0  # past steps the model sees; 0: chosen from the frequency and horizon (forecast.defaults)
    horizon: int = 0  # future steps it forecasts; 0: from the frequency (yearly 6, quarterly 8, monthly 18, ...)
    stride: int = 1  # steps between consecutive training windows
    split: Split = "fraction"  # fraction | size | ett (train 8,640 / val 2,880 / test 2,880 rows)
    val_size: float = 0.0  # validation part: a fraction of the rows, or a row count with split=size; 0: none
    test_size: float = 0.0  # held-out test part (fraction or rows); 0: train on every row, evaluate with cross_validation
    scaler: Scaler = "window"  # window (per window: last value and spread) | standard (z-score on train rows) | none
    transform: Transform = "none"  # none | log: the model sees log(target), forecasts come back through exp (targets > 0)
    calendar: bool = False  # hour/weekday/month sin-cos features as known-future inputs
    pad: bool = True  # left-pad series shorter than lookback + horizon and mask the padding (direct strategy)
    min_history: int = 0  # real rows a padded training window needs; 0: min(lookback, horizon)
    preset: bool = True  # with a bundled dataset and no data file, start from its tuned preset; False: generic defaults
    # --- model
    hidden_size: int = 64  # GRU units per layer
    num_layers: int = 1  # stacked GRU layers
    dropout: float = 0.0  # dropout between GRU layers
    reset: Reset = "after"  # GRU candidate form: after (PyTorch/cuDNN) | before (Cho et al. 2014)
    layer_norm: bool = False  # layer-normalized GRU gates
    zoneout: float = 0.0  # zoneout probability on the GRU state
    recurrent_dropout: float = 0.0  # dropout on the recurrent state, one mask per sequence
    strategy: Strategy = "direct"  # direct (all horizon steps at once) | recursive (one-step model rolled forward)
    revin: bool = False  # reversible instance normalization per window
    channel_independent: bool = False  # each target channel is its own sequence through shared weights
    quantiles: list[float] = field(default_factory=list)  # e.g. [0.1, 0.5, 0.9] for intervals (pinball loss)
    segment_length: int = 0  # w > 0: the GRU reads the lookback as segments of w steps (SegRNN); 0: step by step
    loss: Loss = "mix"  # point-forecast loss: mae | mse on the scaled data | mix: members in turn MAE, sMAPE, MASE-scaled MAE
    ensemble: int = 3  # members (seeds seed, seed+1, ...; reading 1, 1/2, 1/4 of the lookback); forecast = their median
    combine: Combine = "theta"  # theta: network and Theta method, weighted by their errors on each series' end | none
    theta_coefficients: list[float] = field(default_factory=lambda: [1.0, 1.5, 2.0, 3.0])  # Theta's theta: each series the best on its backtest

    def __post_init__(self) -> None:
        check_field_types(self)  # types and the Literal choices
        for name in ("lookback", "horizon", "min_history"):
            require(self, getattr(self, name) >= 0, name, "at least 1, or 0 to choose it from the data")
        for name in ("stride", "hidden_size", "num_layers", "ensemble"):
            require(self, getattr(self, name) >= 1, name, "at least 1")
        for name in ("dropout", "zoneout", "recurrent_dropout"):
            require(self, 0.0 <= getattr(self, name) < 1.0, name, "in [0, 1)")
        require(self, self.season_length is None or self.season_length >= 1, "season_length",
                "at least 1 (1: no season), or None to take it from the frequency")
        if self.freq is not None:
            self._check_freq()
        self._check_segments()
        require(self, all(0.0 < q < 1.0 for q in self.quantiles), "quantiles", "levels strictly between 0 and 1")
        require(self, bool(self.theta_coefficients) and all(c >= 1.0 for c in self.theta_coefficients),
                "theta_coefficients", "a non-empty list of numbers >= 1 (2: the classic Theta method)")
        if self.quantiles and 0.5 not in self.quantiles:
            self.quantiles = sorted([*self.quantiles, 0.5])

    def _check_freq(self) -> None:
        from grukit.data.frequency import parse_freq  # pandas: imported when a fit starts, not at --help

        try:
            parse_freq(self.freq)
        except DataError as error:
            raise ConfigError(f"ForecastConfig: {error}") from None

    def _check_segments(self) -> None:
        w = self.segment_length
        require(self, w >= 0, "segment_length", "0 (step by step) or a positive step count")
        if w and self.strategy != "direct":
            raise ConfigError(f"ForecastConfig: segment_length={w} decodes the horizon in parallel, which needs "
                              f"strategy='direct'; got strategy={self.strategy!r}. Use strategy='direct' or "
                              f"segment_length=0.")
        if w and self.lookback and self.lookback % w:
            raise ConfigError(f"ForecastConfig: lookback must be a multiple of segment_length; got lookback="
                              f"{self.lookback} and segment_length={w}. Use e.g. "
                              f"lookback={max(w, self.lookback // w * w)}.")
