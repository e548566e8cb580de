"""The grukit command through click's runner, and a light ``import grukit``."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

import grukit
from grukit.cli import cli


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"grukit {grukit.__version__}\n"


def test_help_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Usage: grukit" in result.output and "demo" in result.output


def test_demo_trains_and_writes_only_under_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["demo", "--epochs", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert f"GRU   test MSE: {metrics['test_mse']:.3e}" in result.output
    assert 0 < metrics["test_mse"] < 0.5 and metrics["split"]["test_windows"] == 150
    assert (out / "prediction.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "prediction.png"]


def test_demo_rejects_an_unknown_reset_form():
    result = CliRunner().invoke(cli, ["demo", "--reset", "middle"])
    assert result.exit_code == 2
    assert "Invalid value for '--reset': 'middle' is not one of 'after', 'before'." in result.output


def test_import_grukit_does_not_import_torch():
    code = "import sys, grukit; print('torch' in sys.modules, grukit.__version__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", grukit.__version__]


def test_public_api():
    import grukit.models
    import grukit.nn

    assert grukit.__all__ == ["__version__", "nn"]
    assert grukit.nn.__all__ == ["GRU", "GRUCell", "MinGRU"]
    assert grukit.models.__all__ == ["ForecastNet", "GRURegressor", "RevIN", "pinball_loss"]
    assert grukit.nn is sys.modules["grukit.nn"]
