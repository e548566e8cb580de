"""Reading a CSV file, a Parquet file or a DataFrame, and naming a row of it in error messages.

Rows are named the way a person finds them: in a CSV file by its line number as a text editor or a
spreadsheet shows it (line 1 is the header, so the first data row is line 2); in a Parquet file or
a DataFrame by its 0-based row index (position). Blank lines in a CSV are skipped by the reader and
so are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from grukit.errors import DataError

PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class Source:
    """Where the data came from: ``name`` for messages, ``kind`` "csv", "parquet" or "frame"."""

    name: str  # the path as given, or "the DataFrame"
    kind: str  # "csv" | "parquet" | "frame"
    stem: str  # default series id for wide data: the file name without suffix, or "series"

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
    is_parquet = path.suffix.lower() in PARQUET_SUFFIXES
    kind = "parquet" if is_parquet else "csv"
    where = Source(str(path), kind, path.stem)
    try:
        frame = pd.read_parquet(path) if is_parquet else pd.read_csv(path)
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
    return frame, where


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
