"""grukit detect train | score on real files: a full run, and every bad input as a one-line error."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import grukit.detect
from grukit.cli import cli
from grukit.cli.detect import detect
from helpers.cli import one_line_error as _one_line_error, run as _run
from helpers.files import detect_csv as _csv

cli.add_command(detect)  # grukit.cli registers it; adding it again here is harmless

FAST = ["--lookback", "24", "--hidden-size", "8", "--epochs", "3", "--train-fraction", "0.5", "--no-progress",
        "--num-threads", "1"]





def test_train_writes_every_artifact_and_score_reads_them(tmp_path, capsys):
    data, out = _csv(tmp_path), tmp_path / "run"
    windows = tmp_path / "windows.json"
    windows.write_text(json.dumps([["2021-01-11 08:00:00", "2021-01-11 14:00:00"]]))  # rows 248..254
    code, stdout, _ = _run(capsys, ["detect", "train", data, "--windows", windows, "--out", out, *FAST])
    assert code == 0, stdout
    assert "windows: 1 of 1 detected" in stdout and f"report: {out / 'report.html'}" in stdout
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == ["checkpoint/last.json", "checkpoint/last.safetensors", "config.json", "metrics.csv",
                     "metrics.json", "model.safetensors", "plots/loss.png", "plots/scores.png", "report.html",
                     "scores.csv"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["method"] == "forecast" and metrics["windows"]["recall"] == 1.0
    assert set(metrics["nab"]) == {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}
    assert metrics["clean_stretch"]["rows"] == 150 and metrics["flagged"]["from_row"] == 150
    report = (out / "report.html").read_text()
    assert "data:image/png;base64," in report and "NAB score (standard profile, raw)" in report
    scores = pd.read_csv(out / "scores.csv")
    assert list(scores.columns) == ["timestamp", "value", "score", "flagged", "alarm"] and len(scores) == 300
    assert bool(scores["flagged"][250])

    code, stdout, _ = _run(capsys, ["detect", "score", "--model", out, data, "--out", tmp_path / "s.csv"])
    assert code == 0 and stdout.startswith(f"scores: {tmp_path / 's.csv'} (")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "s.csv"), scores)
    code, stdout, _ = _run(capsys, ["detect", "score", "--model", out, data])  # no --out: CSV on stdout
    assert code == 0 and stdout.splitlines()[0] == "timestamp,value,score,flagged,alarm"


def test_autoencoder_and_toml_config(tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text('method = "autoencoder"\nlookback = 99\n')
    code, stdout, _ = _run(capsys, ["detect", "train", _csv(tmp_path), "--config", config, *FAST])
    assert code == 0 and "threshold" in stdout  # --lookback 24 on the command line wins over the file's 99


def test_bundled_nab_series_with_its_windows(capsys):
    code, stdout, _ = _run(capsys, ["detect", "train", "--dataset", "ec2_request_latency", "--lookback", "24",
                                    "--hidden-size", "4", "--epochs", "1", "--no-progress", "--num-threads", "1"])
    assert code == 0 and "of 3 detected" in stdout and "(null -3, perfect 3)" in stdout


BAD_DATA = {
    "empty file": (None, [], 1, "data file {data} is empty; expected a header row and at least one data row."),
    "header only": ("timestamp,value\n", [], 1, "{data} has no data rows; expected a header row and at least one "
                                                "data row."),
    "non-numeric value": ({5: "oops"}, [], 1, "non-numeric value 'oops' in column 'value' at line 7 of {data} "
                                              "(line 1 is the header); expected a number; fix or remove that value."),
    "missing value": ({3: ""}, [], 1, "1 value is missing in {data}, at value@2021-01-01 03:00:00; fill the gaps, or "
                                      "pass --missing interpolate or --missing ffill (missing='interpolate' or "
                                      "'ffill' in Python)."),
    "too-short series": ("short", [], 1, "the clean stretch of {data} has 6 rows (the first 0.15 of its 40 rows), too "
                                         "few to train on: lookback 48 needs at least 61 (49 for one training window, "
                                         "12 held out for validation); use a smaller lookback, a longer clean stretch "
                                         "(train_fraction, train_max_rows or train_end) or a longer series."),
    "bad option": ({}, ["--method", "lstm"], 2, "DetectConfig: method must be one of 'forecast', 'autoencoder'; "
                                                "got 'lstm'."),
    "missing windows file": ({}, ["--windows", "nowhere.json"], 1, "windows file nowhere.json not found; pass a JSON "
                                                                  "file of [start, end] pairs."),
}


@pytest.mark.parametrize("case", BAD_DATA, ids=list(BAD_DATA))
def test_bad_input_is_one_line_and_leaves_no_output(tmp_path, capsys, case):
    content, args, exit_code, message = BAD_DATA[case]
    if content is None:
        data = tmp_path / "data.csv"
        data.write_bytes(b"")
    elif content == "short":
        data = _csv(tmp_path, n=40)
    elif isinstance(content, str):
        data = tmp_path / "data.csv"
        data.write_text(content)
    else:
        data = _csv(tmp_path, edits=content)
    out = tmp_path / "run"
    code, _, err = _run(capsys, ["detect", "train", data, *args, "--out", out])
    assert code == exit_code
    assert _one_line_error(err) == message.format(data=data)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_score_errors(tmp_path, capsys):
    data, missing = _csv(tmp_path), tmp_path / "no_model"
    code, _, err = _run(capsys, ["detect", "score", "--model", missing, data, "--out", tmp_path / "s.csv"])
    assert code == 1
    assert _one_line_error(err) == f"model folder {missing} does not exist; pass the --out folder of a training run."
    assert not (tmp_path / "s.csv").exists()
    code, _, err = _run(capsys, ["detect", "score", "--model", missing])
    assert code == 2 and "Missing argument 'DATA'" in err


def test_public_api():
    assert grukit.detect.__all__ == [
        "DetectConfig", "GRUAnomalyDetector", "NAB_FILES", "PROFILES", "NabProfile", "NabScore", "load_nab",
        "nab_score", "nab_windows", "probationary_length", "published_scores", "scaled_sigmoid", "window_rows",
        "NabCorpus", "ThresholdChoice", "best_threshold", "normalized_score",
        "WindowMetrics", "flagged_stretches", "window_metrics",
    ]
    for name in grukit.detect.__all__:
        assert getattr(grukit.detect, name).__doc__ or name in ("NAB_FILES", "PROFILES")
