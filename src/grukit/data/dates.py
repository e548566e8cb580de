"""Reading a time column the way its author wrote it: ISO, month-first, day-first or whole years.

Rules (``date_format`` not given):
    ISO        cells like ``2016-07-01`` (or with a time) are read as they are.
    day-first  when the cells parse only day-first (``13/01/2022``), they are read day-first.
    quarters   ``2020Q1`` (or ``2020-Q1``) is the first day of the quarter.
    ambiguous  when both readings parse every cell and differ (``01/02/1950``), the one whose
               timestamps are equally spaced on a pandas frequency is used; when both or neither
               are, a ``DataError`` asks for ``date_format``.
    years      an integer column named ``year`` holding values 1000..2999 is read as 1 January of
               each year, so yearly data get a yearly frequency rather than plain steps.
    zones      cells with different UTC offsets (``+01:00`` then ``+02:00``: a daylight-saving change
               in a local-time export) are converted to UTC, where the steps are even again; cells
               with an offset beside cells without one are a ``DataError`` (their order is unknown).

``date_format`` (a ``strftime`` pattern such as ``%d.%m.%Y``) is used as given; a cell that does
not match it is reported like any other bad timestamp.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from grukit.errors import DataError

__all__ = ["parse_dates", "year_column"]

_ISO = re.compile(r"\d{4}-\d{2}(-\d{2})?([ T].*)?")
_OFFSET = r"(Z|[+-]\d{2}:?\d{2})\s*$"  # a UTC offset at the end of a timestamp
_QUARTER = re.compile(r"(\d{4})\s*-?\s*Q([1-4])", re.IGNORECASE)  # 2020Q1, 2020-Q1, 2020 Q1
YEAR_NAMES = ("year", "yr")


def _to_datetime(text: pd.Series, **options) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "could not infer format": bad cells are reported later
        try:
            return pd.to_datetime(text, errors="coerce", **options)
        except (TypeError, ValueError, OverflowError):
            return pd.Series(pd.NaT, index=text.index)


def _regular(parsed: pd.Series) -> bool:
    """True when the distinct timestamps lie on one pandas frequency."""
    distinct = pd.DatetimeIndex(parsed.drop_duplicates().sort_values())
    return len(distinct) >= 3 and pd.DatetimeIndex(distinct, freq="infer").freq is not None


def parse_dates(raw: pd.Series, column: str, date_format: str | None = None) -> tuple[pd.Series, str | None]:
    """The cells of ``raw`` as datetimes (NaT where a cell does not parse) and how they were read.

    The note is None for the plain reading, else a few words for the read-back ("day-first").

    Example:
        >>> parsed, note = parse_dates(pd.Series(["12/01/2022", "13/01/2022"]), "date")
        >>> parsed.dt.strftime("%Y-%m-%d").tolist(), note
        (['2022-01-12', '2022-01-13'], 'day-first dates')
    """
    if date_format:
        return _to_datetime(raw, format=date_format), f"dates as {date_format}"
    text = raw.dropna().astype(str)
    quarters = text.str.strip().str.fullmatch(_QUARTER)
    if len(text) and quarters.all():  # the first day of each quarter (pandas is dropping this spelling)
        parts = text.str.strip().str.extract(_QUARTER)
        starts = pd.to_datetime(parts[0] + "-" + ((parts[1].astype(int) - 1) * 3 + 1).astype(str) + "-01")
        return starts.reindex(raw.index), None
    found = text.str.extract(_OFFSET, expand=False)  # the UTC offset of each cell, NaN without one
    zoned = found.notna()
    if zoned.any() and not zoned.all():
        raise DataError(
            f"time column {column!r} mixes timestamps with a UTC offset ({text[zoned].iloc[0]!r}) and without one "
            f"({text[~zoned].iloc[0]!r}), so their order is unknown; write every timestamp with its offset, or all "
            f"in one time zone without offsets."
        )
    offsets = found.dropna().unique()
    if len(offsets) > 1:
        shown = ", ".join(sorted(map(str, offsets))[:3])
        return _to_datetime(raw, utc=True), f"mixed UTC offsets ({shown}) converted to UTC"
    first = _to_datetime(raw)
    if len(text) == 0 or text.str.strip().str.fullmatch(_ISO).all():
        return first, None
    second = _to_datetime(raw, dayfirst=True)
    if second.isna().sum() < first.isna().sum():
        return second, "day-first dates"
    if first.isna().any() or second.isna().any() or first.equals(second):
        return first, None
    regular = _regular(first), _regular(second)
    if regular == (True, False):
        return first, None
    if regular == (False, True):
        return second, "day-first dates"
    example = str(raw[first != second].iloc[0])
    raise DataError(
        f"dates such as {example!r} in column {column!r} read both day-first and month-first; pass "
        f"date_format (--date-format), e.g. '%d/%m/%Y' for day-first or '%m/%d/%Y' for month-first."
    )


def year_column(raw: pd.Series, column: str) -> pd.Series | None:
    """An integer ``year`` column (values 1000..2999) as 1 January of each year; None otherwise.

    Example:
        >>> year_column(pd.Series([1871, 1872]), "Year").dt.strftime("%Y-%m-%d").tolist()
        ['1871-01-01', '1872-01-01']
    """
    if column.strip().lower() not in YEAR_NAMES or not pd.api.types.is_numeric_dtype(raw):
        return None
    values = raw.to_numpy(dtype=np.float64, na_value=np.nan)
    known = values[~np.isnan(values)]
    if known.size == 0 or (known != np.round(known)).any() or known.min() < 1000 or known.max() > 2999:
        return None
    years = pd.Series(values, index=raw.index)
    return pd.to_datetime(years.astype("Int64").astype(str).where(years.notna()), format="%Y", errors="coerce")
