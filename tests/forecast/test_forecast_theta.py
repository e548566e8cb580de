"""The Theta method and the season detection, against a one-series-at-a-time reference written from
Hyndman & Billah (2003); combine="theta" in predict, evaluation, persistence and the season rule."""

from __future__ import annotations

import doctest
import importlib
import json
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from grukit.data.season import acf, detect_season, seasonal_test
from grukit.evaluate.theta import theta
from grukit.forecast import GRUForecaster
from grukit.forecast.combine import network_weight, with_theta
from grukit.forecast.pipeline import last_rows

FAST = dict(epochs=2, hidden_size=8, batch_size=16, progress=False, num_threads=1)


# ----------------------------------------------------------------- a plain reference, one series at a time
def _ses(y):
    best = None
    for alpha in np.linspace(0.01, 0.99, 99):
        level, sse = y[0], 0.0
        for v in y[1:]:
            sse += (v - level) ** 2
            level += alpha * (v - level)
        if best is None or sse < best[0] - 1e-12 * max(1.0, abs(best[0])):
            best = (sse, level, alpha)
    return best[1], best[2]


def _reference_theta(y, h, m):
    """Theta of one series (n,), written out step by step; seasonal indices by phase t mod m from the start."""
    y = np.asarray(y, dtype=float)
    n, index, additive = len(y), None, bool((y <= 0).any())
    if m > 1 and n >= 3 * m:
        r = [np.sum((y[k:] - y.mean()) * (y[:-k] - y.mean())) / np.sum((y - y.mean()) ** 2) for k in range(1, m + 1)]
        if abs(r[m - 1]) > NormalDist().inv_cdf(0.95) * np.sqrt((1 + 2 * sum(v**2 for v in r[: m - 1])) / n):
            w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
            half = (len(w) - 1) // 2
            trend = {t: float(np.dot(y[t - half : t + half + 1], w)) for t in range(half, n - half)}
            ratio = {t: (y[t] - c if additive else y[t] / c) for t, c in trend.items()}
            index = np.array([np.mean([v for t, v in ratio.items() if t % m == j]) for j in range(m)])
            index = index - index.mean() if additive else index / index.mean()
    season = (lambda t: index[t % m]) if index is not None else None
    x = y.copy()
    if season:
        x = np.array([x[t] - season(t) if additive else x[t] / season(t) for t in range(n)])
    level, alpha = _ses(x)
    slope = np.polyfit(np.arange(n), x, 1)[0] if n > 1 else 0.0
    f = np.array([level + slope / 2 * (k + (1 - (1 - alpha) ** n) / alpha) for k in range(h)])
    if season:
        f = np.array([f[k] + season(n + k) if additive else f[k] * season(n + k) for k in range(h)])
    return f


def _panel(lengths, m, offset=100.0, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for n in lengths:
        t = np.arange(n)
        out.append(offset + 0.3 * t + 8 * np.sin(2 * np.pi * t / m) + rng.normal(0, 1, n) if m > 1
                   else offset + rng.normal(0, 2, n).cumsum())
    return out


@pytest.mark.parametrize("m, offset", [(1, 100.0), (4, 100.0), (12, 100.0), (12, 0.0)])
def test_theta_of_a_padded_panel_equals_the_reference_on_each_series(m, offset):
    series = _panel([7, 40, 61, 90], m, offset)  # 7 rows: too short for the seasonal test
    history = last_rows([s[:, None] for s in series], 90)  # (4, 90, 1), NaN before each start
    got = theta(history, 9, m)[..., 0]
    want = np.stack([_reference_theta(s, 9, m) for s in series])
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # its trend is 0: nothing may divide by it
def test_theta_continues_a_clean_cycle_around_zero_additively():
    y = np.sin(2 * np.pi * np.arange(63) / 7)
    forecast = theta(y[None, :, None], 7, 7)[0, :, 0]
    np.testing.assert_allclose(forecast, np.sin(2 * np.pi * np.arange(63, 70) / 7), atol=1e-6)


def test_theta_of_a_line_is_its_level_plus_half_its_slope_as_drift():
    y = 3.0 + 2.0 * np.arange(20)  # SES picks the largest alpha (0.99) on a line
    level = _ses(y)[0]
    want = level + 1.0 * (np.arange(4) + (1 - 0.01**20) / 0.99)
    np.testing.assert_allclose(theta(y[None, :, None], 4)[0, :, 0], want, rtol=1e-12)


@pytest.mark.parametrize("coefficient, share", [(1.0, 0.0), (1.5, 1 / 3), (3.0, 2 / 3)])
def test_the_theta_coefficient_sets_the_share_of_the_slope(coefficient, share):
    y = 3.0 + 2.0 * np.arange(20)  # slope 2; theta = 1 is SES alone, theta = 2 the classic half slope
    level = _ses(y)[0]
    want = level + share * 2.0 * (np.arange(4) + (1 - 0.01**20) / 0.99)
    np.testing.assert_allclose(theta(y[None, :, None], 4, coefficient=coefficient)[0, :, 0], want, rtol=1e-12)
    seasonal = 10 + np.sin(np.arange(48) * 2 * np.pi / 12) + 0.1 * np.arange(48)
    f1, f2, f = (theta(seasonal[None, :, None], 6, 12, c)[0, :, 0] for c in (1.0, 2.0, coefficient))
    np.testing.assert_allclose(f, f1 + 2 * share * (f2 - f1), rtol=1e-12)  # linear in the share, season and all


def test_theta_handles_channels_and_rejects_a_history_ending_in_nan():
    series = _panel([50, 50], 12)
    both = theta(np.stack(series, axis=1)[None], 5, 12)  # one row, two channels
    one_by_one = [theta(s[None, :, None], 5, 12)[0, :, 0] for s in series]
    np.testing.assert_allclose(both[0].T, np.stack(one_by_one), rtol=1e-12)
    with pytest.raises(ValueError, match="^theta: every series needs its last value; got a history that ends in NaN.$"):
        theta(np.array([[[1.0], [np.nan]]]), 2)


def test_acf_and_seasonal_test_by_hand():
    x = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    c = x - x.mean()
    want = [np.sum(c[k:] * c[:-k]) / np.sum(c * c) for k in (1, 2)]
    np.testing.assert_allclose(acf(np.r_[np.nan, x][None], 2)[0], want)  # padding is left out
    r = acf(np.tile([1.0, 4.0, 2.0, 8.0], 6)[None], 4)[0]  # r_4 = 0.833 against the bound 0.754
    bound = NormalDist().inv_cdf(0.95) * np.sqrt((1 + 2 * np.sum(r[:3] ** 2)) / 24)
    assert r[3] > bound and seasonal_test(np.tile([1.0, 4.0, 2.0, 8.0], 6)[None], 4).tolist() == [True]
    assert seasonal_test(np.tile([1.0, 4.0, 2.0, 8.0], 3)[None], 4).tolist() == [False]  # r_4 = 0.667: too few seasons
    assert seasonal_test(np.tile([1.0, 4.0, 2.0, 8.0], 2)[None], 4).tolist() == [False]  # fewer than 3 seasons


def test_detect_season_finds_the_period_most_series_show():
    def panel(m, count=20, n=72):
        return np.stack(_panel([n] * count, m, seed=m))
    assert detect_season(panel(12)) == 12
    assert detect_season(panel(4)) == 4
    assert detect_season(panel(1)) == 1  # random walks
    mixed = np.concatenate([panel(12, count=2), panel(1, count=18)])  # 10 % seasonal: below the 20 % share
    assert detect_season(mixed) == 1


# ----------------------------------------------------------------- combine="theta" in the forecaster
def _frame(m=12, dated=False):
    series = _panel([80, 50, 9], m)
    rows = []
    for k, y in enumerate(series):
        ds = pd.date_range("2000-01-01", periods=len(y), freq="MS") if dated else np.arange(len(y))
        rows.append(pd.DataFrame({"unique_id": f"s{k}", "ds": ds, "y": y}))
    return pd.concat(rows, ignore_index=True)


def _by_series(frame: pd.DataFrame, rows_dropped: int = 0) -> list[np.ndarray]:
    return [g["y"].to_numpy()[: len(g) - rows_dropped, None] for _, g in frame.groupby("unique_id", sort=False)]


@pytest.mark.parametrize("quantiles", [[], [0.1, 0.9]])
def test_predict_weights_network_and_theta_by_their_backtest_and_quantiles_move_with_it(quantiles):
    data = _frame()
    model = GRUForecaster(horizon=6, quantiles=quantiles, **FAST).fit(data)
    assert (model.config_.combine, model.season_length_) == ("theta", 12)  # integer steps: the season from the data
    assert "time 'ds' as steps (season 12 found in the data)" in model.read_back_
    combined = model.predict()
    model.config_.combine = "none"
    network = model.predict()["y"].to_numpy().reshape(3, 6)
    cut = data[data.groupby("unique_id").cumcount(ascending=False) >= 6]  # each series without its last 6 rows
    network_back = model.predict(cut)["y"].to_numpy().reshape(3, 6)  # the forecast of each series' last 6 rows
    model.config_.combine = "theta"
    rows = 2 * model.config_.lookback
    actual = np.stack([y[-6:, 0] for y in _by_series(data)])
    # each series' Theta coefficient: the one whose forecast of its last 6 rows, made 6 rows earlier, was closest
    coefficients = model.config_.theta_coefficients
    assert coefficients == [1.0, 1.5, 2.0, 3.0]
    backs = [theta(last_rows(_by_series(data, 6), rows), 6, 12, c)[..., 0] for c in coefficients]
    best = [int(np.argmin([np.abs(b[i] - actual[i]).mean() for b in backs])) for i in range(3)]
    theta_back = np.stack([backs[best[i]][i] for i in range(3)])
    theta_after = np.stack([theta(last_rows(_by_series(data), rows), 6, 12, coefficients[best[i]])[i, :, 0]
                            for i in range(3)])
    e_net, e_theta = np.abs(network_back - actual).mean(axis=1), np.abs(theta_back - actual).mean(axis=1)
    w = (e_theta / (e_net + e_theta))[:, None]  # all three series have 2 rows before the backtest's cutoff
    want = w * network + (1 - w) * theta_after
    # predict runs both windows of a series in one float32 batch, this test in two: rounding differs
    np.testing.assert_allclose(combined["y"].to_numpy().reshape(3, 6), want, rtol=1e-6)
    model.config_.combine = "none"
    alone = model.predict()
    for column in [c for c in combined.columns if "_q" in c]:
        np.testing.assert_allclose(combined[column] - alone[column], combined["y"] - alone["y"], atol=1e-9)


def test_network_weight_and_with_theta_by_hand():
    actual = np.zeros((3, 2, 1))
    net, theta_back = actual + [[[1.0]], [[0.0]], [[2.0]]], actual + [[[3.0]], [[0.0]], [[0.0]]]
    weight = network_weight(net, theta_back, actual, np.array([True, True, False]))
    np.testing.assert_allclose(weight[:, 0], [0.75, 0.5, 0.5])  # 3 / (1 + 3); both exact; too short
    values = np.array([[[[1.0, 2.0, 4.0]]]])  # (S=1, K=1, C=1, Q=3), point forecast at index 1
    moved = with_theta(values, np.full((1, 1, 1), 6.0), np.full((1, 1), 0.75), point=1)
    np.testing.assert_allclose(moved[0, 0, 0], [2.0, 3.0, 5.0])  # every quantile + (1 - 0.75) * (6 - 2)


def test_a_stream_keeps_two_lookbacks_and_forecasts_like_predict_with_theta():
    data = _frame(dated=True)
    model = GRUForecaster(horizon=6, **FAST).fit(data[data["ds"] < "2005-01-01"])
    model.update(data[data["ds"] >= "2005-01-01"])
    pd.testing.assert_frame_equal(model.forecast(), model.predict(data))
    assert model.season_length_ == 12  # from the monthly frequency
    kept = {sid: len(w.series) for sid, w in model.stream_.windows.items()}
    assert kept == {"s0": 54, "s1": 50, "s2": 9} and model.config_.lookback == 24  # 2 lookbacks + 1 horizon


def test_test_part_metrics_score_the_forecast_predict_makes_at_the_cutoff():
    data = _frame(dated=True)
    data = data[data["unique_id"] != "s2"]  # 9 rows: too short for a test part and a season of MASE scale
    model = GRUForecaster(horizon=6, lookback=12, test_size=6, split="size", **FAST).fit(data)
    cut = data[data.groupby("unique_id").cumcount(ascending=False) >= 6]  # each series without its last 6 rows
    forecast = model.predict(cut)["y"].to_numpy().reshape(2, 6)  # one test window per series: the last 6 rows
    actual = np.stack([y[-6:, 0] for y in _by_series(data)])
    assert model.metrics_["model"]["mae"] == pytest.approx(np.abs(forecast - actual).mean(), rel=1e-9)


def test_a_model_saved_before_combine_existed_loads_as_the_network_alone(tmp_path):
    model = GRUForecaster(horizon=6, **FAST).fit(_frame())
    model.save(tmp_path / "run")
    loaded = GRUForecaster.load(tmp_path / "run")
    assert loaded.config_.combine == "theta"
    pd.testing.assert_frame_equal(loaded.predict(_frame()), model.predict())
    document = json.loads((tmp_path / "run" / "config.json").read_text())
    del document["forecast"]["combine"]
    (tmp_path / "run" / "config.json").write_text(json.dumps(document))
    assert GRUForecaster.load(tmp_path / "run").config_.combine == "none"


def test_a_model_saved_before_theta_coefficients_existed_loads_with_the_classic_theta(tmp_path):
    model = GRUForecaster(horizon=6, **FAST).fit(_frame())
    model.save(tmp_path / "run")
    document = json.loads((tmp_path / "run" / "config.json").read_text())
    del document["forecast"]["theta_coefficients"]
    (tmp_path / "run" / "config.json").write_text(json.dumps(document))
    old = GRUForecaster.load(tmp_path / "run")
    assert old.config_.theta_coefficients == [2.0]
    model.config_.theta_coefficients = [2.0]
    pd.testing.assert_frame_equal(old.predict(_frame()), model.predict())
    model.config_.theta_coefficients = [1.0, 1.5, 2.0, 3.0]
    assert not model.predict()["y"].equals(old.predict(_frame())["y"])  # the series here choose other coefficients


def test_combine_must_be_theta_or_none():
    with pytest.raises(Exception, match=r"^ForecastConfig: combine must be one of 'theta', 'none'; got 'mean'\.$"):
        GRUForecaster(horizon=6, combine="mean", **FAST).fit(_frame())


@pytest.mark.parametrize("module", ["grukit.evaluate.theta", "grukit.data.season", "grukit.forecast.combine",
                                    "grukit.forecast.defaults", "grukit.forecast.pipeline", "grukit.forecast.columns"])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("options", [{}, {"scaler": "standard", "covariates": ["x"]}], ids=["window", "standard"])
def test_the_backtest_forecast_equals_a_forecast_of_the_shortened_series(options):
    """The backtest's network forecast (the rows left out by ``cuts``) is the forecast of each series without
    its last rows, bit for bit, on series the model never saw (each scaled on its own shortened history);
    with covariates the windows are built series by series."""
    data = _frame(dated=True)
    data["x"] = np.sin(np.arange(len(data)))
    model = GRUForecaster(horizon=6, **FAST, **options).fit(data[data["unique_id"] != "s1"])
    new = model._load_like_training(data[data["unique_id"] == "s1"].assign(unique_id="new")).series
    cuts = model._network_values(new * 2, None, [0, 6])
    shortened = model._network_values([new[0], new[0].head(len(new[0]) - 6)], None)
    assert np.array_equal(cuts, shortened)
