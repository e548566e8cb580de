"""GRUAnomalyDetector on a synthetic series with one injected anomaly: scores, flags, save/load, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from grukit.detect import DetectConfig, GRUAnomalyDetector
from grukit.errors import ConfigError, DataError, ModelFileError

SPIKE = 400
FAST = dict(lookback=24, hidden_size=8, epochs=15, train_fraction=0.5, progress=False, num_threads=1)


def series(n=500, spike=SPIKE):
    """An hourly daily sine with a little noise and one spike of +4 at row ``spike``."""
    rng = np.random.default_rng(0)
    t = np.arange(n)
    y = np.sin(2 * np.pi * t / 24) + 0.05 * rng.standard_normal(n)
    y[spike] += 4.0
    return pd.DataFrame({"timestamp": pd.date_range("2021-01-01", periods=n, freq="h"), "value": y})


@pytest.fixture(scope="module", params=["forecast", "autoencoder"])
def fitted(request):
    return GRUAnomalyDetector(method=request.param, **FAST).fit(series())


def test_the_anomaly_gets_the_top_score(fitted):
    scores = fitted.score_samples(series())
    assert scores.shape == (500,)
    if fitted.config_.method == "forecast":
        assert np.nanargmax(scores) == SPIKE  # the residual of the spike itself
        assert np.isnan(scores[:24]).all() and np.isfinite(scores[24:]).all()
    else:
        assert SPIKE <= np.nanargmax(scores) < SPIKE + 24  # a window holding the spike
        assert np.isnan(scores[:23]).all() and np.isfinite(scores[23:]).all()
    flags = fitted.predict(series())
    assert flags.dtype == bool and flags[SPIKE]
    assert fitted.clean_ == {"rows": 250, "rule": "the first 0.5 of its 500 rows", "train_rows": [0, 200],
                             "validation_rows": [200, 250]}


def test_scores_are_causal(fitted):
    data = series()
    later = data.copy()
    later.loc[450:, "value"] += 10.0  # changing the future never changes a past score
    assert np.array_equal(fitted.score_samples(data)[:450], fitted.score_samples(later)[:450], equal_nan=True)


def test_score_frame_is_the_scores_csv(fitted):
    frame = fitted.score_frame(series())
    assert list(frame.columns) == ["timestamp", "value", "score", "flagged", "alarm"]
    assert frame["alarm"].sum() <= frame["flagged"].sum() and frame["alarm"][SPIKE]


def test_save_load_round_trip_scores_the_same(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "model.safetensors"]
    document = json.loads((tmp_path / "m" / "config.json").read_text())
    assert document["format"] == "grukit.detect" and document["detect"]["method"] == fitted.config_.method
    loaded = GRUAnomalyDetector.load(tmp_path / "m")
    assert loaded.threshold_ == fitted.threshold_
    assert np.array_equal(loaded.score_samples(series()), fitted.score_samples(series()), equal_nan=True)


def test_arrays_and_multichannel_data():
    values = np.stack([np.sin(np.arange(300) / 4), np.cos(np.arange(300) / 4)], axis=1)  # (300, 2)
    detector = GRUAnomalyDetector(lookback=12, hidden_size=4, epochs=2, train_fraction=0.5, progress=False,
                                  num_threads=1).fit(values)
    assert detector.score_samples(values).shape == (300,) and detector.columns_["values"] == ["value_0", "value_1"]
    with pytest.raises(DataError, match=r"^the array has the value column\(s\) value but the model was trained on "
                                        r"value_0, value_1; pass data with the training columns\.$"):
        detector.score_samples(values[:, 0])


def test_clean_stretch_by_time():
    detector = GRUAnomalyDetector(lookback=12, hidden_size=4, epochs=1, train_end="2021-01-08", progress=False,
                                  num_threads=1).fit(series())
    assert detector.clean_["rows"] == 168 and detector.clean_["rule"] == "the rows before 2021-01-08 00:00:00"


def test_errors_are_one_line_and_actionable():
    with pytest.raises(ConfigError, match=r"^this GRUAnomalyDetector is not fitted yet; call fit\(data\) or "
                                          r"GRUAnomalyDetector\.load\(folder\) first\.$"):
        GRUAnomalyDetector().score_samples(series())
    with pytest.raises(ConfigError, match=r"^unknown option 'lookbak' \(did you mean 'lookback'\?\); "
                                          r"valid options: dataset, time_col, value_col, "):
        GRUAnomalyDetector(lookbak=3).fit(series())
    with pytest.raises(ConfigError, match=r"^DetectConfig: method must be one of 'forecast', 'autoencoder'; "
                                          r"got 'lstm'\.$"):
        DetectConfig(method="lstm")
    with pytest.raises(ConfigError, match=r"^DetectConfig: threshold_quantile must be in \(0, 1\]; got 1\.5\.$"):
        DetectConfig(threshold_quantile=1.5)
    with pytest.raises(DataError, match=r"^the clean stretch of the DataFrame has 75 rows \(the first 0\.15 of its "
                                        r"500 rows\), too few to train on: lookback 96 needs at least 121 \(97 for one "
                                        r"training window, 24 held out for validation\); use a smaller lookback, a "
                                        r"longer clean stretch \(train_fraction, train_max_rows or train_end\) or a "
                                        r"longer series\.$"):
        GRUAnomalyDetector(lookback=96).fit(series())
    with pytest.raises(ConfigError, match=r"^train_end needs timestamps but the array has no time column; use "
                                          r"train_fraction and train_max_rows instead\.$"):
        GRUAnomalyDetector(train_end="2021-01-02").fit(np.zeros(100))


def test_too_short_to_score(fitted):
    need = 25 if fitted.config_.method == "forecast" else 24
    with pytest.raises(DataError, match=rf"^the DataFrame has 10 rows but scoring needs at least {need} "):
        fitted.score_samples(series().head(10))
    with pytest.raises(ModelFileError, match=r"^model folder .*missing does not exist; pass the --out folder of a "
                                             r"training run\.$"):
        GRUAnomalyDetector.load("missing")


def test_default_score_is_the_zscore_with_a_fixed_threshold(fitted):
    from grukit.detect.config import Z_THRESHOLD

    if fitted.config_.method == "forecast":
        assert fitted.config_.score_kind() == "zscore" and fitted.threshold_ == Z_THRESHOLD
        assert fitted.validation_["threshold_rule"] == f"{Z_THRESHOLD:g} standard deviations above the errors' history"
    else:  # the autoencoder keeps the validation quantile
        assert fitted.config_.score_kind() == "error"
        assert fitted.validation_["threshold_rule"] == "quantile 0.9999 of the validation scores"


def test_error_score_keeps_the_quantile_rule():
    detector = GRUAnomalyDetector(score="error", **FAST).fit(series())
    assert detector.validation_["threshold_rule"] == "quantile 0.9999 of the validation scores"
    zscored = GRUAnomalyDetector(**FAST).fit(series())
    errors, z = detector.score_samples(series()), zscored.score_samples(series())
    assert np.nanargmax(errors) == np.nanargmax(z) == SPIKE and not np.array_equal(errors, z, equal_nan=True)


def test_a_detector_saved_before_the_zscore_loads_as_an_error_scorer(tmp_path):
    detector = GRUAnomalyDetector(score="error", **FAST).fit(series())
    detector.save(tmp_path / "m")
    path = tmp_path / "m" / "config.json"
    document = json.loads(path.read_text())
    del document["detect"]["score"], document["detect"]["history"]  # as written before the z-score existed
    path.write_text(json.dumps(document))
    loaded = GRUAnomalyDetector.load(tmp_path / "m")
    assert loaded.config_.score == "error"
    assert np.array_equal(loaded.score_samples(series()), detector.score_samples(series()), equal_nan=True)
