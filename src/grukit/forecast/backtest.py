"""Rolling-origin backtest: a model refitted at several forecast origins, scored on the horizon after each.

With W folds and horizon K, fold k (k = 1..W) forecasts the K rows after its origin, the origins
stepping back K rows at a time from the end of each series, so the W test stretches tile the
last W K rows. Each fold's model is trained on the rows before its origin, with the estimator's
own options: this is :func:`grukit.forecast.cross_validation.cross_validation` with
``n_windows=W, step=K, refit=True``, whose per-cutoff forecasts the command writes as well.
"""

from __future__ import annotations

import pandas as pd

from grukit.errors import ConfigError
from grukit.forecast.cross_validation import CrossValidation
from grukit.forecast.forecaster import GRUForecaster

METRICS = ("mae", "rmse", "mse", "mape", "smape", "mase")


def backtest(data, folds: int, options: dict) -> tuple[dict, CrossValidation]:
    """Refit and score ``folds`` folds: (backtest.json's content, the cross-validation result)."""
    if folds < 1:
        raise ConfigError(f"folds must be at least 1; got {folds}.")
    estimator = GRUForecaster(**options)
    cv = estimator.cross_validation(data, n_windows=folds, refit=True)
    per_fold = [{"fold": k + 1, "origin_row": window["rows"], "model": window["model"],
                 "baselines": window["baselines"]} for k, window in enumerate(cv.per_window)]
    name = "DataFrame" if isinstance(data, pd.DataFrame) else "bundled dataset" if data is None else str(data)
    summary = {"data": name, "folds": folds, "horizon": cv.metrics["horizon"],
        "protocol": " ".join(__doc__.split("\n\n")[1].split()), "per_fold": per_fold,
        "model": cv.metrics["model"], "baselines": cv.metrics["baselines"]}
    return summary, cv
