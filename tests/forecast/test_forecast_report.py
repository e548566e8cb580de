"""What `grukit forecast train --out` shows: the per-series table of a panel, the series grid, the
read-back and training facts, interval coverage, no z-score table; and the report as a browser
renders it (headless Chromium, skipped when it is not installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from helpers.cli import run

FAST = ["--horizon", "4", "--lookback", "8", "--epochs", "2", "--ensemble", "1", "--no-progress"]
CHROMIUM = next((path for name in ("chromium", "chromium-browser", "google-chrome")
                 if (path := shutil.which(name))), None)


def _panel(tmp_path, noisy: str = "C"):
    """Three monthly series of the long layout: two straight trends and ``noisy``, white noise."""
    rng = np.random.default_rng(0)
    months = pd.date_range("2015-01-01", periods=36, freq="MS")
    rows = []
    for k, name in enumerate("ABC"):
        values = 100 + k * 10 + np.arange(36) * 0.5 if name != noisy else 100 + 20 * rng.standard_normal(36)
        rows += [(name, t.strftime("%Y-%m-%d"), v) for t, v in zip(months, values)]
    path = tmp_path / "panel.csv"
    pd.DataFrame(rows, columns=["store", "month", "sales"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def panel_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("report")
    from grukit.cli import main

    out = tmp_path / "run"
    code = main(["forecast", "train", str(_panel(tmp_path)), "--quantiles", "0.1,0.5,0.9", "--cv-windows", "2",
                 "--out", str(out), *FAST])
    assert code == 0
    return out


def test_per_series_table_is_sorted_worst_first_and_saved(panel_run):
    table = pd.read_csv(panel_run / "per_series.csv")
    assert list(table.columns) == ["id", "windows", "GRU MAE", "Naive MAE", "SeasonalNaive MAE", "GRU MASE",
                                   "GRU sMAPE %", "GRU / best baseline"]
    ratios = table["GRU / best baseline"].to_numpy()
    assert (np.diff(ratios) <= 0).all() and set(table["id"]) == {"A", "B", "C"}
    assert (table["windows"] == 2).all()
    np.testing.assert_allclose(ratios, table["GRU MAE"] / table[["Naive MAE", "SeasonalNaive MAE"]].min(axis=1))
    cv = pd.read_csv(panel_run / "cross_validation.csv")
    first = table["id"][0]
    rows = cv[cv["store"] == first]
    assert table["GRU MAE"][0] == pytest.approx(np.abs(rows["sales"] - rows["GRU"]).mean())


def test_report_shows_the_panel_the_read_back_and_the_training_but_no_z_scores(panel_run):
    text = (panel_run / "report.html").read_text()
    sections = re.findall(r"<h2>([^<]*)</h2>", text)
    assert sections == ["Forecast accuracy (original scale)", "Per series, worst first", "Plots", "Details"]
    assert 'alt="Series after the data"' in text and (panel_run / "plots" / "series.png").exists()
    assert "Interval q0.1-q0.9: " in text and "(nominal 80%)" in text
    assert "panel.csv: 3 series, 108 rows; time &#x27;month&#x27; (MS, season 12) 2015-01-01 .. 2017-12-01" in text
    assert "<th>training.members</th><td>1</td>" in text and "<th>training.epochs</th><td>[2]</td>" in text
    assert "scaled" not in text.split("<h2>Details</h2>")[0]
    metrics = json.loads((panel_run / "metrics.json").read_text())
    assert metrics["intervals"]["nominal"] == pytest.approx(0.8) and 0 <= metrics["intervals"]["coverage"] <= 1


def test_interval_coverage_is_printed(tmp_path, capsys):
    code, out, err = run(capsys, ["forecast", "train", _panel(tmp_path), "--quantiles", "0.1,0.5,0.9", *FAST])
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("Interval"))
    assert re.fullmatch(r"Interval q0\.1-q0\.9: \d+% of the actual values inside it \(nominal 80%\)\.", line)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (the Debian package chromium; .ci/run installs it)")
def test_report_renders_in_headless_chromium_with_every_image(panel_run, tmp_path):
    probe = """<script>window.addEventListener("load", function () {
      var seen = Array.from(document.images).map(function (i) { return [i.alt, i.complete && i.naturalWidth > 0]; });
      var div = document.createElement("div"); div.id = "probe"; div.textContent = JSON.stringify(seen);
      document.body.appendChild(div);
    });</script>"""
    page = tmp_path / "probe.html"
    page.write_text((panel_run / "report.html").read_text().replace("</body>", probe + "</body>"))
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'<div id="probe">(.*?)</div>', result.stdout)
    assert found, result.stderr[-2000:]
    images = dict(json.loads(found.group(1).replace("&quot;", '"')))
    assert images and all(images.values()), images
    assert {"Forecast after the data", "Series after the data"} <= set(images)
