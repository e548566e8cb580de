"""Checks on loaded data; each failure is a one-line ``DataError`` that points at the offending cell.

Numbers: every target and covariate cell must be a number or empty (empty = missing), within the
range of 32-bit floats (training runs in float32).
Time: every row needs a timestamp; the timestamps of a series (sorted by load_series) never repeat.
Columns: a column that is missing everywhere in a series cannot be used.
Length: a series needs at least lookback + horizon rows for one training window.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from grukit.data.source import Rows, Source
from grukit.data.dates import parse_dates, year_column
from grukit.errors import DataError

__all__ = ["check_length", "check_positive_int"]


def check_positive_int(name: str, value: object) -> int:
    """``value`` as an int >= 1, else a ``DataError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise DataError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


FLOAT32_MAX = float(np.finfo(np.float32).max)


def numeric_values(frame: pd.DataFrame, columns: list[str], source: Source) -> np.ndarray:
    """The cells of ``columns`` as float64 (rows, len(columns)); empty cells become NaN.

    The first cell (top row first, then left column) that is neither empty nor a number raises.
    """
    out = np.empty((len(frame), len(columns)))  # (rows, C+P)
    first: tuple[int, int, object] | None = None
    for j, name in enumerate(columns):
        raw = frame[name]
        if raw.dtype.kind in "fiu":  # already numbers (a DataFrame's float or integer column)
            out[:, j] = raw.to_numpy(dtype=np.float64, na_value=np.nan)
            continue
        if pd.api.types.is_datetime64_any_dtype(raw) or pd.api.types.is_timedelta64_dtype(raw):
            bad = np.flatnonzero(raw.notna().to_numpy())
            parsed = None
        else:
            parsed = pd.to_numeric(raw, errors="coerce")
            bad = np.flatnonzero((parsed.isna() & raw.notna()).to_numpy())
        if bad.size and (first is None or bad[0] < first[0]):
            first = (int(bad[0]), j, raw.iloc[bad[0]])
        if parsed is not None:
            out[:, j] = parsed.to_numpy(dtype=np.float64, na_value=np.nan)
    if first is not None:
        position, j, value = first
        raise DataError(
            f"non-numeric value {str(value)!r} in column {columns[j]!r} at {source.row(position)}; "
            f"expected a number; fix or remove that value."
        )
    out[~np.isfinite(out)] = np.nan  # "inf" counts as missing rather than as a number
    huge = np.argwhere(np.abs(out) > FLOAT32_MAX)  # (row, column) pairs, top row first; NaN compares False
    if huge.size:
        position, j = (int(k) for k in huge[0])
        raise DataError(
            f"value {out[position, j]:.3g} in column {columns[j]!r} at {source.row(position)} is beyond the range "
            f"of the 32-bit floats that training uses (about ±3.4e38); rescale the column (e.g. divide it by a "
            f"power of ten) or fix the value."
        )
    return out


def is_mostly_numeric(column: pd.Series) -> bool:
    """True when at least half of the non-empty cells parse as numbers (not datetimes or booleans)."""
    if pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column):
        return False
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_numeric_dtype(column):
        return True
    present = column.dropna()
    if len(present) == 0:
        return False
    return pd.to_numeric(present, errors="coerce").notna().mean() >= 0.5


def parse_times(
    frame: pd.DataFrame, column: str, source: Source, date_format: str | None = None
) -> pd.DatetimeIndex | np.ndarray:
    """The time column as a DatetimeIndex, or as an int64 array when it holds plain step numbers.

    Dates are read by :func:`grukit.data.dates.parse_dates` (ISO, day-first, ``date_format``); an
    integer ``year`` column becomes 1 January of each year. ``read_times`` also says which ran.
    """
    return read_times(frame, column, source, date_format)[0]


def read_times(
    frame: pd.DataFrame, column: str, source: Source, date_format: str | None = None
) -> tuple[pd.DatetimeIndex | np.ndarray, str | None]:
    """``parse_times`` and a note on the reading used (None for the plain one)."""
    raw = frame[column]
    missing = np.flatnonzero(raw.isna().to_numpy())
    if missing.size:
        raise DataError(
            f"missing timestamp in time column {column!r} at {source.row(int(missing[0]))}; "
            f"every row needs a time; fill it in or drop the row."
        )
    if pd.api.types.is_datetime64_any_dtype(raw) and not date_format:  # already dates (a DataFrame's column)
        return pd.DatetimeIndex(raw), None
    years = year_column(raw, column)
    if years is not None:
        return pd.DatetimeIndex(years), f"whole years in {column!r}"
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw) and not date_format:
        return raw.to_numpy(), None
    parsed, note = parse_dates(raw.astype(str) if date_format else raw, column, date_format)
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        i = int(bad[0])
        expected = f"the format {date_format!r}" if date_format else "timestamps like 2016-07-01 00:00:00"
        raise DataError(
            f"cannot parse {str(raw.iloc[i])!r} in time column {column!r} at {source.row(i)} as a date/time; "
            f"expected {expected}; fix the value, pass date_format (--date-format, e.g. '%d.%m.%Y') "
            f"or pass the right time_col."
        )
    return pd.DatetimeIndex(parsed), note


def looks_like_times(column: pd.Series, name: str = "") -> bool:
    """True for a datetime column, an integer ``year`` column, or a text column whose every
    non-empty cell parses as a date/time (month-first or day-first)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return True
    if year_column(column, name) is not None:
        return True
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return False
    present = column.dropna()
    if len(present) == 0:
        return False
    try:
        parsed, _ = parse_dates(present, name)
    except DataError:  # ambiguous day/month order: a time column all the same
        return True
    return bool(parsed.notna().all())


def check_time_order(times: pd.DatetimeIndex | np.ndarray, rows: Rows, column: str) -> None:
    """The sorted timestamps of one series must strictly increase: a repeat is an error.

    ``load_series`` sorts each series by time (with a warning) before this check.
    """
    values = np.asarray(times)
    if len(values) < 2:
        return
    same = np.flatnonzero(values[1:] == values[:-1])
    if same.size:
        i = int(same[0]) + 1
        raise DataError(
            f"duplicate timestamp {times[i]} in column {column!r}{rows.label} at {rows.row(i)}: the row "
            f"before has the same time; remove or aggregate the duplicate rows, or pass id_col (--id-col) "
            f"when the file holds several series."
        )


def check_not_all_missing(values: np.ndarray, columns: list[str], rows: Rows) -> None:
    """No column of ``values`` (N, C+P) may be missing in every row."""
    empty = np.flatnonzero(np.isnan(values).all(axis=0))
    if empty.size:
        j = int(empty[0])
        raise DataError(
            f"column {columns[j]!r}{rows.label} has no values (all {len(values)} are missing) in "
            f"{rows.source.name}; drop it from target/covariates or fill it."
        )


def check_length(series_set, lookback: int, horizon: int, min_rows: int | None = None) -> None:
    """Every series needs ``max(lookback + horizon, min_rows)`` rows; else a ``DataError``.

    One window takes ``lookback`` rows of history and the ``horizon`` rows that follow.

    Example:
        >>> from grukit.data.series import Series, SeriesSet
        >>> ss = SeriesSet([Series("a", None, np.zeros((10, 1)), np.zeros((10, 0)))], ["y"])
        >>> check_length(ss, lookback=6, horizon=4)  # 10 rows: exactly one window
    """
    lookback = check_positive_int("lookback", lookback)
    horizon = check_positive_int("horizon", horizon)
    window = lookback + horizon
    need = window if min_rows is None else max(window, check_positive_int("min_rows", min_rows))
    for series in series_set.series:
        n = len(series)
        if n >= need:
            continue
        if need == window:
            raise DataError(
                f"series {series.id!r} has {n} rows but lookback {lookback} + horizon {horizon} = {window} "
                f"rows are needed for one window; use a shorter lookback or horizon, or a longer series."
            )
        raise DataError(
            f"series {series.id!r} has {n} rows but min_rows={need} are needed (one window takes "
            f"lookback {lookback} + horizon {horizon} = {window}); use a longer series or a smaller min_rows."
        )
