"""The two data classes every forecasting step shares: one ``Series`` and a ``SeriesSet`` of them.

Shapes use the legend of :mod:`grukit.nn.functional`.

A ``SeriesSet`` carries the arrays and the *schema* (which columns were targets, which were
covariates, the time and id columns, the frequency, the layout). ``to_dict``/``from_dict`` save and
restore the schema alone, as JSON, so a trained model can read new data the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from grukit.errors import DataError

__all__ = ["LAYOUTS", "Series", "SeriesSet"]

LAYOUTS = ("wide", "long")

_SCHEMA_KEYS = (
    "layout",
    "time_column",
    "id_column",
    "target_columns",
    "covariate_columns",
    "freq",
    "series_ids",
)


@dataclass
class Series:
    """One time series: targets and past covariates on a shared time axis.

    ``time`` is None for integer-step data (row i is step i). Arrays are float64.

    Example:
        >>> s = Series("a", None, np.zeros((5, 1)), np.zeros((5, 0)))
        >>> len(s), s.target.shape
        (5, (5, 1))
    """

    id: str  # the series name: the file stem (wide) or the id-column value (long)
    time: pd.DatetimeIndex | None  # (N,) timestamps, None for integer steps
    target: np.ndarray  # (N, C) float64 values to forecast
    past_covariates: np.ndarray  # (N, P) float64 values known only up to now; P may be 0

    def __post_init__(self) -> None:
        self.target = _as_2d_float(self.target, f"series {self.id!r} target")
        self.past_covariates = _as_2d_float(self.past_covariates, f"series {self.id!r} past_covariates")
        n = self.target.shape[0]
        if self.past_covariates.shape[0] != n:
            raise DataError(
                f"series {self.id!r} has {n} target rows but {self.past_covariates.shape[0]} "
                f"past-covariate rows; give both arrays the same number of rows."
            )
        if self.time is not None and len(self.time) != n:
            raise DataError(
                f"series {self.id!r} has {n} rows but {len(self.time)} timestamps; "
                f"give one timestamp per row or time=None for integer steps."
            )

    def __len__(self) -> int:
        return self.target.shape[0]

    def head(self, rows: int) -> "Series":
        """The series' first ``rows`` rows (views, not copies), as at a cutoff ``rows`` steps in."""
        time = None if self.time is None else self.time[:rows]
        return Series(self.id, time, self.target[:rows], self.past_covariates[:rows])


@dataclass
class SeriesSet:
    """Several series read with one schema (same target and covariate columns, same frequency).

    Example:
        >>> ss = SeriesSet([Series("a", None, np.zeros((3, 1)), np.zeros((3, 0)))], ["y"], [], None, None, None, "wide")
        >>> SeriesSet.from_dict(ss.to_dict()).target_columns
        ['y']
    """

    series: list[Series]  # one entry per series, in order of first appearance
    target_columns: list[str]  # names of the C target channels
    covariate_columns: list[str] = field(default_factory=list)  # names of the P past covariates
    time_column: str | None = None  # the time column read, None when there is none
    id_column: str | None = None  # the series-id column (long layout), else None
    freq: str | None = None  # pandas offset alias ("h", "D", "MS"), None for integer steps
    layout: str = "wide"  # "wide" (one column per variable) or "long" (id, time, value rows)
    notes: list[str] = field(default_factory=list)  # how the data were read, for the read-back (not saved)

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise DataError(f"unknown layout {self.layout!r}; expected one of: 'wide', 'long'.")

    def __len__(self) -> int:
        return len(self.series)

    @property
    def ids(self) -> list[str]:
        """The series ids, in order."""
        return [s.id for s in self.series]

    def to_dict(self) -> dict:
        """The schema as a JSON-able dict: everything except the arrays (series ids included)."""
        return {
            "layout": self.layout,
            "time_column": self.time_column,
            "id_column": self.id_column,
            "target_columns": list(self.target_columns),
            "covariate_columns": list(self.covariate_columns),
            "freq": self.freq,
            "series_ids": self.ids,
        }

    @classmethod
    def from_dict(cls, schema: dict, series: list[Series] | None = None) -> SeriesSet:
        """Rebuild a ``SeriesSet`` from ``to_dict()`` output; ``series`` defaults to none (schema only).

        ``series_ids`` is informational and is not checked against ``series``.
        """
        unknown = sorted(set(schema) - set(_SCHEMA_KEYS))
        missing = [key for key in _SCHEMA_KEYS if key not in schema and key != "series_ids"]
        if unknown or missing:
            problem = f"unknown keys {unknown}" if unknown else f"missing keys {missing}"
            raise DataError(
                f"invalid series-set schema: {problem}; expected the keys {list(_SCHEMA_KEYS)}."
            )
        return cls(
            series=list(series or []),
            target_columns=list(schema["target_columns"]),
            covariate_columns=list(schema["covariate_columns"]),
            time_column=schema["time_column"],
            id_column=schema["id_column"],
            freq=schema["freq"],
            layout=schema["layout"],
        )


def _as_2d_float(values: object, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise DataError(f"{what} must be a 2-D array (N, channels); got shape {array.shape}.")
    return array
