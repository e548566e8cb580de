"""Reading a CSV file, a Parquet file or a DataFrame, and naming a row of it in error messages.

Rows are named the way a person finds them: in a CSV file by its line number as a text editor or a
spreadsheet shows it (line 1 is the header, so the first data row is line 2); in a Parquet file or
a DataFrame by its 0-based row index (position). Blank lines in a CSV are skipped by the reader and
so are not counted.

CSV dialects (what spreadsheets in different locales write):
    separator      the one of ``,`` ``;`` tab ``|`` that splits the header and the first lines into
                   the same number (> 1) of fields; ``,`` when none does.
    numbers        a text column whose every non-empty cell is a number written with separators
                   becomes numeric: with ``;`` or tab as separator a comma is the decimal mark and
                   ``.`` or a space groups thousands (``1.234,5`` -> 1234.5, the European Excel
                   export); with ``,`` as separator a quoted ``"1,234.5"`` groups thousands.
    byte order     a UTF-8 byte-order mark before the header is dropped.
    row numbers    a first column with an empty header holding the row numbers 0..n-1 or 1..n (what
                   ``DataFrame.to_csv`` writes by default) is dropped.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from grukit.errors import DataError

__all__ = ["Rows", "Source", "read_source", "sniff_separator"]

PARQUET_SUFFIXES = (".parquet", ".pq")
OTHER_FORMATS = {".xlsx": "an Excel workbook", ".xls": "an Excel workbook", ".xlsm": "an Excel workbook",
                 ".ods": "an OpenDocument spreadsheet", ".json": "a JSON file", ".pkl": "a pickle",
                 ".pickle": "a pickle", ".npy": "a NumPy array", ".npz": "a NumPy archive", ".h5": "an HDF5 file",
                 ".feather": "a Feather file"}  # formats a user might pass that are not read (pickles never are)


@dataclass(frozen=True)
class Source:
    """Where the data came from: ``name`` for messages, ``kind`` "csv", "parquet" or "frame"."""

    name: str  # the path as given, or "the DataFrame"
    kind: str  # "csv" | "parquet" | "frame"
    stem: str  # default series id for wide data: the file name without suffix, or "series"
    notes: tuple[str, ...] = field(default=())  # how the file was read, when not plain (";"-separated, ...)

    def row(self, position: int) -> str:
        """Name data row ``position`` (0-based) as a person would look it up."""
        if self.kind == "csv":
            return f"line {position + 2} of {self.name} (line 1 is the header)"
        return f"row index {position} (0-based) of {self.name}"


def read_source(source: object) -> tuple[pd.DataFrame, Source]:
    """Read ``source`` into a DataFrame with string column names and a 0..n-1 row index."""
    if isinstance(source, pd.DataFrame):
        frame, where = _from_frame(source), Source("the DataFrame", "frame", "series")
    elif isinstance(source, (str, Path)):
        frame, where = _from_path(Path(source))
    else:
        raise DataError(
            f"cannot read data from a {type(source).__name__}; expected a CSV path, "
            f"a Parquet path (.parquet) or a pandas DataFrame."
        )
    if len(frame) == 0:
        raise DataError(f"{where.name} has no data rows; expected a header row and at least one data row.")
    names = [str(c) for c in frame.columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise DataError(
            f"{where.name} has more than one column named {duplicated[0]!r}; give every column a unique name."
        )
    frame.columns = names
    return frame, where


def _from_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with positional row index; a DatetimeIndex becomes the first column."""
    if isinstance(frame.index, pd.DatetimeIndex):
        return frame.reset_index()
    return frame.reset_index(drop=True)


def _from_path(path: Path) -> tuple[pd.DataFrame, Source]:
    if not path.exists():
        raise DataError(f"data file {path} not found; pass the path of an existing CSV or Parquet file.")
    if path.is_dir():
        raise DataError(f"data path {path} is a folder; pass the path of a CSV or Parquet file.")
    if path.suffix.lower() in OTHER_FORMATS:
        raise DataError(f"{path} is {OTHER_FORMATS[path.suffix.lower()]} ({path.suffix}); grukit reads CSV and "
                        f"Parquet files: save or convert it to .csv or .parquet.")
    is_parquet = path.suffix.lower() in PARQUET_SUFFIXES
    kind = "parquet" if is_parquet else "csv"
    where = Source(str(path), kind, path.stem)
    notes: tuple[str, ...] = ()
    try:
        if is_parquet:
            frame = pd.read_parquet(path)
        else:
            separator = sniff_separator(path)
            frame = pd.read_csv(path, sep=separator, encoding="utf-8-sig")
            frame, notes = _numbers_with_separators(frame, separator)
            frame, dropped = _without_row_numbers(frame)
            notes += dropped
    except pd.errors.EmptyDataError:
        raise DataError(
            f"data file {path} is empty; expected a header row and at least one data row."
        ) from None
    except Exception as error:  # parser errors differ between pandas and pyarrow versions
        reason = " ".join(str(error).split())
        raise DataError(
            f"cannot read {path} as {kind.upper()}: {reason}; check that the file is valid {kind.upper()}."
        ) from error
    if is_parquet:
        frame = _from_frame(frame)
    return frame, Source(where.name, kind, where.stem, notes)


SEPARATORS = (",", ";", "\t", "|")
_DECIMAL_COMMA = re.compile(r"[+-]?(\d{1,3}([. ]\d{3})+|\d+)(,\d+)?")  # 1.234,5  12,5  1 234
_THOUSANDS_COMMA = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")  # 1,234  1,234.5


def sniff_separator(path: Path, lines: int = 20) -> str:
    """The field separator of a CSV file: the candidate that splits its first lines evenly.

    Example (a German spreadsheet export):
        >>> import tempfile; f = Path(tempfile.mkdtemp()) / "d.csv"; _ = f.write_text("Datum;Wert\\n01.01.2020;1,5\\n")
        >>> sniff_separator(f)
        ';'
    """
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        head = [line for _, line in zip(range(lines), handle) if line.strip()]
    if not head:
        return ","
    best, best_fields = ",", 1
    for separator in SEPARATORS:
        counts = {len(row) for row in csv.reader(head, delimiter=separator)}
        if len(counts) == 1 and (fields := counts.pop()) > best_fields:
            best, best_fields = separator, fields
    return best


def _without_row_numbers(frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Drop a first column with an empty header that holds the row numbers 0..n-1 or 1..n."""
    first = frame.columns[0] if len(frame.columns) > 1 else None
    if first is None or not str(first).startswith("Unnamed: 0"):
        return frame, ()
    column = frame[first]
    if not pd.api.types.is_integer_dtype(column):
        return frame, ()
    steps = column.to_numpy()
    if not ((steps == range(len(steps))).all() or (steps == range(1, len(steps) + 1)).all()):
        return frame, ()
    return frame.drop(columns=[first]), ("unnamed row-number column dropped",)


def _numbers_with_separators(frame: pd.DataFrame, separator: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Text columns holding numbers written with a decimal comma or thousands groups, as floats."""
    decimal_comma = separator != ","
    pattern = _DECIMAL_COMMA if decimal_comma else _THOUSANDS_COMMA
    converted = []
    for name in frame.columns:
        column = frame[name]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue  # numbers, dates and booleans are read already
        text = column.dropna().astype(str).str.strip()
        if len(text) == 0 or not text.str.fullmatch(pattern).all():
            continue
        if decimal_comma:
            text = text.str.replace(r"[. ]", "", regex=True).str.replace(",", ".", regex=False)
        else:
            text = text.str.replace(",", "", regex=False)
        frame[name] = pd.to_numeric(text).reindex(frame.index)
        converted.append(str(name))
    notes = [] if separator == "," else [f"{'tab' if separator == chr(9) else repr(separator)}-separated"]
    if converted:
        mark = "decimal comma" if decimal_comma else "thousands separators"
        notes.append(f"{mark} in {', '.join(converted)}")
    return frame, tuple(notes)


@dataclass(frozen=True)
class Rows:
    """The rows of one series inside its source, for messages that point at a row.

    ``positions[i]`` is the 0-based position in the source of the series' i-th row.
    """

    source: Source
    positions: object  # (N,) int array of source row positions
    series: str | None = None  # the series id in long data, None for wide data

    def row(self, i: int) -> str:
        return self.source.row(int(self.positions[i]))

    @property
    def label(self) -> str:
        """' of series 'A'' in long data, '' in wide data (to follow a column name)."""
        return "" if self.series is None else f" of series {self.series!r}"
