"""Faults a user meets: a loss that overflows, an OS error on --out, two runs on one --out, folder modes."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from helpers.cli import one_line_error, run
from grukit._io import _run_lock

FAST = ["--epochs", "2", "--ensemble", "1", "--horizon", "4", "--quiet"]


def _csv(tmp_path, huge: bool = False):
    y = 10 + np.sin(np.arange(80) / 3)
    if huge:
        y[40], y[41] = 1e30, -1e30
    path = tmp_path / "data.csv"
    pd.DataFrame({"date": pd.date_range("2020-01-01", periods=80, freq="D").strftime("%Y-%m-%d"),
                  "y": y}).to_csv(path, index=False)
    return path


def test_a_loss_that_becomes_nan_stops_training_with_one_line_and_no_folder(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = run(capsys, ["forecast", "train", _csv(tmp_path, huge=True), "--out", out, *FAST])
    assert code == 1
    line = [x for x in err.splitlines() if x.startswith("grukit: error: ")]
    assert line == ["grukit: error: the training loss became nan in epoch 1, so training stopped; the data may hold "
                    "extreme values (such as 1e30) or missing ones read as numbers, or the learning rate (0.003) "
                    "is too high; check the data's range and try a lower --lr."]
    assert "Traceback" not in err and sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_an_os_error_on_out_is_one_line(tmp_path, capsys):
    data = _csv(tmp_path)
    code, _, err = run(capsys, ["forecast", "train", data, "--out", data / "run", *FAST])
    assert code == 1
    assert one_line_error(err) == (f"cannot use {str(data)!r}: File exists; check that the path exists, that you may "
                                   f"write there and that the disk has space.")


def test_a_second_run_on_the_same_out_is_refused_while_the_first_runs(tmp_path, capsys):
    out = tmp_path / "run"
    with _run_lock(out):  # what a running `grukit ... --out run` holds
        code, _, err = run(capsys, ["forecast", "train", _csv(tmp_path), "--out", out, *FAST])
    assert (code, one_line_error(err)) == (2, f"another grukit run is writing {out} (it holds "
                                              f"{tmp_path / '.run.lock'}); wait for it to finish, or pass another --out.")
    assert not out.exists() and not (tmp_path / ".run.lock").exists()


def test_output_folders_follow_the_umask(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        code, _, err = run(capsys, ["forecast", "train", _csv(tmp_path), "--out", tmp_path / "run", *FAST])
    finally:
        os.umask(old)
    assert code == 0, err
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o755


# --------------------------------------------------------------------------- kill -9, then --resume
def _music_data(tmp_path):
    from helpers.files import music_file

    return music_file(tmp_path)


def test_kill_9_then_resume_gives_the_uninterrupted_result(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    data = _music_data(tmp_path)
    argv = [sys.executable, "-m", "grukit", "music", "train", str(data), "--hidden-size", "8", "--epochs", "150",
            "--batch-size", "4", "--patience", "0", "--num-threads", "1", "--quiet"]
    whole = subprocess.run([*argv, "--out", str(tmp_path / "whole")], capture_output=True, text=True)
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "killed"
    partial = tmp_path / ".killed.partial"
    process = subprocess.Popen([*argv, "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (partial / "checkpoint" / "last.json").exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # a few more epochs
    process.send_signal(signal.SIGKILL)
    process.wait()
    if process.returncode != -signal.SIGKILL:
        pytest.skip("the run finished before it could be killed on this machine")
    assert partial.is_dir() and not out.exists()
    again = subprocess.run([*argv, "--out", str(out)], capture_output=True, text=True)
    assert again.returncode == 2 and again.stderr.strip() == (
        f"grukit: error: {out} has an unfinished run in {partial} (it was stopped before it ended); pass --resume "
        f"to continue it, or --force to start over.")
    resumed = subprocess.run([*argv, "--out", str(out), "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert not partial.exists()
    for name in ("model.safetensors", "metrics.json"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


def test_resume_refuses_other_options_or_other_data_and_names_them(tmp_path, capsys):
    data, out = _csv(tmp_path), tmp_path / "run"
    args = ["forecast", "train", data, "--out", out, "--lookback", "8", *FAST]
    assert run(capsys, args)[0] == 0
    code, _, err = run(capsys, [*args[:-len(FAST)], *FAST, "--resume", "--hidden-size", "32"])
    assert code == 2 and "was trained on something else (model: " in err and "options: hidden_size 64 -> 32" in err
    other = tmp_path / "other.csv"
    pd.read_csv(data).assign(y=lambda f: f["y"] * 2).to_csv(other, index=False)
    code, _, err = run(capsys, ["forecast", "train", other, "--out", out, "--lookback", "8", *FAST, "--resume"])
    assert code == 2 and "was trained on something else (data: sha256 " in one_line_error(err)


@pytest.mark.parametrize("argv, message", [
    (["forecast", "train", "--dataset", "nope"], "unknown dataset 'nope'; expected one of: "),
    (["classify", "train", "--dataset", "nope"], "unknown dataset 'nope'; the bundled classification datasets are: "),
    (["detect", "train", "--dataset", "nope"], "unknown NAB series 'nope'; expected one of: "),
])
def test_an_unknown_bundled_dataset_exits_1(capsys, argv, message):
    code, _, err = run(capsys, [*argv, "--quiet"])
    assert code == 1 and one_line_error(err).startswith(message)


@pytest.mark.parametrize("damage, message", [
    (lambda d: d["scalers"].update(target=[]),
     "(ValueError: scalers.target holds 0 scalers but schema.series_ids names 1 series)"),
    (lambda d: d["schema"].update(target_columns="y"),
     "(ValueError: schema.target_columns must be a list of column names; got 'y')"),
    (lambda d: d["schema"].update(freq=7), "(ValueError: schema.freq must be a string or null; got 7)"),
])
def test_a_model_folder_is_checked_at_load_and_the_wrong_key_named(tmp_path, capsys, damage, message):
    import json

    data, out = _csv(tmp_path), tmp_path / "run"
    assert run(capsys, ["forecast", "train", data, "--out", out, *FAST])[0] == 0
    document = json.loads((out / "config.json").read_text())
    damage(document)
    (out / "config.json").write_text(json.dumps(document))
    code, _, err = run(capsys, ["forecast", "predict", "--model", out, data])
    assert (code, one_line_error(err)) == (1, f"{out / 'config.json'} does not describe this model {message}; "
                                              f"retrain or restore the folder.")
