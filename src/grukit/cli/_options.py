"""Command-line options made from flat config dataclasses, ``--config`` TOML files, and the shared conventions.

Every dataclass field becomes ``--field-name`` with the field's comment as its help. The value
that wins is the command line's, then the TOML file's, then the dataclass default; unknown TOML
keys are an error that lists the valid ones.

The conventions every command follows: the data file is the positional DATA (an older flag
spelling, e.g. ``--data``, still works; both at once is a usage error), and a training command
takes ``--quiet``; off a terminal it prints one line per epoch to stderr (:func:`progress_options`).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
import typing
from pathlib import Path

import click

from grukit._io import read_toml_table
from grukit.errors import ConfigError

FILE = click.Path(dir_okay=False, path_type=Path)
QUIET_HELP = ("Print no progress: no bar, no per-epoch lines (warnings, errors and the results still print). "
              "Without it, training prints a bar on a terminal and otherwise (nohup, CI, a pipe) one line per "
              "epoch to stderr, at most one per 10 s.")

_COMMENT = re.compile(r"^\s+(\w+):.*?#\s*(.+)$")


def field_comments(cls: type) -> dict[str, str]:
    """The one-line comment after each field of a dataclass, read from its source."""
    comments = {}
    for line in inspect.getsource(cls).splitlines():
        match = _COMMENT.match(line)
        if match:
            comments[match.group(1)] = match.group(2).strip()
    return comments


def _base_type(hint) -> object:
    """``int | None`` -> int; ``list[str]`` -> list[str]."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, getattr(__import__("types"), "UnionType")) and len(args) == 1:
        return args[0]
    return hint


def _split_list(item_type):
    def convert(value: str) -> list:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        try:
            return [item_type(p) for p in parts]
        except ValueError:
            raise click.BadParameter(f"expected a comma-separated list of {item_type.__name__}; got {value!r}.")
    return convert


def dataclass_options(*classes: type, skip: tuple[str, ...] = (), defaults: dict | None = None):
    """A decorator adding one option per field of ``classes``; unset options arrive as None.

    ``defaults`` (field -> value) are the task's own defaults where they replace the dataclass's
    (e.g. a task's TRAIN_DEFAULTS), so that ``--help`` shows the value a run uses; a string value
    is shown as it is (e.g. "from the data").
    """
    defaults = defaults or {}

    def decorate(command):
        for cls in reversed(classes):
            hints = typing.get_type_hints(cls)
            comments = field_comments(cls)
            for field in reversed(dataclasses.fields(cls)):
                if field.name in skip:
                    continue
                default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
                default = defaults.get(field.name, default)
                command = _option(field.name, _base_type(hints[field.name]), default, comments.get(field.name, ""))(command)
        return command
    return decorate


def _option(name: str, hint, default, comment: str):
    flag = "--" + name.replace("_", "-")
    shown = ", ".join(map(str, default)) if isinstance(default, list) else default
    help_text = f"{comment} [default: {shown if shown not in ('', None) else 'none'}]"
    if hint is bool:
        return click.option(f"{flag}/--no-{flag[2:]}", name, default=None, help=help_text)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return click.option(flag, name, type=str, default=None, callback=lambda c, p, v: None if v is None
                            else _split_list(item)(v), metavar=f"{item.__name__.upper()},...", help=help_text)
    kind = {int: click.INT, float: click.FLOAT, str: click.STRING}.get(hint, click.STRING)
    return click.option(flag, name, type=kind, default=None, help=help_text)


def read_toml(path: Path | None) -> dict:
    """The flat table of a ``--config`` file, or {}."""
    if path is None:
        return {}
    data = read_toml_table(path, "config file")
    nested = [key for key, value in data.items() if isinstance(value, dict)]
    if nested:
        raise ConfigError(f"config file {path} must be a flat table of options; got the section [{nested[0]}]. "
                          f"Write `key = value` lines at the top level.")
    return data


def merge_options(toml: dict, cli: dict) -> dict:
    """TOML values, overridden by every option given on the command line."""
    merged = dict(toml)
    merged.update({k: v for k, v in cli.items() if v is not None})
    return merged


def data_argument(flag: str, *, missing: str | None = None, type: click.Path = FILE):
    """DATA as a positional argument, and ``flag`` (e.g. ``"--data"``) as its older spelling.

    The command receives ``data``: the path given either way, or None. Both at once is a usage
    error; ``missing``, when given, is the message of the usage error raised when neither is
    (None: DATA is optional). ``type``: what DATA may name (by default a file, not a folder).
    """
    def decorate(command):
        @functools.wraps(command)
        def run(*args, data: Path | None, data_flag: Path | None, **kwargs):
            if data is not None and data_flag is not None:
                raise ConfigError(f"pass the data file once, as DATA or as {flag}, not both.")
            data = data if data is not None else data_flag
            if data is None and missing is not None:
                raise ConfigError(missing)
            return command(*args, data=data, **kwargs)

        run = click.option(flag, "data_flag", type=type, default=None, metavar="DATA",
                           help="The same as DATA (the older spelling).")(run)
        return click.argument("data", required=False, type=type,
                              metavar="DATA" if missing is not None else None)(run)
    return decorate


def check_quiet(quiet: bool, **others: bool | None) -> None:
    """A usage error when --quiet comes with one of ``others`` (option name -> its value) turned on."""
    for name, value in others.items():
        if quiet and value:
            raise ConfigError(f"--quiet and --{name.replace('_', '-')} cannot be used together; pass one of them.")


def progress_options(command):
    """``--quiet`` for a command whose options include TrainConfig's ``progress``.

    Without it the command trains inside :func:`grukit.train.progress.epoch_lines`: a bar on a
    terminal, one line per epoch to stderr elsewhere. ``--quiet`` sets ``progress`` to False;
    with ``--progress`` it is a usage error.
    """
    @functools.wraps(command)
    def run(*args, quiet: bool, **kwargs):
        from grukit.train.progress import epoch_lines

        check_quiet(quiet, progress=kwargs.get("progress"))
        if quiet:
            kwargs["progress"] = False
        with epoch_lines(not quiet):
            return command(*args, **kwargs)

    return click.option("--quiet", "-q", is_flag=True, help=QUIET_HELP)(run)


CONFIG_HELP = "A TOML file of options (flat `key = value` lines); the command line wins."
FORCE_HELP = "Replace the run already in --out; without it an --out folder that holds files is refused."


def config_option(command):
    """``--config FILE``: a TOML file of the command's options, read by :func:`read_toml`."""
    return click.option("--config", "config_file", type=FILE, default=None, help=CONFIG_HELP)(command)


def force_option(command):
    """``--force`` for a command that writes a run into ``--out``."""
    return click.option("--force", is_flag=True, help=FORCE_HELP)(command)


def check_out(out: Path | None, resume: bool, force: bool) -> None:
    """Refuse, before any work, an ``--out`` that would silently mix with or replace another run.

    An existing non-empty folder needs ``--resume`` (continue it) or ``--force`` (replace it);
    ``--resume`` or ``--force`` without ``--out``, and both together, are usage errors (click's
    folder type already refuses an ``--out`` that is a file).
    """
    if out is None:
        for flag, given in (("--resume", resume), ("--force", force)):
            if given:
                raise ConfigError(f"{flag} needs --out, the folder of the run to "
                                  f"{'continue' if flag == '--resume' else 'replace'}.")
        return
    if resume and force:
        raise ConfigError("--resume continues the run in --out and --force replaces it; pass one of them.")
    if out.is_dir() and not (resume or force):
        names = sorted(p.name for p in out.iterdir())
        if names:
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            raise ConfigError(f"--out {out} already holds files ({shown}); pass --force to replace that run, "
                              f"--resume to continue it, or a new folder.")
