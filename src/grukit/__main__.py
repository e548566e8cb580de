"""``python -m grukit`` runs the command line."""

from grukit.cli import entry_point

entry_point()
