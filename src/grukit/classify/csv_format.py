"""Reading labelled sequences from a CSV file, wide (one row per sequence) or long (one row per step).

Wide::                              Long::

    id,t0,t1,t2,label                   id,time,x,y,label
    a,0.1,0.3,0.2,walk                  a,0,0.1,1.0,walk
    b,0.5,0.4,,run                      a,1,0.3,1.1,walk
                                        b,0,0.5,0.9,run

Wide rows hold one channel; a shorter sequence ends in empty cells. Long rows are grouped by the
id column (in order of first appearance) and sorted by the time column when there is one; every
other column is a channel. Rows are named in messages by their line in the file (line 1 is the
header), as :mod:`grukit.data` does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from grukit.classify.sequences import SequenceSet
from grukit.data.source import Source, read_source
from grukit.data.checks import is_mostly_numeric
from grukit.errors import DataError

__all__ = ["read_csv_sequences"]

LAYOUTS = ("auto", "wide", "long")
DEFAULT_TIME_COLUMN = "time"


def read_csv_sequences(path: str | Path, *, label_col: str = "label", id_col: str = "id",
                       time_col: str | None = None, layout: str = "auto") -> SequenceSet:
    """Read a wide or long CSV (see the module docstring); labels are None when ``label_col`` is absent.

    ``layout="auto"`` reads the file as long when ``id_col`` is a column whose values repeat.
    """
    if layout not in LAYOUTS:
        raise DataError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}.")
    frame, source = read_source(Path(path))
    if layout == "auto":
        layout = "long" if id_col in frame.columns and frame[id_col].duplicated().any() else "wide"
    if layout == "long":
        return _long(frame, source, label_col, id_col, time_col)
    return _wide(frame, source, label_col, id_col)


def _labels(frame: pd.DataFrame, label_col: str, source: Source, keys: tuple = ()) -> list | None:
    """The label column's values (None when there is no such column); an empty cell names its line.

    Without that column, a text column other than ``keys`` (id, time) is a misnamed label column.
    """
    if label_col not in frame.columns:
        text = [c for c in frame.columns  # numeric columns (most of a wide file) need no look at their cells
                if c not in keys and frame[c].dtype.kind not in "fiu" and not is_mostly_numeric(frame[c])]
        if text:
            raise DataError(f"label column {label_col!r} not found in {source.name}, which has the text column "
                            f"{text[0]!r}; pass the label column as label_col (--label-col {text[0]}).")
        return None
    column = frame[label_col]
    if column.isna().any():
        position = int(np.flatnonzero(column.isna().to_numpy())[0])
        raise DataError(f"the label is missing at {source.row(position)}; every row needs a value in the "
                        f"{label_col!r} column.")
    return [v.item() if isinstance(v, np.generic) else v for v in column.tolist()]


def _numeric(frame: pd.DataFrame, columns: list[str], source: Source) -> np.ndarray:
    """The columns as float64 (rows, columns); a non-number names its line and column."""
    values = frame[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & frame[columns].notna().to_numpy()
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise DataError(f"non-numeric value {frame[columns[col]].iloc[row]!r} in column {columns[col]!r} at "
                        f"{source.row(row)}; expected a number; fix or remove that value.")
    return values


def _wide(frame: pd.DataFrame, source: Source, label_col: str, id_col: str) -> SequenceSet:
    labels = _labels(frame, label_col, source, (id_col,))
    steps = [c for c in frame.columns if c not in (label_col, id_col)]
    if not steps:
        raise DataError(f"{source.name} has no value columns besides {label_col!r}; a wide CSV has one column "
                        f"per time step and one row per sequence.")
    values = _numeric(frame, steps, source)  # (N, T_max)
    sequences = []
    for row, v in enumerate(values):
        present = np.flatnonzero(~np.isnan(v))
        length = int(present[-1]) + 1 if present.size else 0
        if present.size != length:
            gap = steps[int(np.flatnonzero(np.isnan(v[:length]))[0])]
            raise DataError(f"missing value in column {gap!r} at {source.row(row)}, inside the sequence; only a "
                            f"sequence's last cells may be empty (a shorter sequence). Fill the gap.")
        sequences.append(v[:length, None])  # (T_i, 1)
    ids = [str(v) for v in frame[id_col]] if id_col in frame.columns else [str(i) for i in range(len(frame))]
    where = [source.row(i) for i in range(len(frame))]
    return SequenceSet(sequences, labels, ids, source.name, where)


def _long(frame: pd.DataFrame, source: Source, label_col: str, id_col: str, time_col: str | None) -> SequenceSet:
    if id_col not in frame.columns:
        raise DataError(f"id column {id_col!r} not found in {source.name}; the columns are: "
                        f"{', '.join(frame.columns)}; a long CSV needs one (pass id_col / --id-col).")
    if time_col is None and DEFAULT_TIME_COLUMN in frame.columns:
        time_col = DEFAULT_TIME_COLUMN
    if time_col is not None and time_col not in frame.columns:
        raise DataError(f"time column {time_col!r} not found in {source.name}; the columns are: "
                        f"{', '.join(frame.columns)}.")
    labels = _labels(frame, label_col, source, (id_col, time_col))
    channels = [c for c in frame.columns if c not in (id_col, time_col, label_col)]
    if not channels:
        raise DataError(f"{source.name} has no value columns besides {id_col!r}, {time_col!r} and {label_col!r}; "
                        f"a long CSV has one column per channel.")
    values = _numeric(frame, channels, source)  # (rows, C)
    missing = np.argwhere(np.isnan(values))
    if missing.size:
        row, col = (int(i) for i in missing[0])
        raise DataError(f"missing value in column {channels[col]!r} at {source.row(row)}; fill it or drop the row.")
    sequences, seq_labels, ids, where = [], [], [], []
    groups = frame.groupby(id_col, sort=False).indices  # id -> row positions in file order
    for sid, rows in groups.items():
        if time_col is not None:
            rows = rows[np.argsort(frame[time_col].to_numpy()[rows], kind="stable")]
        sequences.append(values[rows])  # (T_i, C)
        ids.append(str(sid))
        where.append(f"sequence {str(sid)!r} of {source.name}")
        if labels is not None:
            found = list(dict.fromkeys(labels[r] for r in rows))
            if len(found) > 1:
                raise DataError(f"sequence {str(sid)!r} of {source.name} has more than one label "
                                f"({', '.join(map(repr, found[:3]))}); every row of a sequence needs the same label.")
            seq_labels.append(found[0])
    return SequenceSet(sequences, None if labels is None else seq_labels, ids, source.name, where)
