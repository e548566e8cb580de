"""Evaluate forecasts: accuracy metrics, baseline forecasts, plots and a self-contained report.

The plots (``plot_loss``, ``figure``, ``save_png``) and the report's HTML pieces
(:mod:`grukit.evaluate.html`) serve every task's report; each task's own metrics (accuracy,
NAB score, bits per character, NLL per step) live in its package.

Everything here works on NumPy arrays in the original scale of the data and never imports torch;
matplotlib is imported only when a plot is drawn.

Shapes use the legend of :mod:`grukit.nn.functional`; a batch B holds windows.

Example:
    >>> import numpy as np
    >>> from grukit.evaluate import all_baselines, evaluate_all
    >>> history = np.array([[[1.0], [2.0], [3.0]]])             # (B, T, C)
    >>> y_true = np.array([[[4.0], [5.0]]])                     # (B, K, C)
    >>> forecasts = all_baselines(history, horizon=2)           # name -> (B, K, C)
    >>> evaluate_all(y_true, forecasts["naive"], y_train=[1.0, 2.0, 3.0])["mae"]
    1.5
"""

from grukit.evaluate.baselines import all_baselines, drift, mean, naive, seasonal_naive
from grukit.evaluate.compare import compare_with_baselines
from grukit.evaluate.metrics import evaluate_all, mae, mape, mase, mse, rmse, smape
from grukit.evaluate.plots import plot_forecast, plot_loss, plot_series_grid
from grukit.evaluate.report import format_metrics_table, write_report

__all__ = [
    # metrics.py: (..., K, C) actuals and forecasts -> float
    "mae",
    "mse",
    "rmse",
    "mape",
    "smape",
    "mase",
    "evaluate_all",
    # baselines.py: history (B, T, C), horizon K -> (B, K, C)
    "naive",
    "seasonal_naive",
    "drift",
    "mean",
    "all_baselines",
    # compare.py: the model and every baseline on the same windows
    "compare_with_baselines",
    # plots.py, report.py: files
    "plot_forecast",
    "plot_loss",
    "plot_series_grid",
    "write_report",
    "format_metrics_table",
]
