"""``grukit forecast | classify | detect | music | lm tune``: one command, made for each task."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from grukit.cli._options import check_quiet, dataclass_options, merge_options, read_toml
from grukit.tune.config import TuneConfig

FILE = click.Path(dir_okay=False, path_type=Path)
# TrainConfig's seed seeds each trial's training; --seed is the sampler's (TuneConfig), so the former is --config only.
SKIPPED = ("seed",)


def tune_command(task: str, *option_classes: type) -> click.Command:
    """The ``tune`` command of ``task``'s group; register it with ``group.add_command(tune_command(task, ...))``.

    ``option_classes``: the config dataclasses of ``task``'s ``train`` (e.g. ForecastConfig, TrainConfig); each
    field is an option here too, fixed for every trial like a --config entry, and wins over --config.
    """
    tune_fields = {field.name for field in dataclasses.fields(TuneConfig)}

    @click.command(name="tune", help=_help(task))
    @click.argument("data", required=False, type=FILE)
    @click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
                  help="Folder for tune.db (the default storage), best.toml, trials.csv and best_model/.")
    @click.option("--config", "config_file", type=FILE, default=None,
                  help="A TOML file of options every trial uses (flat `key = value` lines); they are not searched. "
                       "Training options given on the command line are fixed the same way, and win.")
    @click.option("--space", "space_file", type=FILE, default=None,
                  help="A TOML file of search-space entries over the defaults: `key = { low = 1, high = 8 }` "
                       "(log = true, step = s) or `key = { choices = [...] }`.")
    @click.option("--verbose", "-v", is_flag=True, help="Show Optuna's log line for every trial.")
    @click.option("--quiet", "-q", is_flag=True,
                  help="Print no progress: no bar over the trials (warnings, errors and the summary still print).")
    @dataclass_options(TuneConfig)
    @dataclass_options(*option_classes, skip=SKIPPED)
    def tune(data: Path | None, out: Path, config_file: Path | None, space_file: Path | None, verbose: bool,
             quiet: bool, **options) -> None:
        from grukit.train import config_from_dict
        from grukit.tune import tune as run_search
        from grukit.tune.space import read_space
        from grukit.tune.study import require_optuna

        check_quiet(quiet, progress=options.get("progress"), verbose=verbose)
        search = {k: v for k, v in options.items() if k in tune_fields and v is not None}
        given = {k: v for k, v in options.items() if k not in tune_fields}  # the task's options, None when not given
        config = config_from_dict(TuneConfig, search)
        fixed, space = merge_options(read_toml(config_file), given), read_space(space_file)
        if not verbose:
            optuna = require_optuna()
            optuna.logging.set_verbosity(optuna.logging.ERROR)  # the summary lists the failed trials, once
        result = run_search(task, out, data, fixed=fixed, space=space, config=config,
                            progress=False if quiet else None)
        click.echo(_summary(result))

    return tune


def _help(task: str) -> str:
    return (f"Search the options of `grukit {task} train` on DATA with Optuna; write the best as a --config file."
            f"\n\nEach trial trains with options drawn from the search space (the fixed ones from --config and "
            f"the command line, which takes `grukit {task} train`'s options but --seed, here the sampler's), "
            f"reports its validation loss after every epoch and is pruned when it falls behind the median; the "
            f"test part is never used. The study lives in --storage, so running the same command again continues "
            f"it, and workers on many machines can share one database. Writes best.toml (use it as "
            f"`grukit {task} train --config best.toml`), trials.csv and the best model retrained in best_model/.")


def _summary(result) -> str:
    from grukit.tune.outputs import toml_value

    counts = ", ".join(f"{n} {state}" for state, n in result.counts.items())
    total = sum(result.counts.values())
    lines = [f"study {result.study_name!r} in {result.storage}: {total} trial{'s' if total != 1 else ''} ({counts})",
             f"best: trial {result.best_number}, validation loss {result.best_value:.6g}"]
    lines += [f"  {key} = {toml_value(value)}" for key, value in result.best_options.items()]
    for number, error in list(result.errors.items())[:3]:
        lines.append(f"trial {number} failed: {error}")
    if len(result.errors) > 3:
        lines.append(f"... {len(result.errors) - 3} more failed trials: see the error column of trials.csv")
    lines.append(f"best.toml: {result.best_toml}")
    lines.append(f"trials: {result.trials_csv}")
    if result.model_dir is not None:
        lines.append(f"model: {result.model_dir}")
    return "\n".join(lines)
