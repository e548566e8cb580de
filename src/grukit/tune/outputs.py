"""What a search leaves in ``--out``: best.toml (a ready ``--config`` file) and trials.csv, written atomically."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

from grukit._io import atomic_write, atomic_write_text

__all__ = ["toml_text", "write_best_toml", "write_trials_csv", "state_name", "STATES"]

STATES = ("complete", "pruned", "failed", "running", "waiting")


def state_name(state) -> str:
    """An Optuna TrialState as trials.csv writes it: complete, pruned, failed, running or waiting."""
    return {"FAIL": "failed"}.get(state.name, state.name.lower())


def toml_value(value) -> str:
    """One TOML value: true/false, an int, a float (inf, nan), a string or a list of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else "nan" if math.isnan(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string: JSON's escapes are TOML's
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"toml_value: cannot write {value!r} ({type(value).__name__}) as TOML.")


def toml_text(options: dict, comments: list[str] = ()) -> str:
    """A flat TOML table, ``key = value`` per line after ``# comment`` lines; None values are left out.

    Example:
        >>> print(toml_text({"hidden_size": 48, "lr": 0.003, "reset": "before"}, ["the best trial"]), end="")
        # the best trial
        hidden_size = 48
        lr = 0.003
        reset = "before"
    """
    lines = [f"# {c}" for c in comments]
    lines += [f"{key} = {toml_value(value)}" for key, value in options.items() if value is not None]
    return "\n".join(lines) + "\n"


def write_best_toml(path: Path, task: str, options: dict, study_name: str, trial_number: int, value: float,
                    trials: int) -> None:
    """best.toml: the fixed options and the best trial's, for ``grukit TASK train --config best.toml``."""
    comments = [f"grukit {task} tune: study {study_name!r}, the best of {trials} trials: trial {trial_number}, "
                f"validation loss {value:.6g}.",
                f"Train with it: grukit {task} train --config best.toml [DATA]"]
    atomic_write_text(path, toml_text(options, comments))


def write_trials_csv(path: Path, trials: list, keys: list[str]) -> None:
    """trials.csv: one row per trial of the study (every worker's), its state, score, epochs and options.

    ``val_loss`` is a complete trial's best validation loss (a pruned one's last); ``epochs_run`` the epochs it
    reported (fewer than configured when pruned or early-stopped); ``error`` why a failed trial failed.
    """
    def row(trial) -> list:
        seconds = ("" if trial.datetime_complete is None or trial.datetime_start is None
                   else f"{(trial.datetime_complete - trial.datetime_start).total_seconds():.3f}")
        return [trial.number, state_name(trial.state), "" if trial.value is None else repr(trial.value),
                len(trial.intermediate_values), seconds, *[trial.params.get(k, "") for k in keys],
                trial.user_attrs.get("error", "")]

    def write(tmp: str) -> None:
        with open(tmp, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["number", "state", "val_loss", "epochs_run", "seconds", *keys, "error"])
            writer.writerows(row(t) for t in trials)

    atomic_write(path, write)
