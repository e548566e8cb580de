"""grukit.evaluate's public surface: its __all__, light imports, runnable docstrings and the comparison helper."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import numpy as np
import pytest

import grukit.evaluate
from grukit.evaluate import compare_with_baselines, mae

PUBLIC = [
    "mae", "mse", "rmse", "mape", "smape", "mase", "evaluate_all",
    "naive", "seasonal_naive", "drift", "mean", "all_baselines",
    "compare_with_baselines",
    "plot_forecast", "plot_loss", "plot_series_grid", "write_report", "format_metrics_table",
]
MODULES = ["grukit.evaluate", "grukit.evaluate.metrics", "grukit.evaluate.baselines", "grukit.evaluate.compare",
           "grukit.evaluate.plots", "grukit.evaluate.report"]


def test_all_is_curated():
    assert sorted(grukit.evaluate.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(grukit.evaluate, name).__doc__.strip()


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_importing_and_plotting_stay_light(tmp_path):
    code = (
        "import sys, grukit.evaluate as ev\n"
        "assert 'torch' not in sys.modules, 'torch'\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib'\n"
        f"ev.plot_loss({str(tmp_path / 'l.png')!r}, [{{'epoch': 1, 'train_loss': 1.0, 'val_loss': 2.0}}])\n"
        "assert 'torch' not in sys.modules, 'torch after plotting'\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_compare_with_baselines_scores_everything_on_the_same_windows():
    history = np.array([[[1.0], [2.0], [3.0], [4.0]]])  # (B=1, L=4, C=1)
    y_true = np.array([[[5.0], [6.0]]])  # (B=1, K=2, C=1)
    y_pred = np.array([[[5.0], [7.0]]])
    result = compare_with_baselines(history, y_true, y_pred, y_train=[1.0, 2.0, 3.0, 4.0], season_length=2)
    assert result["horizon"] == 2
    assert list(result["baselines"]) == ["naive", "seasonal_naive", "drift", "mean"]
    # model |e| = 0, 1 -> MAE 0.5; naive 4, 4 -> |e| 1, 2 -> 1.5; seasonal (m=2) 3, 4 -> 2, 2 -> 2;
    # drift slope 1 -> 5, 6 -> 0; mean 2.5 -> 2.5, 3.5 -> 3
    assert result["model"]["mae"] == pytest.approx(0.5)
    assert {name: m["mae"] for name, m in result["baselines"].items()} == pytest.approx(
        {"naive": 1.5, "seasonal_naive": 2.0, "drift": 0.0, "mean": 3.0})
    # the training part rises by 2 over each lag of 2 -> scale 2; MASE = MAE / 2
    assert result["model"]["mase"] == pytest.approx(0.25)
    assert result["model"]["mae"] == mae(y_true, y_pred)


def test_compare_with_baselines_checks_the_windows_match():
    with pytest.raises(ValueError, match=r"^compare_with_baselines: history \(2, 4, 1\) must have the same windows"):
        compare_with_baselines(np.ones((2, 4, 1)), np.ones((1, 2, 1)), np.ones((1, 2, 1)), [1.0, 2.0, 3.0])
