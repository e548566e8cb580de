"""Chronological train / validation / test splits of one series, as row ranges.

Each series is cut in time order: train = the first rows, then validation, then test. Nothing is
shuffled across the cut, so no future row leaks into training.

Every range is a half-open row range ``(start, stop)``. The val and test ranges start ``lookback``
rows before their first target row, so that their first window has a full history; those
``lookback`` rows are inputs only (they belong to the previous part), never targets:

    rows:   0 ........ n_train ........ n_train + n_val ........ n_train + n_val + n_test
    train:  [0, n_train)
    val:    [n_train - lookback, n_train + n_val)
    test:   [n_train + n_val - lookback, n_train + n_val + n_test)

Kinds:
    * ``"fraction"``: n_val = floor(N * val), n_test = floor(N * test), n_train = the rest.
    * ``"size"``: n_val = val rows, n_test = test rows, n_train = the rest.
    * ``"ett"``: the ETT benchmark protocol (Informer, Autoformer, DLinear, Time-Series-Library):
      train = the first 12*30*24 = 8,640 rows, val = the next 2,880, test = the next 2,880; rows after
      14,400 are unused; val/test start ``lookback`` (``seq_len``) rows early. ``val``/``test`` are
      ignored. This is the hourly (ETTh1/ETTh2) protocol.

``val=0`` means no validation part: ``split_ranges(...)["val"]`` is None.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from grukit.data.checks import check_positive_int
from grukit.errors import ConfigError, DataError

__all__ = ["ETT_TEST_ROWS", "ETT_TRAIN_ROWS", "ETT_VAL_ROWS", "SPLIT_KINDS", "SplitSpec", "split_ranges", "split_sizes"]

SPLIT_KINDS = ("fraction", "size", "ett")
ETT_TRAIN_ROWS = 12 * 30 * 24  # 8,640 hours: 12 months of 30 days
ETT_VAL_ROWS = 4 * 30 * 24  # 2,880 hours: 4 months
ETT_TEST_ROWS = 4 * 30 * 24  # 2,880 hours: 4 months


@dataclass(frozen=True)
class SplitSpec:
    """How to cut each series in time: ``kind`` and the size of the val and test parts.

    Example:
        >>> split_ranges(100, SplitSpec("fraction", val=0.1, test=0.2), lookback=5)
        {'train': (0, 70), 'val': (65, 80), 'test': (75, 100)}
    """

    kind: str = "fraction"  # "fraction" (shares of N), "size" (row counts) or "ett" (8640/2880/2880)
    val: float = 0.1  # validation part: fraction in [0, 1) or row count >= 0; 0 = no validation part
    test: float = 0.2  # test part: fraction in [0, 1) or row count >= 0; 0 = no test part

    def __post_init__(self) -> None:
        if self.kind not in SPLIT_KINDS:
            raise ConfigError(f"unknown split kind {self.kind!r}; expected one of: 'fraction', 'size', 'ett'.")
        if self.kind == "fraction":
            _check_fraction("val", self.val, allow_zero=True)
            _check_fraction("test", self.test, allow_zero=True)
            if self.val + self.test >= 1.0:
                raise ConfigError(
                    f"split val={self.val} + test={self.test} leaves no training rows; keep val + test below 1."
                )
        elif self.kind == "size":
            for name, value, low in (("val", self.val, 0), ("test", self.test, 0)):
                if not _is_whole(value) or value < low:
                    raise ConfigError(
                        f"split {name}={value!r} is not a row count; with kind='size' {name} must be a whole "
                        f"number >= {low}; use kind='fraction' for shares of the rows."
                    )


def split_sizes(n_rows: int, spec: SplitSpec) -> tuple[int, int, int]:
    """Rows in (train, val, test) for a series of ``n_rows`` rows; a ``DataError`` when one is empty.

    Example:
        >>> split_sizes(14400, SplitSpec("ett"))
        (8640, 2880, 2880)
    """
    if spec.kind == "ett":
        need = ETT_TRAIN_ROWS + ETT_VAL_ROWS + ETT_TEST_ROWS
        if n_rows < need:
            raise DataError(
                f"the ETT split needs {need} rows (train {ETT_TRAIN_ROWS} + val {ETT_VAL_ROWS} + test "
                f"{ETT_TEST_ROWS}) but the series has {n_rows}; use SplitSpec(kind='fraction') or "
                f"kind='size' for other data."
            )
        return ETT_TRAIN_ROWS, ETT_VAL_ROWS, ETT_TEST_ROWS
    if spec.kind == "fraction":
        n_val = math.floor(n_rows * spec.val + 1e-9)  # + 1e-9: 0.29 * 100 is 28.999999999999996
        n_test = math.floor(n_rows * spec.test + 1e-9)
    else:
        n_val, n_test = int(spec.val), int(spec.test)
    for part, count, value in (("val", n_val, spec.val), ("test", n_test, spec.test)):
        if count == 0 and value > 0:
            raise DataError(
                f"the {part} split is empty: {n_rows} rows with {part}={value} give 0 rows; "
                f"use a larger {part} or more rows."
            )
    n_train = n_rows - n_val - n_test
    if n_train < 1:
        raise DataError(
            f"the train split is empty: {n_rows} rows minus val {n_val} and test {n_test} leave no rows; "
            f"use a smaller val/test or more rows."
        )
    return n_train, n_val, n_test


def split_ranges(n_rows: int, spec: SplitSpec, lookback: int, pad: int = 0) -> dict[str, tuple[int, int] | None]:
    """Row ranges ``{"train": (start, stop), "val": (start, stop) or None, "test": (start, stop) or None}``.

    train = [0, n_train); val = [n_train - lookback, n_train + n_val); test = [n_train + n_val -
    lookback, n_train + n_val + n_test). See the module docstring for the protocol.

    ``pad``: the series is stored after ``pad`` rows of left padding, and the row numbers count
    them. Train then covers [0, pad + n_train): its windows may start in the padding (their
    history partly padded, their targets real rows), so a train part shorter than ``lookback`` is
    fine while ``pad >= lookback - 1``; val and test start ``lookback`` rows before their first
    target row, as without padding.

    Example:
        >>> split_ranges(17420, SplitSpec("ett"), lookback=96)
        {'train': (0, 8640), 'val': (8544, 11520), 'test': (11424, 14400)}
        >>> split_ranges(10, SplitSpec("size", val=0, test=2), lookback=4, pad=3)
        {'train': (0, 11), 'val': None, 'test': (7, 13)}
    """
    lookback = check_positive_int("lookback", lookback)
    n_train, n_val, n_test = split_sizes(n_rows, spec)
    if pad + n_train < lookback:
        if pad:
            raise DataError(f"the train split has {n_train} rows and {pad} rows of padding but lookback is "
                            f"{lookback}; pad at least lookback - 1 rows.")
        raise DataError(
            f"the train split has {n_train} rows but lookback is {lookback}; val and test windows start "
            f"lookback rows before their split, so train needs at least {lookback} rows; use a shorter "
            f"lookback or a smaller val/test."
        )
    train_stop = pad + n_train
    val_stop = train_stop + n_val
    return {
        "train": (0, train_stop),
        "val": (train_stop - lookback, val_stop) if n_val else None,
        "test": (val_stop - lookback, val_stop + n_test) if n_test else None,
    }


def series_split_ranges(series_set, spec: SplitSpec, lookback: int,
                        pad: int = 0) -> list[dict[str, tuple[int, int] | None]]:
    """``split_ranges`` for every series of a ``SeriesSet``; an error names the series."""
    ranges = []
    for series in series_set.series:
        try:
            ranges.append(split_ranges(len(series), spec, lookback, pad))
        except DataError as error:
            raise DataError(f"series {series.id!r}: {error}") from None
    return ranges


def _check_fraction(name: str, value: object, allow_zero: bool) -> None:
    low_ok = _is_number(value) and (value >= 0.0 if allow_zero else value > 0.0)
    if not low_ok or value >= 1.0:
        interval = "[0, 1)" if allow_zero else "(0, 1)"
        raise ConfigError(
            f"split {name}={value!r} is not a fraction in {interval}; with kind='fraction' {name} is a share "
            f"of the rows; use kind='size' for row counts."
        )


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _is_whole(value: object) -> bool:
    return _is_number(value) and float(value) == int(value)
