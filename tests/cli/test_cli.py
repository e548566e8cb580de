"""The grukit command through click's runner, and a light ``import grukit``."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

import grukit
from grukit.cli import cli, main


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"grukit {grukit.__version__}\n"


def test_help_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Usage: grukit" in result.output and "forecast" in result.output
    forecast = CliRunner().invoke(cli, ["forecast", "--help"])
    assert all(command in forecast.output for command in ("train", "predict", "backtest"))


def test_console_script_runs(tmp_path):
    result = subprocess.run([sys.executable, "-m", "grukit", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"grukit {grukit.__version__}"


def test_main_returns_click_usage_errors_as_2_in_one_line(capsys):
    assert main(["forecast", "train", "--nope"]) == 2
    assert capsys.readouterr().err == ("grukit: error: No such option '--nope'. (Did you mean one of: '--no-pad', "
                                       "'--no-preset', '--no-progress'?) See 'grukit forecast train --help'.\n")


def test_import_grukit_does_not_import_torch():
    code = "import sys, grukit; print('torch' in sys.modules, grukit.__version__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", grukit.__version__]


def test_public_api():
    import grukit.forecast
    import grukit.models
    import grukit.nn

    assert grukit.__all__ == ["__version__", "GRUAnomalyDetector", "GRUClassifier", "GRUForecaster", "audio",
                              "classify", "data", "detect", "evaluate", "forecast", "models", "nn", "train"]
    assert grukit.GRUForecaster is grukit.forecast.GRUForecaster
    assert grukit.nn.__all__ == ["GRU", "GRUCell", "MinGRU"]
    assert grukit.models.__all__ == ["ForecastNet", "GRUAutoencoder", "GRURegressor", "MedianEnsemble", "RevIN",
                                     "pinball_loss"]
    assert grukit.forecast.__all__ == ["ForecastConfig", "GRUForecaster"]
    assert grukit.nn is sys.modules["grukit.nn"]
