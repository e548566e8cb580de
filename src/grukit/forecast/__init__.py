"""Forecasting end to end: data to an evaluated, saved, plotted forecast."""

from grukit.forecast.config import ForecastConfig
from grukit.forecast.forecaster import GRUForecaster

__all__ = ["ForecastConfig", "GRUForecaster"]
