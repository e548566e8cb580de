"""Forecasting end to end: data to an evaluated, saved, plotted forecast."""

from __future__ import annotations

import importlib

from grukit.forecast.config import ForecastConfig

__all__ = ["ForecastConfig", "GRUForecaster"]


def __getattr__(name: str):  # the estimator needs pandas and torch; the config (what --help reads) does not
    if name == "GRUForecaster":
        return importlib.import_module("grukit.forecast.forecaster").GRUForecaster
    raise AttributeError(f"module 'grukit.forecast' has no attribute {name!r}")
