"""``ForecastGraph``: a trained ``ForecastNet`` as ``(x, h[, future]) -> (y, h_next)``, exportable.

The graph runs the encoder GRU from the state ``h`` over the rows ``x`` and forecasts the next K
steps from the state it reaches; ``h_next`` is that state. Feeding a window of T rows from
``h = 0`` gives exactly what ``ForecastNet`` gives for that window. Two kinds of graph:

    stateful  step-wise GRU, no RevIN: the forecast is a function of (state, new rows), so the
              window may also be fed in chunks (one row at a time, say) carrying h outside.
    window    revin=True or segment_length > 0: x must be the whole window. RevIN's statistics
              are the window's own mean and spread, computed inside the graph from x, and a
              segment model reads x in segments of w rows (T a multiple of w), so chunks
              carrying h would not equal one call.

Inputs and outputs are in the model's scaled space (shapes use the legend of
:mod:`grukit.nn.functional`; S = B, or B*C with independent channels, whose C' is 1, else C)::

    x       (B, T, C+P+F)  scaled targets, scaled covariates, calendar features of each row
    h       (L, S, H)      the encoder state; zeros before the first row of a window
    future  (B, K, F)      calendar features of the K forecast steps (only when F > 0)
    y       (B, K, C, Q)   the forecast, still scaled: unscale with the sidecar's scalers
    h_next  (L, S, H)      the encoder's state after the last row of x
"""

from __future__ import annotations

import copy
from typing import List, Tuple

import torch
from torch import Tensor, nn

from grukit.export.sequences import from_sequences, per_sequence, sequence_inputs
from grukit.export.stateful_gru import StatefulGRU
from grukit.models.ensemble import median_of
from grukit.models.window_norm import denormalize, normalize, window_stats


def graph_kind(net: nn.Module) -> str:
    """"window" for a ForecastNet with RevIN, window scaling, segments or a partial read (x must be a whole
    window), and for an ensemble; else "stateful"."""
    if hasattr(net, "members"):
        return "window"
    return "window" if net.revin is not None or net.segment_length or net.window_norm or net.reads else "stateful"


class WindowNorm(nn.Module):
    """RevIN in eval mode (``grukit.models.RevIN``), with the window's statistics computed in the graph.

    normalize:   x' = (x - mean_T(x)) / sqrt(var_T(x) + eps) * gamma + beta
    denormalize: y  = (y' - beta) / (gamma + eps^2) * sqrt(var_T(x) + eps) + mean_T(x)

    Shapes: targets (B, T, C) -> (B, T, C), mean and std (B, 1, C); y (B, K, C, Q) -> (B, K, C, Q).
    """

    __constants__ = ["eps", "affine"]

    def __init__(self, revin: nn.Module) -> None:
        super().__init__()
        self.eps, self.affine = float(revin.eps), bool(revin.affine)
        channels = revin.gamma.shape[0] if self.affine else 1
        gamma = revin.gamma.detach().clone().cpu() if self.affine else torch.ones(channels)
        beta = revin.beta.detach().clone().cpu() if self.affine else torch.zeros(channels)
        self.gamma, self.beta = nn.Parameter(gamma, False), nn.Parameter(beta, False)  # (C,)

    def normalize(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        mean = x.mean(dim=1, keepdim=True)  # (B, 1, C)
        centered = x - mean
        std = torch.sqrt((centered * centered).mean(dim=1, keepdim=True) + self.eps)  # (B, 1, C), biased var
        x = centered / std
        if self.affine:
            x = x * self.gamma + self.beta
        return x, mean, std

    def denormalize(self, y: Tensor, mean: Tensor, std: Tensor) -> Tensor:
        """y (B, K, C, Q); quantiles share their channel's statistics."""
        if self.affine:
            y = (y - self.beta.unsqueeze(-1)) / (self.gamma.unsqueeze(-1) + self.eps * self.eps)  # (C, 1) broadcast
        return y * std.unsqueeze(-1) + mean.unsqueeze(-1)  # (B, 1, C, 1) broadcast


class StepForecast(nn.Module):
    """The step-wise encoder and its head: (targets, others, h, future) -> (y, h_next).

    Strategies: direct, ``y = Linear([h_next[-1] ; future])``; recursive, the one-step head is
    rolled K steps from ``h_next`` feeding its median forecast back (the rollout's states stay
    inside; ``h_next`` is the state after x).
    """

    __constants__ = ["target_size", "horizon", "future_size", "num_quantiles", "median", "recursive",
                     "channel_independent"]

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.target_size, self.horizon, self.future_size = net.target_size, net.horizon, net.future_size
        self.num_quantiles, self.recursive = net.num_quantiles, net.strategy == "recursive"
        self.channel_independent = bool(net.channel_independent)
        quantiles = net.quantiles.tolist()
        self.median = 0 if not quantiles else min(range(len(quantiles)), key=lambda i: abs(quantiles[i] - 0.5))
        self.encoder = StatefulGRU(net.gru, batch_first=True)
        self.head = copy.deepcopy(net.head).cpu().eval().requires_grad_(False)

    def _outputs(self, y: Tensor) -> Tensor:
        return from_sequences(y, self.target_size, self.num_quantiles, self.channel_independent)

    def forward(self, targets: Tensor, others: Tensor, h: Tensor, future: Tensor) -> Tuple[Tensor, Tensor]:
        _, h_next = self.encoder(sequence_inputs(targets, others, self.channel_independent), h)  # (L, S, H)
        if self.recursive:
            return self._rollout(h_next, future, targets[:, :1, :0]), h_next
        features = h_next[-1]  # (S, H)
        if self.future_size > 0:
            flat_future = per_sequence(future, self.target_size, self.channel_independent).flatten(1)  # (S, K*F)
            features = torch.cat([features, flat_future], dim=-1)
        y = self.head(features).reshape(features.shape[0], self.horizon, -1)  # (S, K, C'*Q)
        return self._outputs(y), h_next

    def _rollout(self, h: Tensor, future: Tensor, no_columns: Tensor) -> Tensor:
        """Feed each median forecast back for K steps from state h (L, S, H) -> (B, K, C, Q)."""
        predictions: List[Tensor] = []
        for k in range(self.horizon):
            y_k = self._outputs(self.head(h[-1]).unsqueeze(1))  # (B, 1, C, Q)
            predictions.append(y_k)
            if k + 1 < self.horizon:
                fed = y_k[..., self.median]  # (B, 1, C)
                calendar = future[:, k : k + 1] if self.future_size > 0 else no_columns  # (B, 1, F)
                _, h = self.encoder(sequence_inputs(fed, calendar, self.channel_independent), h)
        return torch.cat(predictions, dim=1)  # (B, K, C, Q)


class ForecastGraph(nn.Module):
    """A ``ForecastNet`` in eval mode as ``(x, h, future) -> (y, h_next)``; shapes in the module docstring.

    Splits x into targets and the other inputs, normalizes the targets by the window's own
    statistics when the model has RevIN, runs the model's core (:class:`StepForecast`, or
    :class:`grukit.export.segment_graph.SegmentForecast` for ``segment_length > 0``) from h, and
    maps the forecast back through RevIN. ``kind`` is "stateful" or "window" (:func:`graph_kind`).

    Example:
        >>> graph = ForecastGraph(net.eval())
        >>> scripted = torch.jit.script(graph)
        >>> y, h = scripted(x_window, torch.zeros(graph.state_shape(batch)), future)
    """

    __constants__ = ["target_size", "observed", "reads", "window_norm"]

    def __init__(self, net: nn.Module) -> None:
        from grukit.export.segment_graph import SegmentForecast

        super().__init__()
        self.target_size, self.channel_independent = net.target_size, bool(net.channel_independent)
        self.kind, self.segment_length = graph_kind(net), int(net.segment_length)
        self.observed, self.reads = bool(net.observed), int(net.reads)
        self.revin = None if net.revin is None else WindowNorm(net.revin)
        self.window_norm = bool(net.window_norm)
        self.core = SegmentForecast(net) if net.segment_length else StepForecast(net)

    def state_shape(self, batch: int) -> tuple[int, int, int]:
        """(L, S, H) of ``h`` for ``batch`` rows of x; S = batch * C with independent channels."""
        sequences = batch * self.target_size if self.channel_independent else batch
        return (self.core.encoder.num_layers, sequences, self.core.encoder.hidden_size)

    def forward(self, x: Tensor, h: Tensor, future: Tensor) -> Tuple[Tensor, Tensor]:
        if self.reads > 0:
            x = x[:, -self.reads :]  # (B, r, I): this network reads the last r rows of the window
        targets, others = x[..., : self.target_size], x[..., self.target_size :]  # (B, T, C), (B, T, P+F)
        mask = others[..., :1] if self.observed else torch.ones_like(targets[..., :1])  # (B, T, 1)
        level, scale = targets[:, -1:], targets[:, -1:]  # (B, 1, C); replaced with window scaling
        if self.window_norm:
            level, scale = window_stats(targets, mask)
            targets = normalize(targets, level, scale, mask)
        elif self.observed:
            targets = targets * mask
        revin = self.revin
        if revin is None:
            y, h_next = self.core(targets, others, h, future)
        else:
            targets, mean, std = revin.normalize(targets)
            y, h_next = self.core(targets, others, h, future)  # y (B, K, C, Q), normalized
            y = revin.denormalize(y, mean, std)
        if self.window_norm:
            y = denormalize(y, level, scale)
        return y, h_next


class EnsembleGraph(nn.Module):
    """A ``MedianEnsemble`` as one graph: every member's :class:`ForecastGraph` on the same window, then
    the median over members (the mean of the two middle forecasts for an even count).

    The state stacks the members' states along the layer axis: h (M*L, S, H) -> M chunks of (L, S, H).
    """

    __constants__ = ["count"]

    def __init__(self, ensemble: nn.Module) -> None:
        super().__init__()
        self.members = nn.ModuleList([ForecastGraph(member) for member in ensemble.members])
        self.count = len(self.members)
        self.kind, self.core = "window", self.members[0].core

    def state_shape(self, batch: int) -> tuple[int, int, int]:
        layers, sequences, hidden = self.members[0].state_shape(batch)
        return (self.count * layers, sequences, hidden)

    def forward(self, x: Tensor, h: Tensor, future: Tensor) -> Tuple[Tensor, Tensor]:
        states = h.chunk(self.count, dim=0)  # M x (L, S, H)
        ys: List[Tensor] = []
        nexts: List[Tensor] = []
        for k, member in enumerate(self.members):
            y, h_next = member(x, states[k], future)
            ys.append(y)
            nexts.append(h_next)
        return median_of(torch.stack(ys)), torch.cat(nexts, dim=0)  # (B, K, C, Q), (M*L, S, H)


class NoFutureGraph(nn.Module):
    """``(x, h) -> (y, h_next)`` for a model without known-future inputs (F = 0)."""

    def __init__(self, graph: ForecastGraph) -> None:
        super().__init__()
        self.graph = graph

    def forward(self, x: Tensor, h: Tensor) -> Tuple[Tensor, Tensor]:
        no_future = x[:, :1, :0]  # (B, 1, 0): unused
        return self.graph(x, h, no_future)
