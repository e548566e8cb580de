"""``grukit forecast | classify | detect tune``: one command, made for each task."""

from __future__ import annotations

from pathlib import Path

import click

from grukit.cli._options import dataclass_options, read_toml
from grukit.tune.config import TuneConfig

FILE = click.Path(dir_okay=False, path_type=Path)


def tune_command(task: str) -> click.Command:
    """The ``tune`` command of ``task``'s group; register it with ``group.add_command(tune_command(task))``."""

    @click.command(name="tune", help=_help(task))
    @click.argument("data", required=False, type=FILE)
    @click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
                  help="Folder for tune.db (the default storage), best.toml, trials.csv and best_model/.")
    @click.option("--config", "config_file", type=FILE, default=None,
                  help="A TOML file of options every trial uses (flat `key = value` lines); they are not searched.")
    @click.option("--space", "space_file", type=FILE, default=None,
                  help="A TOML file of search-space entries over the defaults: `key = { low = 1, high = 8 }` "
                       "(log = true, step = s) or `key = { choices = [...] }`.")
    @click.option("--verbose", "-v", is_flag=True, help="Show Optuna's log line for every trial.")
    @dataclass_options(TuneConfig)
    def tune(data: Path | None, out: Path, config_file: Path | None, space_file: Path | None, verbose: bool,
             **options) -> None:
        from grukit.train import config_from_dict
        from grukit.tune import tune as run_search
        from grukit.tune.space import read_space
        from grukit.tune.study import require_optuna

        config = config_from_dict(TuneConfig, {k: v for k, v in options.items() if v is not None})
        fixed, space = read_toml(config_file), read_space(space_file)
        if not verbose:
            optuna = require_optuna()
            optuna.logging.set_verbosity(optuna.logging.ERROR)  # the summary lists the failed trials, once
        result = run_search(task, out, data, fixed=fixed, space=space, config=config)
        click.echo(_summary(result))

    return tune


def _help(task: str) -> str:
    return (f"Search the options of `grukit {task} train` on DATA with Optuna; write the best as a --config file."
            f"\n\nEach trial trains with options drawn from the search space (the fixed ones from --config), "
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
