"""``TuneConfig``: how a hyperparameter search runs, flat and typed."""

from __future__ import annotations

import math
from dataclasses import dataclass

from grukit.train.dataclass_config import check_field_types, require

__all__ = ["TuneConfig"]


@dataclass
class TuneConfig:
    """How :func:`grukit.tune.tune` searches: trials, storage, seed, pruning.

    Example:
        >>> TuneConfig(trials=30, storage="postgresql://grukit@db/tuning", study_name="etth1")
    """

    trials: int = 20  # trials this worker runs; other workers on the same study add theirs
    timeout: float | None = None  # seconds after which this worker starts no new trial; None: no limit
    storage: str | None = None  # database URL of the study; None: sqlite:///<out>/tune.db
    study_name: str | None = None  # the study's name in the storage; None: grukit-<task>
    seed: int = 0  # seeds the sampler: each trial draws from (seed, trial number)
    prune_startup_trials: int = 3  # trials that must finish before any trial is pruned
    prune_warmup_epochs: int = 3  # a trial can be pruned from this epoch on, not before
    retrain: bool = True  # train the best options again and save the model under <out>/best_model

    def __post_init__(self) -> None:
        check_field_types(self)
        require(self, self.trials >= 1, "trials", "an integer >= 1")
        require(self, self.timeout is None or (math.isfinite(self.timeout) and self.timeout > 0), "timeout",
                "a number of seconds > 0, or None for no limit")
        require(self, 0 <= self.seed < 2**32, "seed", "an integer in [0, 2**32)")
        require(self, self.prune_startup_trials >= 0, "prune_startup_trials", "an integer >= 0")
        require(self, self.prune_warmup_epochs >= 0, "prune_warmup_epochs", "an integer >= 0")
        require(self, self.study_name is None or self.study_name.strip() != "", "study_name", "a non-empty name")

