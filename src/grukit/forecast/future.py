"""Future covariates at forecast time: the values of the columns known ahead, for each series' horizon.

A model trained with ``future_covariates`` needs their values for the ``horizon`` steps after the
end of every series it forecasts. They come in a table of the training's layout: the id column
(long data), the time column (or none for integer steps) and the future covariate columns. Rows
are matched to each series by time: exactly the ``horizon`` timestamps after its last row must be
there (other rows are ignored); without a time column the first ``horizon`` rows of each series
are used in order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from grukit.errors import DataError

__all__ = ["future_values"]


def future_values(series_list, future, config, schema: dict) -> list[np.ndarray]:
    """Per series the (K, F_cov) future covariates from ``future`` (a DataFrame or a CSV/Parquet path)."""
    from grukit.data import future_times

    names, horizon = list(config.future_covariates), config.horizon
    id_col, time_col = schema["id_column"], schema["time_column"]
    columns = [c for c in (id_col, time_col) if c] + names
    if future is None:
        raise DataError(f"this model was trained with future covariates {', '.join(names)}: pass their values for "
                        f"the {horizon} steps after each series' end, predict(data, future=table) with the columns "
                        f"{', '.join(columns)}.")
    frame = _read(future)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"the future covariates table has no column {missing[0]!r}; expected the columns "
                        f"{', '.join(columns)} (got {', '.join(map(str, frame.columns))}).")
    groups = frame.groupby(frame[id_col].astype(str), sort=False) if id_col else None
    values = []
    for series in series_list:
        rows = frame if groups is None else _group(groups, series.id, horizon, names)
        if time_col and series.time is not None:
            wanted = future_times(series.time[-1], schema["freq"], horizon)
            found = pd.DataFrame(rows[names].to_numpy(), index=pd.DatetimeIndex(pd.to_datetime(rows[time_col])))
            found = found[~found.index.duplicated()].reindex(wanted)
            absent = wanted[found.isna().any(axis=1).to_numpy()]
            if len(absent):
                raise DataError(f"the future covariates of series {series.id!r} miss {len(absent)} of the {horizon} "
                                f"steps after its last row ({series.time[-1]}), first {absent[0]}; give "
                                f"{', '.join(names)} for {wanted[0]} .. {wanted[-1]}.")
            values.append(found.to_numpy(np.float64))
        else:
            if len(rows) < horizon:
                raise DataError(f"the future covariates of series {series.id!r} have {len(rows)} rows; the model "
                                f"needs the {horizon} steps after its last row.")
            values.append(rows[names].to_numpy(np.float64)[:horizon])
    return values


def _group(groups, series_id: str, horizon: int, names: list[str]) -> pd.DataFrame:
    try:
        return groups.get_group(series_id)
    except KeyError:
        raise DataError(f"the future covariates table has no rows for series {series_id!r}; give "
                        f"{', '.join(names)} for the {horizon} steps after its last row.") from None


def _read(future) -> pd.DataFrame:
    if isinstance(future, pd.DataFrame):
        return future
    from pathlib import Path

    path = Path(future)
    if not path.is_file():
        raise DataError(f"future covariates file {path} does not exist; pass a CSV or Parquet file or a DataFrame.")
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
