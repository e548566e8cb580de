"""Sampling frequency: parse or infer a pandas offset alias, put a series on its grid, season length.

A frequency is stored as a pandas offset alias string ("h", "D", "W-SUN", "MS", "15min"). Integer-step
data (no time column) have no frequency: ``None``.

Rules:
    * ``freq`` given: every timestamp must lie on the grid ``date_range(first, last, freq)``; grid
      points with no row become rows of missing values (then handled by the missing-value policy).
    * ``freq`` not given: ``pandas`` infers it; when it cannot, the timestamps must be equally spaced
      (step = that spacing), else the data are irregular and a ``DataError`` names the first gap.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from grukit.data.source import Rows
from grukit.errors import DataError

__all__ = ["future_grid", "grid_at", "grid_values", "gridded_groups", "infer_offset", "on_grid", "parse_freq", "period_days", "regularize", "season_length"]

# Old or short spellings that current pandas rejects, mapped to the spelling it accepts.
_ALIASES = {"M": "ME", "Q": "QE", "Y": "YE", "A": "YE", "H": "h", "T": "min", "S": "s", "BM": "BME"}

# Season length per frequency base (anchor suffix removed): one day of hours, one week of days,
# one year of weeks, months or quarters.
_SEASONS = {"h": 24, "H": 24, "D": 7, "W": 52, "MS": 12, "ME": 12, "M": 12, "QS": 4, "QE": 4, "Q": 4}


def parse_freq(freq: str) -> pd.DateOffset:
    """The pandas offset for alias ``freq``; old aliases ("M", "H", "Q", "Y") are accepted too.

    Example:
        >>> parse_freq("h").freqstr, parse_freq("M").freqstr
        ('h', 'ME')
    """
    text = str(freq).strip()
    for candidate in (text, _ALIASES.get(text, text)):
        try:
            return to_offset(candidate)
        except (ValueError, TypeError):
            continue
    raise DataError(
        f"unknown frequency {freq!r}; expected a pandas offset alias such as 'h', 'D', 'W', 'MS' or '15min'."
    )


def season_length(freq: str | None) -> int | None:
    """The usual seasonal period for a frequency, in steps; None when there is no usual one.

    Rule: h -> 24 (a day), D -> 7 (a week), W -> 52 (a year), MS/ME/M -> 12, QS/QE/Q -> 4, else None
    (multiples such as "2h", sub-hourly, yearly and integer steps included).

    Example:
        >>> season_length("h"), season_length("MS"), season_length("W-SUN"), season_length(None)
        (24, 12, 52, None)
    """
    if freq is None:
        return None
    text = str(freq).strip()
    if text.startswith("1") and not text[1:2].isdigit():
        text = text[1:]
    return _SEASONS.get(text.split("-")[0])


def period_days(freq: str) -> float:
    """The nominal length of one step in days, averaged over 100 steps from 2001-01-01.

    Example:
        >>> period_days("h"), period_days("D"), round(period_days("MS"), 1)
        (0.041666666666666664, 1.0, 30.4)
    """
    offset = parse_freq(freq)
    start = pd.Timestamp("2001-01-01")
    return ((start + 100 * offset) - start) / pd.Timedelta(days=100)


def infer_offset(times: pd.DatetimeIndex, rows: Rows, column: str) -> pd.DateOffset | None:
    """Infer the frequency of sorted, unique ``times``; None for fewer than two timestamps.

    Raises ``DataError`` naming the most common step and the first step that differs when the
    timestamps are neither of a pandas frequency nor equally spaced.
    """
    if len(times) < 2:
        return None
    if len(times) >= 3:
        inferred = pd.DatetimeIndex(times, freq="infer").freq
        if inferred is not None:
            return inferred
    steps = times[1:] - times[:-1]  # (N-1,) Timedelta
    common = pd.Series(steps).mode().iloc[0]
    differs = np.flatnonzero(np.asarray(steps != common))
    if differs.size == 0:
        return to_offset(common)
    calendar = _calendar_step(times)
    if calendar is not None:  # months, quarters, years: steps of 28..31 days are all "one month"
        offset, differs = calendar
        i = int(differs[0]) + 1
        step, alias = f"one {offset.name}", offset.freqstr
    else:
        i = int(differs[0]) + 1
        step, alias = format_step(common), None
    after = f"is not one step after {times[i - 1]}" if alias else f"comes {format_step(steps[i - 1])} after {times[i - 1]}"
    hint = f"pass freq={alias!r} (--freq {alias})" if alias else "pass freq (a pandas alias such as 'h', 'D' or 'MS')"
    raise DataError(
        f"cannot infer the frequency of column {column!r}{rows.label}: timestamps are not equally spaced; "
        f"the most common step is {step} but {times[i]} at {rows.row(i)} {after}; {hint} to treat the "
        f"gaps as missing values, or fix the timestamps."
    )


# Calendar frequencies whose steps vary in length, tried when the timestamps' steps differ.
_CALENDAR = {"month": ("MS", "ME"), "quarter": ("QS", "QE"), "year": ("YS", "YE")}


class _Calendar(NamedTuple):
    name: str  # "month", "quarter", "year"
    freqstr: str  # the pandas alias, e.g. "MS"
    offset: pd.DateOffset


def _calendar_step(times: pd.DatetimeIndex) -> tuple[_Calendar, np.ndarray] | None:
    """The calendar frequency that most steps follow (at least half), and where the others are."""
    best = None
    for name, aliases in _CALENDAR.items():
        for alias in aliases:
            offset = to_offset(alias)
            if not offset.is_on_offset(times[0]):
                continue
            follows = np.asarray(times[:-1] + offset == times[1:])  # (N-1,)
            if follows.mean() >= 0.5 and (best is None or follows.sum() > best[1].sum()):
                best = (_Calendar(name, offset.freqstr, offset), follows)
    if best is None:
        return None
    return best[0], np.flatnonzero(~best[1])


def check_integer_steps(steps: np.ndarray, rows: Rows, column: str) -> None:
    """Sorted, unique numeric time values must be equally spaced (they become steps 0..N-1)."""
    if len(steps) < 3:
        return
    gaps = np.diff(steps)  # (N-1,)
    common = pd.Series(gaps).mode().iloc[0]
    differs = np.flatnonzero(gaps != common)
    if differs.size:
        i = int(differs[0]) + 1
        raise DataError(
            f"time column {column!r}{rows.label} is not equally spaced: the most common step is {common} "
            f"but {steps[i]} at {rows.row(i)} comes {gaps[i - 1]} after {steps[i - 1]}; "
            f"fill the missing steps or use datetimes with freq."
        )


# Months per step of the month-anchored offsets (times the offset's n).
_MONTHS = {"MonthBegin": 1, "MonthEnd": 1, "QuarterBegin": 3, "QuarterEnd": 3, "YearBegin": 12, "YearEnd": 12}


def grid_at(first: np.ndarray, k: np.ndarray, offset: pd.DateOffset) -> np.ndarray | None:
    """``first + k`` steps of ``offset``, elementwise, for datetime64 ``first`` and integer ``k`` of one shape.

    Fixed steps (hours, minutes, days, weeks) add multiples of the step; month-anchored offsets
    (MS, ME, QS, QE, YS, YE and their anchors) count months and land on the first or last day of
    the month at midnight. None for other offsets (business days, holidays: pandas' calendar rules).
    The firsts are assumed on the offset; callers check that (:func:`grid_values`, ``load_series``).
    """
    first = np.asarray(first, dtype="datetime64[ns]")
    kind = type(offset).__name__
    if kind in _MONTHS:
        months = first.astype("datetime64[M]") + k * (_MONTHS[kind] * offset.n)
        if kind.endswith("Begin"):
            return months.astype("datetime64[ns]")
        return (months + 1).astype("datetime64[ns]") - np.timedelta64(1, "D")  # the next month's first day, less one
    if kind == "Week":
        step = pd.Timedelta(days=7 * offset.n)
    else:
        try:
            step = pd.Timedelta(offset)  # a fixed step: hours, minutes, seconds, days
        except (ValueError, TypeError):
            return None
    return first + k * step.to_timedelta64().astype("timedelta64[ns]")


def grid_values(start: pd.Timestamp, periods: int, offset: pd.DateOffset) -> np.ndarray | None:
    """``date_range(start, periods=periods, freq=offset)`` as datetime64[ns] values, computed with NumPy.

    None where pandas is needed (a start with a time zone, off the offset or, for months, with a
    time of day; business days and other calendars), so callers fall back to ``date_range``.
    pandas builds calendar ranges one timestamp at a time, about 1 ms for 120 months; this takes
    microseconds.

    Example:
        >>> grid_values(pd.Timestamp("2020-11-01"), 3, to_offset("MS")).astype("datetime64[D]").astype(str).tolist()
        ['2020-11-01', '2020-12-01', '2021-01-01']
    """
    if start.tz is not None or not offset.is_on_offset(start):
        return None
    first = start.as_unit("ns").to_datetime64()
    values = grid_at(np.full(periods, first), np.arange(periods, dtype=np.int64), offset)
    if values is None or values[0] != first:  # months: a start with a time of day is pandas' business
        return None
    return values


def future_grid(lasts: np.ndarray, horizon: int, offset: pd.DateOffset) -> np.ndarray | None:
    """The ``horizon`` grid points after each of ``lasts`` (S,), as (S, horizon) datetime64[ns], in one
    vectorized pass; None when any last is off the offset or the offset needs pandas."""
    lasts = np.asarray(lasts, dtype="datetime64[ns]")
    same = grid_at(lasts, np.zeros(len(lasts), dtype=np.int64), offset)
    if same is None or not np.array_equal(same, lasts):
        return None
    if not (isinstance(offset, pd.offsets.Tick) or type(offset).__name__ == "Day"):  # anchored: weeks, quarters
        if not all(offset.is_on_offset(pd.Timestamp(x)) for x in lasts):
            return None
    k = np.tile(np.arange(1, horizon + 1, dtype=np.int64), len(lasts))  # (S * horizon,)
    return grid_at(np.repeat(lasts, horizon), k, offset).reshape(len(lasts), horizon)


def gridded_groups(stamps: np.ndarray, starts: np.ndarray, lengths: np.ndarray, offset: pd.DateOffset) -> np.ndarray:
    """Per group of rows (``stamps[starts[g]:starts[g] + lengths[g]]``), whether its timestamps are exactly
    the ``offset`` grid from its first (sorted, no repeat, no gap), in one vectorized pass; all False
    where :func:`grid_at` cannot say (the caller then checks each group the slow way).
    """
    ok = np.zeros(len(starts), dtype=bool)
    if len(stamps) == 0 or not np.issubdtype(stamps.dtype, np.datetime64):
        return ok
    t = stamps.astype("datetime64[ns]")
    k = np.arange(len(t), dtype=np.int64) - np.repeat(starts, lengths)  # (rows,) the step within its group
    expected = grid_at(np.repeat(t[starts], lengths), k, offset)
    if expected is None:
        return ok
    ok = np.logical_and.reduceat(t == expected, starts) & (lengths > 0)
    if not (isinstance(offset, pd.offsets.Tick) or type(offset).__name__ == "Day"):  # weeks on a weekday, quarters and years on a month: the first must be on it
        ok &= np.array([offset.is_on_offset(pd.Timestamp(x)) for x in t[starts]])
    return ok


def on_grid(times: pd.DatetimeIndex, offset: pd.DateOffset) -> bool:
    """True when ``times`` are exactly ``date_range(times[0], periods=len(times), freq=offset)``."""
    if len(times) == 0:
        return True
    grid = grid_values(times[0], len(times), offset)
    if grid is None:  # pandas' calendar rules (or a time zone): slower, but the definition itself
        return bool(pd.date_range(times[0], periods=len(times), freq=offset).equals(times))
    return bool(np.array_equal(grid, np.asarray(times, dtype=grid.dtype)))


def regularize(
    times: pd.DatetimeIndex, values: np.ndarray, offset: pd.DateOffset, rows: Rows, column: str
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Put a series on the grid of ``offset``: rows for missing grid points are all-NaN.

    Shapes: values (N, C) -> (N', C), N' = len(date_range(times[0], times[-1], offset)) >= N.
    The index returned carries no ``freq`` (the SeriesSet's ``freq`` names it): setting it makes
    pandas check every timestamp again, which for months costs more than the check above.
    """
    if on_grid(times, offset):
        return pd.DatetimeIndex(times, freq=None), values  # already on the grid, no gap (the common case)
    grid = pd.date_range(times[0], times[-1], freq=offset)  # (N',)
    where = grid.get_indexer(times)  # (N,) grid position of each row, -1 when off the grid
    off_grid = np.flatnonzero(where < 0)
    if off_grid.size:
        i = int(off_grid[0])
        raise DataError(
            f"timestamp {times[i]} in column {column!r}{rows.label} at {rows.row(i)} is not on the "
            f"{offset.freqstr!r} grid that starts at {times[0]}; check freq or fix the timestamp."
        )
    filled = np.full((len(grid), values.shape[1]), np.nan)  # (N', C)
    filled[where] = values
    return grid, filled


def format_step(step: pd.Timedelta) -> str:
    """A time step as a short alias with its count: 1h, 3h, 1D, 90min."""
    text = to_offset(step).freqstr
    return text if text[:1].isdigit() else f"1{text}"
