"""Hyperparameter search with Optuna for the forecasting, classification and detection estimators.

``tune(task, out, data)`` runs trials that each fit the task's estimator with options drawn from a
search space (lookback, hidden size, layers, dropout, learning rate, the GRU's own options),
prunes trials whose per-epoch validation loss falls behind, and writes ``best.toml`` (a ready
``--config`` file), ``trials.csv`` and the retrained best model under ``out``. The study lives in a
database (an SQLite file by default, PostgreSQL for many machines), so a search resumes after a
crash and many workers can share it. Optuna is imported only when a search runs
(``pip install "grukit[tune]"``).

Example:
    >>> from grukit.tune import TuneConfig, tune
    >>> result = tune("forecast", "runs/tune", "sales.csv", fixed={"horizon": 14}, config=TuneConfig(trials=30))
    >>> result.best_options                      # also in runs/tune/best.toml
"""

from __future__ import annotations

import importlib

from grukit.tune.config import TuneConfig
from grukit.tune.space import DEFAULT_SPACES, Choice, Range

__all__ = ["tune", "TuneConfig", "TuneResult", "Range", "Choice", "DEFAULT_SPACES", "PruneOnValidation"]

# Imported on first use: they need torch, and the configs above (what a --help reads) do not.
_LAZY = {"tune": "grukit.tune.search", "TuneResult": "grukit.tune.search", "PruneOnValidation": "grukit.tune.objective"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'grukit.tune' has no attribute {name!r}")
