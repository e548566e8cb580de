"""The ``grukit`` command: a thin layer over the library.

Errors a user can fix (:class:`grukit.errors.GrukitError`) print one line, without a traceback,
and exit with 1 (bad data or model files) or 2 (bad options, like click's usage errors).
"""

from __future__ import annotations

import sys

import click

from grukit._version import __version__
from grukit.cli._lazy import LazyGroup
from grukit.errors import GrukitError

__all__ = ["cli", "entry_point", "main"]

# Each command's module is imported only when the command runs (or shows its own --help), so that
# `grukit --help` and `grukit --version` need neither torch nor the rest of the library. The short
# help is what `grukit --help` lists: the first sentence of the command's docstring, word for word
# (tests/cli/test_cli_startup.py checks it).
COMMANDS = {
    "forecast": ("grukit.cli.forecast:forecast", "Forecast time series with a GRU: train, predict, backtest."),
    "detect": ("grukit.cli.detect:detect", "Detect anomalies in a time series with a GRU: train, score."),
    "classify": ("grukit.cli.classify:classify", "Classify whole sequences with a GRU: train, predict."),
    "bench": ("grukit.cli.bench:bench", "Benchmarks run in this process against PyTorch's own layers."),
    "export": ("grukit.cli.export:export",
               "Export a trained forecast model as a graph (x, h[, future]) -> (y, h_next)."),
    "lm": ("grukit.cli.lm:lm", "Character language models with a GRU: train, sample, eval, tune."),
    "music": ("grukit.cli.music:music",
              "Model polyphonic music with a GRU that predicts each piano-roll frame: train, eval, sample."),
}


@click.group(name="grukit", cls=LazyGroup, lazy_commands=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="grukit", message="%(prog)s %(version)s")
def cli() -> None:
    """grukit: Gated Recurrent Units for PyTorch.

    Run `grukit COMMAND --help` for a command's options.
    """


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """grukit's warnings as ``grukit: warning: ...`` on stderr, without the source line."""
    click.echo(f"grukit: warning: {message}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (used by the console script)."""
    import warnings

    shown, warnings.showwarning = warnings.showwarning, _one_line_warning
    try:
        cli.main(args=argv, prog_name="grukit", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.UsageError as err:  # click's three-line usage message, as one line that says where help is
        where = err.ctx.command_path if err.ctx else "grukit"
        message = " ".join(err.format_message().split())
        click.echo(f"grukit: error: {message} See '{where} --help'.", err=True)
        return err.exit_code
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except click.Abort:
        click.echo("grukit: aborted.", err=True)
        return 1
    except GrukitError as err:
        click.echo(f"grukit: error: {err}", err=True)
        return err.exit_code
    except OSError as err:  # the file system said no: permissions, a full disk, a path that is a file
        click.echo(f"grukit: error: {os_error_line(err)}", err=True)
        return 1
    finally:
        warnings.showwarning = shown
    return 0


def os_error_line(err: OSError) -> str:
    """An operating-system error as one line that names the path and what to check.

    Example:
        >>> os_error_line(PermissionError(13, "Permission denied", "/srv/runs/a"))
        "cannot use '/srv/runs/a': Permission denied; check that the path exists, that you may write there and that the disk has space."
    """
    where = f"cannot use {str(err.filename)!r}" if err.filename else "a file operation failed"
    return (f"{where}: {err.strerror or err}; check that the path exists, that you may write there and that the "
            f"disk has space.")


def entry_point() -> None:
    sys.exit(main())
