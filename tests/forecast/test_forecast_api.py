"""GRUForecaster end to end on small data: fit, score, predict, save and load."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from grukit.errors import ConfigError, DataError
from grukit.forecast import GRUForecaster

FAST = dict(epochs=3, hidden_size=8, batch_size=32, progress=False, num_threads=1)
HOLDOUT = dict(val_size=0.1, test_size=0.2)  # a held-out test part, scored into metrics_


def _frame(n=200, series=("a",)):
    rows = []
    for k, sid in enumerate(series):
        t = pd.date_range("2020-01-01", periods=n, freq="h")
        y = np.sin(np.arange(n) / 4 + k) + 0.01 * np.arange(n)
        rows.append(pd.DataFrame({"unique_id": sid, "ds": t, "y": y}))
    return pd.concat(rows, ignore_index=True)


def test_fit_scores_against_baselines_and_predicts():
    model = GRUForecaster(lookback=24, horizon=6, **HOLDOUT, **FAST).fit(_frame(series=("a", "b")))
    m = model.metrics_
    assert m["horizon"] == 6 and set(m["baselines"]) == {"naive", "seasonal_naive", "drift", "mean"}
    assert set(m["model"]) == {"mae", "rmse", "mse", "mape", "smape", "mase"}
    assert m["scaled"]["model"]["mse"] > 0 and m["split"]["series"] == 2
    forecast = model.predict()
    assert list(forecast.columns) == ["unique_id", "ds", "y"] and len(forecast) == 12
    assert forecast["ds"].iloc[0] == pd.Timestamp("2020-01-09 08:00")  # the hour after the last row


def test_same_seed_same_model():
    a = GRUForecaster(lookback=24, horizon=6, **HOLDOUT, **FAST).fit(_frame())
    b = GRUForecaster(lookback=24, horizon=6, **HOLDOUT, **FAST).fit(_frame())
    assert a.metrics_ == b.metrics_


def test_save_load_round_trip_predicts_the_same(tmp_path):
    model = GRUForecaster(lookback=24, horizon=6, quantiles=[0.1, 0.9], **HOLDOUT, **FAST).fit(_frame())
    model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "model.safetensors"]
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["format_version"] == 1 and config["forecast"]["quantiles"] == [0.1, 0.5, 0.9]
    loaded = GRUForecaster.load(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.predict(_frame()), model.predict(_frame()))
    assert {"y", "y_q0.1", "y_q0.9"} <= set(model.predict().columns)
    assert "coverage" in model.metrics_["intervals"]


def test_unknown_option_lists_the_valid_ones():
    with pytest.raises(ConfigError, match=r"^unknown option 'hiden_size' \(did you mean 'hidden_size'\?\); "
                                          r"valid options: dataset, time_col, "):
        GRUForecaster(hiden_size=3).fit(_frame())


def test_predict_with_other_columns():
    model = GRUForecaster(lookback=24, horizon=6, **FAST).fit(_frame())
    other = _frame().rename(columns={"y": "value"})
    with pytest.raises(DataError):
        model.predict(other)


def test_not_fitted():
    with pytest.raises(ConfigError, match=re.escape("this GRUForecaster is not fitted yet; call fit(data) or "
                                                    "GRUForecaster.load(folder) first.")):
        GRUForecaster().predict()
