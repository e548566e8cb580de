"""Labelled sequences for classification: from ``.ts`` files, CSV files or arrays, to padded tensors.

Shapes use the legend of :mod:`grukit.nn.functional`.

Every source becomes a :class:`SequenceSet`: a list of (T_i, C) arrays, their labels (or None)
and ids. Sources:

* ``.ts`` (UCR/UEA): :func:`grukit.classify.ts_format.read_ts`.
* CSV, wide: one row per sequence, one column per time step and a label column; a shorter
  sequence ends in empty cells. An id column, when there is one, names the rows.
* CSV, long: one row per (sequence, time step): an id column, an optional time column (the
  order), one column per channel and the label column, constant within a sequence.
* arrays: (N, T), (N, T, C) or a list of (T,) / (T, C) arrays of different lengths, with labels
  beside them. :func:`from_arrays` is also the hook for computed features (e.g. audio MFCC
  frames): pass the list of (T, C) feature arrays and their labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from grukit.classify.sequences import SequenceSet
from grukit.errors import DataError

__all__ = ["SequenceSet", "from_arrays", "read_sequences", "check_sequences", "pad_sequences", "MIN_STEPS"]

MIN_STEPS = 2  # the shortest sequence the classifier accepts
SUFFIXES = (".ts", ".csv")


def from_arrays(X, y=None, *, name: str = "the arrays") -> SequenceSet:
    """Sequences from (N, T), (N, T, C) or a list of (T,) / (T, C) arrays, with optional labels ``y`` (N,).

    This is also the entry point for features computed elsewhere, e.g. a list of (T_i, C) MFCC
    frames per audio clip: ``from_arrays(features, labels)``.

    Example:
        >>> ss = from_arrays([np.zeros(5), np.ones((3, 1))], ["a", "b"])
        >>> [s.shape for s in ss.sequences], ss.labels
        ([(5, 1), (3, 1)], ['a', 'b'])
    """
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim not in (2, 3):
            raise DataError(f"{name}: X must be (N, T), (N, T, C) or a list of (T,) / (T, C) arrays; "
                            f"got an array of shape {X.shape}.")
        items = list(X.reshape(X.shape[0], X.shape[1], -1))  # N arrays (T, C)
    elif isinstance(X, (list, tuple, np.ndarray)):
        items = [_as_sequence(x, i, name) for i, x in enumerate(X)]
    else:
        raise DataError(f"cannot read sequences from a {type(X).__name__}; pass a .ts or .csv path, an array "
                        f"(N, T) / (N, T, C) or a list of (T, C) arrays.")
    sequences = [np.asarray(s, dtype=np.float64) for s in items]
    labels = None
    if y is not None:
        labels = _label_list(y)
        if len(labels) != len(sequences):
            raise DataError(f"{name}: got {len(sequences)} sequences but {len(labels)} labels; pass one label "
                            f"per sequence.")
    return SequenceSet(sequences, labels, [str(i) for i in range(len(sequences))], name)


def _as_sequence(x, i: int, name: str) -> np.ndarray:
    try:
        array = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{name}: sequence {i} is not numeric; each sequence is a (T,) or (T, C) array of "
                        f"numbers.") from None
    if array.ndim == 1:
        return array[:, None]  # (T, 1)
    if array.ndim != 2:
        raise DataError(f"{name}: sequence {i} has shape {array.shape}; each sequence is (T,) or (T, C).")
    return array


def _label_list(y) -> list:
    """Labels as plain Python str / int values (NumPy scalars unwrapped)."""
    values = np.asarray(y).tolist() if not isinstance(y, list) else list(y)
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def read_sequences(source, *, label_col: str = "label", id_col: str = "id", time_col: str | None = None,
                   layout: str = "auto") -> SequenceSet:
    """Read a ``.ts`` or ``.csv`` file (or take a SequenceSet as it is); see the module docstring.

    ``layout`` applies to CSV: "wide", "long", or "auto" (long when ``id_col`` exists and repeats).
    A CSV without ``label_col`` is unlabelled (fine for predict; fit says what is missing).
    """
    if isinstance(source, SequenceSet):
        return source
    if not isinstance(source, (str, Path)):
        raise DataError(f"cannot read sequences from a {type(source).__name__}; pass a .ts or .csv path, or "
                        f"arrays with labels.")
    path = Path(source)
    if path.suffix.lower() not in SUFFIXES:
        raise DataError(f"cannot read {path}: expected a .ts (UCR/UEA) or .csv file; got the suffix "
                        f"{path.suffix or '(none)'!r}.")
    if not path.is_file():
        raise DataError(f"{path} does not exist; pass the path of a .ts or .csv file.")
    if path.suffix.lower() == ".ts":
        from grukit.classify.ts_format import read_ts

        data = read_ts(path)
        where = [f"line {n} of {path}" for n in data.lines]
        return SequenceSet(data.sequences, data.labels, [str(i) for i in range(len(data.sequences))], str(path),
                           where)
    from grukit.classify.csv_format import read_csv_sequences

    return read_csv_sequences(path, label_col=label_col, id_col=id_col, time_col=time_col, layout=layout)


def check_sequences(ss: SequenceSet, *, labelled: bool) -> SequenceSet:
    """Check what the classifier needs: sequences, one channel count, >= 2 finite steps each, labels if asked."""
    if len(ss) == 0:
        raise DataError(f"{ss.name} holds no sequences; pass at least one sequence.")
    channels = ss.sequences[0].shape[1]
    for i, s in enumerate(ss.sequences):
        if s.ndim != 2 or s.shape[1] != channels:
            raise DataError(f"{ss.locate(i)} has {s.shape[1] if s.ndim == 2 else s.shape} channels but the first "
                            f"sequence has {channels}; every sequence needs the same channels.")
        if s.shape[0] < MIN_STEPS:
            raise DataError(f"{ss.locate(i)} has {s.shape[0]} time step{'s' if s.shape[0] != 1 else ''}; the "
                            f"classifier needs at least {MIN_STEPS} per sequence. Drop or lengthen that sequence.")
        if not np.isfinite(s).all():
            raise DataError(f"{ss.locate(i)} has a missing or infinite value; fill it or drop the sequence.")
    if labelled and ss.labels is None:
        raise DataError(f"{ss.name} has no class labels; training needs one label per sequence (a .ts file with "
                        f"@classLabel true, a CSV label column, or y).")
    return ss


def pad_sequences(sequences: Sequence[np.ndarray], length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Stack (T_i, C) arrays into zero-padded (N, T_max, C) float32 and their lengths (N,) int64.

    Example:
        >>> x, lengths = pad_sequences([np.ones((3, 1)), np.ones((1, 1))])
        >>> x[:, :, 0].tolist(), lengths.tolist()
        ([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]], [3, 1])
    """
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    steps = int(lengths.max()) if length is None else length
    out = np.zeros((len(sequences), steps, sequences[0].shape[1]), dtype=np.float32)  # (N, T_max, C)
    for i, s in enumerate(sequences):
        out[i, : len(s)] = s
    return out, lengths
