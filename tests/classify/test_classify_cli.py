"""grukit classify on real files: a full run on the bundled GunPoint, predict, and every bad input as one line."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from grukit.cli import cli
from grukit.cli.classify import classify
from grukit.classify.datasets import bundled_path
from helpers.cli import one_line_error as _one_line_error, run as _run
from helpers.files import TS_HEADER, toy_rows as _toy_rows, ts_file as _ts

if "classify" not in cli.commands:  # until grukit.cli registers the group itself
    cli.add_command(classify)

FAST = ["--epochs", "2", "--hidden-size", "8", "--no-progress", "--num-threads", "1"]


def test_bundled_gunpoint_run_writes_every_artifact_and_predict_reads_them(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, _ = _run(capsys, ["classify", "train", "--out", out, *FAST])
    assert code == 0, stdout
    assert stdout.startswith("test accuracy ") and "/150), macro F1 " in stdout
    assert f"report: {out / 'report.html'}" in stdout
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == ["checkpoint/last.json", "checkpoint/last.safetensors", "config.json", "metrics.csv",
                     "metrics.json", "model.safetensors", "plots/confusion.png", "plots/loss.png", "report.html"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["part"] == "test" and metrics["n"] == 150 and metrics["classes"] == ["1", "2"]
    assert set(metrics) >= {"accuracy", "macro_f1", "confusion_matrix", "per_class", "split"}
    assert metrics["split"] == {"data": str(bundled_path("gunpoint", "train")), "train": 50, "validation": 0,
                                "stratified": True, "seed": 0}
    config = json.loads((out / "config.json").read_text())
    assert config["classify"]["segment_length"] == 5 and config["train"]["epochs"] == 2  # preset under the options
    assert config["classify"]["dataset"] == "gunpoint"
    assert "data:image/png;base64," in (out / "report.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging folder left behind

    test_file = bundled_path("gunpoint", "test")
    code, stdout, _ = _run(capsys, ["classify", "predict", "--model", out, test_file, "--out", tmp_path / "p.csv"])
    assert code == 0 and f"predictions: {tmp_path / 'p.csv'}" in stdout and f"accuracy on {test_file}: " in stdout
    table = pd.read_csv(tmp_path / "p.csv")
    assert list(table.columns) == ["file", "id", "label", "probability", "true_label"] and len(table) == 150
    assert table["probability"].between(0.5, 1.0).all() and set(table["label"]) <= {1, 2}


def test_own_files_train_and_predict_to_stdout(tmp_path, capsys):
    data, out = _ts(tmp_path, _toy_rows()), tmp_path / "run"
    code, stdout, _ = _run(capsys, ["classify", "train", data, "--out", out, "--val-size", "0.25", *FAST])
    assert code == 0 and stdout.startswith("validation accuracy ")
    unlabelled = _ts(tmp_path, "0,1,2,3\n3,2,1\n", name="new.ts", header="@classLabel false\n@data\n")
    code, stdout, _ = _run(capsys, ["classify", "predict", "--model", out, unlabelled])
    assert code == 0
    lines = stdout.strip().splitlines()
    assert lines[0] == "file,id,label,probability" and len(lines) == 3 and lines[1].startswith(f"{unlabelled},0,")


def test_config_file_and_unknown_key(tmp_path, capsys):
    data = _ts(tmp_path, _toy_rows())
    config = tmp_path / "run.toml"
    config.write_text('pooling = "mean"\nepochs = 2\nhidden_size = 4\nval_size = 0.2\n')
    code, stdout, _ = _run(capsys, ["classify", "train", data, "--config", config, "--no-progress"])
    assert code == 0 and "validation accuracy" in stdout
    config.write_text("poolng = 'mean'\n")
    code, _, err = _run(capsys, ["classify", "train", data, "--config", config])
    assert code == 2 and _one_line_error(err).startswith("unknown option 'poolng' (did you mean 'pooling'?); "
                                                         "valid options: dataset, ")


BAD_TRAIN = {
    "empty .ts file": ("data.ts", "", 1, "{data} is empty; expected a .ts file with @ header lines, @data and one "
                       "row per sequence."),
    "empty .csv file": ("data.csv", "", 1, "data file {data} is empty; expected a header row and at least one data "
                        "row."),
    "malformed .ts row": ("data.ts", TS_HEADER + "0,1,2:a\n0,1,two:b\n", 1,
                          "line 5 of {data}: value 'two' at position 3 of dimension 1 is not a number; a row is "
                          "comma-separated numbers per dimension, dimensions separated by ':', then ':label'."),
    "sequence shorter than 2 steps": ("data.ts", TS_HEADER + "0,1,2:a\n7:b\n", 1,
                                      "line 5 of {data} has 1 time step; the classifier needs at least 2 per "
                                      "sequence. Drop or lengthen that sequence."),
    "short csv row": ("data.csv", "t0,t1,t2,label\n1,2,3,a\n4,,,b\n", 1,
                      "line 3 of {data} (line 1 is the header) has 1 time step; the classifier needs at least 2 per "
                      "sequence. Drop or lengthen that sequence."),
    "bad option": ("data.ts", TS_HEADER + _toy_rows(), 2, "ClassifyConfig: val_size must be in [0, 1), a share of the "
                   "training sequences; got 1.5."),
}


@pytest.mark.parametrize("case", BAD_TRAIN, ids=list(BAD_TRAIN))
def test_bad_training_input_is_one_line_and_leaves_no_output(tmp_path, capsys, case):
    name, text, exit_code, message = BAD_TRAIN[case]
    data, out = tmp_path / name, tmp_path / "run"
    data.write_text(text)
    extra = ["--val-size", "1.5"] if case == "bad option" else []
    code, _, err = _run(capsys, ["classify", "train", data, "--out", out, *extra, *FAST])
    assert code == exit_code
    assert _one_line_error(err) == message.format(data=data)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no output folder, no staging folder


def test_unknown_label_in_the_test_file_fails_before_training(tmp_path, capsys):
    data, out = _ts(tmp_path, _toy_rows()), tmp_path / "run"
    test = _ts(tmp_path, "0,1,2:a\n0,1,2:c\n", name="test.ts", header="@classLabel true a b c\n@data\n")
    code, _, err = _run(capsys, ["classify", "train", data, "--test", test, "--out", out, *FAST])
    assert code == 1
    assert _one_line_error(err) == (f"label 'c' at line 4 of {test} is not one of the classes the model was trained "
                                    f"on: 'a', 'b'; pass data of those classes only, or retrain with this class.")
    assert not out.exists()


def test_unknown_label_at_predict_time(tmp_path, capsys):
    data, out = _ts(tmp_path, _toy_rows()), tmp_path / "run"
    assert _run(capsys, ["classify", "train", data, "--out", out, *FAST])[0] == 0
    new = _ts(tmp_path, "0,1,2:a\n2,1,0:z\n", name="new.ts", header="@classLabel true a z\n@data\n")
    code, stdout, err = _run(capsys, ["classify", "predict", "--model", out, new, "--out", tmp_path / "p.csv"])
    assert code == 1 and stdout == ""
    assert _one_line_error(err) == (f"label 'z' at line 4 of {new} is not one of the classes the model was trained "
                                    f"on: 'a', 'b'; pass data of those classes only, or retrain with this class.")
    assert not (tmp_path / "p.csv").exists()


def test_predict_errors_on_model_folder_and_channels(tmp_path, capsys):
    data, out = _ts(tmp_path, _toy_rows()), tmp_path / "run"
    code, _, err = _run(capsys, ["classify", "predict", "--model", out, data])
    assert code == 1 and _one_line_error(err) == (f"model folder {out} does not exist; pass the --out folder of a "
                                                  f"training run.")
    assert _run(capsys, ["classify", "train", data, "--out", out, *FAST])[0] == 0
    two = _ts(tmp_path, "0,1,2:0,1,2:a\n", name="two.ts")
    code, _, err = _run(capsys, ["classify", "predict", "--model", out, two])
    assert code == 1 and _one_line_error(err) == (f"{two} has 2 channels per step but the model was trained on 1; "
                                                  f"pass data with the training channels.")


def test_resume_continues_a_finished_run_to_the_same_model(tmp_path, capsys):
    data, out = _ts(tmp_path, _toy_rows()), tmp_path / "run"
    args = ["classify", "train", data, "--out", out, *FAST]
    assert _run(capsys, args)[0] == 0
    first = (out / "model.safetensors").read_bytes()
    code, stdout, _ = _run(capsys, [*args, "--resume"])
    assert code == 0 and f"report: {out / 'report.html'}" in stdout
    assert (out / "model.safetensors").read_bytes() == first
    code, _, err = _run(capsys, ["classify", "train", data, "--resume"])
    assert code == 2 and "grukit: error: --resume needs --out, the folder of the run to continue.\n" == err
