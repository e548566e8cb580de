"""One trial: draw options, fit the estimator with a pruning callback, return its best validation loss.

The score is the validation loss that :func:`grukit.train.fit` early-stops on; the test split is
never looked at.
"""

from __future__ import annotations

import math

from grukit.errors import ConfigError, GrukitError
from grukit.train import STOP

__all__ = ["PruneOnValidation", "Objective", "NoValidationError", "RejectedTrial", "TRIAL_DEFAULTS"]

TRIAL_DEFAULTS = {"progress": False}  # no progress bar per trial (the search has its own); --config may set it


class NoValidationError(ConfigError):
    """The options leave no validation part, so no trial can be scored."""


class RejectedTrial(Exception):
    """A drawn configuration the estimator refused (too long a lookback for the data, ...): that trial fails."""


class PruneOnValidation:
    """A :func:`grukit.train.fit` callback: report each epoch's val_loss to the trial, stop when it is pruned.

    ``trial.report(val_loss, epoch)`` after every epoch; when ``trial.should_prune()`` the callback
    returns "stop" and remembers the epoch in ``pruned_at``. At "fit_end" it keeps fit's result.

    Example:
        >>> prune = PruneOnValidation(trial)
        >>> GRUForecaster(**options).fit(data, callbacks=[prune])
        >>> prune.pruned_at, prune.result.best_val_loss
    """

    def __init__(self, trial) -> None:
        self.trial = trial
        self.pruned_at: int | None = None  # the epoch after which the trial was pruned
        self.result = None  # fit's TrainResult, set at "fit_end"

    def __call__(self, event: str, state: dict):
        if event == "fit_end":
            self.result = state["result"]
            return None
        val_loss = state["metrics"]["val_loss"]
        if val_loss is None:
            raise NoValidationError("tune picks the trial with the lowest validation loss, but these options leave "
                                    "no validation part; set val_size > 0 in --config (e.g. val_size = 0.2).")
        self.trial.report(val_loss, state["epoch"])
        if self.trial.should_prune():
            self.pruned_at = state["epoch"]
            return STOP
        return None


class Objective:
    """``objective(trial) -> best validation loss`` for ``study.optimize``: fixed options + drawn ones.

    A configuration the estimator refuses with a :class:`~grukit.errors.GrukitError` fails that
    trial (the message is kept as the trial's ``error`` attribute) and the search goes on; a missing
    validation part stops the search.
    """

    def __init__(self, task, data, fixed: dict, space: dict, seed: int) -> None:
        self.task, self.data, self.fixed, self.space, self.seed = task, data, fixed, space, seed
        self.fields = task.option_fields()

    def __call__(self, trial) -> float:
        import optuna

        from grukit.tune.space import suggest
        from grukit.tune.study import trial_sampler

        trial.study.sampler = trial_sampler(self.seed, trial.number)  # this trial's draws come from its own seed
        options = {**TRIAL_DEFAULTS, **dict(self.task.tune_options), **self.fixed,
                   **suggest(trial, self.space, self.fields)}
        prune = PruneOnValidation(trial)
        try:
            self.task.fit(options, self.data, callbacks=[prune])
        except NoValidationError:
            raise
        except GrukitError as err:
            trial.set_user_attr("error", str(err))
            raise RejectedTrial(str(err)) from err
        if prune.pruned_at is not None:
            raise optuna.TrialPruned(f"pruned after epoch {prune.pruned_at}")
        loss = prune.result.best_val_loss
        return math.inf if loss is None else loss  # None: no finite validation loss in any epoch
