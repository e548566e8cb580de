"""The two ways a GRU turns a scaled series into per-step errors: forecast residuals, window reconstructions.

    forecast      ForecastNet (grukit.models), horizon 1: x^_t from x_{t-T} .. x_{t-1}; trained with MSE
    autoencoder   GRUAutoencoder (grukit.models.autoencoder): each T-step window reconstructed; trained with MSE

Each method gives a network, its training and validation datasets over row ranges, its loss, and
``step_errors``: one error per row (NaN where no full window lies behind the row), see
:mod:`grukit.detect.scores` for the equations. Shapes use the legend of :mod:`grukit.nn.functional`.
"""

from __future__ import annotations

import numpy as np
import torch

from grukit.data import WindowDataset, sliding_windows, window_index
from grukit.detect.config import DetectConfig
from grukit.detect.scores import place_window_errors
from grukit.forecast.forecaster import forecast_loss
from grukit.models import ForecastNet
from grukit.models.autoencoder import GRUAutoencoder, reconstruction_error

__all__ = ["build_net", "loss_for", "step_errors", "window_dataset"]

BATCH = 2048  # windows per forward pass when scoring


def build_net(config: DetectConfig, channels: int) -> torch.nn.Module:
    """A fresh network for ``config.method`` over ``channels`` input channels."""
    if config.method == "forecast":
        return ForecastNet(channels, channels, horizon=1, hidden_size=config.hidden_size,
                           num_layers=config.num_layers, dropout=config.dropout, reset=config.reset,
                           revin=config.revin)
    return GRUAutoencoder(channels, config.hidden_size, config.num_layers, config.dropout, reset=config.reset,
                          revin=config.revin)


def window_dataset(values: np.ndarray, rows: tuple[int, int], config: DetectConfig):
    """The windows lying inside ``rows`` = [a, b) of scaled ``values`` (N, C), or None when there are none.

    forecast: (x (T, C), y (1, C)) pairs; autoencoder: one-tensor tuples (x (T, C),).
    """
    a, b = rows
    if config.method == "forecast":
        index = window_index([(a, b)], config.lookback, 1)  # (W, 2)
        return WindowDataset([values], [values], index, config.lookback, 1) if len(index) else None
    if b - a < config.lookback:
        return None
    windows = sliding_windows(values[a:b], config.lookback)  # (W, T, C), a view
    return torch.utils.data.TensorDataset(torch.tensor(windows, dtype=torch.float32))


def loss_for(config: DetectConfig):
    """``loss_fn(model, batch)`` for :func:`grukit.train.fit`: MSE of the forecast or of the reconstruction."""
    if config.method == "forecast":
        return forecast_loss

    def reconstruction_loss(model, batch):
        (x,) = batch  # (B, T, C)
        return torch.nn.functional.mse_loss(model(x), x)

    return reconstruction_loss


def step_errors(net: torch.nn.Module, values: np.ndarray, config: DetectConfig) -> np.ndarray:
    """One error per row of scaled ``values`` (N, C): (N,), NaN for rows with no full window behind them."""
    n, lookback = values.shape[0], config.lookback
    if n < config.window_rows():
        return np.full(n, np.nan)
    net.eval()
    errors = []
    with torch.no_grad():
        if config.method == "forecast":
            inputs = sliding_windows(values[:-1], lookback)  # (N - T, T, C): window w forecasts row w + T
            targets = values[lookback:]  # (N - T, C)
            for start in range(0, len(inputs), BATCH):
                x = torch.tensor(inputs[start : start + BATCH], dtype=torch.float32)  # (B, T, C)
                forecast = net(x)[:, 0, :, 0].double().numpy()  # (B, K=1, C, Q=1) -> (B, C)
                errors.append(((targets[start : start + BATCH] - forecast) ** 2).mean(axis=1))  # (B,)
            return place_window_errors(np.concatenate(errors), n, last_row=lookback)
        windows = sliding_windows(values, lookback)  # (N - T + 1, T, C): window w ends on row w + T - 1
        for start in range(0, len(windows), BATCH):
            x = torch.tensor(windows[start : start + BATCH], dtype=torch.float32)  # (B, T, C)
            errors.append(reconstruction_error(x, net(x)).mean(dim=1).double().numpy())  # (B,)
        return place_window_errors(np.concatenate(errors), n, last_row=lookback - 1)
