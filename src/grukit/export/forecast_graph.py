"""``ForecastGraph``: a trained ``ForecastNet`` as ``(x, h[, future]) -> (y, h_next)``, exportable.

The graph runs the encoder GRU from the state ``h`` over the new rows ``x`` and forecasts the
next K steps from the state it reaches; ``h_next`` is that state, for the next call. Feeding a
window of L rows from ``h = 0`` gives exactly what ``ForecastNet`` gives for that window, and so
does feeding it in chunks (one row at a time, say) while carrying ``h`` outside the graph.

Inputs and outputs are in the model's scaled space (B batch, T rows, C targets, P covariates,
F calendar features, K horizon, Q quantiles, L layers, H hidden, S = B, or B*C with independent
channels)::

    x       (B, T, C+P+F)  scaled targets, scaled covariates, calendar features of each row
    h       (L, S, H)      the encoder state; zeros before the first row of a window
    future  (B, K, F)      calendar features of the K forecast steps (only when F > 0)
    y       (B, K, C, Q)   the forecast, still scaled: unscale with the sidecar's scalers
    h_next  (L, S, H)      the state after the last row of x

Models that cannot carry their state outside the graph are refused by :func:`check_exportable`.
"""

from __future__ import annotations

import copy
from typing import List, Tuple

import torch
from torch import Tensor, nn

from grukit.errors import ConfigError
from grukit.export.stateful_gru import StatefulGRU


def check_exportable(net: nn.Module) -> None:
    """Raise ConfigError for a ForecastNet whose forecast is not a function of (state, new rows)."""
    if getattr(net, "segment_length", 0):
        raise ConfigError(f"this forecast model reads its lookback in segments of {net.segment_length} steps "
                          f"(segment_length={net.segment_length}), so its state cannot be carried row by row "
                          f"outside the graph; export supports segment_length=0 models; retrain with "
                          f"segment_length=0 to export it.")
    if net.revin is not None:
        raise ConfigError("this forecast model normalizes each window by the window's own mean and spread "
                          "(revin=True), so its forecast is not a function of a carried state; export supports "
                          "revin=False models; retrain with revin=False to export it.")


class ForecastGraph(nn.Module):
    """A ``ForecastNet`` in eval mode as ``(x, h, future) -> (y, h_next)``; shapes in the module docstring.

    Strategies: direct, ``y = Linear([h_next[-1] ; future])``; recursive, the one-step head is
    rolled K steps from ``h_next`` feeding its median forecast back (the rollout's states stay
    inside; ``h_next`` is the state after x).

    Example:
        >>> graph = torch.jit.script(ForecastGraph(net.eval()))
        >>> y, h = graph(x_window, torch.zeros(graph.state_shape(batch)), future)
    """

    __constants__ = ["target_size", "horizon", "future_size", "num_quantiles", "median", "recursive",
                     "channel_independent"]

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        check_exportable(net)
        self.target_size, self.horizon, self.future_size = net.target_size, net.horizon, net.future_size
        self.num_quantiles, self.recursive = net.num_quantiles, net.strategy == "recursive"
        self.channel_independent = bool(net.channel_independent)
        quantiles = net.quantiles.tolist()
        self.median = 0 if not quantiles else min(range(len(quantiles)), key=lambda i: abs(quantiles[i] - 0.5))
        self.encoder = StatefulGRU(net.gru, batch_first=True)
        self.head = copy.deepcopy(net.head).cpu().eval().requires_grad_(False)

    def state_shape(self, batch: int) -> tuple[int, int, int]:
        """(L, S, H) of ``h`` for ``batch`` rows of x; S = batch * C with independent channels."""
        sequences = batch * self.target_size if self.channel_independent else batch
        return (self.encoder.num_layers, sequences, self.encoder.hidden_size)

    def _sequence_inputs(self, targets: Tensor, others: Tensor) -> Tensor:
        """Targets (B, T, C) and the other inputs (B, T, P+F) -> GRU input (S, T, C'+P+F)."""
        if not self.channel_independent:
            return torch.cat([targets, others], dim=-1)
        per_channel = targets.transpose(1, 2).unsqueeze(-1)  # (B, C, T, 1)
        others = others.unsqueeze(1).expand(-1, self.target_size, -1, -1)  # (B, C, T, P+F)
        return torch.cat([per_channel, others], dim=-1).flatten(0, 1)  # (B*C, T, 1+P+F)

    def _from_sequences(self, y: Tensor) -> Tensor:
        """Head output (S, K, C'*Q) -> (B, K, C, Q); explicit reshapes, as ONNX needs known ranks."""
        if not self.channel_independent:
            return y.reshape(y.shape[0], y.shape[1], self.target_size, self.num_quantiles)
        y = y.reshape(-1, self.target_size, y.shape[1], self.num_quantiles)  # (B, C, K, Q)
        return y.transpose(1, 2)  # (B, K, C, Q)

    def forward(self, x: Tensor, h: Tensor, future: Tensor) -> Tuple[Tensor, Tensor]:
        targets, others = x[..., : self.target_size], x[..., self.target_size :]  # (B, T, C), (B, T, P+F)
        _, h_next = self.encoder(self._sequence_inputs(targets, others), h)  # h_next (L, S, H)
        if self.recursive:
            return self._rollout(h_next, future, x[:, :1, :0]), h_next
        features = h_next[-1]  # (S, H)
        if self.future_size > 0:
            flat_future = future.flatten(1)  # (B, K*F)
            if self.channel_independent:
                flat_future = flat_future.unsqueeze(1).expand(-1, self.target_size, -1).flatten(0, 1)  # (B*C, K*F)
            features = torch.cat([features, flat_future], dim=-1)
        y = self.head(features).reshape(features.shape[0], self.horizon, -1)  # (S, K, C'*Q)
        return self._from_sequences(y), h_next

    def _rollout(self, h: Tensor, future: Tensor, no_columns: Tensor) -> Tensor:
        """Feed each median forecast back for K steps from state h (L, S, H) -> (B, K, C, Q)."""
        predictions: List[Tensor] = []
        for k in range(self.horizon):
            y_k = self._from_sequences(self.head(h[-1]).unsqueeze(1))  # (B, 1, C, Q)
            predictions.append(y_k)
            if k + 1 < self.horizon:
                fed = y_k[..., self.median]  # (B, 1, C)
                calendar = future[:, k : k + 1] if self.future_size > 0 else no_columns  # (B, 1, F)
                _, h = self.encoder(self._sequence_inputs(fed, calendar), h)
        return torch.cat(predictions, dim=1)  # (B, K, C, Q)


class NoFutureGraph(nn.Module):
    """``(x, h) -> (y, h_next)`` for a model without known-future inputs (F = 0)."""

    def __init__(self, graph: ForecastGraph) -> None:
        super().__init__()
        self.graph = graph

    def forward(self, x: Tensor, h: Tensor) -> Tuple[Tensor, Tensor]:
        no_future = x[:, :1, :0]  # (B, 1, 0): unused
        return self.graph(x, h, no_future)
