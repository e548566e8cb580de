"""What every task's ``train`` command does once its options are read and its data checked: the run itself."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click


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
