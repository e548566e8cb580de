"""One set of CLI conventions: DATA is positional everywhere (the old flag still works), tune takes train's
options, and training off a terminal prints one line per epoch to stderr unless --quiet.

Every run is tiny (one or two epochs, a few units); capsys's stderr is not a terminal.
"""

from __future__ import annotations

import re
import sys

import numpy as np
import pandas as pd
import pytest

import grukit.train.progress as progress
from helpers.cli import one_line_error, run
from helpers.files import LM_TEXT as TEXT, detect_csv as _detect_csv, forecast_csv as _forecast_csv
from helpers.files import music_file as _music_file, toy_rows as _toy_rows, ts_file as _ts

THREADS = ["--num-threads", "1"]
FORECAST_FIT = ["--target", "load", "--lookback", "24", "--horizon", "6", "--hidden-size", "4", "--ensemble", "1",
                "--epochs", "1", *THREADS]
FORECAST = [*FORECAST_FIT, "--cv-windows", "0"]
LM = ["--hidden-size", "8", "--num-layers", "1", "--batch-size", "4", "--chunk-length", "16", "--epochs", "1",
      *THREADS]
MUSIC_SMALL = ["--hidden-size", "4", "--batch-size", "4", "--patience", "0", *THREADS]
MUSIC = [*MUSIC_SMALL, "--epochs", "1"]
CLASSIFY = ["--hidden-size", "4", "--epochs", "1", "--val-size", "0.25", *THREADS]
DETECT = ["--lookback", "24", "--hidden-size", "4", "--epochs", "1", "--train-fraction", "0.5", *THREADS]
LINE = re.compile(r"fit(?: \([^)]*\))?: epoch (\d+)/(\d+), train loss [^,]+(, val loss [^,]+)?, \d+\.\d s")


def _both(flag: str) -> str:
    return f"pass the data file once, as DATA or as {flag}, not both."


def _epoch_lines(err: str) -> list[str]:
    lines = err.splitlines()
    assert all(LINE.fullmatch(line) for line in lines), err
    return lines


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The small data files of the existing CLI tests, and a model trained on each where a command needs one."""
    from grukit.cli import main

    folder = tmp_path_factory.mktemp("conventions")
    paths = {"forecast": _forecast_csv(folder), "music": _music_file(folder), "lm": folder / "text.txt"}
    paths["lm"].write_text(TEXT)
    for task, options in (("forecast", FORECAST), ("music", MUSIC), ("lm", LM)):
        paths[f"{task}_model"] = folder / f"{task}_run"
        assert main([task, "train", str(paths[task]), "--out", str(paths[f"{task}_model"]), "--quiet",
                     *options]) == 0
    return paths


# --------------------------------------------------------------------------- DATA: positional, or the old flag
@pytest.mark.parametrize("command, flag", [
    (["forecast", "predict", "--model", "{forecast_model}"], "--data"),
    (["lm", "eval", "--model", "{lm_model}", "--lanes", "2"], "--text"),
    (["music", "eval", "--model", "{music_model}"], "--data"),
])
def test_reading_commands_take_data_positionally_or_by_the_old_flag(files, capsys, command, flag):
    command = [part.format(**files) for part in command]
    data = files[command[0]]
    positional = run(capsys, [*command, data])
    assert positional[0] == 0 and positional[1] and positional[2] == "", positional
    assert run(capsys, [*command, flag, data]) == positional
    code, stdout, err = run(capsys, [*command, data, flag, data])
    assert (code, stdout, one_line_error(err)) == (2, "", _both(flag))


@pytest.mark.parametrize("task, flag, options", [("lm", "--text", LM), ("music", "--data", MUSIC)])
def test_train_takes_data_positionally_or_by_the_old_flag(files, tmp_path, capsys, task, flag, options):
    outs = {}
    for form, argv in (("positional", [files[task]]), ("flag", [flag, files[task]])):
        outs[form] = tmp_path / form
        code, stdout, err = run(capsys, [task, "train", *argv, "--out", outs[form], "--quiet", *options])
        assert code == 0 and err == "", err
        assert stdout.splitlines()[-1] == f"model: {outs[form]}"
    same = [pd.read_csv(out / "metrics.csv")["train_loss"].tolist() for out in outs.values()]
    assert same[0] == same[1]  # the same data, the same seed: the same run
    code, stdout, err = run(capsys, [task, "train", files[task], flag, files[task], "--out", tmp_path / "both",
                                     *options])
    assert (code, stdout, one_line_error(err)) == (2, "", _both(flag))
    assert not (tmp_path / "both").exists()


def test_required_data_is_still_required(files, capsys):
    code, _, err = run(capsys, ["forecast", "predict", "--model", files["forecast_model"]])
    assert (code, one_line_error(err)) == (2, "DATA is required: pass a CSV or Parquet file with at least the last "
                                              "lookback rows of each series, in the columns of the training data.")


def test_usage_shows_data_required_or_optional(capsys):
    for argv, usage in ((["forecast", "predict"], "[OPTIONS] DATA"), (["music", "eval"], "[OPTIONS] [DATA]"),
                        (["music", "train"], "[OPTIONS] [DATA]"), (["lm", "eval"], "[OPTIONS] [DATA]"),
                        (["lm", "train"], "[OPTIONS] [DATA]")):  # lm and music: bundled data by default
        code, stdout, _ = run(capsys, [*argv, "--help"])
        assert code == 0 and stdout.startswith(f"Usage: grukit {' '.join(argv)} {usage}\n"), stdout


# --------------------------------------------------------------------------- progress: a line per epoch, or --quiet
def _train_commands(tmp_path):
    """argv of every command that trains, on tiny data; each with a validation part."""
    sequences = _ts(tmp_path, _toy_rows())
    series = _detect_csv(tmp_path, name="series.csv")
    text = tmp_path / "text.txt"
    text.write_text(TEXT)
    forecast = _forecast_csv(tmp_path)
    return {
        "forecast train": ["forecast", "train", forecast, *FORECAST, "--val-size", "0.2"],
        "forecast backtest": ["forecast", "backtest", forecast, *FORECAST_FIT, "--folds", "1"],
        "classify train": ["classify", "train", sequences, *CLASSIFY],
        "detect train": ["detect", "train", series, *DETECT],
        "lm train": ["lm", "train", text, *LM],
        "music train": ["music", "train", _music_file(tmp_path), *MUSIC],
    }


COMMANDS = ["forecast train", "forecast backtest", "classify train", "detect train", "lm train", "music train"]


@pytest.mark.parametrize("name", COMMANDS)
def test_off_a_terminal_training_prints_a_line_per_epoch_and_quiet_prints_none(tmp_path, capsys, name):
    argv = _train_commands(tmp_path)[name]
    code, stdout, err = run(capsys, argv)
    assert code == 0, err
    lines = _epoch_lines(err)
    assert lines and all(re.match(r"fit( \([^)]*\))?: epoch 1/1, train loss ", line) for line in lines), err
    code, quiet_stdout, err = run(capsys, [*argv, "--quiet"])
    assert (code, err) == (0, "")
    assert quiet_stdout == stdout  # the same results
    code, _, err = run(capsys, [*argv, "--quiet", "--progress"])
    assert (code, one_line_error(err)) == (2, "--quiet and --progress cannot be used together; pass one of them.")


def test_the_epoch_line_word_for_word(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "EPOCH_LINE_SECONDS", 0.0)  # a line for every epoch, however fast
    data, out = _music_file(tmp_path), tmp_path / "run"
    code, _, err = run(capsys, ["music", "train", data, "--out", out, "--epochs", "3", *MUSIC_SMALL])
    assert code == 0, err
    history = pd.read_csv(out / "metrics.csv").to_dict("records")
    assert err.splitlines() == [f"fit: epoch {row['epoch']}/3, train loss {row['train_loss']:.4g}, "
                                f"val loss {row['val_loss']:.4g}, {row['seconds']:.1f} s" for row in history]


def test_fast_epochs_print_the_first_line_then_at_most_one_per_interval_and_the_last(tmp_path, capsys,
                                                                                     monkeypatch):
    assert progress.EPOCH_LINE_SECONDS == 10.0
    monkeypatch.setattr(progress, "EPOCH_LINE_SECONDS", 1e9)  # every later epoch comes "too soon"
    code, _, err = run(capsys, ["music", "train", _music_file(tmp_path), "--epochs", "4", *MUSIC_SMALL])
    assert code == 0
    assert [LINE.fullmatch(line).group(1) for line in _epoch_lines(err)] == ["1", "4"]


def test_no_progress_and_a_config_file_are_respected(tmp_path, capsys):
    argv = _train_commands(tmp_path)["music train"]
    assert run(capsys, [*argv, "--no-progress"])[2] == ""
    config = tmp_path / "run.toml"
    config.write_text("progress = true\n")
    code, _, err = run(capsys, [*argv, "--config", config, "--quiet"])  # the command line wins over the file
    assert (code, err) == (0, "")


def test_on_a_terminal_the_bar_shows_and_no_lines(tmp_path, capsys, monkeypatch):
    argv = _train_commands(tmp_path)["music train"]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    code, _, err = run(capsys, argv)
    assert code == 0
    assert "fit: epoch" not in err and "fit: 100%" in err and "val_loss=" in err  # tqdm's "fit: 100%|...|"


def test_the_library_stays_silent_unless_asked(capsys):
    import torch
    from torch.utils.data import TensorDataset

    from grukit.train import TrainConfig, fit

    x = torch.linspace(0, 1, 16).unsqueeze(1)
    data = TensorDataset(x, 2 * x)

    def mse(model, batch):
        return torch.nn.functional.mse_loss(model(batch[0]), batch[1])

    def train(shown, validation=True):
        config = TrainConfig(epochs=2, batch_size=8, progress=shown, num_threads=1)
        fit(torch.nn.Linear(1, 1), mse, data, data if validation else None, config)
        return capsys.readouterr().err

    assert train(None) == "" and train(False) == ""
    with progress.epoch_lines():
        assert [LINE.fullmatch(line).group(3) is None for line in _epoch_lines(train(None, validation=False))] \
            == [True, True]
        assert len(_epoch_lines(train(None))) == 2
        assert train(False) == ""
        with progress.epoch_lines(False):
            assert train(None) == ""
    assert train(None) == ""


# --------------------------------------------------------------------------- tune takes train's options
@pytest.mark.parametrize("task", ["forecast", "music"])
def test_tune_takes_the_training_options_and_they_win_over_the_config_file(tmp_path, capsys, task):
    pytest.importorskip("optuna")
    from grukit.cli._options import read_toml

    if task == "forecast":
        data, options = _forecast_csv(tmp_path), ["--target", "load", "--horizon", "6"]
        space = "hidden_size = { low = 4, high = 6 }\nlookback = { choices = [12] }\n"
    else:
        data, options, space = _music_file(tmp_path), ["--batch-size", "4"], "hidden_size = { low = 4, high = 6 }\n"
    (tmp_path / "space.toml").write_text(space)
    (tmp_path / "fixed.toml").write_text("epochs = 3\nnum_threads = 1\n")
    out = tmp_path / "tune"
    code, stdout, err = run(capsys, [task, "tune", data, "--out", out, "--trials", "1", "--no-retrain", "--quiet",
                                     "--config", tmp_path / "fixed.toml", "--space", tmp_path / "space.toml",
                                     "--epochs", "1", *options])
    assert (code, err) == (0, ""), err
    best = read_toml(out / "best.toml")
    assert best["epochs"] == 1 and best["num_threads"] == 1 and 4 <= best["hidden_size"] <= 6
    if task == "forecast":
        assert best["horizon"] == 6 and best["target"] == ["load"]
    assert pd.read_csv(out / "trials.csv")["epochs_run"].tolist() == [1]  # the trial trained one epoch, not 3
    assert "  epochs = 1" in stdout.splitlines()


@pytest.mark.parametrize("extra, message", [
    (["--progress"], "--quiet and --progress cannot be used together; pass one of them."),
    (["--verbose"], "--quiet and --verbose cannot be used together; pass one of them."),
    (["--epochs", "0"], "TrainConfig: epochs must be an integer >= 1; got 0."),
])
def test_tune_usage_errors_are_one_line(tmp_path, capsys, extra, message):
    pytest.importorskip("optuna")
    argv = ["forecast", "tune", _forecast_csv(tmp_path), "--out", tmp_path / "out", "--trials", "1"]
    code, _, err = run(capsys, [*argv, *(["--quiet"] if extra[0] != "--epochs" else []), *extra])
    assert (code, one_line_error(err)) == (2, message)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- --help shows the defaults a run uses
@pytest.mark.parametrize("argv, shown", [
    (["forecast", "train"], {"lr": "0.003", "weight-decay": "0.0",
                             "epochs": "from the data: about 1,500 steps, at most 50 epochs"}),
    (["detect", "train"], {"epochs": "40", "batch-size": "32", "lr": "0.003", "patience": "8"}),
    (["lm", "train"], {"epochs": "12", "batch-size": "32", "lr": "0.002"}),
    (["music", "train"], {"epochs": "150", "batch-size": "4", "lr": "0.01", "patience": "20"}),
])
def test_help_shows_the_defaults_a_run_uses(argv, shown, capsys):
    import re

    code, stdout, _ = run(capsys, [*argv, "--help"])
    text = " ".join(stdout.split())
    assert code == 0
    for option, value in shown.items():
        found = re.search(rf"--{option} [A-Z]+ .*?\[default: (.*?)\]", text)
        assert found and found.group(1) == value, (option, found and found.group(1))


# --------------------------------------------------------------------------- --out: never mixes with another run
OUT_COMMANDS = ["forecast train", "classify train", "detect train", "lm train", "music train"]


@pytest.mark.parametrize("name", OUT_COMMANDS)
def test_out_holding_another_run_is_refused_unless_force(tmp_path, capsys, name):
    argv = [*_train_commands(tmp_path)[name], "--quiet"]
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("someone else's run")
    code, _, err = run(capsys, [*argv, "--out", out])
    assert (code, one_line_error(err)) == (2, f"--out {out} already holds files (notes.txt); pass --force to replace "
                                              f"that run, --resume to continue it, or a new folder.")
    code, _, err = run(capsys, [*argv, "--out", out, "--force"])
    assert code == 0, err
    names = {p.name for p in out.iterdir()}
    assert "notes.txt" not in names and {"model.safetensors", "config.json"} <= names
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run.")]  # no staging folder left behind


def test_out_mistakes_are_usage_errors(tmp_path, capsys):
    argv = [*_train_commands(tmp_path)["forecast train"], "--quiet"]
    afile = tmp_path / "a.txt"
    afile.write_text("x")
    code, _, err = run(capsys, [*argv, "--out", afile])  # click's own check of a folder option
    assert code == 2 and err == (f"grukit: error: Invalid value for '--out': Directory '{afile}' is a file. "
                                 f"See 'grukit forecast train --help'.\n")
    for extra, message in (
        (["--force"], "--force needs --out, the folder of the run to replace."),
        (["--out", tmp_path / "r", "--resume", "--force"],
         "--resume continues the run in --out and --force replaces it; pass one of them."),
    ):
        code, _, err = run(capsys, [*argv, *extra])
        assert (code, one_line_error(err)) == (2, message)


def test_forecast_train_on_series_too_short_to_score_still_saves_the_model(tmp_path, capsys):
    path = tmp_path / "short.csv"
    pd.DataFrame({"month": pd.date_range("2020-01-01", periods=30, freq="MS").strftime("%Y-%m-%d"),
                  "y": np.arange(30.0)}).to_csv(path, index=False)
    out = tmp_path / "run"
    code, stdout, err = run(capsys, ["forecast", "train", path, "--out", out, "--epochs", "1", "--ensemble", "1",
                                     "--quiet"])
    assert code == 0, err
    assert "grukit: warning: not scored: the series are too short for a cross-validation window: " in err
    assert stdout.splitlines()[-1] == f"report: {out / 'report.html'}"
    assert (out / "model.safetensors").exists() and not (out / "metrics.json").exists()
    assert "Not scored: the series are too short for a cross-validation window" in (out / "report.html").read_text()


def test_epoch_lines_say_which_member_and_which_cross_validation_fit(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "EPOCH_LINE_SECONDS", 1e9)  # first and last epoch of each fit
    code, _, err = run(capsys, [*_train_commands(tmp_path)["forecast train"][:3], "--horizon", "4", "--lookback", "8",
                                "--epochs", "2", "--ensemble", "2"])
    assert code == 0, err
    labels = [re.match(r"fit(?: \((.*)\))?: epoch (\d)/2, ", line).groups() for line in _epoch_lines(err)]
    assert labels == [("member 1/2", "1"), ("member 1/2", "2"), ("member 2/2", "1"), ("member 2/2", "2"),
                      ("cross-validation, member 1/2", "1"), ("cross-validation, member 1/2", "2"),
                      ("cross-validation, member 2/2", "1"), ("cross-validation, member 2/2", "2")]


def test_every_train_command_has_the_shared_options_first_in_one_order():
    """One builder (`grukit.cli._train.train_options`) makes every task's train options: --out, --resume, --force,
    the task's own, then --config and --quiet before the config fields; --out's help names the task's files."""
    import click

    from grukit.cli import cli

    groups = ["forecast", "classify", "detect", "lm", "music"]
    for name in groups:
        command = cli.commands[name].commands["train"]
        flags = [param.opts[0] for param in command.params
                 if isinstance(param, click.Option) and param.name != "data_flag"]  # DATA's older spelling
        own = flags[3:flags.index("--config")]
        assert flags[:3] == ["--out", "--resume", "--force"], (name, flags[:6])
        assert flags[3 + len(own):5 + len(own)] == ["--config", "--quiet"], (name, flags[:8])
        assert own == {"forecast": ["--cv-windows"], "classify": ["--test", "--audio"], "detect": ["--windows"],
                       "lm": [], "music": []}[name], (name, own)
        out_help = next(p.help for p in command.params if p.opts[0] == "--out")
        assert out_help.startswith("Folder for model.safetensors, config.json, metrics.json"), (name, out_help)
        assert out_help.endswith("and checkpoints; nothing is written without it, and nothing when the run fails."), name


@pytest.mark.parametrize("task", ["forecast", "classify", "detect", "lm", "music"])
def test_help_shows_every_default_a_run_on_the_user_s_data_uses(task):
    """One source of defaults: for every option of a train command, --help's [default: X] is the value the
    estimator's configs() resolves for a user's data (no bundled preset), or says in words that the run
    chooses it from the data."""
    import dataclasses

    from grukit.cli import cli
    from grukit.tune.tasks import get_task

    estimator = get_task(task).estimator()
    config, train = estimator().configs("user data")
    used = {**dataclasses.asdict(config), **dataclasses.asdict(train)}
    command = cli.commands[task].commands["train"]
    shown = {param.name: re.search(r"\[default: (.*)\]$", param.help).group(1)
             for param in command.params if param.name in used}
    assert set(shown) == set(used)
    worded = {name: text for name, text in shown.items() if text.startswith("from the data") or "fewer" in text}
    assert set(worded) <= {"epochs", "batch_size"}, worded
    for name, value in used.items():
        if name in worded:
            assert worded[name].startswith("from the data") or worded[name].startswith(f"{value}, "), (name, value)
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else value
        assert shown[name] == (str(text) if text not in ("", None) else "none"), (task, name, shown[name], value)


TRAIN_COMMANDS = ["forecast train", "classify train", "detect train", "lm train", "music train"]


@pytest.mark.parametrize("name", TRAIN_COMMANDS)
def test_every_train_command_writes_out_all_or_nothing_and_resumes_to_the_same_run(tmp_path, capsys, monkeypatch,
                                                                                   name):
    """The same --out behaviour in every task (one shared run): a run that fails after training leaves no --out
    and no staging folder; --resume on a finished run gives the same results and files."""
    import grukit.artifacts

    argv = [*_train_commands(tmp_path)[name], "--quiet"]
    out = tmp_path / "run"

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(grukit.artifacts, "atomic_write", disk_full)
        code, _, err = run(capsys, [*argv, "--out", out])
    assert code == 1 and "No space left on device" in one_line_error(err), err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".run.")]

    code, stdout, err = run(capsys, [*argv, "--out", out])
    assert code == 0, err
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    config = (out / "config.json").read_text()  # with the weights' SHA-256
    code, resumed, err = run(capsys, [*argv, "--out", out, "--resume"])
    assert code == 0, err
    assert resumed == stdout and (out / "config.json").read_text() == config
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == files
