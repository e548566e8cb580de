"""grukit TASK tune: a small search, pruning, best.toml into train, resume after a kill, two workers on one file."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

optuna = pytest.importorskip("optuna", reason="the tune extra is not installed: pip install 'grukit[tune]'")

from grukit.cli import cli  # noqa: E402
from grukit.errors import ConfigError  # noqa: E402
from grukit.forecast import GRUForecaster  # noqa: E402
from grukit.forecast.config import ForecastConfig  # noqa: E402
from grukit.train import TrainConfig  # noqa: E402
from grukit.tune import Choice, Range, TuneConfig, tune  # noqa: E402
from grukit.tune.outputs import toml_text  # noqa: E402
from grukit.tune.space import space_from_dict  # noqa: E402
from helpers.cli import one_line_error, run  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402

# pad=False: a lookback longer than the data is refused (the refused-trial scenario below needs one)
FIXED = {"horizon": 4, "epochs": 3, "batch_size": 32, "num_threads": 1, "schedule": "constant", "pad": False}
SPACE_TOML = ('lookback = { choices = [12, 24] }\nhidden_size = { low = 4, high = 8 }\nnum_layers = { choices = [1] }\n'
              'lr = { low = 1e-3, high = 3e-2, log = true }\n')
# Every default key but lr fixed: the pruning scenario below draws nothing else.
ONLY_LR = {**FIXED, "lookback": 12, "hidden_size": 8, "num_layers": 1, "dropout": 0.0, "reset": "after",
           "layer_norm": False, "zoneout": 0.0, "recurrent_dropout": 0.0}


@pytest.fixture(scope="module")
def sine(tmp_path_factory):
    """200 hourly rows of a noisy daily sine."""
    t = np.arange(200)
    y = np.sin(2 * np.pi * t / 24) + 0.1 * np.random.default_rng(0).standard_normal(t.size)
    path = tmp_path_factory.mktemp("data") / "sine.csv"
    pd.DataFrame({"time": pd.date_range("2024-01-01", periods=t.size, freq="h"), "y": y}).to_csv(path, index=False)
    return path


def _files(tmp_path):
    config, space = tmp_path / "fixed.toml", tmp_path / "space.toml"
    config.write_text(toml_text(FIXED))
    space.write_text(SPACE_TOML)
    return config, space


def _study(url: str, name: str = "grukit-forecast"):
    return optuna.load_study(study_name=name, storage=url)


def _cli(*args: object) -> list[str]:
    """The command line of a grukit run in its own process."""
    return [sys.executable, "-m", "grukit", *map(str, args)]


# --------------------------------------------------------------------------- a search from the command line
def test_search_writes_a_best_toml_that_train_accepts(sine, tmp_path, capsys):
    config, space = _files(tmp_path)
    out = tmp_path / "tune"
    code, stdout, err = run(capsys, ["forecast", "tune", sine, "--out", out, "--config", config, "--space", space,
                                     "--trials", 3])
    assert code == 0, err
    assert stdout.startswith(f"study 'grukit-forecast' in sqlite:///{out}/tune.db: 3 trials (")
    assert sorted(p.name for p in out.iterdir()) == ["best.toml", "best_model", "trials.csv", "tune.db"]

    trials = pd.read_csv(out / "trials.csv", float_precision="round_trip")
    assert list(trials.columns[:5]) == ["number", "state", "val_loss", "epochs_run", "seconds"]
    assert trials["number"].tolist() == [0, 1, 2]
    complete = trials[trials["state"] == "complete"]
    best_row = complete.loc[complete["val_loss"].idxmin()]
    best = tomllib.loads((out / "best.toml").read_text())
    assert list(best) == [*FIXED, "lookback", "hidden_size", "num_layers", "dropout", "lr", "reset", "layer_norm",
                          "zoneout", "recurrent_dropout"]
    assert {k: best[k] for k in FIXED} == FIXED
    assert best["lookback"] == best_row["lookback"] and best["lr"] == best_row["lr"]
    assert isinstance(best["hidden_size"], int) and 4 <= best["hidden_size"] <= 8 and best["num_layers"] == 1
    assert f"best: trial {best_row['number']}, validation loss {best_row['val_loss']:.6g}" in stdout

    # best.toml is a ready --config file, and best_model/ is the same configuration, trained and saved.
    code, stdout, err = run(capsys, ["forecast", "train", sine, "--config", out / "best.toml", "--out", tmp_path / "r"])
    assert code == 0, err
    saved = GRUForecaster.load(out / "best_model")
    assert (saved.config_.lookback, saved.config_.hidden_size) == (best["lookback"], best["hidden_size"])
    assert saved.predict(sine).shape[0] == FIXED["horizon"]


def test_every_task_has_a_tune_command():
    for group in ("forecast", "classify", "detect"):
        assert "tune" in cli.commands[group].commands


def test_public_api():
    import grukit.tune

    assert grukit.tune.__all__ == ["tune", "TuneConfig", "TuneResult", "Range", "Choice", "DEFAULT_SPACES",
                                   "PruneOnValidation"]


# --------------------------------------------------------------------------- pruning and the objective
def test_a_trial_behind_the_median_is_pruned_after_its_first_epoch(sine, tmp_path):
    """Trial 0 learns (lr 1e-2); trial 1 barely moves (lr 1e-7), so after epoch 1 it is worse than trial 0 was."""
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    study = optuna.create_study(storage=url, study_name="grukit-forecast")
    study.enqueue_trial({"lr": 1e-2})
    study.enqueue_trial({"lr": 1e-7})
    result = tune("forecast", tmp_path / "out", sine, fixed=ONLY_LR, space={"lr": Range(1e-7, 1e-1, log=True)},
                  config=TuneConfig(trials=2, storage=url, prune_startup_trials=1, prune_warmup_epochs=1),
                  progress=False)
    trials = _study(url).get_trials()
    assert [t.state.name for t in trials] == ["COMPLETE", "PRUNED"]
    assert [t.params["lr"] for t in trials] == [1e-2, 1e-7]
    assert list(trials[0].intermediate_values) == [1, 2, 3] and list(trials[1].intermediate_values) == [1]
    assert trials[1].intermediate_values[1] > trials[0].intermediate_values[1]
    assert result.counts == {"complete": 1, "pruned": 1} and result.best_number == 0
    # The score is fit's best validation loss; retraining the best options gives the same model.
    assert result.best_value == min(trials[0].intermediate_values.values())
    assert result.retrained_value == pytest.approx(result.best_value, rel=1e-9)
    rows = pd.read_csv(result.trials_csv)
    assert rows[["state", "epochs_run"]].values.tolist() == [["complete", 3], ["pruned", 1]]


def test_a_refused_configuration_fails_its_trial_and_the_search_goes_on(sine, tmp_path):
    """lookback 400 is longer than the data: that trial fails with the estimator's message; lookback 12 trains."""
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    study = optuna.create_study(storage=url, study_name="grukit-forecast")
    study.enqueue_trial({"lookback": 400})
    study.enqueue_trial({"lookback": 12})
    fixed = {k: v for k, v in ONLY_LR.items() if k != "lookback"}
    result = tune("forecast", tmp_path / "out", sine, fixed={**fixed, "lr": 1e-2},
                  space={"lookback": Choice((12, 400))}, config=TuneConfig(trials=2, storage=url, retrain=False),
                  progress=False)
    failed, complete = _study(url).get_trials()
    assert failed.state.name == "FAIL" and "lookback" in failed.user_attrs["error"]
    assert complete.state.name == "COMPLETE" and result.best_options["lookback"] == 12
    assert result.counts == {"complete": 1, "failed": 1} and result.errors == {0: failed.user_attrs["error"]}
    assert result.model_dir is None and not (tmp_path / "out" / "best_model").exists()
    assert pd.read_csv(result.trials_csv)["error"].tolist()[0] == failed.user_attrs["error"]


# --------------------------------------------------------------------------- a crashed search resumes
def test_a_killed_search_resumes_in_the_same_study(sine, tmp_path, capsys):
    config, space = _files(tmp_path)
    out = tmp_path / "tune"
    url = f"sqlite:///{out / 'tune.db'}"
    worker = subprocess.Popen(_cli("forecast", "tune", sine, "--out", out, "--config", config, "--space", space,
                                   "--trials", 100), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        done = []
        deadline = time.monotonic() + 300
        while not done and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            if (out / "tune.db").exists():
                try:
                    done = [t for t in _study(url).get_trials() if t.state.is_finished()]
                except (KeyError, SQLAlchemyError, optuna.exceptions.StorageInternalError):
                    pass  # the worker is still creating the tables or the study
        assert done, worker.stderr.read().decode() if worker.poll() is not None else "no trial finished"
    finally:
        worker.send_signal(signal.SIGKILL)  # a crash: no clean-up, no outputs
        worker.wait()
    before = _study(url).get_trials()
    assert not (out / "best.toml").exists()

    code, stdout, err = run(capsys, ["forecast", "tune", sine, "--out", out, "--config", config, "--space", space,
                                     "--trials", 1, "--no-retrain"])
    assert code == 0, err
    after = _study(url).get_trials()
    assert len(after) == len(before) + 1
    assert [t.number for t in after] == list(range(len(after)))
    finished = [t for t in before if t.state.is_finished()]
    assert [(t.params, t.value) for t in finished] == [(after[t.number].params, after[t.number].value)
                                                       for t in finished]
    assert len(pd.read_csv(out / "trials.csv")) == len(after)


# --------------------------------------------------------------------------- two workers, one SQLite file
def test_two_worker_processes_share_one_sqlite_study(sine, tmp_path):
    config, space = _files(tmp_path)
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    workers = [subprocess.Popen(_cli("forecast", "tune", sine, "--out", tmp_path / f"worker{i}", "--config", config,
                                     "--space", space, "--storage", url, "--trials", i, "--no-retrain"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in (1, 2)]
    outputs = [w.communicate(timeout=600) for w in workers]
    for worker, (stdout, stderr) in zip(workers, outputs):
        assert worker.returncode == 0, stderr.decode()
    trials = _study(url).get_trials()
    assert [t.number for t in trials] == [0, 1, 2]  # 1 + 2
    assert all(t.state.is_finished() for t in trials)
    assert len({tuple(sorted(t.params.items())) for t in trials}) == 3  # each trial draws from its own seed
    last = max((tmp_path / f"worker{i}" / "trials.csv" for i in (1, 2)), key=lambda p: len(pd.read_csv(p)))
    assert len(pd.read_csv(last)) == 3


# --------------------------------------------------------------------------- the other tasks
def test_classify_and_detect_tune(tmp_path, capsys):
    rng = np.random.default_rng(0)
    steps = np.arange(20)
    rows = [(np.sin(steps / 3 + rng.uniform(0, 6)) if k % 2 else np.sign(np.sin(steps / 3 + rng.uniform(0, 6))))
            + 0.1 * rng.standard_normal(20) for k in range(40)]
    wide = pd.DataFrame(np.array(rows), columns=[f"t{i}" for i in steps])
    wide["label"] = ["sine" if k % 2 else "square" for k in range(40)]
    wide.to_csv(tmp_path / "seq.csv", index=False)
    t = np.arange(300)
    series = pd.DataFrame({"timestamp": pd.date_range("2021-01-01", periods=300, freq="h"),
                           "value": np.sin(2 * np.pi * t / 24) + 0.05 * rng.standard_normal(300)})
    series.to_csv(tmp_path / "series.csv", index=False)
    (tmp_path / "space.toml").write_text("hidden_size = { low = 4, high = 8 }\nlookback = { choices = [16] }\n")
    (tmp_path / "detect_space.toml").write_text("hidden_size = { low = 4, high = 8 }\n"
                                                "lookback = { choices = [16, 24] }\n")
    (tmp_path / "fixed.toml").write_text("epochs = 2\nnum_threads = 1\n")
    (tmp_path / "classify_space.toml").write_text("hidden_size = { low = 4, high = 8 }\n")
    for task, data, space in (("classify", "seq.csv", "classify_space.toml"),
                              ("detect", "series.csv", "detect_space.toml")):
        out = tmp_path / task
        code, stdout, err = run(capsys, [task, "tune", tmp_path / data, "--out", out, "--config",
                                         tmp_path / "fixed.toml", "--space", tmp_path / space, "--trials", 2])
        assert code == 0, err
        assert stdout.startswith(f"study 'grukit-{task}' in sqlite:///{out}/tune.db: 2 trials (")
        best = tomllib.loads((out / "best.toml").read_text())
        assert best["epochs"] == 2 and 4 <= best["hidden_size"] <= 8
        assert (out / "best_model" / "model.safetensors").exists()
        code, _, err = run(capsys, [task, "train", tmp_path / data, "--config", out / "best.toml"])
        assert code == 0, err


# --------------------------------------------------------------------------- errors, word for word
def _option_names() -> list[str]:
    return [f.name for f in dataclasses.fields(ForecastConfig)] + [f.name for f in dataclasses.fields(TrainConfig)]


@pytest.mark.parametrize("args, code, message", [
    (["--trials", 0], 2, "TuneConfig: trials must be an integer >= 1; got 0."),
    (["--storage", "nosuchdb://x"], 2,
     "cannot open the study storage nosuchdb://x: SQLAlchemy knows no database 'nosuchdb'; pass a database URL that "
     "Optuna supports and this machine can reach, e.g. sqlite:///tune.db (a file) or "
     "postgresql://user:password@host:5432/dbname."),
    (["--storage", "sqlite:////no-such-folder/tune.db"], 2,
     "cannot open the study storage sqlite:////no-such-folder/tune.db: unable to open database file; pass a "
     "database URL that Optuna supports and this machine can reach, e.g. sqlite:///tune.db (a file) or "
     "postgresql://user:password@host:5432/dbname."),
    (["--storage", "tune.db"], 2,
     "cannot open the study storage 'tune.db': it is not a database URL; pass one that Optuna supports, "
     "e.g. sqlite:///tune.db (a file) or postgresql://user:password@host:5432/dbname."),
])
def test_bad_trials_and_storage_are_one_line_errors(sine, tmp_path, capsys, args, code, message):
    got, _, err = run(capsys, ["forecast", "tune", sine, "--out", tmp_path / "out", *args])
    assert (got, one_line_error(err)) == (code, message)
    assert not (tmp_path / "out").exists()


def test_a_password_never_shows_in_a_storage_error(sine, tmp_path, capsys):
    code, _, err = run(capsys, ["forecast", "tune", sine, "--out", tmp_path / "out", "--storage",
                                "postgresql://grukit:s3cret@127.0.0.1:1/tuning"])
    message = one_line_error(err)
    assert code == 2 and "s3cret" not in message
    assert message.startswith("cannot open the study storage postgresql://grukit:***@127.0.0.1:1/tuning: ")


def test_without_optuna_the_command_says_how_to_install_it(sine, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna now raises ImportError
    code, _, err = run(capsys, ["forecast", "tune", sine, "--out", tmp_path / "out"])
    assert (code, one_line_error(err)) == (1, 'hyperparameter search needs Optuna, which is not installed; pip '
                                              'install "grukit[tune]" (or: pip install optuna).')


def test_an_unknown_search_space_key_lists_the_valid_ones(sine, tmp_path, capsys):
    (tmp_path / "space.toml").write_text("hiden_size = { low = 4, high = 8 }\n")
    code, _, err = run(capsys, ["forecast", "tune", sine, "--out", tmp_path / "out", "--space",
                                tmp_path / "space.toml"])
    assert (code, one_line_error(err)) == (2, "search space: unknown key 'hiden_size' (did you mean 'hidden_size'?); "
                                              f"valid keys: {', '.join(_option_names())}.")


def test_no_validation_part_stops_the_search(sine, tmp_path, capsys):
    (tmp_path / "fixed.toml").write_text(toml_text({**ONLY_LR, "val_size": 0.0}))
    code, _, err = run(capsys, ["forecast", "tune", sine, "--out", tmp_path / "out", "--config",
                                tmp_path / "fixed.toml", "--trials", 3])
    assert (code, one_line_error(err)) == (2, "tune picks the trial with the lowest validation loss, but these "
                                              "options leave no validation part; set val_size > 0 in --config "
                                              "(e.g. val_size = 0.2).")


def test_fixing_every_searched_key_leaves_nothing_to_search(sine, tmp_path):
    with pytest.raises(ConfigError) as caught:
        tune("forecast", tmp_path / "out", sine, fixed={**ONLY_LR, "lr": 1e-3}, progress=False)
    assert str(caught.value) == ("nothing to search: the fixed options set every key of the search space "
                                 "(lookback, hidden_size, num_layers, dropout, lr, reset, layer_norm, zoneout, "
                                 "recurrent_dropout); remove some from --config or add keys with --space.")


@pytest.mark.parametrize("table, message", [
    ({"lr": {"low": 1e-2, "high": 1e-4}}, "search space: lr has low 0.01 above high 0.0001; swap them."),
    ({"lr": {"low": 0, "high": 1, "log": True}}, "search space: lr has log = true, which needs low > 0; got low 0."),
    ({"lr": {"low": 0.1, "high": 1, "log": True, "step": 0.1}},
     "search space: lr.step must be a number > 0 and cannot be combined with log = true; got step 0.1 with log true."),
    ({"lr": [1e-4, 1e-2]}, "search space: lr must be a table like { low = 1, high = 8 } or { choices = [...] }; "
                           "got [0.0001, 0.01]."),
    ({"lr": {"min": 1}}, "search space: lr must have the keys low, high (and optionally log, step), or a non-empty "
                         "list of choices; got min."),
])
def test_bad_space_entries(table, message):
    with pytest.raises(ConfigError) as caught:
        space_from_dict(table)
    assert str(caught.value) == message


def test_space_entries_are_checked_against_the_option_types(sine, tmp_path):
    for space, message in (
            ({"hidden_size": Range(4.5, 8)}, "search space: hidden_size is an integer option; give low, high and "
                                             "step as integers, got 4.5, 8, None."),
            ({"reset": Range(0, 1)}, "search space: reset is not a number, so it takes { choices = [...] }, not a "
                                     "range."),
            ({"layer_norm": Choice(("yes",))}, "search space: layer_norm must be bool; got 'yes' (str)."),
            ({"quantiles": Choice((0.5,))}, "search space: quantiles is a list option, which a search cannot vary; "
                                            "set it in --config instead.")):
        with pytest.raises(ConfigError) as caught:
            tune("forecast", tmp_path / "out", sine, space=space, progress=False)
        assert str(caught.value) == message


def test_best_toml_values_round_trip_through_tomllib():
    options = {"lr": 1e-05, "dropout": 0.1234567890123, "big": 3e20, "inf": float("inf"), "n": 7, "flag": False,
               "name": 'a "quoted" \\ path\n', "target": ["a", "b"], "quantiles": [0.1, 0.5]}
    assert tomllib.loads(toml_text(options, ["a comment"])) == options
    assert toml_text({"unset": None, "n": 1}) == "n = 1\n"
