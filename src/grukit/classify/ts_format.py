"""Reading the UCR/UEA ``.ts`` text format (as written by sktime and aeon).

A file has three parts, in this order::

    # free-text comment lines (anywhere)
    @problemName GunPoint            header lines: "@key value", before @data
    @univariate true
    @classLabel true 1 2             "true" and the class labels, or "false" for unlabelled data
    @data
    1.0,2.0,3.0:1                    one row per sequence: values of dimension 1, then ":" ...
    0.5,0.1,0.2,0.4:2                ... dimension 2 ..., then ":label" when @classLabel is true

Each dimension is a comma-separated list of numbers; the dimensions of one sequence have equal
lengths, while sequences may differ in length (``@equalLength false``). Blank lines are skipped.
Row numbers in messages are line numbers as a text editor shows them (the first line is 1).

Not supported, each with its own error: ``@timeStamps true`` ("(t,v)" pairs) and missing values
("?"), since a GRU classifier needs complete sequences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grukit.errors import DataError

__all__ = ["TsData", "read_ts"]

ROW_FORMAT = "a row is comma-separated numbers per dimension, dimensions separated by ':', then ':label'"


@dataclass
class TsData:
    """The sequences of a ``.ts`` file, their labels and its header."""

    sequences: list[np.ndarray]  # N arrays (T_i, C) of float64, C dimensions each
    labels: list[str] | None  # N class labels as written, or None when @classLabel is false
    metadata: dict = field(default_factory=dict)  # the @ header: key -> value text ("classLabel" -> its words)
    lines: list[int] = field(default_factory=list)  # the file line of each sequence, for messages


def read_ts(path: str | Path) -> TsData:
    """Parse a ``.ts`` file into (T_i, C) arrays, labels and header; a DataError names any bad line.

    Example:
        >>> from grukit.classify.datasets import bundled_path
        >>> data = read_ts(bundled_path("gunpoint", "train"))
        >>> len(data.sequences), data.sequences[0].shape, sorted(set(data.labels))
        (50, (150, 1), ['1', '2'])
    """
    path = Path(path)
    text = _read_text(path)
    if not text.strip():
        raise DataError(f"{path} is empty; expected a .ts file with @ header lines, @data and one row per sequence.")
    metadata: dict[str, str] = {}
    rows: list[tuple[int, str]] = []
    in_data = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if in_data:
            if line.startswith("@"):
                raise DataError(f"line {number} of {path}: header line {line.split()[0]!r} after @data; "
                                f"move every @ line above @data.")
            rows.append((number, line))
        elif line.lower() == "@data":
            in_data = True
        elif line.startswith("@"):
            key, _, value = line[1:].partition(" ")
            metadata[key] = value.strip()
        else:
            raise DataError(f"line {number} of {path}: data row before @data; a .ts file lists its @ header "
                            f"lines, then @data, then one row per sequence.")
    if not in_data:
        raise DataError(f"{path} has no @data line; a .ts file lists its @ header lines, then @data, then one "
                        f"row per sequence.")
    if not rows:
        raise DataError(f"{path} has no data rows after @data; expected one row per sequence ({ROW_FORMAT}).")
    _check_supported(path, metadata)
    labelled, declared = _class_labels(metadata)
    return _parse_rows(path, rows, labelled, declared, metadata)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path} does not exist; pass the path of a .ts or .csv file.") from None
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a UTF-8 text file; a .ts file is plain text.") from None


def _check_supported(path: Path, metadata: dict[str, str]) -> None:
    if metadata.get("timeStamps", "false").lower() == "true":
        raise DataError(f"{path} declares @timeStamps true; grukit reads plain value lists only, not (t,v) "
                        f"pairs. Resample the data to equal steps and write the values alone.")


def _class_labels(metadata: dict[str, str]) -> tuple[bool, list[str] | None]:
    """(labelled, declared labels or None). Without a @classLabel line the rows are taken as labelled."""
    words = metadata.get("classLabel", "true").split()
    labelled = not words or words[0].lower() != "false"
    declared = words[1:] if labelled and len(words) > 1 else None
    return labelled, declared


def _parse_rows(path: Path, rows: list[tuple[int, str]], labelled: bool, declared: list[str] | None,
                metadata: dict[str, str]) -> TsData:
    sequences, labels, lines = [], [], []
    dimensions = None  # the dimension count of the first row
    for number, line in rows:
        where = f"line {number} of {path}"
        fields = line.split(":")
        if labelled:
            if len(fields) < 2:
                raise DataError(f"{where}: no class label; @classLabel is true, so {ROW_FORMAT}.")
            label = fields.pop().strip()
            if not label:
                raise DataError(f"{where}: the class label after the last ':' is empty; {ROW_FORMAT}.")
            if declared is not None and label not in declared:
                raise DataError(f"{where}: class label {label!r} is not declared in @classLabel "
                                f"({', '.join(declared)}); add it there or fix the row.")
            labels.append(label)
        if dimensions is None:
            dimensions = len(fields)
        elif len(fields) != dimensions:
            raise DataError(f"{where}: {len(fields)} dimensions, but the rows above have {dimensions}; every "
                            f"row needs the same number of ':'-separated dimensions.")
        sequences.append(_parse_dimensions(where, fields))
        lines.append(number)
    return TsData(sequences, labels if labelled else None, metadata, lines)


def _parse_dimensions(where: str, fields: list[str]) -> np.ndarray:
    """The ':'-separated dimensions of one row as a (T, C) array."""
    columns = []
    for d, text in enumerate(fields, start=1):
        if not text.strip():
            raise DataError(f"{where}: dimension {d} is empty; {ROW_FORMAT}.")
        values = []
        for position, word in enumerate(text.split(","), start=1):
            word = word.strip()
            if word == "?":
                raise DataError(f"{where}: missing value '?' at position {position} of dimension {d}; fill the "
                                f"gap or drop the sequence, since the classifier needs complete sequences.")
            try:
                values.append(float(word))
            except ValueError:
                raise DataError(f"{where}: value {word!r} at position {position} of dimension {d} is not a "
                                f"number; {ROW_FORMAT}.") from None
        if columns and len(values) != len(columns[0]):
            raise DataError(f"{where}: dimension {d} has {len(values)} values but dimension 1 has "
                            f"{len(columns[0])}; the dimensions of one sequence must have equal lengths.")
        columns.append(values)
    return np.asarray(columns, dtype=np.float64).T  # (T, C)
