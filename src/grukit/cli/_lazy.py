"""A click group whose subcommands are imported only when they are run (click's "lazy loading" pattern).

``grukit --help`` and ``grukit --version`` then answer without importing any command module, and so
without torch, pandas or the rest of the library. Each lazy command is named with the
``"module:attribute"`` of its click command and a static one-line short help, which ``--help`` lists
in place of the command's own; tests/cli/test_cli_startup.py checks that the two agree.

Example:
    >>> @click.group(cls=LazyGroup, lazy_commands={"export": ("grukit.cli.export:export", "Export a model.")})
    ... def cli() -> None:
    ...     '''The command line.'''
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import click

__all__ = ["LazyCommand", "LazyGroup"]


class LazyCommand(NamedTuple):
    """Where a command lives and the short help ``--help`` lists before it is imported."""

    import_path: str  # "package.module:attribute" of the click.Command
    short_help: str  # its docstring's first sentence, as click would list it


class _Commands(dict[str, click.Command]):
    """``group.commands`` that imports a lazy command the first time it is looked up by name.

    ``group.commands[name]`` is how click's API reaches a registered command, so code that reads it
    (tests, other tools) keeps working; ``in`` and iteration see only the commands imported so far.
    """

    def __init__(self, load: Callable[[str], click.Command | None]) -> None:
        super().__init__()
        self._load = load

    def __missing__(self, name: str) -> click.Command:
        command = self._load(name)
        if command is None:
            raise KeyError(name)
        self[name] = command
        return command


class LazyGroup(click.Group):
    """A :class:`click.Group` with commands given as ``{name: (import_path, short_help)}``.

    Commands added the usual way (``add_command``, ``@group.command``) work as in any group, and
    one added under a lazy command's name replaces it.
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        eager, self.commands = self.commands, _Commands(self._load)
        self.commands.update(eager)
        self.lazy_commands = {name: LazyCommand(*spec) for name, spec in (lazy_commands or {}).items()}
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if self._listing and cmd_name not in self.commands and cmd_name in self.lazy_commands:
            # a stand-in that click shortens exactly as it would the command's own docstring
            return click.Command(cmd_name, help=self.lazy_commands[cmd_name].short_help)
        try:
            return self.commands[cmd_name]
        except KeyError:
            return None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's list of commands, with the static short help of the commands not imported yet."""
        self._listing = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            self._listing = False

    def _load(self, name: str) -> click.Command | None:
        """Import the lazy command ``name``; None when there is no such lazy command."""
        spec = self.lazy_commands.get(name)
        if spec is None:
            return None
        module_name, _, attribute = spec.import_path.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{spec.import_path} is a {type(command).__name__}, not a click command")
        return command
