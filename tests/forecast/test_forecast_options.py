"""The forecasting options that shape the model and its targets: segment_length, transform, loss."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from grukit.data import LogScaler, StandardScaler, scaler_from_dict
from grukit.errors import ConfigError, DataError
from grukit.forecast import GRUForecaster
from grukit.forecast.config import ForecastConfig
from grukit.forecast.forecaster import build_net, forecast_loss
from grukit.forecast.presets import PRESETS

FAST = dict(epochs=3, hidden_size=8, batch_size=32, progress=False, num_threads=1)


def _growing(n=120):
    """Monthly, multiplicative seasonality on a rising level: all values > 0."""
    t = pd.date_range("2000-01-01", periods=n, freq="MS")
    level = 100 * 1.01 ** np.arange(n)
    return pd.DataFrame({"month": t, "y": level * (1 + 0.2 * np.sin(2 * np.pi * np.arange(n) / 12))})


# ----------------------------------------------------------------- the log scaler
def test_log_scaler_is_the_z_score_of_log_and_inverts_exactly():
    values = np.array([[1.0, 10.0], [np.e, 100.0], [np.e**2, 1000.0]])
    scaler = LogScaler().fit(values)
    reference = StandardScaler().fit(np.log(values))
    np.testing.assert_allclose(scaler.transform(values), reference.transform(np.log(values)), atol=1e-15)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(values)), values, rtol=1e-13)
    restored = scaler_from_dict(json.loads(json.dumps(scaler.to_dict())))
    assert isinstance(restored, LogScaler) and scaler.to_dict()["transform"] == "log"
    np.testing.assert_array_equal(restored.transform(values), scaler.transform(values))
    assert isinstance(scaler_from_dict(reference.to_dict()), StandardScaler)


def test_log_without_standardizing_is_the_plain_log():
    values = np.array([[1.0], [np.e]])
    np.testing.assert_allclose(LogScaler(standardize=False).fit(values).transform(values), [[0.0], [1.0]])


def test_log_of_a_non_positive_series_says_which_series_and_how_to_fix():
    frame = _growing()
    frame.loc[5, "y"] = -3.0
    with pytest.raises(DataError) as err:
        GRUForecaster(lookback=24, horizon=12, transform="log", **FAST).fit(frame)
    assert str(err.value) == ("column 'y': transform='log' needs every target value > 0; got a minimum of -3. "
                              "Shift the series above 0 or use transform='none'.")


def test_log_transform_forecasts_on_the_original_scale_and_round_trips(tmp_path):
    frame = _growing()
    model = GRUForecaster(lookback=24, horizon=12, transform="log", segment_length=12, calendar=False,
                          **FAST).fit(frame)
    forecast = model.predict()
    assert (forecast["y"] > 0).all() and forecast["y"].between(50, 1000).all()  # the series' own range
    model.save(tmp_path / "m")
    loaded = GRUForecaster.load(tmp_path / "m")
    assert isinstance(loaded.target_scalers_[0], LogScaler)
    pd.testing.assert_frame_equal(loaded.predict(frame), model.predict(frame))


# ----------------------------------------------------------------- segments and the loss
def test_segment_length_builds_the_segment_encoder_and_round_trips(tmp_path):
    model = GRUForecaster(lookback=24, horizon=12, segment_length=6, calendar=False, **FAST).fit(_growing())
    assert model.net_.segment is not None and model.net_.segment.segment_length == 6
    model.save(tmp_path / "m")
    pd.testing.assert_frame_equal(GRUForecaster.load(tmp_path / "m").predict(_growing()), model.predict(_growing()))


@pytest.mark.parametrize("loss, reference", [("mse", torch.nn.functional.mse_loss),
                                             ("mae", torch.nn.functional.l1_loss)])
def test_the_loss_option_is_the_named_loss_of_the_point_forecast(loss, reference):
    torch.manual_seed(0)
    config = ForecastConfig(lookback=8, horizon=3, loss=loss, scaler="standard", pad=False)
    net = build_net(config, input_size=1, target_size=1, future_size=0)
    x, y = torch.randn(5, 8, 1), torch.randn(5, 3, 1)
    expected = reference(net(x)[..., 0], y)
    torch.testing.assert_close(forecast_loss(net, (x, y), loss=loss), expected, rtol=0, atol=0)


@pytest.mark.parametrize("options, message", [
    (dict(segment_length=5), "ForecastConfig: lookback must be a multiple of segment_length; got lookback=24 and "
                             "segment_length=5. Use e.g. lookback=20."),
    (dict(segment_length=-1),
     "ForecastConfig: segment_length must be 0 (step by step) or a positive step count; got -1."),
    (dict(segment_length=6, strategy="recursive"),
     "ForecastConfig: segment_length=6 decodes the horizon in parallel, which needs strategy='direct'; got "
     "strategy='recursive'. Use strategy='direct' or segment_length=0."),
    (dict(transform="sqrt"), "ForecastConfig: transform must be one of 'none', 'log'; got 'sqrt'."),
    (dict(loss="huber"), "ForecastConfig: loss must be one of 'mse', 'mae', 'mix'; got 'huber'."),
    (dict(theta_coefficients=[0.5, 2]),
     "ForecastConfig: theta_coefficients must be a non-empty list of numbers >= 1 (2: the classic Theta method); "
     "got [0.5, 2.0]."),
    (dict(theta_coefficients=[]),
     "ForecastConfig: theta_coefficients must be a non-empty list of numbers >= 1 (2: the classic Theta method); "
     "got []."),
])
def test_bad_model_options_are_one_line_config_errors(options, message):
    with pytest.raises(ConfigError) as err:
        ForecastConfig(lookback=24, **options)
    assert str(err.value) == message


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_a_valid_configuration(name):
    forecast_keys = set(ForecastConfig.__dataclass_fields__)
    config = ForecastConfig(**{k: v for k, v in PRESETS[name].items() if k in forecast_keys})
    assert config.lookback >= 1
