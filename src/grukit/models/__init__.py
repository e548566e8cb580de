"""Models around the GRU core: a recurrent encoder with a task head."""

from grukit.models.autoencoder import GRUAutoencoder
from grukit.models.ensemble import MedianEnsemble
from grukit.models.forecast_net import ForecastNet
from grukit.models.losses import pinball_loss
from grukit.models.regressor import GRURegressor
from grukit.models.revin import RevIN

__all__ = ["ForecastNet", "GRUAutoencoder", "GRURegressor", "MedianEnsemble", "RevIN", "pinball_loss"]
