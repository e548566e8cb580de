"""What every task's ``train`` command shares: its options (:func:`train_options`) and its run (:func:`train_run`)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path

import click

from grukit.cli._options import (
    check_out, config_option, dataclass_options, force_option, merge_options, progress_options, read_toml)

RESUME_HELP = "Continue the run in --out from its last checkpoint."


def train_options(*configs: type, writes: str, defaults: dict | None = None, extra: tuple = ()):
    """The options of every task's ``train`` command, in one order, and the check of ``--out`` before its run.

    In ``--help`` order: ``--out`` (``writes`` names the files the run puts there), ``--resume``,
    ``--force``, the task's ``extra`` options (click decorators), ``--config``, ``--quiet``, then one
    option per field of ``configs``, showing the task's ``defaults`` where they replace a
    dataclass's. The command is called with ``out``, ``resume``, ``force``, its other parameters
    and ``options``: the ``--config`` file's values, overridden by those given on the command line.
    An ``--out`` that would mix with another run is refused first (:func:`check_out`).
    """
    fields = {field.name for config in configs for field in dataclasses.fields(config)}

    def decorate(command):
        @functools.wraps(command)
        def run(*args, out: Path | None, resume: bool, force: bool, config_file: Path | None, **kwargs):
            check_out(out, resume, force)
            given = {name: kwargs.pop(name) for name in list(kwargs) if name in fields}
            return command(*args, out=out, resume=resume, force=force,
                           options=merge_options(read_toml(config_file), given), **kwargs)

        run = dataclass_options(*configs, defaults=defaults)(run)
        run = progress_options(run)
        run = config_option(run)
        for option in reversed(extra):
            run = option(run)
        run = force_option(run)
        run = click.option("--resume", is_flag=True, help=RESUME_HELP)(run)
        return click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                            help=f"Folder for {writes} and checkpoints; nothing is written without it, and "
                                 f"nothing when the run fails.")(run)
    return decorate


def train_run(out: Path | None, resume: bool, force: bool, fit: Callable[[Path | None, bool], object],
              finish: Callable[[object, Path | None], str], where: str = "report") -> None:
    """Train, then score, write and print the run, the same way for every task.

    ``fit(folder, resume)`` trains, checkpointing into ``folder`` (None: nowhere) and continuing its
    last checkpoint when ``resume``; it returns what ``finish`` needs. ``finish(fitted, folder)``
    scores, writes the run's files into ``folder`` when there is one, and returns the lines to print.

    Under ``torchrun`` the processes but 0 only run ``fit`` (into the folder of the run to resume, if
    any). Process 0 runs both; with ``--out`` it does so in a staged folder that takes the place of
    ``--out`` only when complete (all or nothing; ``--resume`` continues it after a kill). Last, where
    the run is: ``report: OUT/report.html``, or ``model: OUT`` with ``where="model"``.
    """
    from grukit._io import resume_folder, run_folder
    from grukit.train.distributed import is_main_process

    if not is_main_process():  # under torchrun, process 0 alone scores, reports and writes the run
        fit(resume_folder(out) if resume else None, resume)
        return
    if out is None:
        text = finish(fit(None, False), None)
    else:
        with run_folder(out, replace=force, resume=resume) as folder:  # all or nothing; --resume after a kill
            text = finish(fit(folder, resume), folder)
    click.echo(text)
    if out is not None:
        click.echo(f"report: {out / 'report.html'}" if where == "report" else f"model: {out}")
