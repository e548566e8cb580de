"""``load_series``: read a CSV file, a Parquet file or a DataFrame into a checked ``SeriesSet``.

Two layouts are understood:

* **wide**: a time column and one column per variable; one series.
  ``date,HUFL,OT`` -> ``Series(target (N, 2))``.
* **long**: one row per (series, time) with the series id in its own column; one ``Series`` per id.
  Nixtla's ``unique_id, ds, y`` is recognised as is; other names are given with ``id_col``,
  ``time_col`` and ``value_col`` (or ``target`` for several value columns).

Column detection when not given:
    time: the first column named date, time, timestamp, ds or datetime (any case); else the first
      column whose cells all parse as dates/times (ISO, month-first or day-first, see
      :mod:`grukit.data.dates`), or an integer ``year`` column; else none (integer steps 0..N-1).
    id: when timestamps repeat and exactly one other column holds text, that column is the series
      id (long data such as ``series,month,value``); several text columns need ``id_col``.
    target: every numeric column except the time, id and covariate columns (a column is numeric
      when at least half of its non-empty cells are numbers, so one typo is reported, not skipped).
      A text column that is none of these is left out with a warning.

Order of checks: columns exist -> cells are numbers -> timestamps parse -> rows of each series are
sorted by time (with a warning when they were not) -> timestamps are unique -> frequency (given or
inferred; a given one fills grid gaps with missing values) -> no column is empty -> missing values
(policy ``missing``). How the data were read, when not plainly (";"-separated, day-first dates,
sorted rows, ...), is listed in ``SeriesSet.notes`` for the read-back line.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from grukit.data.source import Rows, Source, read_source
from grukit.data.checks import (
    check_not_all_missing,
    check_time_order,
    is_mostly_numeric,
    looks_like_times,
    numeric_values,
    read_times,
)
from grukit.data.frequency import check_integer_steps, gridded_groups, infer_offset, parse_freq, regularize
from grukit.data.missing import check_filled_share, check_missing_policy, fill_missing, raise_if_missing
from grukit.data.series import Series, SeriesSet
from grukit.errors import DataError

__all__ = ["TIME_COLUMN_NAMES", "load_series"]

TIME_COLUMN_NAMES = ("date", "time", "timestamp", "ds", "datetime")
NIXTLA_COLUMNS = ("unique_id", "ds", "y")


@dataclass(frozen=True)
class _Columns:
    layout: str  # "wide" | "long"
    time: str | None  # time column, None for integer steps
    id: str | None  # series-id column (long layout)
    targets: list[str]  # C target columns
    covariates: list[str]  # P past-covariate columns
    notes: tuple[str, ...] = ()  # what detection decided that a person should know


def load_series(
    source: str | object,
    *,
    time_col: str | None = None,
    target: str | list[str] | None = None,
    id_col: str | None = None,
    value_col: str | None = None,
    covariates: str | list[str] | None = None,
    missing: str = "error",
    freq: str | None = None,
    date_format: str | None = None,
    future_covariates: str | list[str] | None = None,
) -> SeriesSet:
    """Read ``source`` (CSV path, Parquet path or DataFrame) into a validated ``SeriesSet``.

    Args:
        source: a ``.csv`` path, a ``.parquet`` path or a ``pandas.DataFrame``.
        time_col: the time column; detected when None (see the module docstring).
        target: the column(s) to forecast; None means every numeric column that is not time, id
            or covariate.
        id_col: the series-id column; giving it selects the long layout.
        value_col: the value column of long data (same as a single ``target``).
        covariates: other columns used as past covariates (known up to the forecast time).
        missing: "error" (default), "interpolate" (linear in time) or "ffill" (forward then back).
        freq: a pandas alias ("h", "D", "MS"); inferred when None; None for integer steps.
        date_format: a ``strftime`` pattern for the time column ("%d.%m.%Y"); detected when None.
        future_covariates: columns known ahead (prices, holidays); read as covariates after
            ``covariates``, and named as future covariates in messages.

    Returns a ``SeriesSet`` whose series hold ``target`` (N, C) and ``past_covariates`` (N, P).

    Example:
        >>> frame = pd.DataFrame({"date": pd.date_range("2020", periods=4, freq="D"), "y": [1, 2, 3, 4.0]})
        >>> ss = load_series(frame)
        >>> ss.freq, ss.series[0].target.shape
        ('D', (4, 1))
    """
    policy = check_missing_policy(missing)
    offset = None if freq is None else parse_freq(freq)
    frame, source_info = read_source(source)
    columns = _resolve_columns(frame, source_info, time_col, target, id_col, value_col, covariates, date_format,
                               future_covariates)
    channels = columns.targets + columns.covariates
    values = numeric_values(frame, channels, source_info)  # (rows, C+P)
    notes = [*source_info.notes, *columns.notes]
    times = None
    if columns.time is not None:
        times, note = read_times(frame, columns.time, source_info, date_format)
        notes += [note] if note else []
    if offset is not None and not isinstance(times, pd.DatetimeIndex):
        raise DataError(
            f"freq={freq!r} was given but the data have no date/time column (integer steps); "
            f"drop freq or pass time_col naming the date/time column."
        )

    parts, freqs, unsorted = [], {}, []
    stamps = None if times is None else np.asarray(times)  # (rows,): NumPy indexing is much cheaper per series
    groups = list(_groups(frame, columns.id, source_info))
    lengths = np.array([len(positions) for _, positions in groups], dtype=np.int64)  # (series,)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)  # (series,) in `order`
    order = np.concatenate([p for _, p in groups]) if groups else np.zeros(0, dtype=np.int64)  # series after series
    gridded = np.zeros(len(groups), dtype=bool)  # per series: already on the grid of a given freq
    if offset is not None and groups:  # the common case when the frequency is known (predict), in one pass
        grouped = pd.DatetimeIndex(stamps[order])  # (rows,) series after series
        gridded = gridded_groups(grouped.to_numpy(), starts, lengths, offset)
    empty = _with_an_empty_column(values[order], starts, lengths)  # (series,): checked one by one only where True
    for g, ((series_id, positions), on_grid) in enumerate(zip(groups, gridded)):
        if times is not None and not on_grid and not _is_sorted(stamps[positions]):
            positions = positions[np.argsort(stamps[positions], kind="stable")]
            unsorted.append(series_id)
        rows = Rows(source_info, positions, series_id if columns.layout == "long" else None)
        if on_grid:  # sorted, no repeat, no gap: nothing to check or to fill in
            part_times = grouped[starts[g]:starts[g] + lengths[g]]  # a slice: no new index to build
            part_values, part_freq = values[positions], offset.freqstr
        else:
            part_times, part_values, part_freq = _one_series(times, values[positions], rows, columns.time, offset)
        if empty[g]:
            check_not_all_missing(part_values, channels, rows)  # raises, naming the column
        parts.append((series_id, part_times, part_values))
        if part_freq is not None:
            freqs.setdefault(part_freq, series_id)
    if unsorted:
        which = f"series {unsorted[0]!r}" if len(unsorted) == 1 else f"{len(unsorted)} series (first {unsorted[0]!r})"
        notes.append(f"rows sorted by time ({which})")
        warnings.warn(f"the rows of {which} in {source_info.name} were not in time order; they were sorted "
                      f"by {columns.time!r}.", stacklevel=2)
    if len(freqs) > 1:
        (fa, a), (fb, b) = list(freqs.items())[:2]
        raise DataError(
            f"series {a!r} has frequency {fa!r} but series {b!r} has {fb!r}; all series must share one "
            f"frequency; resample them to one or pass freq."
        )
    if policy == "error":
        long = columns.layout == "long"
        raise_if_missing([(sid if long else None, t, v) for sid, t, v in parts], channels, source_info.name)
    filled = check_filled_share([(sid, v) for sid, _, v in parts], channels, policy, source_info.name)
    notes += [filled] if filled else []

    n_targets = len(columns.targets)
    series = []
    for series_id, part_times, part_values in parts:
        filled = fill_missing(part_values, part_times, policy)  # (N, C+P)
        series.append(Series(series_id, part_times, filled[:, :n_targets], filled[:, n_targets:]))
    return SeriesSet(
        series=series,
        target_columns=columns.targets,
        covariate_columns=columns.covariates,
        time_column=columns.time,
        id_column=columns.id,
        freq=next(iter(freqs), None),
        layout=columns.layout,
        notes=notes,
    )


def _with_an_empty_column(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Per series, whether one of its columns has no value: ``values`` (rows, C+P) series after series,
    series i in rows ``starts[i]`` .. ``starts[i] + lengths[i]``. (series,) bool."""
    if not len(lengths) or (lengths == 0).any():
        return lengths == 0
    present = np.add.reduceat((~np.isnan(values)).astype(np.int64), starts, axis=0)  # (series, C+P)
    return (present == 0).any(axis=1)


def _is_sorted(times) -> bool:
    values = np.asarray(times)
    return len(values) < 2 or bool((values[1:] >= values[:-1]).all())


def _one_series(times, values: np.ndarray, rows: Rows, column: str | None, offset):
    """Check one series' time axis; returns (DatetimeIndex or None, values (N', C+P), freq alias or None)."""
    if times is None:
        return None, values, None
    part = times[rows.positions]
    check_time_order(part, rows, column)
    if not isinstance(part, pd.DatetimeIndex):
        check_integer_steps(part, rows, column)
        return None, values, None
    if offset is not None:
        part, values = regularize(part, values, offset, rows, column)
        return part, values, offset.freqstr
    inferred = infer_offset(part, rows, column)
    if inferred is None:
        return pd.DatetimeIndex(part, freq=None), values, None
    return pd.DatetimeIndex(part, freq=inferred), values, inferred.freqstr


def _groups(frame: pd.DataFrame, id_col: str | None, source: Source):
    """(series id, positions (N_i,)) per series, in order of first appearance."""
    if id_col is None:
        yield source.stem, np.arange(len(frame))
        return
    ids = frame[id_col]
    missing = np.flatnonzero(ids.isna().to_numpy())
    if missing.size:
        raise DataError(
            f"missing series id in column {id_col!r} at {source.row(int(missing[0]))}; "
            f"every row of long data needs an id; fill it in or drop the row."
        )
    codes, names = pd.factorize(ids.astype(str))
    order = np.argsort(codes, kind="stable")  # rows grouped by series, file order kept inside a series
    bounds = np.cumsum(np.bincount(codes, minlength=len(names)))[:-1]
    for name, positions in zip(names, np.split(order, bounds)):
        yield str(name), positions


def _resolve_columns(frame, source, time_col, target, id_col, value_col, covariates, date_format=None,
                     future_covariates=None) -> _Columns:
    names = list(frame.columns)

    def require(name: str, role: str, option: str) -> str:
        if name not in names:
            raise DataError(
                f"{role} column {name!r} not found in {source.name}; the columns are: {', '.join(names)}; "
                f"pass one of them as {option}."
            )
        return name

    nixtla = id_col is None and all(c in names for c in NIXTLA_COLUMNS[:2])
    if nixtla:
        id_col = "unique_id"
    if value_col is not None and id_col is None:
        raise DataError(
            f"value_col={value_col!r} needs id_col, the series-id column of long data; pass id_col, "
            f"or use target for wide data."
        )
    if id_col is not None:
        require(id_col, "id", "id_col")
    if time_col is not None:
        time_col = require(time_col, "time", "time_col")
    elif nixtla:
        time_col = "ds"
    else:
        time_col = _detect_time(frame, exclude={id_col}, date_format=date_format)

    future = _as_list(future_covariates, "future_covariates")
    given = {time_col, id_col, value_col, *_as_list(covariates, "covariates"), *future, *_as_list(target, "target")}
    text = [c for c in names if c not in given and not is_mostly_numeric(frame[c])]
    notes: tuple[str, ...] = ()
    if id_col is None and time_col is not None and text and frame[time_col].duplicated().any():
        if len(text) > 1:
            raise DataError(
                f"timestamps in column {time_col!r} of {source.name} repeat, so the file looks like long data "
                f"(one row per series and time), but several text columns could be the series id: "
                f"{', '.join(text)}; pass id_col (--id-col) naming it."
            )
        id_col, text = text[0], []
        notes = (f"long data, one series per {id_col!r}",)
    if text:
        warnings.warn(f"column{'s' if len(text) > 1 else ''} {', '.join(map(repr, text))} of {source.name} "
                      f"hold{'' if len(text) > 1 else 's'} text and {'are' if len(text) > 1 else 'is'} not used; "
                      f"pass id_col if one names the series.", stacklevel=3)

    covariate_list = [require(c, "covariate", "covariates") for c in _as_list(covariates, "covariates")]
    covariate_list += [require(c, "future covariate", "future_covariates") for c in future]
    if value_col is not None and target is not None and _as_list(target, "target") != [value_col]:
        raise DataError(
            f"value_col={value_col!r} and target={target!r} disagree; give the value column once."
        )
    if value_col is not None:
        targets = [require(value_col, "value", "value_col")]
    elif target is not None:
        targets = [require(t, "target", "target") for t in _as_list(target, "target")]
    elif nixtla and "y" in names:
        targets = ["y"]
    else:
        skip = {time_col, id_col, *covariate_list}
        targets = [c for c in names if c not in skip and is_mostly_numeric(frame[c])]
        if not targets:
            raise DataError(
                f"no numeric target column found in {source.name}; the columns are: {', '.join(names)}; "
                f"pass target naming the column(s) to forecast."
            )
    _check_roles(targets, covariate_list, time_col, id_col)
    layout = "wide" if id_col is None else "long"
    return _Columns(layout, time_col, id_col, targets, covariate_list, notes)


def _detect_time(frame: pd.DataFrame, exclude: set, date_format: str | None = None) -> str | None:
    for name in frame.columns:
        if name.lower() in TIME_COLUMN_NAMES and name not in exclude:
            return name
    if date_format:  # the first column that mostly matches the given format (its bad cells are reported later)
        for name in frame.columns:
            parsed = pd.to_datetime(frame[name].astype(str), format=date_format, errors="coerce")
            if name not in exclude and parsed.notna().mean() >= 0.5:
                return name
    for name in frame.columns:  # else the first column that holds only dates (or whole years)
        if name not in exclude and looks_like_times(frame[name], name):
            return name
    return None


def _check_roles(targets: list[str], covariates: list[str], time_col: str | None, id_col: str | None) -> None:
    roles = [(t, "a target") for t in targets] + [(c, "a covariate") for c in covariates]
    roles += [(name, role) for name, role in ((time_col, "the time column"), (id_col, "the id column")) if name]
    seen: dict[str, str] = {}
    for name, role in roles:
        if name in seen:
            raise DataError(
                f"column {name!r} is both {seen[name]} and {role}; give each column one role."
            )
        seen[name] = role


def _as_list(value: str | list[str] | None, option: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise DataError(f"{option} must be a column name or a list of column names; got {value!r}.")
