"""The ``grukit`` command: a thin layer over the library.

Errors a user can fix (:class:`grukit.errors.GrukitError`) print one line, without a traceback,
and exit with 1 (bad data or model files) or 2 (bad options, like click's usage errors).
"""

from __future__ import annotations

import sys

import click

from grukit._version import __version__
from grukit.cli.bench import bench
from grukit.cli.classify import classify
from grukit.cli.detect import detect
from grukit.cli.export import export
from grukit.cli.forecast import forecast
from grukit.cli.lm import lm
from grukit.cli.music import music
from grukit.errors import GrukitError


@click.group(name="grukit", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="grukit", message="%(prog)s %(version)s")
def cli() -> None:
    """grukit: Gated Recurrent Units for PyTorch.

    Run `grukit COMMAND --help` for a command's options.
    """


cli.add_command(forecast)
cli.add_command(detect)
cli.add_command(classify)
cli.add_command(bench)
cli.add_command(export)
cli.add_command(lm)
cli.add_command(music)


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
    except click.ClickException as err:
        err.show()
        return err.exit_code
    except click.Abort:
        click.echo("grukit: aborted.", err=True)
        return 1
    except GrukitError as err:
        click.echo(f"grukit: error: {err}", err=True)
        return err.exit_code
    finally:
        warnings.showwarning = shown
    return 0


def entry_point() -> None:
    sys.exit(main())
