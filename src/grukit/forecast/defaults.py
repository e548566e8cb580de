"""The generic defaults: what a forecast uses when only the data (and maybe the horizon) is given.

Every rule here reads the data's frequency and length, never its name, so a bundled dataset and
a user's CSV get the same treatment (a bundled dataset's tuned preset is separate and opt-out:
``preset=False``). The rules and their constants were chosen on the M3 competition data alone,
on validation windows cut from the training parts, never on M3's test parts; the protocol and the
numbers are in BENCHMARKS.md ("Forecasting on data the defaults never saw: M3") and
``benchmarks/forecast_m3.py`` (``--validation``, ``--defaults`` to vary the constants below).

    horizon    0 -> by frequency, the M4 competition's horizons: yearly 6, quarterly 8, monthly 18,
               weekly 13, daily 14, hourly 48; 8 for anything else (integer steps included).
    lookback   0 -> max(LOOKBACK_HORIZONS * horizon, 2 * season), at most the longest series
               less the horizon, and at least 1; rounded up to a multiple of segment_length.
    padding    series shorter than lookback + horizon are left-padded and masked (direct strategy);
               a training window needs min(lookback, horizon) real rows of history (shorter ones
               give unstable window scales), so a series trains from min(lookback, horizon) +
               horizon rows on; shorter ones are only forecast.
    ensemble   ``ensemble=M`` trains M members from seeds seed, seed + 1, ...; member k reads the
               last round(lookback * MEMBER_LOOKBACKS[k % 3]) rows of each window and trains with
               the loss MAE, sMAPE or MASE-scaled MAE in turn (``loss="mix"``; sMAPE only on
               positive data, else MAE), so the members differ in how far they look back, in what
               they minimise and in their start; the forecast is their median.
    combine    ``combine="theta"``: the forecast is a weighted mean of the network's (the members'
               median) and the Theta method's (:func:`grukit.evaluate.theta.theta`), fitted per
               series on its last THETA_LOOKBACKS * lookback rows at the season length; each weight
               comes from both methods' errors on the series' last horizon (:mod:`grukit.forecast.combine`),
               which also picks the Theta coefficient of each series among theta_coefficients (1, 1.5,
               2, 3); quantiles move with the point forecast. A panel without a frequency (integer steps)
               takes its season length from the data (:func:`grukit.data.season.detect_season`).
    training   batches of min(256, max(16, windows // 8)) windows and about TRAIN_STEPS optimizer
               steps (epochs = steps / batches per epoch, between 1 and MAX_EPOCHS, so that small
               data is not overfitted); AdamW at GENERIC_TRAIN's lr, no weight decay.
"""

from __future__ import annotations

import math

from grukit.forecast.config import ForecastConfig

__all__ = ["GENERIC_TRAIN", "default_horizon", "history_rows", "member_lookback", "resolve_config", "theta_rows",
           "training_size"]

HORIZONS = {"Y": 6, "A": 6, "Q": 8, "M": 18, "W": 13, "D": 14, "B": 14, "h": 48, "H": 48}
OTHER_HORIZON = 8
LOOKBACK_HORIZONS = 3  # the lookback covers this many horizons (or two seasons, whichever is longer)
TRAIN_STEPS = 1500  # optimizer steps of a fit, whatever the data's size
MAX_EPOCHS = 50  # at most this many passes over small data
MAX_BATCH, MIN_BATCH = 256, 16
GENERIC_TRAIN = dict(lr=3e-3, weight_decay=0.0)  # TrainConfig options of the generic defaults
MEMBER_LOOKBACKS = (1.0, 1 / 2, 1 / 4)  # the share of the window each ensemble member reads, in turn
THETA_LOOKBACKS = 2  # combine="theta": the Theta method reads this many lookbacks of each series' last rows


def default_horizon(freq: str | None) -> int:
    """The forecast length for a frequency alias (M4's horizons); 8 without one.

    Example:
        >>> default_horizon("MS"), default_horizon("QS-OCT"), default_horizon("YE-DEC"), default_horizon(None)
        (18, 8, 6, 8)
    """
    if not freq:
        return OTHER_HORIZON
    base = str(freq).lstrip("0123456789").split("-")[0]
    return HORIZONS.get(base[:1] if base[:1] in "YAQMWDB" else base, OTHER_HORIZON)


def resolve_config(config: ForecastConfig, lengths: list[int], freq: str | None) -> ForecastConfig:
    """``config`` with horizon, lookback and season length resolved from the data (in place, and returned)."""
    from grukit.data import season_length as frequency_season  # pandas: imported when data are read, not at --help
    if not config.horizon:
        config.horizon = default_horizon(freq)
    season = config.season_length or frequency_season(freq) or 1
    if not config.lookback:
        rule = max(LOOKBACK_HORIZONS * config.horizon, 2 * season)
        config.lookback = max(1, min(rule, max(lengths) - config.horizon))
        w = config.segment_length
        if w:
            config.lookback = math.ceil(config.lookback / w) * w
    if config.strategy != "direct":
        config.pad = False  # a recursive model feeds its own forecasts back: no mask for them
    return config


def member_lookback(config: ForecastConfig, k: int) -> int:
    """The rows of each window that ensemble member ``k`` reads (the whole lookback for member 0).

    Example:
        >>> [member_lookback(ForecastConfig(lookback=54, ensemble=3), k) for k in range(3)]
        [54, 27, 14]
    """
    if config.segment_length:  # segment models read whole segments: every member reads the window
        return config.lookback
    return max(1, round(config.lookback * MEMBER_LOOKBACKS[k % len(MEMBER_LOOKBACKS)]))


def theta_rows(config: ForecastConfig) -> int:
    """The rows of each series the Theta method reads: THETA_LOOKBACKS lookbacks.

    Example:
        >>> theta_rows(ForecastConfig(lookback=24))
        48
    """
    return THETA_LOOKBACKS * config.lookback


def history_rows(config: ForecastConfig) -> int:
    """The rows of each series a forecast reads: the lookback; with Theta, its rows and the backtest's horizon.

    Example:
        >>> history_rows(ForecastConfig(lookback=24, horizon=6))
        54
        >>> history_rows(ForecastConfig(lookback=24, horizon=6, combine="none"))
        24
    """
    return theta_rows(config) + config.horizon if config.combine == "theta" else config.lookback


def training_size(windows: int, given: dict) -> dict:
    """``batch_size`` and ``epochs`` for ``windows`` training windows, unless ``given`` sets them.

    Example:
        >>> training_size(140_000, {}), training_size(100, {"epochs": 5})
        ({'batch_size': 256, 'epochs': 3}, {'batch_size': 16})
    """
    batch = given.get("batch_size") or min(MAX_BATCH, max(MIN_BATCH, windows // 8))
    size = {"batch_size": batch}
    if "epochs" not in given:
        per_epoch = max(1, math.ceil(windows / batch))
        size["epochs"] = min(MAX_EPOCHS, max(1, round(TRAIN_STEPS / per_epoch)))
    return {k: v for k, v in size.items() if k not in given}
