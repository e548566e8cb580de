"""The estimators a search can tune: each task's estimator class, which declares what a search needs.

Every task estimator follows :class:`grukit.estimator.Estimator`: flat options,
``fit(data, callbacks=...)`` returning it fitted, ``save(folder)``. It also declares ``CONFIG``
(its config dataclass, whose fields are the options besides TrainConfig's) and ``TUNE_OPTIONS``
(options a search adds under the user's, e.g. a validation part); ``configs(data)`` gives the
validated configs (a bundled dataset's preset applies without data, where the task has presets). The estimators are imported
when a search starts, so ``import grukit`` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from grukit.errors import ConfigError

__all__ = ["Task", "TASKS", "get_task"]

# task name -> "module:Class" of its estimator
TASKS = {
    "forecast": "grukit.forecast:GRUForecaster",
    "classify": "grukit.classify:GRUClassifier",
    "detect": "grukit.detect:GRUAnomalyDetector",
    "music": "grukit.music:MusicModel",
    "lm": "grukit.lm:LanguageModel",
}


@dataclass(frozen=True)
class Task:
    """A task's estimator, as a search uses it."""

    name: str  # forecast | classify | detect | music | lm
    estimator_path: str  # "module:Class" of the estimator

    def estimator(self) -> type:
        module, name = self.estimator_path.split(":")
        return getattr(import_module(module), name)

    @property
    def tune_options(self) -> tuple:
        """(key, value) pairs a search adds under the user's options (the estimator's TUNE_OPTIONS)."""
        return tuple(self.estimator().TUNE_OPTIONS)

    def option_fields(self) -> dict[str, object]:
        """name -> type hint of every option: the task config's fields, then TrainConfig's."""
        from grukit.train import TrainConfig
        from grukit.tune.space import option_fields

        return option_fields(self.estimator().CONFIG, TrainConfig)

    def check_options(self, options: dict, data) -> None:
        """Raise ConfigError now for an unknown key or a bad value among fixed options, before any trial."""
        self.estimator()(**options).configs(data)

    def fit(self, options: dict, data, callbacks=()):
        """A fitted estimator of ``options`` on ``data`` (None: the bundled default)."""
        return self.estimator()(**options).fit(data, callbacks=callbacks)


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise ConfigError(f"unknown task {name!r}; expected one of {', '.join(TASKS)}.")
    return Task(name, TASKS[name])
