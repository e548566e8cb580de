"""Calendar features: where a timestamp falls in the day, the week and the year, as sin/cos pairs.

For a cycle of length p and position u in [0, p):

    sin(2 * pi * u / p), cos(2 * pi * u / p)

so the end of a cycle sits next to its start (23:00 is close to 00:00, December to January).

    feature   u                                     p     used when one step is
    hour      hour + minute / 60 + second / 3600    24    shorter than a day (sub-daily data)
    weekday   day of week, Monday = 0               7     at most 1.5 days (daily, business-daily or finer)
    month     month - 1, January = 0                12    at most 31 days (monthly or finer)

The step length comes from ``freq`` (``period_days``). Integer-step data (freq None) and data
coarser than monthly get no features (F = 0). Calendar features are known for future times too,
which is why a forecaster can feed them for the horizon (``future_times``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from grukit.data.checks import check_positive_int
from grukit.data.frequency import future_grid, parse_freq, period_days
from grukit.errors import DataError

__all__ = ["calendar_feature_names", "calendar_features", "future_times"]


def calendar_feature_names(freq: str | None) -> list[str]:
    """The feature names for ``freq``, in column order of ``calendar_features``.

    Example:
        >>> calendar_feature_names("h")
        ['hour_sin', 'hour_cos', 'weekday_sin', 'weekday_cos', 'month_sin', 'month_cos']
        >>> calendar_feature_names("MS"), calendar_feature_names(None)
        (['month_sin', 'month_cos'], [])
    """
    return [f"{cycle}_{part}" for cycle in _cycles(freq) for part in ("sin", "cos")]


def calendar_features(times: pd.DatetimeIndex, freq: str | None) -> np.ndarray:
    """Sin/cos calendar features of ``times`` (N,) -> (N, F) float64, F = len(calendar_feature_names(freq)).

    Example:
        >>> calendar_features(pd.DatetimeIndex(["2016-07-01 06:00"]), "h").round(3).tolist()
        [[1.0, 0.0, -0.434, -0.901, 0.0, -1.0]]
    """
    times = pd.DatetimeIndex(times)
    columns = []
    for cycle in _cycles(freq):
        position, period = _position(times, cycle)
        angle = 2.0 * np.pi * position / period  # (N,)
        columns += [np.sin(angle), np.cos(angle)]
    if not columns:
        return np.zeros((len(times), 0))
    return np.stack(columns, axis=1)  # (N, F)


def future_times(last_time: pd.Timestamp | str, freq: str | None, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` timestamps after ``last_time``: last + 1 step, ..., last + K steps.

    The index carries no ``freq`` attribute where NumPy computed it (setting one makes pandas
    rebuild the range to check it, which is what this avoids).

    Example:
        >>> future_times("1960-12-01", "MS", 2).strftime("%Y-%m-%d").tolist()
        ['1961-01-01', '1961-02-01']
    """
    horizon = check_positive_int("horizon", horizon)
    if freq is None:
        raise DataError(
            "future_times needs a frequency but freq is None (integer-step data); count steps instead, "
            "or load the data with a date/time column."
        )
    offset, last = parse_freq(freq), pd.Timestamp(last_time)
    if last.tz is None:  # NumPy where it can: pandas builds months one by one
        grid = future_grid(np.array([last.as_unit("ns").to_datetime64()]), horizon, offset)
        if grid is not None:
            return pd.DatetimeIndex(grid[0])
    return pd.date_range(last + offset, periods=horizon, freq=offset)


def _cycles(freq: str | None) -> list[str]:
    if freq is None:
        return []
    step = period_days(freq)
    cycles = []
    if step < 1.0:
        cycles.append("hour")
    if step <= 1.5:
        cycles.append("weekday")
    if step <= 31.0:
        cycles.append("month")
    return cycles


def _position(times: pd.DatetimeIndex, cycle: str) -> tuple[np.ndarray, float]:
    if cycle == "hour":
        return np.asarray(times.hour + times.minute / 60 + times.second / 3600, dtype=np.float64), 24.0
    if cycle == "weekday":
        return np.asarray(times.day_of_week, dtype=np.float64), 7.0
    return np.asarray(times.month - 1, dtype=np.float64), 12.0
