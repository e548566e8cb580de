"""The read-back line: what was read from the user's data and what will be trained, in one line.

A misread (a year taken as a target, long data read as one series, decimal digits read as
values) is caught at a glance when the line is printed before training. It names the source,
the series and rows, the time column with its frequency, season length and first and last
time, the targets
and covariates, the split (by dates where there are dates), lookback and horizon, and how the
file was read when that was not plain (separator, decimal comma, day-first dates, sorted rows,
filled values).

    air.csv: 1 series, 144 rows; time 'Month' (MS, season 12) 1949-01-01 .. 1960-12-01; target
    '#Passengers'; no covariates; trains on every row; lookback 54, horizon 18
"""

from __future__ import annotations

import pandas as pd

__all__ = ["read_back"]


def _when(series, row: int) -> str:
    """Row ``row`` of a series as a date (or a step number for integer steps)."""
    if series.time is None:
        return f"step {row}"
    stamp = pd.Timestamp(series.time[row])
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp)


def _names(kind: str, names: list[str]) -> str:
    if not names:
        return f"no {kind}s"
    return f"{kind}{'s' if len(names) > 1 else ''} {', '.join(map(repr, names))}"


def _split(prepared, config) -> str:
    """The split of the first series by dates: every row, or train / validation / test."""
    series, ranges = prepared.series_set.series[0], prepared.ranges[0]
    if ranges.get("test") is None and ranges.get("val") is None:
        return "trains on every row"
    pad = prepared.pad
    parts = []
    for part, label in (("train", "train"), ("val", "validation"), ("test", "test")):
        bounds = ranges.get(part)
        if bounds is None:
            continue
        start = max(0, bounds[0] - pad + (config.lookback if part != "train" else 0))
        parts.append(f"{label} {_when(series, start)} .. {_when(series, bounds[1] - pad - 1)}")
    which = "" if len(prepared.series_set) == 1 else f" (series {series.id!r})"
    return ", ".join(parts) + which


def read_back(prepared, config) -> str:
    """The read-back line of a prepared forecasting run (see the module docstring).

    Args:
        prepared: :class:`grukit.forecast.pipeline.PreparedData`.
        config: the resolved :class:`grukit.forecast.config.ForecastConfig`.
    """
    series_set = prepared.series_set
    series = series_set.series
    count = f"{len(series)} series"
    extra = []
    if prepared.short:
        extra.append(f"{len(prepared.short)} shorter than lookback + horizon, padded")
    if prepared.untrained:
        extra.append(f"{len(prepared.untrained)} too short to train on, forecast only")
    if extra:
        count += f" ({'; '.join(extra)})"
    season = f"season {prepared.season_length}" if prepared.season_length > 1 else "no season"
    season += " given" if config.season_length else " found in the data"
    if series_set.time_column is None:
        time = f"no time column (integer steps; {season})"
    elif series_set.freq is None:
        time = f"time {series_set.time_column!r} as steps ({season})"
    else:
        first = min((s for s in series if s.time is not None), key=lambda s: s.time[0])
        last = max((s for s in series if s.time is not None), key=lambda s: s.time[-1])
        time = (f"time {series_set.time_column!r} ({series_set.freq}, season {prepared.season_length}) "
                f"{_when(first, 0)} .. {_when(last, len(last) - 1)}")
    parts = [
        f"{prepared.source_name}: {count}, {sum(len(s) for s in series)} rows",
        time,
        _names("target", series_set.target_columns),
        _names("covariate", series_set.covariate_columns),
        _split(prepared, config),
        f"lookback {config.lookback}, horizon {config.horizon}",
    ]
    if series_set.notes:
        parts.append(f"notes: {', '.join(series_set.notes)}")
    return "; ".join(parts)
