"""``tune``: search a task's options with Optuna, then write best.toml, trials.csv and the best model."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from grukit.errors import ConfigError, GrukitError

__all__ = ["tune", "TuneResult"]


@dataclass
class TuneResult:
    """What :func:`tune` returns; the files it names are written."""

    study_name: str  # the study in the storage
    storage: str  # its URL, password hidden
    counts: dict[str, int]  # trials of the whole study by state: complete, pruned, failed, running, waiting
    best_number: int  # the best trial's number
    best_value: float  # its validation loss
    best_options: dict  # fixed options + the best trial's: best.toml's content
    best_toml: Path  # <out>/best.toml
    trials_csv: Path  # <out>/trials.csv
    model_dir: Path | None  # <out>/best_model, None without retrain
    retrained_value: float | None  # the retrained model's validation loss (equals best_value on a deterministic device)
    errors: dict[int, str]  # trial number -> why it failed, for the study's failed trials that say why


def tune(task: str, out: str | Path, data=None, *, fixed: dict | None = None, space: dict | None = None,
         config=None, progress: bool | None = None) -> TuneResult:
    """Search ``task``'s options by validation loss; write best.toml, trials.csv and best_model/ under ``out``.

    Each trial trains the estimator on ``data`` (None: the bundled default) with the ``fixed``
    options and values drawn from ``space`` (the task's default space with ``space``'s entries
    over it; keys in ``fixed`` are not searched), reports the validation loss after every epoch
    and is pruned when it falls behind (see :func:`grukit.tune.study.open_study`). The study
    lives in ``config.storage``: running ``tune`` again on it continues the same study, and
    workers on many machines may share it.

    Args:
        task: "forecast", "classify", "detect", "music" or "lm".
        out: folder for tune.db (the default storage), best.toml, trials.csv and best_model/.
        data: what the estimator's ``fit`` takes (a file path, a DataFrame, ...).
        fixed: options every trial uses (what ``--config`` holds).
        space: ``{option: Range | Choice}`` entries added to or replacing the default space.
        config: a :class:`~grukit.tune.TuneConfig`.
        progress: a bar over trials; None shows it only when stderr is a terminal.

    Example:
        >>> from grukit.tune import Range, TuneConfig, tune
        >>> result = tune("forecast", "runs/tune", "sales.csv", fixed={"horizon": 14, "epochs": 30},
        ...               space={"lookback": Range(28, 112, step=14)}, config=TuneConfig(trials=40))
        >>> result.best_options, result.best_toml        # then: grukit forecast train --config runs/tune/best.toml
    """
    from grukit.tune.config import TuneConfig
    from grukit.tune.objective import Objective, RejectedTrial
    from grukit.tune.space import DEFAULT_SPACES, check_space
    from grukit.tune.study import open_storage, open_study, require_optuna, shown_url
    from grukit.tune.tasks import get_task

    optuna = require_optuna()
    config = TuneConfig() if config is None else config
    if not isinstance(config, TuneConfig):
        raise TypeError(f"tune: config must be a TuneConfig; got {type(config).__name__}.")
    spec, fixed, out = get_task(task), dict(fixed or {}), Path(out)
    space = {**DEFAULT_SPACES[task], **(space or {})}
    check_space(space, spec.option_fields())
    searched = {key: entry for key, entry in space.items() if key not in fixed}
    if not searched:
        raise ConfigError(f"nothing to search: the fixed options set every key of the search space "
                          f"({', '.join(space)}); remove some from --config or add keys with --space.")
    spec.check_options(fixed, data)  # bad fixed options fail now, not in every trial

    if config.storage is None:
        out.mkdir(parents=True, exist_ok=True)  # for the default storage; otherwise out appears with the results
    url = config.storage or f"sqlite:///{out / 'tune.db'}"
    study_name = config.study_name or f"grukit-{task}"
    study = open_study(open_storage(url), study_name, seed=config.seed,
                       prune_startup_trials=config.prune_startup_trials,
                       prune_warmup_epochs=config.prune_warmup_epochs)
    before = {t.number for t in study.get_trials(deepcopy=False)}
    with _trial_bar(config.trials, progress) as bar:
        study.optimize(Objective(spec, data, fixed, searched, config.seed), n_trials=config.trials,
                       timeout=config.timeout, catch=(RejectedTrial,), callbacks=[bar.callback])

    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        raise _no_complete_trial(study_name, [t for t in trials if t.number not in before])
    best = min(complete, key=lambda t: (t.value, t.number))
    best_options = {**fixed, **best.params}
    keys = list(searched) + sorted({k for t in trials for k in t.params} - set(searched))
    result = TuneResult(
        study_name=study_name, storage=shown_url(url), counts=_counts(trials), best_number=best.number,
        best_value=best.value, best_options=best_options, best_toml=out / "best.toml",
        trials_csv=out / "trials.csv", model_dir=None, retrained_value=None,
        errors={t.number: t.user_attrs["error"] for t in trials if "error" in t.user_attrs})
    _write(result, task, trials, keys)
    if config.retrain:
        result.model_dir, result.retrained_value = _retrain(spec, best_options, data, out / "best_model")
    return result


def _write(result: TuneResult, task: str, trials: list, keys: list[str]) -> None:
    from grukit.tune.outputs import write_best_toml, write_trials_csv

    write_best_toml(result.best_toml, task, result.best_options, result.study_name, result.best_number,
                    result.best_value, len(trials))
    write_trials_csv(result.trials_csv, trials, keys)


def _retrain(spec, options: dict, data, folder: Path) -> tuple[Path, float | None]:
    """Fit the best options once more and save the model with the estimator's own ``save``."""
    from grukit._io import staged_directory
    from grukit.tune.objective import TRIAL_DEFAULTS

    results = []

    def keep_result(event: str, state: dict) -> None:
        if event == "fit_end":
            results.append(state["result"])

    model = spec.fit({**TRIAL_DEFAULTS, **dict(spec.tune_options), **options}, data, callbacks=[keep_result])
    with staged_directory(folder) as stage:
        model.save(stage)
    return folder, results[0].best_val_loss


def _counts(trials: list) -> dict[str, int]:
    """Trials by state, in the order complete, pruned, failed, running, waiting; states without trials left out."""
    from grukit.tune.outputs import STATES, state_name

    names = [state_name(t.state) for t in trials]
    return {state: names.count(state) for state in STATES if state in names}


def _no_complete_trial(study_name: str, mine: list) -> GrukitError:
    errors = [t.user_attrs["error"] for t in mine if "error" in t.user_attrs]
    if errors:
        return ConfigError(f"no trial of study {study_name!r} completed: every configuration was refused; the "
                           f"first: {errors[0]}")
    return GrukitError(f"no trial of study {study_name!r} has completed yet; run more trials (--trials).")


class _trial_bar:
    """A tqdm bar over this worker's trials, showing the best validation loss; off unless asked or on a terminal."""

    def __init__(self, total: int, show: bool | None) -> None:
        from tqdm.auto import tqdm

        show = sys.stderr.isatty() if show is None else show
        self.bar = tqdm(total=total, desc="tune", unit="trial", disable=not show, file=sys.stderr)

    def callback(self, study, trial) -> None:
        self.bar.update()
        complete = [t.value for t in study.get_trials(deepcopy=False) if t.value is not None]
        if complete:
            self.bar.set_postfix({"best": f"{min(complete):.4g}"})

    def __enter__(self) -> "_trial_bar":
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()
