"""The model and every baseline scored on the same test windows, in one call."""

from __future__ import annotations

import numpy as np

from grukit.evaluate.baselines import all_baselines
from grukit.evaluate.metrics import evaluate_all

__all__ = ["compare_with_baselines"]


def compare_with_baselines(
    history: object,
    y_true: object,
    y_pred: object,
    y_train: object,
    season_length: int = 1,
    *,
    series_index: object = None,
) -> dict:
    """Score the model's forecasts and each baseline's on the same windows with :func:`evaluate_all`.

    Args:
        history: (B, T, C) the observed values before each window's forecast, original scale.
        y_true, y_pred: (B, K, C) actuals and the model's forecasts, original scale.
        y_train, season_length, series_index: as in :func:`grukit.evaluate.mase`; season_length is
            also the seasonal-naive baseline's season.

    Returns:
        {"horizon": K, "model": {metric: float}, "baselines": {name: {metric: float}}}, the shape
        :func:`format_metrics_table` and :func:`write_report` read (add "split" and "scaled" as needed).

    Example:
        >>> history = np.array([[[1.0], [2.0], [3.0]]])            # (B=1, T=3, C=1)
        >>> result = compare_with_baselines(history, [[[4.0], [5.0]]], [[[4.0], [5.5]]], [1.0, 2.0, 3.0])
        >>> result["model"]["mae"], result["baselines"]["drift"]["mae"]
        (0.25, 0.0)
    """
    truth = np.asarray(y_true)
    if truth.ndim != 3:
        raise ValueError(f"compare_with_baselines: y_true must be 3-D (B, K, C); got shape {truth.shape}.")
    horizon = truth.shape[1]
    forecasts = all_baselines(history, horizon, season_length)
    if forecasts["naive"].shape != truth.shape:
        raise ValueError(
            f"compare_with_baselines: history {np.shape(history)} must have the same windows B and "
            f"channels C as y_true {truth.shape}."
        )

    def score(forecast: object) -> dict[str, float]:
        return evaluate_all(truth, forecast, y_train, season_length, series_index=series_index)

    return {
        "horizon": horizon,
        "model": score(y_pred),
        "baselines": {name: score(forecast) for name, forecast in forecasts.items()},
    }
