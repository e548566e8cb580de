"""Reading the series to watch: a time column and one or more value columns, scored row by row.

A detector reads its data as a stream, in file order: row i is step i. Timestamps are parsed and
carried to the outputs but need not be sorted, unique or evenly spaced (NAB's machine_temperature
steps back once, ec2_request_latency repeats timestamps), because nothing is resampled.

Columns: the time column is ``time_col`` or the first column named date, time, timestamp, ds or
datetime (none: integer steps); the value columns are ``value_col`` or every other column. Every
value must be a number; a missing value is an error unless ``missing`` is "interpolate" or "ffill"
(filled along the rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from grukit.data.source import Source, read_source
from grukit.data.checks import numeric_values, parse_times
from grukit.data.frame import TIME_COLUMN_NAMES
from grukit.data.missing import check_missing_policy, fill_missing, raise_if_missing
from grukit.errors import DataError

__all__ = ["Stream", "read_stream"]


@dataclass
class Stream:
    """One multichannel series in arrival order."""

    name: str  # where it came from, for messages: the path, "the DataFrame" or "the array"
    stem: str  # a short name for titles: the file name without suffix
    time: pd.DatetimeIndex | None  # (N,) timestamps in row order, or None for integer steps
    values: np.ndarray  # (N, C) float64
    time_column: str | None  # the time column's name, None for integer steps
    value_columns: list[str]  # the C value column names

    def __len__(self) -> int:
        return self.values.shape[0]


def read_stream(
    source: str | Path | pd.DataFrame | np.ndarray,
    *,
    time_col: str | None = None,
    value_col: str | None = None,
    missing: str = "error",
) -> Stream:
    """Read a CSV or Parquet path, a DataFrame or an array (N,) or (N, C) into a ``Stream``.

    Example:
        >>> s = read_stream(pd.DataFrame({"timestamp": ["2020-01-01 00:00", "2020-01-01 00:05"], "value": [1, 2]}))
        >>> s.values.shape, s.time_column, s.value_columns
        ((2, 1), 'timestamp', ['value'])
    """
    policy = check_missing_policy(missing)
    if isinstance(source, np.ndarray):
        return _from_array(source, policy)
    frame, where = read_source(source)
    time_column = _time_column(frame, where, time_col)
    value_columns = _value_columns(frame, where, time_column, value_col)
    values = numeric_values(frame, value_columns, where)  # (N, C)
    time = None if time_column is None else parse_times(frame, time_column, where)
    if time is not None and not isinstance(time, pd.DatetimeIndex):
        time = None  # a numeric time column: its values are step numbers, so rows are steps
    if policy == "error":
        raise_if_missing([(None, time, values)], value_columns, where.name)
    values = fill_missing(values, None, policy)  # along the rows: the stream order is the time order
    if np.isnan(values).all(axis=0).any():
        column = value_columns[int(np.flatnonzero(np.isnan(values).all(axis=0))[0])]
        raise DataError(f"column {column!r} of {where.name} has no values; drop it or fill it.")
    return Stream(where.name, where.stem, time, values, time_column, value_columns)


def _from_array(array: np.ndarray, policy: str) -> Stream:
    if array.ndim not in (1, 2) or array.size == 0:
        raise DataError(f"an array of values must have shape (N,) or (N, C) with N >= 1; got shape {array.shape}.")
    try:
        values = np.asarray(array, dtype=np.float64).reshape(array.shape[0], -1)  # (N, C)
    except (TypeError, ValueError):
        raise DataError(f"an array of values must hold numbers; got dtype {array.dtype}.") from None
    values = np.where(np.isfinite(values), values, np.nan)
    columns = ["value"] if values.shape[1] == 1 else [f"value_{c}" for c in range(values.shape[1])]
    if policy == "error":
        raise_if_missing([(None, None, values)], columns, "the array")
    return Stream("the array", "array", None, fill_missing(values, None, policy), None, columns)


def _time_column(frame: pd.DataFrame, where: Source, time_col: str | None) -> str | None:
    names = list(frame.columns)
    if time_col is not None:
        if time_col not in names:
            raise DataError(f"time column {time_col!r} not found in {where.name}; the columns are: "
                            f"{', '.join(names)}; pass one of them as time_col.")
        return time_col
    return next((name for name in names if name.lower() in TIME_COLUMN_NAMES), None)


def _value_columns(frame: pd.DataFrame, where: Source, time_column: str | None, value_col: str | None) -> list[str]:
    names = list(frame.columns)
    if value_col is not None:
        if value_col not in names or value_col == time_column:
            raise DataError(f"value column {value_col!r} not found in {where.name}; the columns are: "
                            f"{', '.join(names)}; pass one of them as value_col.")
        return [value_col]
    columns = [name for name in names if name != time_column]
    if not columns:
        raise DataError(f"{where.name} has no value column, only the time column {time_column!r}; expected "
                        f"a header like timestamp,value.")
    return columns
