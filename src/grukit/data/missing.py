"""Missing values: refuse them (the default), interpolate them linearly in time, or carry forward.

Policies:
    * ``"error"``: any missing value is a ``DataError`` that counts them and names the first three.
    * ``"interpolate"``: linear in time between the known neighbours (see ``interpolate_linear``).
    * ``"ffill"``: the last known value is carried forward; a leading gap takes the first known value.

A filled value is made up, so a fill has limits (``check_filled_share``): when a policy would fill
more than ``MAX_FILLED`` (half) of one column of one series, the data are mostly gaps (often a
``freq`` finer than the data, or misread dates) and loading stops with a ``DataError``; when it
fills more than ``WARN_FILLED`` (a tenth) of all values, a warning says how many.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from grukit.errors import DataError

__all__ = ["MISSING_POLICIES", "check_filled_share", "check_missing_policy", "fill_forward", "interpolate_linear"]

MISSING_POLICIES = ("error", "interpolate", "ffill")
MAX_FILLED = 0.5  # share of one column of one series that a fill may make up
WARN_FILLED = 0.1  # share of all values filled above which a warning is shown


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
    total = sum(values.size for _, _, values in parts)
    if count > total / 2:  # most cells are gaps: the frequency is finer than the data, or the dates are misread
        raise DataError(
            f"{amount} in {where} ({round(100 * count / total)}% of the values), {lead} {', '.join(cells)}; check "
            f"freq (--freq: is it finer than the data?) and the dates (--date-format)."
        )
    raise DataError(
        f"{amount} in {where}, {lead} {', '.join(cells)}; fill the gaps, or pass --missing interpolate "
        f"or --missing ffill (missing='interpolate' or 'ffill' in Python)."
    )


def check_filled_share(parts: list[tuple[str, np.ndarray]], columns: list[str], policy: str, where: str) -> str | None:
    """Refuse a fill that makes up most of a column; returns a note when it fills a large share.

    ``parts`` holds (series id, values (N, C+P) before filling) per series.

    Example:
        >>> check_filled_share([("a", np.array([[1.0], [np.nan], [3.0]]))], ["y"], "interpolate", "d.csv")
        'interpolate filled 1 of 3 values (33%)'
    """
    total = sum(values.size for _, values in parts)
    filled = sum(int(np.isnan(values).sum()) for _, values in parts)
    if policy == "error" or filled == 0:
        return None
    for series_id, values in parts:
        share = np.isnan(values).mean(axis=0)  # (C+P,)
        j = int(np.argmax(share))
        if share[j] > MAX_FILLED:
            raise DataError(
                f"missing={policy!r} would fill {share[j]:.0%} of column {columns[j]!r} of series {series_id!r} "
                f"in {where} ({int(np.isnan(values[:, j]).sum())} of {len(values)} values); at most "
                f"{MAX_FILLED:.0%} may be filled; check freq (is it finer than the data?) and the dates "
                f"(--date-format), or fill the gaps yourself."
            )
    note = f"{policy} filled {filled} of {total} values ({filled / total:.0%})"
    if filled > WARN_FILLED * total:
        warnings.warn(f"{note} in {where}; the model learns from made-up values there.", stacklevel=3)
    return note
