"""The forecasting workflow on unseen data: fit on every row, cross-validation without leaks,
padded short series, batched predict, predict(h=), and the generic defaults chosen from the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from grukit.errors import ConfigError, DataError
from grukit.forecast import GRUForecaster
from grukit.forecast.cross_validation import baseline_forecasts
from grukit.forecast.defaults import default_horizon, resolve_config, training_size
from grukit.forecast.config import ForecastConfig
from grukit.models import ForecastNet

FAST = dict(epochs=2, hidden_size=8, batch_size=16, progress=False, num_threads=1)


def _panel(lengths=(60, 40, 9), freq="MS", seed=0):
    """Monthly series of the given lengths: trend + season + noise, each at its own level."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, n in enumerate(lengths):
        t = np.arange(n)
        y = 50 + 10 * k + 0.5 * t + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, n)
        rows.append(pd.DataFrame({"unique_id": f"s{k}", "ds": pd.date_range("2000-01-01", periods=n, freq=freq),
                                  "y": y}))
    return pd.concat(rows, ignore_index=True)


def test_fit_trains_on_every_row_up_to_the_last():
    model = GRUForecaster(horizon=6, lookback=12, **FAST).fit(_panel((60,)))
    prepared = model.prepared_
    last_target_row = prepared.index["train"][:, 1].max() + model.config_.lookback + model.config_.horizon
    assert last_target_row == prepared.pad + 60  # the last window's targets end at the series' last row
    assert model.metrics_ is None and "test" not in prepared.index


def test_defaults_come_from_the_frequency_and_the_data():
    assert [default_horizon(f) for f in ("YS", "QS", "MS", "W-SUN", "D", "h", None)] == [6, 8, 18, 13, 14, 48, 8]
    config = resolve_config(ForecastConfig(), lengths=[40, 200], freq="MS")
    assert (config.horizon, config.lookback) == (18, 54)  # 3 horizons; 2 seasons would be 24
    config = resolve_config(ForecastConfig(), lengths=[30], freq="MS")
    assert config.lookback == 12  # at most the longest series less the horizon
    assert training_size(100_000, {}) == {"batch_size": 256, "epochs": 4}


def test_short_series_are_padded_and_trained_and_forecast_with_a_note():
    with pytest.warns(UserWarning, match=r"^1 of 3 series \(first 's2'\) have fewer than 12 rows: they give no "
                                         r"training window and are only forecast\.$"):
        model = GRUForecaster(horizon=6, lookback=24, **FAST).fit(_panel((60, 20, 9)))
    assert model.prepared_.short == ["s1", "s2"] and model.prepared_.untrained == ["s2"]
    forecast = model.predict()
    assert forecast.groupby("unique_id").size().to_dict() == {"s0": 6, "s1": 6, "s2": 6}


def test_a_short_windows_forecast_does_not_depend_on_the_pad_values():
    torch.manual_seed(0)
    net = ForecastNet(input_size=2, target_size=1, horizon=3, hidden_size=8, window_norm=True, observed=True).eval()
    torch.nn.init.normal_(net.head.weight)  # not the all-zero start
    x = torch.randn(4, 10, 2)
    x[..., 1] = 1.0
    x[:, :6, 1] = 0.0  # the first 6 rows are padding
    other = x.clone()
    other[:, :6, 0] = torch.randn(4, 6) * 100  # anything at all in the padded rows
    with torch.no_grad():
        torch.testing.assert_close(net(other), net(x), rtol=0, atol=0)


def test_padding_leaves_a_long_windows_forecast_as_it_was():
    torch.manual_seed(0)
    padded = ForecastNet(input_size=2, target_size=1, horizon=3, hidden_size=8, window_norm=True, observed=True)
    plain = ForecastNet(input_size=2, target_size=1, horizon=3, hidden_size=8, window_norm=True)
    plain.load_state_dict(padded.state_dict())
    torch.nn.init.normal_(padded.head.weight)
    plain.head.weight.data.copy_(padded.head.weight.data)
    x = torch.randn(4, 10, 1)
    with torch.no_grad():
        want = plain.eval()(torch.cat([x, torch.ones(4, 10, 1)], -1))
        got = padded.eval()(torch.cat([x, torch.ones(4, 10, 1)], -1))
    torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_an_untrained_window_net_forecasts_the_naive_value():
    net = ForecastNet(input_size=1, target_size=1, horizon=4, hidden_size=8, window_norm=True).eval()
    x = torch.tensor([[[1.0], [5.0], [3.0]]])
    with torch.no_grad():
        assert net(x)[0, :, 0, 0].tolist() == [3.0, 3.0, 3.0, 3.0]


def test_batched_predict_equals_one_series_at_a_time():
    data = _panel((60, 40, 30))
    model = GRUForecaster(horizon=6, lookback=12, **FAST).fit(data)
    together = model.predict(data)
    apart = pd.concat([model.predict(data[data["unique_id"] == sid]) for sid in ("s0", "s1", "s2")],
                      ignore_index=True)
    pd.testing.assert_frame_equal(together, apart, rtol=1e-6)


def test_predict_h_is_the_first_h_steps_and_longer_is_an_error():
    model = GRUForecaster(horizon=6, lookback=12, **FAST).fit(_panel((60,)))
    full, short = model.predict(), model.predict(h=2)
    pd.testing.assert_frame_equal(short, full.groupby("unique_id").head(2).reset_index(drop=True))
    with pytest.raises(ConfigError) as err:
        model.predict(h=7)
    assert str(err.value) == ("h must be a whole number from 1 to the trained horizon 6; got 7. For longer forecasts "
                              "fit again with horizon=7.")


def test_a_series_of_one_row_is_a_one_line_error():
    with pytest.raises(DataError) as err:
        GRUForecaster(horizon=3, **FAST).fit(_panel((40, 1)))
    assert str(err.value) == "series 's1' has 1 row; a forecast needs at least 2 rows per series; drop it or add rows."


def test_a_test_part_shorter_than_the_horizon_is_a_clear_error():
    with pytest.raises(DataError) as err:
        GRUForecaster(horizon=6, lookback=12, split="size", test_size=3, **FAST).fit(_panel((60,)))
    assert str(err.value) == ("the test part has 3 rows per series, less than one horizon (6 rows); give "
                              "test_size at least the horizon, or test_size=0 and evaluate with cross_validation.")


@pytest.mark.parametrize("refit", [False, True])
def test_cross_validation_forecasts_ignore_every_value_after_their_cutoff(refit):
    data = _panel((50, 45))
    model = GRUForecaster(horizon=4, lookback=8, **FAST)
    cv = model.cross_validation(data, n_windows=2, refit=refit)
    frame = cv.forecasts
    assert list(frame.columns) == ["unique_id", "ds", "cutoff", "y", "GRU", "Naive", "SeasonalNaive"]
    assert len(frame) == 2 * 2 * 4 and sorted(frame["cutoff"].unique()) == sorted(
        pd.to_datetime(["2003-06-01", "2003-10-01", "2003-01-01", "2003-05-01"]))
    first = frame["cutoff"] == frame.groupby("unique_id")["cutoff"].transform("min")
    changed = data.copy()
    for sid, group in data.groupby("unique_id"):
        cutoff = frame.loc[first & (frame["unique_id"] == sid), "cutoff"].iloc[0]
        after = (changed["unique_id"] == sid) & (changed["ds"] > cutoff)
        changed.loc[after, "y"] = 1e6  # every value after the first cutoff
    again = model.cross_validation(changed, n_windows=2, refit=refit).forecasts
    np.testing.assert_array_equal(again.loc[first, "GRU"].to_numpy(), frame.loc[first, "GRU"].to_numpy())
    np.testing.assert_array_equal(again.loc[first, "Naive"].to_numpy(), frame.loc[first, "Naive"].to_numpy())


def test_cross_validation_metrics_score_the_frame():
    cv = GRUForecaster(horizon=4, lookback=8, **FAST).cross_validation(_panel((50, 45)), n_windows=2)
    frame = cv.forecasts
    assert cv.metrics["windows"] == 4 and cv.metrics["horizon"] == 4
    assert cv.metrics["model"]["mae"] == pytest.approx(np.mean(np.abs(frame["y"] - frame["GRU"])), rel=1e-12)
    assert cv.metrics["baselines"]["naive"]["mae"] == pytest.approx(np.mean(np.abs(frame["y"] - frame["Naive"])),
                                                                    rel=1e-12)
    assert cv.table().startswith("Cross-validation metrics (original scale, horizon 4)")


def test_seasonal_naive_repeats_the_last_season_and_falls_back_to_naive():
    history = np.arange(6.0)[:, None]
    assert baseline_forecasts(history, 5, 4)["SeasonalNaive"][:, 0].tolist() == [2.0, 3.0, 4.0, 5.0, 2.0]
    assert baseline_forecasts(history, 2, 12)["SeasonalNaive"][:, 0].tolist() == [5.0, 5.0]


def test_an_ensemble_forecasts_the_median_of_its_members(tmp_path):
    data = _panel((40,))
    model = GRUForecaster(horizon=3, lookback=9, ensemble=3, combine="none", **FAST).fit(data)  # the network alone
    ensemble = model.net_
    assert [member.reads for member in ensemble.members] == [0, 4, 2]  # 9 rows, then 1/2 and 1/4 of them (rounded)
    forecasts = []
    for member in ensemble.members:
        model.net_ = member
        forecasts.append(model.predict()["y"].to_numpy())
    model.net_ = ensemble
    np.testing.assert_allclose(model.predict()["y"], np.median(np.stack(forecasts), axis=0), rtol=1e-6)
    model.save(tmp_path / "m")
    pd.testing.assert_frame_equal(GRUForecaster.load(tmp_path / "m").predict(data), model.predict())


def test_the_first_ensemble_member_is_the_single_model_of_the_same_seed():
    data = _panel((40,))
    single = GRUForecaster(horizon=3, lookback=9, **FAST).fit(data)
    ensemble = GRUForecaster(horizon=3, lookback=9, ensemble=2, **FAST).fit(data)
    for got, want in zip(ensemble.net_.members[0].state_dict().values(), single.net_.state_dict().values()):
        torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_get_and_set_params_follow_scikit_learn():
    model = GRUForecaster(horizon=6, hidden_size=8)
    assert model.get_params() == {"lookback": None, "horizon": 6, "hidden_size": 8}
    assert model.set_params(horizon=3, lr=0.1) is model and model.get_params()["lr"] == 0.1


def _promotions(n=100, series=3, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(series):
        promo = (rng.random(n) < 0.2).astype(float)
        y = 10 + k + np.sin(np.arange(n) / 3) + 5 * promo + rng.normal(0, 0.1, n)
        rows.append(pd.DataFrame({"unique_id": f"s{k}", "ds": pd.date_range("2020-01-01", periods=n, freq="D"),
                                  "y": y, "promo": promo}))
    return pd.concat(rows, ignore_index=True)


def _ahead(promo, series=3, start="2020-04-10"):
    return pd.concat([pd.DataFrame({"unique_id": f"s{k}", "ds": pd.date_range(start, periods=len(promo), freq="D"),
                                    "promo": promo}) for k in range(series)], ignore_index=True)


def test_future_covariates_reach_the_forecast_and_are_required():
    model = GRUForecaster(horizon=4, lookback=8, future_covariates=["promo"], **FAST).fit(_promotions())
    assert model.net_.future_size == 1
    with_promo, without = model.predict(future=_ahead([1, 1, 1, 1])), model.predict(future=_ahead([0, 0, 0, 0]))
    assert list(with_promo.columns) == ["unique_id", "ds", "y"] and not np.allclose(with_promo["y"], without["y"])
    with pytest.raises(DataError) as err:
        model.predict()
    assert str(err.value) == ("this model was trained with future covariates promo: pass their values for the 4 "
                              "steps after each series' end, predict(data, future=table) with the columns "
                              "unique_id, ds, promo.")
    with pytest.raises(DataError) as err:
        model.predict(future=_ahead([1, 0, 1]))
    assert str(err.value) == ("the future covariates of series 's0' miss 1 of the 4 steps after its last row "
                              "(2020-04-09 00:00:00), first 2020-04-13 00:00:00; give promo for "
                              "2020-04-10 00:00:00 .. 2020-04-13 00:00:00.")


def test_cross_validation_reads_future_covariates_from_the_data():
    data = _promotions()
    model = GRUForecaster(horizon=4, lookback=8, future_covariates=["promo"], **FAST)
    cv = model.cross_validation(data, n_windows=1)
    fitted = GRUForecaster(horizon=4, lookback=8, future_covariates=["promo"], **FAST).fit(
        data.groupby("unique_id").head(96))
    ahead = data.groupby("unique_id").tail(4)[["unique_id", "ds", "promo"]]
    np.testing.assert_allclose(cv.forecasts["GRU"], fitted.predict(future=ahead)["y"], rtol=1e-6)


def test_cross_validation_carries_the_quantiles_of_a_quantile_model():
    cv = GRUForecaster(horizon=4, lookback=8, quantiles=[0.1, 0.9], **FAST).cross_validation(_panel((50,)))
    assert list(cv.forecasts.columns) == ["unique_id", "ds", "cutoff", "y", "GRU", "GRU_q0.1", "GRU_q0.9", "Naive",
                                          "SeasonalNaive"]
    assert (cv.forecasts["GRU_q0.1"] <= cv.forecasts["GRU_q0.9"]).all()


def test_a_stream_of_a_short_series_forecasts_like_predict():
    data = _panel((60, 40))
    model = GRUForecaster(horizon=4, lookback=12, **FAST).fit(data)
    loaded = GRUForecaster(horizon=4, lookback=12)
    loaded.__dict__.update({k: v for k, v in model.__dict__.items() if k != "stream_"}, prepared_=None)
    first = data[data["unique_id"] == "s1"].head(5)  # shorter than the lookback: padded
    loaded.update(first)
    pd.testing.assert_frame_equal(loaded.forecast(), model.predict(first))


def test_one_column_may_be_named_without_a_list():
    frame = _promotions(series=1).drop(columns="unique_id")
    named = GRUForecaster(target="y", future_covariates="promo", horizon=4, lookback=8, **FAST)
    listed = GRUForecaster(target=["y"], future_covariates=["promo"], horizon=4, lookback=8, **FAST)
    assert named.configs(frame)[0] == listed.configs(frame)[0]
    assert named.configs(frame)[0].future_covariates == ["promo"]


def test_seasonal_naive_baseline_repeats_a_real_season_longer_than_the_lookback():
    # weekly data: season 52 > lookback 8; the baseline repeats the values of one year before
    weeks = pd.date_range("2015-01-04", periods=200, freq="W-SUN")
    y = 10 + 5 * np.sin(2 * np.pi * np.arange(200) / 52) + 0.01 * np.arange(200)
    model = GRUForecaster(8, 4, split="size", test_size=4, epochs=1, ensemble=1, progress=False)
    model.fit(pd.DataFrame({"date": weeks, "y": y}))
    baselines = model.metrics_["baselines"]
    assert baselines["seasonal_naive"]["mae"] == pytest.approx(np.mean(np.abs(y[196:] - y[144:148])))
    assert baselines["naive"]["mae"] == pytest.approx(np.mean(np.abs(y[196:] - y[195])))


def test_mean_step_is_masked_mase_scale():
    from grukit.models.window_norm import mean_step

    x = torch.tensor([[[0.0], [9.0], [1.0], [3.0], [6.0]]])  # first row is padding
    mask = torch.tensor([[[0.0], [1.0], [1.0], [1.0], [1.0]]])
    assert mean_step(x, mask).item() == pytest.approx((8 + 2 + 3) / 3)
    assert mean_step(torch.full((1, 4, 1), 5.0)).item() == 1.0  # a flat window: scale 1


def test_smape_and_mase_losses_by_hand():
    from grukit.forecast.forecaster import forecast_loss

    class Stub:  # a model whose forecast is fixed: 2 and 6 for actuals 1 and 3
        num_quantiles = 1

        def __call__(self, x, future, y):
            return torch.tensor([[[[2.0]], [[6.0]]]])  # (B=1, K=2, C=1, Q=1)

        def window_step(self, x):
            return torch.tensor([[[0.5]]])

    batch = (torch.zeros(1, 3, 1), torch.tensor([[[1.0], [3.0]]]))
    assert forecast_loss(Stub(), batch, "smape").item() == pytest.approx((2 * 1 / 3 + 2 * 3 / 9) / 2)
    assert forecast_loss(Stub(), batch, "mase").item() == pytest.approx((1 / 0.5 + 3 / 0.5) / 2)


@pytest.mark.parametrize("offset, expected", [(10.0, ["mae", "smape", "mase"]), (-10.0, ["mae", "mae", "mase"])])
def test_loss_mix_gives_members_mae_smape_and_mase_unless_values_are_not_positive(monkeypatch, offset, expected):
    import grukit.forecast.forecaster as forecaster

    used, original = [], forecaster.forecast_loss

    def spy(model, batch, loss="mse"):
        if not used or used[-1] != (model, loss):
            used.append((model, loss))
        return original(model, batch, loss)

    monkeypatch.setattr(forecaster, "forecast_loss", spy)
    frame = pd.DataFrame({"y": offset + np.sin(np.arange(60) / 3)})
    GRUForecaster(horizon=4, epochs=1, progress=False).fit(frame)
    assert [loss for _, loss in used] == expected


def test_seasonal_naive_without_a_whole_season_says_so():
    weeks = pd.date_range("2020-01-05", periods=40, freq="W-SUN")  # season 52 > 40 rows
    frame = pd.DataFrame({"date": weeks, "y": 10 + np.sin(np.arange(40.0))})
    with pytest.warns(UserWarning, match=r"1 of 1 series \(first 'series'\) have less than one season \(52 rows\) "
                                         r"before the cutoff: their SeasonalNaive forecast is the naive one\."):
        cv = GRUForecaster(horizon=4, epochs=1, ensemble=1, progress=False).cross_validation(frame)
    np.testing.assert_array_equal(cv.forecasts["SeasonalNaive"], cv.forecasts["Naive"])


@pytest.mark.parametrize("pad", [True, False])
@pytest.mark.parametrize("scaler", ["window", "standard"])
def test_the_batched_windows_equal_each_series_window(pad, scaler):
    """predict builds the windows of target-only models for all series at once: bit for bit each series' own."""
    from grukit.forecast.pipeline import last_window, last_windows, new_target_scaler, standard_stats
    from grukit.data import Series

    config = ForecastConfig(horizon=3, lookback=8, pad=pad, scaler=scaler)
    rng = np.random.default_rng(0)
    series = [Series(f"s{i}", None, rng.normal(size=(n, 2)) * 10 + 50, np.zeros((n, 0)))
              for i, n in enumerate((8, 20, 5 if pad else 9, 2 if pad else 8))]
    scalers = [new_target_scaler(config).fit(s.target) for s in series]
    each = np.stack([last_window(s, sc, None, config, None, 0)[0] for s, sc in zip(series, scalers)])
    together = last_windows(series, standard_stats(scalers), config)
    assert together.shape == each.shape and np.array_equal(together, each)
