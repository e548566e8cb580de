"""The text table, the self-contained HTML report and the PNG plots."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pytest

from grukit.evaluate import format_metrics_table, plot_forecast, plot_loss, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NAN = math.nan

METRICS = {
    "horizon": 3,
    "split": {"train": 80, "val": 10, "test": 10},
    "model": {"mae": 0.5, "rmse": 0.75, "mse": 0.5625, "mape": 12.5, "smape": 11.25, "mase": 0.8},
    "baselines": {
        "naive": {"mae": 1.0, "rmse": 1.25, "mse": 1.5625, "mape": 25.0, "smape": 22.0, "mase": 1.6},
        "seasonal_naive": {"mae": 0.5, "rmse": 0.8, "mse": 0.64, "mape": 12.0, "smape": 11.0, "mase": 0.7},
        "drift": {"mae": 0.25, "rmse": 1234.5678, "mse": 1524157.9, "mape": NAN, "smape": 150.0, "mase": 0.4},
    },
}
SCALED = {
    "model": {"mae": 0.031, "rmse": 0.042, "mse": 0.0018, "mape": 7.5, "smape": 7.0, "mase": 0.8},
    "baselines": {"naive": {"mae": 0.062, "rmse": 0.07, "mse": 0.0049, "mape": 15.0, "smape": 14.0, "mase": 1.6}},
}


def test_text_table():
    # 4 significant digits, NaN as n/a; the last column compares MAE: 0.5 < 1 yes, 0.5 = 0.5 tie, 0.5 > 0.25 no.
    assert format_metrics_table(METRICS) == (
        "Test metrics (original scale, horizon 3)\n"
        "                     MAE      RMSE       MSE    MAPE %   sMAPE %      MASE  beats on MAE\n"
        "model                0.5      0.75    0.5625      12.5     11.25       0.8\n"
        "naive                  1      1.25     1.562        25        22       1.6  yes\n"
        "seasonal_naive       0.5       0.8      0.64        12        11       0.7  tie\n"
        "drift               0.25      1235 1.524e+06       n/a       150       0.4  no\n"
        "The model beats 1 of 3 baselines on MAE."
    )


def test_text_table_names_a_missing_metric():
    with pytest.raises(ValueError, match=r"^metrics: the row 'naive' lacks mase; every row needs mae, rmse, mse, "
                                         r"mape, smape, mase \(as evaluate_all returns\)\.$"):
        format_metrics_table({"model": METRICS["model"], "baselines": {"naive": {"mae": 1.0, "rmse": 1.0, "mse": 1.0,
                                                                                  "mape": 1.0, "smape": 1.0}}})


@pytest.fixture(scope="module")
def plots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plots")
    loss = plot_loss(folder / "loss.png", [
        {"epoch": 1, "train_loss": 1.0, "val_loss": 1.2},
        {"epoch": 2, "train_loss": 0.5, "val_loss": 0.7},
        {"epoch": 3, "train_loss": 0.3, "val_loss": 0.8},
    ])
    t = np.arange(12)
    rng = np.random.default_rng(0)
    forecast = plot_forecast(folder / "forecast.png", t[:8], rng.normal(size=(8, 2)), t[8:], rng.normal(size=(4, 2)),
                             rng.normal(size=(4, 2)), lower=-np.ones((4, 2)), upper=np.ones((4, 2)),
                             title="test window 0", channel_names=["load", "temp"])
    return {"Forecast on the <first> window": forecast, "Loss": loss}


def test_plots_are_png_files(plots):
    for path in plots.values():
        assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(p.name for p in next(iter(plots.values())).parent.iterdir()) == ["forecast.png", "loss.png"]


def test_plot_forecast_many_channels_datetimes_and_no_actuals(tmp_path):
    import pandas as pd

    times = pd.date_range("2024-01-01", periods=10, freq="h")
    path = plot_forecast(tmp_path / "f.png", times[:6], np.ones((6, 6)), times[6:], None, np.zeros((4, 6)))
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_plot_loss_without_validation(tmp_path):
    path = plot_loss(tmp_path / "loss.png", [{"epoch": 1, "train_loss": 2.0}, {"epoch": 2, "train_loss": -1.0,
                                                                               "val_loss": None}])
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_plot_forecast_shape_error(tmp_path):
    with pytest.raises(ValueError, match=re.escape(
            "plot_forecast: forecast must have shape (3, 2), one row per future_time entry and one column per "
            "channel of history_values; got (3, 1).")):
        plot_forecast(tmp_path / "f.png", range(5), np.ones((5, 2)), range(3), None, np.ones((3, 1)))
    with pytest.raises(ValueError, match="^plot_forecast: pass both lower and upper for a band, or neither.$"):
        plot_forecast(tmp_path / "f.png", range(5), np.ones(5), range(3), None, np.ones(3), lower=np.ones(3))
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def report(plots, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    details = {"data": "sales.csv", "model": {"hidden_size": 64, "num_layers": 2}, "note": "a < b & c"}
    write_report(path, dict(METRICS, scaled=SCALED), plots, title="Sales <GRU> & friends", details=details)
    return path, path.read_text(encoding="utf-8")


def test_report_is_self_contained(report, plots):
    path, text = report
    assert "http://" not in text and "https://" not in text
    assert "<script" not in text and "<link" not in text
    assert not re.search(r"""(src|href)\s*=\s*(?!["']?data:)""", text)
    assert text.count('src="data:image/png;base64,') == 2
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', text)
    assert base64.b64decode(embedded[0]) == plots["Forecast on the <first> window"].read_bytes()
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]  # no temporary files left


def test_report_escapes_text(report):
    _, text = report
    assert "<h1>Sales &lt;GRU&gt; &amp; friends</h1>" in text
    assert "<title>Sales &lt;GRU&gt; &amp; friends</title>" in text
    assert "Forecast on the &lt;first&gt; window" in text and "<first>" not in text
    assert "<td>a &lt; b &amp; c</td>" in text


def test_report_lists_every_row_and_bolds_the_best(report):
    _, text = report
    original = text.split("<h2>Forecast accuracy (scaled")[0]
    rows = dict(re.findall(r'<tr[^>]*><th scope="row">([^<]+)</th>(.*?)</tr>', original))
    assert list(rows) == ["model", "naive", "seasonal_naive", "drift"]
    cells = {name: re.findall(r"<td>(.*?)</td>", row) for name, row in rows.items()}
    # columns: MAE, RMSE, MSE, MAPE %, sMAPE %, MASE; the lowest of each is bold (drift wins MAE and MASE)
    assert cells["model"] == ["0.5", "<strong>0.75</strong>", "<strong>0.5625</strong>", "12.5", "11.25", "0.8"]
    assert cells["naive"] == ["1", "1.25", "1.562", "25", "22", "1.6"]
    assert cells["seasonal_naive"] == ["0.5", "0.8", "0.64", "<strong>12</strong>", "<strong>11</strong>", "0.7"]
    assert cells["drift"] == ["<strong>0.25</strong>", "1235", "1.524e+06", "n/a", "150", "<strong>0.4</strong>"]


def test_report_has_the_scaled_table_and_details(report):
    _, text = report
    assert "<h2>Forecast accuracy (scaled, as the model was trained)</h2>" in text
    scaled = text.split("<h2>Forecast accuracy (scaled")[1].split("<h2>")[0]
    assert "<strong>0.031</strong>" in scaled and "0.062" in scaled
    for key, value in [("data", "sales.csv"), ("model.hidden_size", "64"), ("model.num_layers", "2"),
                       ("split.train", "80"), ("split.test", "10")]:
        assert f"<tr><th>{key}</th><td>{value}</td></tr>" in text
    assert "Forecast horizon: 3 steps." in text


def test_report_without_scaled_metrics_or_plots(tmp_path):
    path = write_report(tmp_path / "r.html", METRICS, {}, title="t", details={})
    text = path.read_text(encoding="utf-8")
    assert "scaled" not in text and "<h2>Plots</h2>" not in text and "<img" not in text


def test_report_rejects_a_plot_that_is_not_png(tmp_path):
    fake = tmp_path / "plot.png"
    fake.write_text("not a png")
    with pytest.raises(ValueError, match="is not a PNG file; only PNG images can be embedded.$"):
        write_report(tmp_path / "r.html", METRICS, {"x": fake}, title="t", details={})
    with pytest.raises(FileNotFoundError, match="does not exist; write it first"):
        write_report(tmp_path / "r.html", METRICS, {"x": tmp_path / "missing.png"}, title="t", details={})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png"]
