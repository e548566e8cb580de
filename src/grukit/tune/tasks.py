"""The estimators a search can tune, behind one small contract.

Each task names its estimator and config dataclass; every estimator takes flat options,
``fit(data, callbacks=...)`` returns it fitted, and ``save(folder)`` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from grukit.errors import ConfigError

__all__ = ["Task", "TASKS", "get_task"]


@dataclass(frozen=True)
class Task:
    """A task's estimator and config, imported when first used (``import grukit`` stays fast)."""

    name: str  # forecast | classify | detect | music | lm
    estimator_path: str  # "module:Class" of the estimator
    config_path: str  # "module:Class" of its config dataclass (its fields are the options besides TrainConfig's)
    configs_take_data: bool  # estimator.configs(data) (a bundled dataset's preset applies without data)
    tune_options: tuple = ()  # (key, value) pairs a search adds under the user's options, e.g. a validation part

    def estimator(self) -> type:
        return _load(self.estimator_path)

    def option_fields(self) -> dict[str, object]:
        """name -> type hint of every option: the task config's fields, then TrainConfig's."""
        from grukit.train import TrainConfig
        from grukit.tune.space import option_fields

        return option_fields(_load(self.config_path), TrainConfig)

    def check_options(self, options: dict, data) -> None:
        """Raise ConfigError now for an unknown key or a bad value among fixed options, before any trial."""
        model = self.estimator()(**options)
        model.configs(data) if self.configs_take_data else model.configs()

    def fit(self, options: dict, data, callbacks=()):
        """A fitted estimator of ``options`` on ``data`` (None: the bundled default)."""
        return self.estimator()(**options).fit(data, callbacks=callbacks)


def _load(path: str) -> type:
    module, name = path.split(":")
    return getattr(import_module(module), name)


TASKS = {
    # forecasts train on every row by default; a search scores each trial on the last 20 % of each series,
    # one network per trial (pruning reads its epochs); the best options then train the default ensemble
    "forecast": Task("forecast", "grukit.forecast:GRUForecaster", "grukit.forecast.config:ForecastConfig", True,
                     (("val_size", 0.2), ("ensemble", 1))),
    # the classifier trains without a validation part by default; a search scores each trial on 20 % of it
    "classify": Task("classify", "grukit.classify:GRUClassifier", "grukit.classify.config:ClassifyConfig", True,
                     (("val_size", 0.2),)),
    "detect": Task("detect", "grukit.detect:GRUAnomalyDetector", "grukit.detect.config:DetectConfig", False),
    "music": Task("music", "grukit.music:MusicModel", "grukit.music.config:MusicConfig", False),
    "lm": Task("lm", "grukit.lm:LanguageModel", "grukit.lm.config:LMConfig", False),
}


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise ConfigError(f"unknown task {name!r}; expected one of {', '.join(TASKS)}.")
    return TASKS[name]
