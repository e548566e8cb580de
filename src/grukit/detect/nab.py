"""The bundled NAB series: their rows, their label windows as row ranges, and NAB's published scores.

Four of the seven realKnownCause files of NAB v1.1 ship under ``grukit/data/bundled/nab/`` as
byte-for-byte copies (origin, licence and checksums in its ``ATTRIBUTION.md``):

    name                 file                                          rows    windows
    nyc_taxi             nyc_taxi.csv                                  10,320  5
    machine_temperature  machine_temperature_system_failure.csv        22,695  4
    ec2_request_latency  ec2_request_latency_system_failure.csv         4,032  3
    ambient_temperature  ambient_temperature_system_failure.csv         7,267  2

Window limits are timestamps; ``window_rows`` turns them into inclusive row ranges as NAB's sweeper
does: a window starts at the first row whose timestamp equals its start and ends at the first row
whose timestamp equals its end (rows are in file order, as NAB reads them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources

import numpy as np
import pandas as pd

from grukit.errors import DataError

__all__ = ["NAB_FILES", "nab_windows", "load_nab", "published_scores", "window_rows"]

NAB_FILES = {
    "nyc_taxi": "nyc_taxi.csv",
    "machine_temperature": "machine_temperature_system_failure.csv",
    "ec2_request_latency": "ec2_request_latency_system_failure.csv",
    "ambient_temperature": "ambient_temperature_system_failure.csv",
}
WINDOWS_FILE = "combined_windows_subset.json"
SCORES_FILE = "nab_v1_published_file_scores_subset.csv"


def _bundled(file: str):
    return resources.files("grukit.data").joinpath("bundled", "nab", file)


def _file(name: str) -> str:
    if name not in NAB_FILES:
        raise DataError(f"unknown NAB series {name!r}; expected one of: {', '.join(NAB_FILES)}.")
    return NAB_FILES[name]


def load_nab(name: str) -> pd.DataFrame:
    """The bundled NAB series ``name`` as a DataFrame (timestamp as datetimes, value), rows in file order.

    Example:
        >>> load_nab("ec2_request_latency").shape
        (4032, 2)
    """
    with resources.as_file(_bundled(_file(name))) as path:
        frame = pd.read_csv(path)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


def nab_windows(name: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The label windows of ``name`` as (start, end) timestamps, from NAB's combined_windows.json."""
    table = json.loads(_bundled(WINDOWS_FILE).read_text())
    return [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in table[f"realKnownCause/{_file(name)}"]]


def window_rows(times: Sequence, windows: Sequence[tuple]) -> list[tuple[int, int]]:
    """Timestamp windows (start, end), both ends inclusive, as inclusive row ranges of ``times`` (N,).

    A window starts at the first row whose time equals its start and ends at the first row whose time
    equals its end (NAB's rule). When a limit is not a timestamp of the data, the window starts at the
    first row at or after its start and ends at the last row at or before its end.

    Example:
        >>> times = pd.date_range("2020-01-01", periods=10, freq="h")
        >>> window_rows(times, [("2020-01-01 02:00", "2020-01-01 04:00"), ("2020-01-01 06:30", "2020-01-01 09:00")])
        [(2, 4), (7, 9)]
    """
    stamps = pd.DatetimeIndex(times).as_unit("ns").asi8  # (N,) int64 nanoseconds
    rows = []
    for start, end in windows:
        try:
            a_time, b_time = pd.Timestamp(start).as_unit("ns").value, pd.Timestamp(end).as_unit("ns").value
        except (TypeError, ValueError):
            raise DataError(f"cannot read the label window ({start!r}, {end!r}) as two timestamps; write them "
                            f"like 2014-11-01 19:00:00.") from None
        a = _first(stamps == a_time, stamps >= a_time, first=True)
        b = _first(stamps == b_time, stamps <= b_time, first=False)
        if a is None or b is None or b < a:
            first, last = pd.Timestamp(stamps[0], unit="ns"), pd.Timestamp(stamps[-1], unit="ns")
            raise DataError(f"label window {pd.Timestamp(start)} to {pd.Timestamp(end)} holds no row of the "
                            f"data ({first} to {last}); check the windows belong to this series.")
        rows.append((a, b))
    return rows


def _first(exact: np.ndarray, bound: np.ndarray, first: bool) -> int | None:
    """The first exact match; else the first (or last) row inside the bound; None when there is none."""
    hits = np.flatnonzero(exact)
    if hits.size:
        return int(hits[0])
    hits = np.flatnonzero(bound)
    if not hits.size:
        return None
    return int(hits[0] if first else hits[-1])


def published_scores(name: str, profile: str = "standard") -> dict[str, float]:
    """NAB's published raw score of every detector on ``name`` under ``profile``: detector -> score.

    From ``results/<detector>/<detector>_<profile>_scores.csv`` of NAB v1.1, each at the detector's
    corpus-wide threshold. The ``random`` detector has no nyc_taxi row.

    Example:
        >>> published_scores("ec2_request_latency")["null"]
        -3.0
    """
    with resources.as_file(_bundled(SCORES_FILE)) as path:
        table = pd.read_csv(path, keep_default_na=False)  # the "null" detector is a name, not a missing value
    rows = table[(table["File"] == f"realKnownCause/{_file(name)}") & (table["Profile"] == profile)]
    if rows.empty:
        raise DataError(f"no published NAB scores for profile {profile!r}; expected standard, "
                        f"reward_low_FP_rate or reward_low_FN_rate.")
    return {str(d): float(s) for d, s in zip(rows["Detector"], rows["Score"])}
