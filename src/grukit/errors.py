"""The errors grukit raises for problems a user can fix.

Each message is one line that says what was wrong, what was expected and how to fix it. The
command line prints it without a traceback and exits with ``exit_code``.
"""

from __future__ import annotations

__all__ = ["GrukitError", "DataError", "ConfigError", "ModelFileError", "TrainingError"]


class GrukitError(Exception):
    """Base class; the CLI exits with ``exit_code`` (1: the input could not be used)."""

    exit_code = 1


class DataError(GrukitError, ValueError):
    """The data cannot be used as given: a missing column, a bad value, too short a series, ..."""


class ConfigError(GrukitError, ValueError):
    """An option or configuration file is invalid; a usage error, so the CLI exits with 2."""

    exit_code = 2


class ModelFileError(GrukitError):
    """A saved model folder is missing a file, truncated, corrupted or of a newer format."""


class TrainingError(GrukitError):
    """Training cannot go on: the loss became NaN or infinite (extreme values in the data, too high a lr)."""
