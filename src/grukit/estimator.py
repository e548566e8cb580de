"""The estimator protocol the task estimators share: flat options, saving and loading, the not-fitted error.

In the manner of scikit-learn's ``BaseEstimator`` and Hugging Face's ``save_pretrained`` /
``from_pretrained``:

    options     ``__init__`` only stores its keyword options; ``get_params`` returns them and
                ``set_params`` changes them before the next ``fit``.
    configs     ``configs(data)`` turns them into the validated (task config, TrainConfig), in one
                order: the defaults (the config dataclasses' own, then ``TRAIN_DEFAULTS``, the
                TrainConfig values of the task: the one source ``fit`` and ``--help`` read), or a
                bundled dataset's preset where the task has presets and no data is given; then the
                user's options; then each config checks itself (``__post_init__``). An unknown
                key is a ``ConfigError`` that lists the valid ones.
    fitted      learned state ends in ``_``; ``net_`` marks a fitted estimator, and a method that
                needs one raises a ``ConfigError`` that says how to get one.
    files       ``save(folder)`` and ``Estimator.load(folder)`` go through the task's persistence
                module (``PERSISTENCE``), which writes safetensors + JSON (``grukit.artifacts``),
                never a pickle.

A task class sets ``PERSISTENCE`` (a module with ``save_estimator(model, folder)`` and
``load_estimator(cls, folder)``), ``FIT_CALL`` (how its not-fitted message says to fit), ``CONFIG``,
``TRAIN_DEFAULTS`` and ``TUNE_OPTIONS`` (what :mod:`grukit.tune` reads), overrides ``_options``
where presets apply, and keeps only what differs: its ``fit``, its predict-side methods and its
network.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
from pathlib import Path

from grukit.errors import ConfigError

__all__ = ["Estimator", "split_options"]


def split_options(options: dict, *configs: type) -> tuple[dict, ...]:
    """Route flat ``options`` to the fields of each config dataclass, in order: one dict per config.

    Example:
        >>> from grukit.classify import ClassifyConfig
        >>> from grukit.train import TrainConfig
        >>> split_options({"hidden_size": 8, "epochs": 2}, ClassifyConfig, TrainConfig)
        ({'hidden_size': 8}, {'epochs': 2})
    """
    fields = [[f.name for f in dataclasses.fields(config)] for config in configs]
    valid = [name for names in fields for name in names]
    unknown = [key for key in options if key not in valid]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), valid, n=1) if len(unknown) == 1 else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        names = ", ".join(map(repr, unknown))
        raise ConfigError(f"unknown option{'s' if len(unknown) > 1 else ''} {names}{hint}; "
                          f"valid options: {', '.join(valid)}.")
    return tuple({key: value for key, value in options.items() if key in names} for names in fields)


class Estimator:
    """The shared part of grukit's task estimators (see the module docstring)."""

    PERSISTENCE: str = ""  # the module with save_estimator(model, folder) and load_estimator(cls, folder)
    FIT_CALL: str = "fit(data)"  # how to fit, for the not-fitted message
    ARGUMENTS: tuple[str, ...] = ()  # named constructor arguments kept as attributes (the rest: ``options``)
    CONFIG: type | None = None  # the task's config dataclass: its fields and TrainConfig's are the options
    TRAIN_DEFAULTS: dict = {}  # TrainConfig values of the task where TrainConfig's own defaults do not suit it
    TUNE_OPTIONS: tuple = ()  # (key, value) pairs a hyperparameter search adds under the user's options

    def __init__(self, **options) -> None:
        self.options = options

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments (scikit-learn's ``get_params``): the named ones, then the options."""
        return {**{name: getattr(self, name) for name in self.ARGUMENTS}, **self.options}

    def set_params(self, **params) -> "Estimator":
        """Change constructor arguments before the next ``fit``; returns ``self``."""
        for key, value in params.items():
            if key in self.ARGUMENTS:
                setattr(self, key, value)
            else:
                self.options[key] = value
        return self

    def configs(self, data=None) -> tuple:
        """The validated ``(task config, TrainConfig)`` a ``fit`` on ``data`` uses (see the module docstring)."""
        from grukit.train import TrainConfig, config_from_dict

        own, train = split_options(self._options(data), self.CONFIG, TrainConfig)
        return config_from_dict(self.CONFIG, own), config_from_dict(TrainConfig, train)

    def _options(self, data) -> dict:
        """The flat options in force for ``configs(data)``: ``TRAIN_DEFAULTS``, then the user's choices."""
        return {**self.TRAIN_DEFAULTS, **self._given()}

    def _given(self) -> dict:
        """The user's choices: the named arguments given (not None), then the options."""
        named = {name: getattr(self, name) for name in self.ARGUMENTS if getattr(self, name) is not None}
        return {**named, **self.options}

    def save(self, folder: str | Path) -> None:
        """Write model.safetensors and config.json (no pickle) into ``folder``."""
        self._check_fitted()
        importlib.import_module(self.PERSISTENCE).save_estimator(self, Path(folder))

    @classmethod
    def load(cls, folder: str | Path):
        """Rebuild a fitted estimator from a folder written by :meth:`save`; ModelFileError says what is wrong."""
        return importlib.import_module(cls.PERSISTENCE).load_estimator(cls, Path(folder))

    def _check_fitted(self) -> None:
        if not hasattr(self, "net_"):
            name = type(self).__name__
            raise ConfigError(f"this {name} is not fitted yet; call {self.FIT_CALL} or {name}.load(folder) first.")
