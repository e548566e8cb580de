"""Missing values: refuse them (the default), interpolate them linearly in time, or carry forward.

Policies:
    * ``"error"``: any missing value is a ``DataError`` that counts them and names the first three.
    * ``"interpolate"``: linear in time between the known neighbours (see ``interpolate_linear``).
    * ``"ffill"``: the last known value is carried forward; a leading gap takes the first known value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from grukit.errors import DataError

__all__ = ["MISSING_POLICIES", "check_missing_policy", "fill_forward", "interpolate_linear"]

MISSING_POLICIES = ("error", "interpolate", "ffill")


def check_missing_policy(missing: object) -> str:
    if missing not in MISSING_POLICIES:
        raise DataError(
            f"unknown missing-value policy {missing!r}; expected one of: 'error', 'interpolate', 'ffill'."
        )
    return str(missing)


def interpolate_linear(values: np.ndarray, times: pd.DatetimeIndex | None) -> np.ndarray:
    """Fill NaNs per column, linearly in time.

    Between known neighbours (t0, x0) and (t1, x1): ``x(t) = x0 + (t - t0) / (t1 - t0) * (x1 - x0)``,
    with t the timestamp (or the row number for integer steps). A leading or trailing gap takes the
    nearest known value. Shapes: values (N, C) -> (N, C); a column with no known value stays NaN.

    Example:
        >>> interpolate_linear(np.array([[np.nan], [1.0], [np.nan], [3.0]]), None)[:, 0].tolist()
        [1.0, 1.0, 2.0, 3.0]
    """
    t = np.arange(len(values), dtype=np.float64) if times is None else times.asi8.astype(np.float64)
    out = values.copy()
    for j in range(out.shape[1]):
        known = ~np.isnan(out[:, j])
        if known.any() and not known.all():
            out[~known, j] = np.interp(t[~known], t[known], out[known, j])
    return out


def fill_forward(values: np.ndarray) -> np.ndarray:
    """Fill NaNs per column with the last known value; a leading gap takes the first known value.

    Shapes: values (N, C) -> (N, C).

    Example:
        >>> fill_forward(np.array([[np.nan], [1.0], [np.nan], [3.0]]))[:, 0].tolist()
        [1.0, 1.0, 1.0, 3.0]
    """
    return pd.DataFrame(values).ffill().bfill().to_numpy(dtype=np.float64)


def fill_missing(values: np.ndarray, times: pd.DatetimeIndex | None, policy: str) -> np.ndarray:
    """Apply ``policy`` ("interpolate" or "ffill"; "error" returns ``values`` unchanged)."""
    if policy == "interpolate":
        return interpolate_linear(values, times)
    if policy == "ffill":
        return fill_forward(values)
    return values


def raise_if_missing(parts: list[tuple[str | None, pd.DatetimeIndex | None, np.ndarray]], columns: list[str], where: str) -> None:
    """Raise a ``DataError`` when any value is missing.

    ``parts`` holds (series id or None for wide data, times, values (N, C+P)) per series; the message
    counts all missing values and lists the first three as column@time, in series, time, column order.
    """
    count = sum(int(np.isnan(values).sum()) for _, _, values in parts)
    if count == 0:
        return
    cells = []
    for series_id, times, values in parts:
        for i, j in zip(*np.nonzero(np.isnan(values))):
            when = f"step {i}" if times is None else str(times[i])
            suffix = "" if series_id is None else f" (series {series_id!r})"
            cells.append(f"{columns[j]}@{when}{suffix}")
            if len(cells) == 3:
                break
        if len(cells) == 3:
            break
    amount = "1 value is missing" if count == 1 else f"{count} values are missing"
    lead = "first at" if count > 3 else "at"
    raise DataError(
        f"{amount} in {where}, {lead} {', '.join(cells)}; fill the gaps, or pass --missing interpolate "
        f"or --missing ffill (missing='interpolate' or 'ffill' in Python)."
    )
