"""Streaming forecasts: append new rows to each series and forecast, keeping only a window per series.

The model was trained on windows of ``lookback`` rows, each encoded from a zero GRU state and
scaled with its series' training scaler. A forecast after new rows therefore needs exactly the
last ``lookback`` rows of each series (two lookbacks and a horizon with ``combine="theta"``, what
Theta and its backtest read; :func:`grukit.forecast.defaults.history_rows`), so that is all a stream keeps (memory
bounded by that many rows per series, whatever the history's length): ``update(rows)`` checks the rows
and appends them, ``forecast()`` encodes each window once. ``forecast()`` after ``update(rows)``
equals ``predict(history + rows)``.

Why not carry the GRU state from row to row instead of re-encoding the window: a state carried
from the start of the history has seen more than the window, and the model was never trained on
such states, so its forecast would differ from ``predict`` (and drift from what was validated).
The graph exported by ``grukit export`` takes the state as an input for callers that want it.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from grukit.data import Series
from grukit.data.frequency import parse_freq
from grukit.errors import ConfigError, DataError
from grukit.forecast.defaults import history_rows
from grukit.forecast.pipeline import forecast_rows


@dataclasses.dataclass
class _Window:
    """The last rows of one series and how many rows it has had in all."""

    series: Series  # at most history_rows rows: times, targets, covariates (original units)
    rows_seen: int  # rows since the series began, so integer steps keep counting


class ForecastStream:
    """The per-series windows of a fitted ``GRUForecaster``; see the module docstring.

    Example:
        >>> stream = ForecastStream(model)        # seeded from the training data when there is any
        >>> stream.update(new_rows)               # a DataFrame or file with the training columns
        >>> stream.forecast()                     # == model.predict(all rows so far)
    """

    def __init__(self, model) -> None:
        model._check_fitted()
        self.model = model
        self.lookback = model.config_.lookback
        self.keep = history_rows(model.config_)  # rows kept per series
        self.step = None  # the frequency's offset, parsed at the first check
        self.known = None  # the trained series ids as a set, made at the first check
        self.windows: dict[str, _Window] = {}
        prepared = getattr(model, "prepared_", None)
        if prepared is not None:
            for series in prepared.series_set.series:
                self.windows[series.id] = _Window(_tail(series, self.keep), len(series))

    def update(self, data) -> None:
        """Append the rows in ``data`` (same columns as training) after the rows already seen."""
        series_set = self._load(data)
        ids = [self._stream_id(series.id, series_set.layout) for series in series_set.series]
        self._check_all_continue(ids, series_set.series)
        new = {sid: self._appended(sid, series) for sid, series in zip(ids, series_set.series)}
        self.windows.update(new)  # all series checked before any changes

    def forecast(self) -> pd.DataFrame:
        """The next ``horizon`` steps of every series in the stream, as ``predict`` returns them."""
        if not self.windows:
            raise ConfigError("the stream has no rows yet: a loaded GRUForecaster starts streaming with "
                              f"update(data) holding at least the last {self.lookback} rows of each series.")
        windows = list(self.windows.values())
        frame = self.model._forecast_many([w.series for w in windows])
        if windows[0].series.time is None:  # integer steps count from the series' first row
            shift = np.repeat([w.rows_seen - len(w.series) for w in windows], self.model.config_.horizon)
            frame[frame.columns[1]] += shift
        return frame

    # ----------------------------------------------------------------- checks
    def _load(self, data):
        return self.model._load_like_training(data)

    def _stream_id(self, series_id: str, layout: str) -> str:
        """A wide file holds the one series of a wide model, whatever the file is called."""
        ids = self.model.schema_["series_ids"]
        if layout == "wide" and self.model.schema_["layout"] == "wide" and len(ids) == 1:
            return ids[0]
        if self.known is None:
            self.known = frozenset(ids)
        if series_id not in self.known:
            raise DataError(f"series {series_id!r} is not one the model was trained on ({', '.join(ids[:5])}"
                            f"{', ...' if len(ids) > 5 else ''}); a stream keeps each series' training scaler, so "
                            f"forecast a new series with predict(data) instead.")
        return series_id

    def _appended(self, sid: str, rows: Series) -> _Window:
        """The window of ``sid`` with ``rows`` (checked) appended: its last ``keep`` rows, copied."""
        window = self.windows.get(sid)
        if window is None:
            need = forecast_rows(self.model.config_)  # a padding model forecasts from 2 rows on
            if len(rows) < need:
                raise DataError(f"series {sid!r} starts its stream with {len(rows)} row{'' if len(rows) == 1 else 's'} "
                                f"but the model needs {need}; pass at least the last {need} rows of it first.")
            return _Window(_tail(rows, self.keep, sid), len(rows))
        kept, new = window.series, min(len(rows), self.keep)
        old = len(kept) - min(len(kept), self.keep - new)  # the first kept row that stays
        time = None if rows.time is None else pd.DatetimeIndex(
            np.concatenate([kept.time.values[old:], rows.time.values[len(rows) - new:]]))
        joined = Series(sid, time, np.concatenate([kept.target[old:], rows.target[len(rows) - new:]]),
                        np.concatenate([kept.past_covariates[old:], rows.past_covariates[len(rows) - new:]]))
        return _Window(joined, window.rows_seen + len(rows))

    def _check_all_continue(self, ids: list[str], rows: list[Series]) -> None:
        """:meth:`_check_continues` for every series already in the stream, in one pass where all have
        timestamps; the first series that fails raises its own message."""
        streamed = [(sid, self.windows[sid].series, r) for sid, r in zip(ids, rows) if sid in self.windows]
        if not streamed:
            return
        if any((kept.time is None) or (r.time is None) for _, kept, r in streamed):
            for sid, kept, r in streamed:
                self._check_continues(sid, kept, r)
            return
        if self.step is None:
            self.step = parse_freq(self.model.schema_["freq"])  # once per stream: parsing costs ~10 us a call
        last = pd.DatetimeIndex(np.array([kept.time.values[-1] for _, kept, _ in streamed]))  # (S,)
        first = np.array([r.time.values[0] for _, _, r in streamed])  # (S,)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.PerformanceWarning)  # offsets numpy cannot add at once
            expected = (last + self.step).to_numpy()
        bad = np.flatnonzero(first != expected)
        if bad.size:
            sid, kept, r = streamed[bad[0]]
            self._check_continues(sid, kept, r)  # raises with the series' own message

    def _check_continues(self, sid: str, kept: Series, rows: Series) -> None:
        """The first new timestamp must be one step after the last one kept."""
        if (kept.time is None) != (rows.time is None):
            raise DataError(f"series {sid!r} was streamed {'with' if kept.time is not None else 'without'} "
                            f"timestamps but the new rows come {'with' if rows.time is not None else 'without'}; "
                            f"pass the training time column.")
        if rows.time is None:
            return
        last, first = kept.time[-1], rows.time[0]
        if self.step is None:
            self.step = parse_freq(self.model.schema_["freq"])  # once per stream: parsing costs ~10 us a call
        expected = last + self.step
        if first <= last:
            raise DataError(f"series {sid!r}: the new rows start at {first}, not after the last row seen ({last}); "
                            f"pass only rows from {expected} on.")
        if first != expected:
            raise DataError(f"series {sid!r}: the new rows start at {first} but the next row is due at {expected} "
                            f"(freq {self.model.schema_['freq']!r}); a gap would shift the window: pass the "
                            f"missing rows too.")


def _tail(series: Series, rows: int, series_id: str | None = None) -> Series:
    """The last ``rows`` rows of a series (named ``series_id`` if given), copied so the rest of the
    history can be freed."""
    cut = slice(max(0, len(series) - rows), len(series))
    time = None if series.time is None else series.time[cut]
    return Series(series_id or series.id, time, series.target[cut].copy(), series.past_covariates[cut].copy())
