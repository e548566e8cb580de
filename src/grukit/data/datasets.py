"""Small bundled datasets for examples, tests and benchmarks; no network needed.

    name            rows   columns                         freq   origin
    sine            1000   value                           -      generated: sin(linspace(0, 100, 1000))
    air_passengers   144   Date, Passengers                MS     Box & Jenkins Series G (sktime copy)
    etth1          17420   date, HUFL ... LULL, OT         h      ETDataset (Zhou et al., Informer)
    etth2          17420   date, HUFL ... LULL, OT         h      ETDataset (Zhou et al., Informer)
    sunspots        3126   date, sunspots                  MS     NOAA NGDC monthly means (statsmodels copy)

The files under ``bundled/`` are byte-for-byte copies of their origin (see ``bundled/ATTRIBUTION.md``).
The ETT files are CC BY-ND 4.0: they are never modified; dates are parsed and everything else
(splits, scaling) is derived in code at load time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from grukit.errors import DataError

__all__ = ["DatasetInfo", "dataset_info", "list_datasets", "load_dataset"]


@dataclass(frozen=True)
class DatasetInfo:
    """What a bundled dataset holds and how it is usually forecast."""

    name: str  # the name load_dataset takes
    description: str  # one line on what the series measures
    target: tuple[str, ...]  # the usual target column(s)
    time_column: str | None  # the time column, None for integer steps
    freq: str | None  # pandas offset alias, None for integer steps
    season_length: int | None  # seasonal period in steps, None when there is none
    lookback: int  # suggested lookback (input rows per window)
    horizon: int  # suggested horizon (rows to forecast)
    attribution: str  # origin and citation, in one line
    licence: str  # licence of the data as bundled
    file: str | None  # file name under bundled/, None when generated in code


_ETT_ATTRIBUTION = (
    "Zhou et al., 'Informer: Beyond Efficient Transformer for Long Sequence Time-Series Forecasting', "
    "AAAI 2021; data from github.com/zhouhaoyi/ETDataset (commit 1d16c8f), copied unmodified"
)
_ETT_LICENCE = "CC BY-ND 4.0 (https://creativecommons.org/licenses/by-nd/4.0/); redistributed unmodified"

_INFO = {
    "sine": DatasetInfo(
        name="sine",
        description="sin(linspace(0, 100, 1000)): the classic tutorial's noiseless sine wave, integer steps",
        target=("value",),
        time_column=None,
        freq=None,
        season_length=None,  # one period is 2*pi / (100/999) = 62.8 steps, not a whole number
        lookback=50,
        horizon=1,
        attribution="generated in code by grukit",
        licence="Apache-2.0 (part of grukit)",
        file=None,
    ),
    "air_passengers": DatasetInfo(
        name="air_passengers",
        description="monthly international airline passengers in thousands, 1949-01 to 1960-12 (Series G)",
        target=("Passengers",),
        time_column="Date",
        freq="MS",
        season_length=12,
        lookback=24,
        horizon=12,
        attribution=(
            "Box, Jenkins and Reinsel (1976), Time Series Analysis, Forecasting and Control, Series G; "
            "file from sktime (sktime/datasets/data/Airline/Airline.csv, commit 7bd7d16)"
        ),
        licence="BSD-3-Clause (sktime); classic published series",
        file="Airline.csv",
    ),
    "etth1": DatasetInfo(
        name="etth1",
        description="hourly electricity transformer load (6 columns) and oil temperature OT, 2016-07 to 2018-06, region 1",
        target=("OT",),
        time_column="date",
        freq="h",
        season_length=24,
        lookback=96,
        horizon=96,
        attribution=_ETT_ATTRIBUTION,
        licence=_ETT_LICENCE,
        file="ETTh1.csv",
    ),
    "etth2": DatasetInfo(
        name="etth2",
        description="hourly electricity transformer load (6 columns) and oil temperature OT, 2016-07 to 2018-06, region 2",
        target=("OT",),
        time_column="date",
        freq="h",
        season_length=24,
        lookback=96,
        horizon=96,
        attribution=_ETT_ATTRIBUTION,
        licence=_ETT_LICENCE,
        file="ETTh2.csv",
    ),
    "sunspots": DatasetInfo(
        name="sunspots",
        description="monthly mean sunspot numbers 1749-01 to 2009-06 (old version-1 series); ~11-year cycle",
        target=("sunspots",),
        time_column="date",
        freq="MS",
        season_length=132,  # the ~11-year solar cycle in months; approximate, the cycle varies (9-14 years)
        lookback=264,
        horizon=24,
        attribution=(
            "NOAA National Geophysical Data Center monthly mean sunspot numbers, as redistributed by "
            "statsmodels (Seabold and Perktold, SciPy 2010; sunspots_monthly.dat, commit 82c59e3)"
        ),
        licence="public domain (statsmodels: 'This data is public domain.'); statsmodels is BSD-3-Clause",
        file="sunspots_monthly.dat",
    ),
}

_YEAR_LINE = re.compile(r"^\d{4}\s")


def list_datasets() -> list[str]:
    """The names ``load_dataset`` accepts.

    Example:
        >>> list_datasets()
        ['sine', 'air_passengers', 'etth1', 'etth2', 'sunspots']
    """
    return list(_INFO)


def dataset_info(name: str) -> DatasetInfo:
    """The ``DatasetInfo`` of bundled dataset ``name``.

    Example:
        >>> dataset_info("etth1").target, dataset_info("etth1").freq
        (('OT',), 'h')
    """
    if name not in _INFO:
        raise DataError(f"unknown dataset {name!r}; expected one of: {', '.join(_INFO)}.")
    return _INFO[name]


def load_dataset(name: str) -> pd.DataFrame:
    """The bundled dataset ``name`` as a DataFrame with its time column parsed to datetimes.

    Example:
        >>> load_dataset("air_passengers").shape
        (144, 2)
    """
    info = dataset_info(name)
    if name == "sine":
        return pd.DataFrame({"value": np.sin(np.linspace(0, 100, 1000))})  # (1000, 1), the tutorial's recipe
    if name == "sunspots":
        return _parse_sunspots(_bundled_text(info.file))
    with resources.as_file(_bundled(info.file)) as path:
        frame = pd.read_csv(path)
    frame[info.time_column] = pd.to_datetime(frame[info.time_column])
    return frame


def _bundled(file: str):
    return resources.files("grukit.data").joinpath("bundled", file)


def _bundled_text(file: str) -> str:
    return _bundled(file).read_text(encoding="ascii")


def _parse_sunspots(text: str) -> pd.DataFrame:
    """Rows ``YYYY v_jan ... v_dec`` (fewer values in the last year) -> (date month start, sunspots)."""
    dates, values = [], []
    for line in text.splitlines():
        if not _YEAR_LINE.match(line):
            continue
        year, *months = line.split()
        for month, value in enumerate(months, start=1):
            dates.append(pd.Timestamp(year=int(year), month=month, day=1))
            values.append(float(value))
    return pd.DataFrame({"date": pd.DatetimeIndex(dates), "sunspots": values})
