"""The search space: which options a search varies, over which ranges or choices.

A space maps option names (fields of the task's config or of :class:`grukit.train.TrainConfig`) to a
:class:`Range` (numbers between ``low`` and ``high``) or a :class:`Choice` (a list of values). The
option's own type decides how Optuna draws it: an ``int`` field gets ``suggest_int``, a ``float``
field ``suggest_float``, anything else ``suggest_categorical``.

A ``--space`` TOML file adds to or replaces the task's default entries, one inline table per key::

    hidden_size = { low = 16, high = 256, log = true }
    lookback = { low = 24, high = 168, step = 24 }
    reset = { choices = ["after", "before"] }

Options fixed in ``--config`` are not searched, even when the space names them.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from grukit._io import read_toml_table
from grukit.errors import ConfigError

__all__ = ["Range", "Choice", "DEFAULT_SPACES", "space_from_dict", "read_space", "check_space", "suggest"]


@dataclass(frozen=True)
class Range:
    """Numbers in [low, high]: uniform, or uniform in log(x) with ``log=True``, or on a grid of ``step``.

    Example:
        >>> Range(1e-4, 1e-2, log=True)       # a learning rate
    """

    low: float  # the smallest value drawn
    high: float  # the largest value drawn
    log: bool = False  # draw log(x) uniformly (needs low > 0)
    step: float | None = None  # draw only low, low + step, ... (not with log)


@dataclass(frozen=True)
class Choice:
    """One of a few values (bool, int, float or str), e.g. ``Choice(("after", "before"))``."""

    choices: tuple  # the values to pick from


Space = dict[str, Range | Choice]

# The GRU's own options (grukit.nn.GRU: reset, layer_norm, zoneout, recurrent_dropout) next to size, depth,
# dropout and learning rate; lookback where the task has one. Wide on purpose: a --space file narrows them.
_GRU = {"reset": Choice(("after", "before")), "layer_norm": Choice((False, True)),
        "zoneout": Range(0.0, 0.2), "recurrent_dropout": Range(0.0, 0.3)}
DEFAULT_SPACES: dict[str, Space] = {
    "forecast": {"lookback": Range(12, 96, step=12), "hidden_size": Range(16, 128, log=True),
                 "num_layers": Range(1, 2), "dropout": Range(0.0, 0.5), "lr": Range(1e-4, 1e-2, log=True), **_GRU},
    "classify": {"hidden_size": Range(16, 128, log=True), "num_layers": Range(1, 2), "dropout": Range(0.0, 0.5),
                 "lr": Range(1e-4, 1e-2, log=True), **_GRU},
    "detect": {"lookback": Range(16, 96, step=16), "hidden_size": Range(8, 64, log=True), "num_layers": Range(1, 2),
               "dropout": Range(0.0, 0.5), "lr": Range(1e-4, 1e-2, log=True), "reset": Choice(("after", "before"))},
    "music": {"hidden_size": Range(32, 256, log=True), "num_layers": Range(1, 2), "dropout": Range(0.0, 0.5),
              "input_dropout": Range(0.0, 0.3), "lr": Range(1e-3, 3e-2, log=True), "reset": Choice(("after", "before")),
              "zoneout": Range(0.0, 0.2), "recurrent_dropout": Range(0.0, 0.3)},
    "lm": {"hidden_size": Range(64, 512, log=True), "num_layers": Range(1, 3), "dropout": Range(0.0, 0.3),
           "chunk_length": Choice((64, 128, 256)), "lr": Range(5e-4, 5e-3, log=True), **_GRU},
}


def space_from_dict(table: dict, source: str = "search space") -> Space:
    """A space from a dict of ``{low, high[, log][, step]}`` or ``{choices}`` tables (a parsed TOML file).

    Example:
        >>> space_from_dict({"lr": {"low": 1e-4, "high": 1e-2, "log": True}, "reset": {"choices": ["after"]}})
        {'lr': Range(low=0.0001, high=0.01, log=True, step=None), 'reset': Choice(choices=('after',))}
    """
    space = {}
    for key, entry in table.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{source}: {key} must be a table like {{ low = 1, high = 8 }} or "
                              f"{{ choices = [...] }}; got {entry!r}.")
        if set(entry) == {"choices"} and isinstance(entry["choices"], list) and entry["choices"]:
            space[key] = Choice(tuple(entry["choices"]))
        elif {"low", "high"} <= set(entry) <= {"low", "high", "log", "step"}:
            space[key] = _range(key, entry, source)
        else:
            raise ConfigError(f"{source}: {key} must have the keys low, high (and optionally log, step), or a "
                              f"non-empty list of choices; got {', '.join(map(str, entry)) or 'an empty table'}.")
    return space


def _range(key: str, entry: dict, source: str) -> Range:
    low, high, log, step = entry["low"], entry["high"], entry.get("log", False), entry.get("step")
    numbers = [v for v in (low, high, step) if v is not None]
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in numbers):
        raise ConfigError(f"{source}: {key} needs finite numbers for low, high and step; got {entry!r}.")
    if not isinstance(log, bool):
        raise ConfigError(f"{source}: {key}.log must be true or false; got {log!r}.")
    if low > high:
        raise ConfigError(f"{source}: {key} has low {low} above high {high}; swap them.")
    if log and low <= 0:
        raise ConfigError(f"{source}: {key} has log = true, which needs low > 0; got low {low}.")
    if step is not None and (step <= 0 or log):
        raise ConfigError(f"{source}: {key}.step must be a number > 0 and cannot be combined with log = true; "
                          f"got step {step} with log {str(log).lower()}.")
    return Range(low, high, log, step)


def read_space(path: Path | None) -> Space:
    """The space of a ``--space`` TOML file, or {} without one."""
    if path is None:
        return {}
    table = read_toml_table(path, "space file")
    return space_from_dict(table, f"space file {path}")


def check_space(space: Space, fields: dict[str, object]) -> None:
    """Every key must be an option (``fields``: name -> type hint) that Optuna can draw; raise ConfigError if not.

    Example:
        >>> check_space({"hiden_size": Range(8, 64)}, {"hidden_size": int})
        Traceback (most recent call last):
        grukit.errors.ConfigError: search space: unknown key 'hiden_size' (did you mean 'hidden_size'?); ...
    """
    for key, entry in space.items():
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"search space: unknown key {key!r}{hint}; valid keys: {', '.join(fields)}.")
        if any(typing.get_origin(m) is list for m in _members(fields[key])):
            raise ConfigError(f"search space: {key} is a list option, which a search cannot vary; "
                              f"set it in --config instead.")
        kind = _number_kind(fields[key])
        if isinstance(entry, Range) and kind is None:
            raise ConfigError(f"search space: {key} is not a number, so it takes {{ choices = [...] }}, "
                              f"not a range.")
        if isinstance(entry, Range) and kind is int and not all(
                float(v).is_integer() for v in (entry.low, entry.high, entry.step) if v is not None):
            raise ConfigError(f"search space: {key} is an integer option; give low, high and step as integers, "
                              f"got {entry.low}, {entry.high}, {entry.step}.")
        if isinstance(entry, Choice):
            from grukit.train.dataclass_config import check_value

            for value in entry.choices:
                check_value("search space", key, fields[key], value)


def _number_kind(hint) -> type | None:
    """int or float for a numeric option (``int | None`` counts as int), else None."""
    members = [m for m in _members(hint) if m is not type(None)]
    if len(members) == 1 and members[0] in (int, float):
        return members[0]
    return None


def _members(hint) -> tuple:
    """``int | None`` -> (int, NoneType); any other hint -> (hint,)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def suggest(trial, space: Space, fields: dict[str, object]) -> dict:
    """Draw one value per key of ``space`` from an Optuna trial; ints for int options, floats for float ones."""
    values = {}
    for key, entry in space.items():
        if isinstance(entry, Choice):
            values[key] = trial.suggest_categorical(key, list(entry.choices))
        elif _number_kind(fields[key]) is int:
            values[key] = trial.suggest_int(key, int(entry.low), int(entry.high), step=int(entry.step or 1),
                                            log=entry.log)
        else:
            values[key] = trial.suggest_float(key, float(entry.low), float(entry.high), step=entry.step, log=entry.log)
    return values


def option_fields(*classes: type) -> dict[str, object]:
    """name -> type hint for every field of the given dataclasses, in order."""
    fields = {}
    for cls in classes:
        hints = typing.get_type_hints(cls)
        fields.update({f.name: hints[f.name] for f in dataclasses.fields(cls)})
    return fields
