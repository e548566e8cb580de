"""grukit forecast on real files: a full run, and every bad input as a one-line error."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from helpers.cli import one_line_error as _one_line_error, run as _run
from helpers.files import forecast_csv as _csv

FAST = ["--epochs", "2", "--hidden-size", "8", "--no-progress", "--num-threads", "1"]





def test_train_writes_every_artifact_and_predict_reads_them(tmp_path, capsys):
    data, out = _csv(tmp_path), tmp_path / "run"
    code, stdout, _ = _run(capsys, ["forecast", "train", data, "--target", "load", "--lookback", "24",
                                    "--horizon", "6", "--out", out, *FAST])
    assert code == 0
    assert "Cross-validation metrics (original scale, horizon 6)" in stdout
    assert f"report: {out / 'report.html'}" in stdout
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    members = [f"member{k}/{name}" for k in range(3)  # the default ensemble: a training log per member
               for name in ("checkpoint/last.json", "checkpoint/last.safetensors", "metrics.csv")]
    assert names == ["config.json", "cross_validation.csv", "forecast.csv", *members, "metrics.json",
                     "model.safetensors", "per_series.csv", "plots/cross_validation.png", "plots/forecast.png", "plots/loss.png",
                     "report.html"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["horizon"] == 6 and set(metrics["baselines"]) == {"naive", "seasonal_naive"}
    assert set(metrics["model"]) == {"mae", "rmse", "mse", "mape", "smape", "mase"} and metrics["windows"] == 1
    cv = pd.read_csv(out / "cross_validation.csv")
    assert list(cv.columns) == ["series", "date", "cutoff", "load", "GRU", "Naive", "SeasonalNaive"]
    assert len(cv) == 6 and cv["cutoff"].iloc[0] == "2021-01-05 17:00:00"  # the last 6 of 120 hourly rows
    assert "data:image/png;base64," in (out / "report.html").read_text()
    code, stdout, _ = _run(capsys, ["forecast", "predict", "--model", out, "--data", data, "--out",
                                    tmp_path / "f.csv"])
    assert code == 0
    forecast = pd.read_csv(tmp_path / "f.csv")
    assert list(forecast.columns) == ["series", "date", "load"] and len(forecast) == 6
    assert forecast["date"].iloc[0] == "2021-01-06 00:00:00"


def test_config_file_and_command_line_precedence(tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text('target = ["load"]\nlookback = 24\nhorizon = 99\nepochs = 2\n')
    code, stdout, _ = _run(capsys, ["forecast", "train", _csv(tmp_path), "--config", config, "--horizon", "4",
                                    "--hidden-size", "8", "--no-progress"])
    assert code == 0 and "horizon 4)" in stdout


def test_unknown_config_key_lists_the_valid_ones(tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text("lookbak = 24\n")
    code, _, err = _run(capsys, ["forecast", "train", _csv(tmp_path), "--config", config])
    assert code == 2
    assert _one_line_error(err).startswith("unknown option 'lookbak' (did you mean 'lookback'?); "
                                           "valid options: dataset, time_col, target, ")


BAD_DATA = {
    "target missing": (dict(), ["--target", "lod"], 1,
                       "target column 'lod' not found in {data}; the columns are: date, load, temp; "
                       "pass one of them as target."),
    "non-numeric": (dict(load=(5, "oops")), ["--target", "load"], 1,
                    "non-numeric value 'oops' in column 'load' at line 7 of {data} (line 1 is the header); "
                    "expected a number; fix or remove that value."),
    "too short": (dict(), ["--target", "load", "--lookback", "100", "--horizon", "30", "--no-pad"], 1,
                  "series 'data' has 120 rows but lookback 100 + horizon 30 = 130 rows are needed for one "
                  "window; use a shorter lookback or horizon, or a longer series."),
    "horizon < 0": (dict(), ["--horizon", "-1"], 2,
                    "ForecastConfig: horizon must be at least 1, or 0 to choose it from the data; got -1."),
    "missing values": (dict(load=(3, "")), ["--target", "load"], 1,
                       "1 value is missing in {data}, at load@2021-01-01 03:00:00; fill the gaps, or pass "
                       "--missing interpolate or --missing ffill (missing='interpolate' or 'ffill' in Python)."),
}


@pytest.mark.parametrize("case", BAD_DATA, ids=list(BAD_DATA))
def test_bad_data_is_one_line_and_leaves_no_output(tmp_path, capsys, case):
    edits, args, exit_code, message = BAD_DATA[case]
    data, out = _csv(tmp_path, **edits), tmp_path / "run"
    code, _, err = _run(capsys, ["forecast", "train", data, *args, "--out", out, *FAST])
    assert code == exit_code
    assert _one_line_error(err) == message.format(data=data)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_unsorted_duplicate_and_irregular_timestamps(tmp_path, capsys):
    frame = pd.read_csv(_csv(tmp_path))
    cases = {  # unsorted rows are sorted (with a warning), so a repeat after sorting is what fails
        "unsorted": frame.iloc[[0, 2, 1, 2, *range(3, len(frame))]],
        "duplicate": frame.iloc[[0, 1, 1, *range(2, len(frame))]],
        "irregular": frame.drop(index=[10]),
    }
    expected_start = {"unsorted": "duplicate timestamp 2021-01-01 02:00:00 in column 'date'",
                      "duplicate": "duplicate timestamp 2021-01-01 01:00:00 in column 'date'",
                      "irregular": "cannot infer the frequency of column 'date'"}
    for name, bad in cases.items():
        path = tmp_path / f"{name}.csv"
        bad.to_csv(path, index=False)
        code, _, err = _run(capsys, ["forecast", "train", path, "--target", "load", *FAST])
        assert code == 1 and _one_line_error(err).startswith(expected_start[name]), err


def test_broken_model_folders(tmp_path, capsys):
    data, out = _csv(tmp_path), tmp_path / "run"
    assert _run(capsys, ["forecast", "train", data, "--target", "load", "--lookback", "24", "--horizon", "6",
                         "--out", out, *FAST])[0] == 0
    predict = ["forecast", "predict", "--model", out, "--data", data]
    # data whose columns differ from training
    other = tmp_path / "other.csv"
    pd.read_csv(data).rename(columns={"load": "power"}).to_csv(other, index=False)
    code, _, err = _run(capsys, ["forecast", "predict", "--model", out, "--data", other])
    assert code == 1 and "not found" in _one_line_error(err)
    # a config of a newer format version
    config = json.loads((out / "config.json").read_text())
    (out / "config.json").write_text(json.dumps({**config, "format_version": 7}))
    code, _, err = _run(capsys, predict)
    assert code == 1 and "has format version 7, newer than this grukit" in _one_line_error(err)
    (out / "config.json").write_text("{not json")
    code, _, err = _run(capsys, predict)
    assert code == 1 and "is not valid JSON" in _one_line_error(err)
    (out / "config.json").write_text(json.dumps(config))
    # truncated weights, then missing weights
    weights = out / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    code, _, err = _run(capsys, predict)
    assert code == 1 and "does not match the checksum" in _one_line_error(err)
    weights.unlink()
    code, _, err = _run(capsys, predict)
    assert code == 1 and _one_line_error(err).endswith("is missing; a model folder holds config.json and "
                                                        "model.safetensors as written by training. Retrain or "
                                                        "restore the file.")


def test_backtest_runs_folds(tmp_path, capsys):
    code, stdout, _ = _run(capsys, ["forecast", "backtest", _csv(tmp_path), "--target", "load", "--lookback", "24",
                                    "--horizon", "6", "--folds", "2", "--out", tmp_path / "bt", *FAST])
    assert code == 0 and "fold 1: origin after row 108" in stdout and "fold 2: origin after row 114" in stdout
    result = json.loads((tmp_path / "bt" / "backtest.json").read_text())
    assert result["folds"] == 2 and len(result["per_fold"]) == 2
    cv = pd.read_csv(tmp_path / "bt" / "cross_validation.csv")
    assert cv["cutoff"].unique().tolist() == ["2021-01-05 11:00:00", "2021-01-05 17:00:00"] and len(cv) == 12


def test_resume_continues_a_run(tmp_path, capsys):
    data, out = _csv(tmp_path), tmp_path / "run"
    args = ["forecast", "train", data, "--target", "load", "--lookback", "24", "--horizon", "6", "--out", out, *FAST]
    assert _run(capsys, args)[0] == 0
    first = (out / "model.safetensors").read_bytes()
    code, stdout, _ = _run(capsys, [*args, "--resume"])
    assert code == 0 and "report:" in stdout
    assert (out / "model.safetensors").read_bytes() == first  # the finished run resumes to the same model
    code, _, err = _run(capsys, ["forecast", "train", data, "--resume"])
    assert code == 2 and "grukit: error: --resume needs --out, the folder of the run to continue.\n" == err


def test_predict_takes_h_and_future_covariates(tmp_path, capsys):
    frame = pd.read_csv(_csv(tmp_path))
    frame["promo"] = (np.arange(len(frame)) % 5 == 0).astype(float)
    data, out = tmp_path / "promo.csv", tmp_path / "run"
    frame.to_csv(data, index=False)
    assert _run(capsys, ["forecast", "train", data, "--target", "load", "--future-covariates", "promo",
                         "--lookback", "12", "--horizon", "4", "--ensemble", "1", "--out", out, *FAST])[0] == 0
    future = tmp_path / "future.csv"
    pd.DataFrame({"date": pd.date_range("2021-01-06", periods=4, freq="h"), "promo": [1.0, 0, 0, 0]}).to_csv(
        future, index=False)
    code, stdout, _ = _run(capsys, ["forecast", "predict", "--model", out, "--data", data, "--future", future,
                                    "--h", "2"])
    assert code == 0 and stdout.splitlines()[0] == "series,date,load" and len(stdout.splitlines()) == 3
    code, _, err = _run(capsys, ["forecast", "predict", "--model", out, "--data", data])
    assert code == 1 and _one_line_error(err).startswith("this model was trained with future covariates promo: ")
