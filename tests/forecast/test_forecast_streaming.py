"""GRUForecaster.update / forecast: streaming new rows gives what predict gives on the whole history."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from grukit.errors import ConfigError, DataError
from grukit.forecast import GRUForecaster

FAST = dict(epochs=2, hidden_size=8, batch_size=32, progress=False, num_threads=1)


def _frame(n=150, series=("a", "b"), start="2020-01-01"):
    rows = []
    for k, sid in enumerate(series):
        t = pd.date_range(start, periods=n, freq="h")
        y = np.sin(np.arange(n) / 4 + k) + 0.01 * np.arange(n)
        rows.append(pd.DataFrame({"unique_id": sid, "ds": t, "y": y, "x": np.cos(np.arange(n) / 3 + k)}))
    return pd.concat(rows, ignore_index=True)


def _split(frame, first):
    """Rows [0, first) of every series and the rest."""
    position = frame.groupby("unique_id").cumcount()
    return frame[position < first], frame[position >= first]


@pytest.mark.parametrize("options", [dict(), dict(strategy="recursive", reset="before", quantiles=[0.1, 0.9])])
def test_update_then_forecast_equals_predict_on_the_whole_history(tmp_path, options):
    covariates = dict(covariates=["x"]) if "strategy" not in options else {}
    data = _frame() if covariates else _frame().drop(columns="x")
    train, later = _split(data, 120)
    model = GRUForecaster(lookback=24, horizon=6, **covariates, **options, **FAST).fit(train)
    pd.testing.assert_frame_equal(model.forecast(), model.predict())  # nothing streamed yet
    position = later.groupby("unique_id").cumcount()
    for chunk in (later[position < 1], later[(position >= 1) & (position < 8)], later[position >= 8]):
        model.update(chunk)
    pd.testing.assert_frame_equal(model.forecast(), model.predict(data))
    kept = 48 + 6 if model.config_.combine == "theta" else 24  # Theta reads 2 lookbacks, its backtest one horizon more
    assert all(len(w.series) == kept for w in model.stream_.windows.values())  # bounded memory

    model.save(tmp_path / "m")  # a loaded model starts from rows it is given
    loaded = GRUForecaster.load(tmp_path / "m")
    loaded.update(data.groupby("unique_id").head(130))
    loaded.update(data.groupby("unique_id").tail(20))
    pd.testing.assert_frame_equal(loaded.forecast(), model.predict(data))


def test_wide_data_streams_its_one_series():
    frame = pd.DataFrame({"date": pd.date_range("2021-01-01", periods=100, freq="D"),
                          "load": np.sin(np.arange(100) / 5.0) + 2.0})
    model = GRUForecaster(lookback=20, horizon=4, target=["load"], **FAST).fit(frame.iloc[:90])
    for i in range(90, 100):
        model.update(frame.iloc[i : i + 1])
    pd.testing.assert_frame_equal(model.forecast(), model.predict(frame))


def test_bad_rows_are_one_line_errors():
    data = _frame(series=("a",)).drop(columns="x")
    model = GRUForecaster(lookback=24, horizon=6, **FAST).fit(data.iloc[:120])
    cases = [
        (data.iloc[118:121], "series 'a': the new rows start at 2020-01-05 22:00:00, not after the last row seen "
                             "(2020-01-05 23:00:00); pass only rows from 2020-01-06 00:00:00 on."),
        (data.iloc[122:125], "series 'a': the new rows start at 2020-01-06 02:00:00 but the next row is due at "
                             "2020-01-06 00:00:00 (freq 'h'); a gap would shift the window: pass the missing rows "
                             "too."),
        (data.iloc[120:122].rename(columns={"y": "value"}), None),
        (data.iloc[120:122].assign(unique_id="zz"),
         "series 'zz' is not one the model was trained on (a); a stream keeps each series' training scaler, so "
         "forecast a new series with predict(data) instead."),
    ]
    for rows, message in cases:
        with pytest.raises(DataError) as info:
            model.update(rows)
        if message is not None:
            assert str(info.value) == message
        assert "\n" not in str(info.value)
    pd.testing.assert_frame_equal(model.forecast(), model.predict())  # nothing was appended

    loaded = GRUForecaster(lookback=24, horizon=6)
    loaded.__dict__.update({k: v for k, v in model.__dict__.items() if k != "stream_"}, prepared_=None)
    with pytest.raises(ConfigError, match=re.escape("the stream has no rows yet: a loaded GRUForecaster starts "
                                                    "streaming with update(data) holding at least the last 24 rows "
                                                    "of each series.")):
        loaded.forecast()
    with pytest.raises(DataError, match=re.escape("series 'a' starts its stream with 1 row but the model needs "
                                                  "2; pass at least the last 2 rows of it first.")):
        loaded.update(data.iloc[:1])  # a padding model (the default) forecasts from 2 rows on
