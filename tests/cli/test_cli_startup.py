"""A quick ``grukit --help`` and ``--version``: no command module, and so no torch, is imported for them."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

import grukit
from grukit.cli import COMMANDS, cli, main
from grukit.cli._lazy import LazyGroup

SUBCOMMANDS = {
    "forecast": ("train", "predict", "backtest", "tune"),
    "detect": ("train", "score", "tune"),
    "classify": ("train", "predict", "tune"),
    "bench": ("gru",),
    "lm": ("train", "sample", "eval", "tune"),
    "music": ("train", "eval", "sample", "tune"),
}


def _fresh_python(code: str) -> list[str]:
    """The lines ``code`` prints in a new interpreter, where nothing is imported yet."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def test_import_grukit_cli_does_not_import_torch():
    code = "import sys, grukit.cli; print('torch' in sys.modules)"
    assert _fresh_python(code) == ["False"]


@pytest.mark.parametrize("option", ["--help", "-h", "--version", "-V"])
def test_help_and_version_import_no_command_module(option):
    code = ("import contextlib, io, sys\n"
            "from grukit.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            f"    code = main([{option!r}])\n"
            "print(code, 'torch' in sys.modules)\n"
            "print(sorted(m for m in sys.modules if m.startswith('grukit.cli.') and m != 'grukit.cli._lazy'))\n"
            "print(repr(out.getvalue()))\n")
    code_and_torch, command_modules, output = _fresh_python(code)
    assert code_and_torch == "0 False"
    assert command_modules == "[]"
    assert "grukit" in output


@pytest.mark.parametrize("group", ["forecast", "detect", "classify", "lm", "music"])
def test_train_help_shows_without_importing_torch(group):
    code = ("import contextlib, io, sys\n"
            "from grukit.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            f"    code = main([{group!r}, 'train', '--help'])\n"
            "print(code, 'torch' in sys.modules, '--epochs' in out.getvalue())\n")
    assert _fresh_python(code) == ["0 False True"]


def test_version_output_is_unchanged():
    code = "import sys; from grukit.cli import main; sys.exit(main(['--version']))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"grukit {grukit.__version__}\n", "")


def test_every_command_is_registered_lazily():
    assert sorted(COMMANDS) == ["bench", "classify", "detect", "export", "forecast", "lm", "music"]
    assert cli.list_commands(click.Context(cli)) == sorted(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_static_short_help_is_the_commands_own(name):
    command = cli.commands[name]  # imports the command's module
    assert isinstance(command, click.Command) and command.name == name
    assert command is cli.get_command(click.Context(cli), name)
    assert cli.lazy_commands[name].short_help == command.get_short_help_str(limit=10**6)
    assert cli.lazy_commands[name].short_help == (command.short_help or command.help).strip().splitlines()[0]


@pytest.mark.parametrize("width", [40, 60, 80, 100, 200])
def test_lazy_listing_is_the_listing_of_the_loaded_commands(width):
    """Also where click shortens a long short help to fit the terminal."""
    def listing(group: click.Group) -> str:
        return group.get_help(click.Context(group, info_name="grukit", terminal_width=width,
                                            max_content_width=width))

    lazy = LazyGroup(name="grukit", lazy_commands=COMMANDS)
    loaded = click.Group(name="grukit", commands={name: cli.commands[name] for name in COMMANDS})
    assert listing(lazy) == listing(loaded)
    assert not lazy.commands  # listing imported nothing


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name, (_, short_help) in COMMANDS.items():
        assert f"  {name} " in out
    assert "Forecast time series with a GRU: train, predict, backtest." in out


@pytest.mark.parametrize("group", sorted(SUBCOMMANDS))
def test_group_help_lists_its_subcommands(group, capsys):
    assert main([group, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: grukit {group} [OPTIONS] COMMAND [ARGS]...")
    listed = out.split("Commands:\n", 1)[1].split()
    assert all(sub in listed for sub in SUBCOMMANDS[group]), out


@pytest.mark.parametrize("argv", [["export", "--help"], ["forecast", "train", "--help"], ["lm", "eval", "--help"]])
def test_command_help(argv, capsys):
    assert main(argv) == 0
    assert capsys.readouterr().out.startswith(f"Usage: grukit {' '.join(argv[:-1])} [OPTIONS]")


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["nope"]) == 2
    assert "No such command 'nope'" in capsys.readouterr().err
