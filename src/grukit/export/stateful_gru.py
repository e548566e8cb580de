"""``StatefulGRU``: a GRU whose state is an input and an output, written for TorchScript and ONNX.

``grukit.nn.GRU`` picks a backend at run time (torch's kernel, the fused C kernel, a Python
loop) and accepts ``hx=None``; none of that can be exported. ``StatefulGRU`` holds a copy of the
same parameters and runs the reference backend's equations (``grukit.nn.functional``) in plain
tensor ops with a scripted loop over time, so an exported graph keeps dynamic batch and time
axes (an ONNX ``Loop``) and the state lives outside it::

    y, h_next = stateful(x, h)          x (B, T, I), h (L*D, B, H) -> y (B, T, D*H), h_next (L*D, B, H)

Eval-mode semantics only: dropout between layers and recurrent dropout are off, and zoneout uses
its expectation ``h' = p h + (1 - p) h_new``, as ``GRU.eval()`` does. Weights trained with any
backend ("fused" included) are the same parameters, so the export matches them.

Shapes use the legend of :mod:`grukit.nn.functional`.
"""

from __future__ import annotations

from typing import List, Tuple

import torch
from torch import Tensor, nn

from grukit.nn.functional import LAYER_NORM_EPS


class _Direction(nn.Module):
    """One layer in one direction, scanned over time; the math of ``grukit.nn.functional``.

    r  = sigmoid(gi_r + W_hr h + b_hr)
    z  = sigmoid(gi_z + W_hz h + b_hz)
    n  = tanh(gi_n + r * (W_hn h + b_hn))      reset="after"
    n  = tanh(gi_n + W_hn (r * h) + b_hn)      reset="before"
    h' = p h + (1 - p) ((1 - z) * n + z * h)   p = zoneout (0: plain GRU)

    with gi = LN(W_ih x) + b_ih and each recurrent product layer-normalized the same way when
    layer norm is on. Missing biases are zeros and missing gains ones, so one graph covers all.
    """

    __constants__ = ["reset_after", "layer_norm", "reverse", "zoneout", "hidden_size", "eps"]  # fixed in the graph

    def __init__(self, weights, reset: str, layer_norm: bool, zoneout: float, reverse: bool) -> None:
        super().__init__()
        weight_ih, weight_hh, bias_ih, bias_hh, ln_gain_ih, ln_gain_hh = weights
        gates = weight_hh.shape[0]  # 3H

        def copy(t: Tensor | None, fill: float) -> nn.Parameter:
            value = torch.full((gates,), fill, dtype=weight_ih.dtype) if t is None else t.detach().clone().cpu()
            return nn.Parameter(value, requires_grad=False)

        self.weight_ih = nn.Parameter(weight_ih.detach().clone().cpu(), requires_grad=False)  # (3H, I)
        self.weight_hh = nn.Parameter(weight_hh.detach().clone().cpu(), requires_grad=False)  # (3H, H)
        self.bias_ih, self.bias_hh = copy(bias_ih, 0.0), copy(bias_hh, 0.0)  # (3H,)
        self.ln_gain_ih, self.ln_gain_hh = copy(ln_gain_ih, 1.0), copy(ln_gain_hh, 1.0)  # (3H,)
        self.reset_after, self.layer_norm = reset == "after", bool(layer_norm)
        self.zoneout, self.reverse, self.hidden_size = float(zoneout), bool(reverse), gates // 3
        self.eps = LAYER_NORM_EPS

    def _norm(self, g: Tensor, gain: Tensor) -> Tensor:
        """LN per gate block of H units (``grukit.nn.functional.block_layer_norm``); g (N, k*H).

        Shapes are spelled out (2-D, positive dims) because ONNX loses tensor ranks inside a Loop.
        """
        if not self.layer_norm:
            return g
        blocks = g.reshape(g.shape[0], -1, self.hidden_size)  # (N, k, H)
        normed = nn.functional.layer_norm(blocks, [self.hidden_size], eps=self.eps)
        return normed.reshape(g.shape[0], g.shape[1]) * gain  # (N, k*H)

    def _step(self, gi: Tensor, h: Tensor) -> Tensor:
        """gi (B, 3H), h (B, H) -> h' (B, H)."""
        hs = self.hidden_size
        i_r, i_z, i_n = gi[:, :hs], gi[:, hs : 2 * hs], gi[:, 2 * hs :]
        if self.reset_after:
            gh = self._norm(h @ self.weight_hh.t(), self.ln_gain_hh) + self.bias_hh  # (B, 3H)
            h_r, h_z, h_n = gh[:, :hs], gh[:, hs : 2 * hs], gh[:, 2 * hs :]
            r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
        else:
            gh_rz = self._norm(h @ self.weight_hh[: 2 * hs].t(), self.ln_gain_hh[: 2 * hs]) + self.bias_hh[: 2 * hs]
            h_r, h_z = gh_rz[:, :hs], gh_rz[:, hs:]  # (B, H) each
            r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            gh_n = self._norm((r * h) @ self.weight_hh[2 * hs :].t(), self.ln_gain_hh[2 * hs :])  # (B, H)
            n = torch.tanh(i_n + (gh_n + self.bias_hh[2 * hs :]))
        h_new = n + z * (h - n)
        if self.zoneout > 0.0:
            h_new = torch.lerp(h_new, h, self.zoneout)
        return h_new

    def forward(self, x: Tensor, h: Tensor) -> Tuple[Tensor, Tensor]:
        """x (T, B, I), h (B, H) -> output (T, B, H), final state (B, H); T >= 1."""
        steps = x.shape[0]
        if self.reverse:
            x = x.index_select(0, torch.arange(steps - 1, -1, -1, device=x.device))  # (T, B, I), time reversed
        flat = x.reshape(steps * x.shape[1], x.shape[2])  # (T*B, I)
        gi_all = self._norm(flat @ self.weight_ih.t(), self.ln_gain_ih) + self.bias_ih  # (T*B, 3H)
        gi_all = gi_all.reshape(steps, x.shape[1], -1)  # (T, B, 3H)
        outputs: List[Tensor] = []
        for t in range(steps):
            h = self._step(gi_all[t], h)
            outputs.append(h)
        output = torch.stack(outputs)  # (T, B, H)
        if self.reverse:
            output = output.index_select(0, torch.arange(steps - 1, -1, -1, device=x.device))
        return output, h


class _Layer(nn.Module):
    """One layer: the forward direction, and the reverse one beside it when bidirectional."""

    __constants__ = ["bidirectional"]

    def __init__(self, directions: list[_Direction]) -> None:
        super().__init__()
        self.bidirectional = len(directions) == 2
        self.forward_direction = directions[0]
        if self.bidirectional:
            self.reverse_direction = directions[1]

    def forward(self, x: Tensor, h: Tensor) -> Tuple[Tensor, Tensor]:
        """x (T, B, I), h (D, B, H) -> output (T, B, D*H), final states (D, B, H)."""
        output, h_forward = self.forward_direction(x, h[0])
        if self.bidirectional:
            output_reverse, h_reverse = self.reverse_direction(x, h[1])
            return torch.cat([output, output_reverse], dim=-1), torch.stack([h_forward, h_reverse])
        return output, h_forward.unsqueeze(0)


class StatefulGRU(nn.Module):
    """A ``grukit.nn.GRU`` (or ``torch.nn.GRU``) in eval mode as ``(x, h) -> (y, h_next)``, exportable.

    Computes what ``gru.eval()(x, h)`` computes, with the equations of ``grukit.nn.GRU``'s
    docstring, as a module that ``torch.jit.script`` and the ONNX exporter take. The state is a
    required input, so a caller streams by feeding chunks (T = 1 for one step) and carrying
    ``h_next`` into the next call; for a unidirectional GRU that equals one call on the whole
    sequence. A bidirectional GRU's reverse direction starts at the end of each chunk, so chunked
    calls of it are not a stream (give it whole sequences).

    Shapes (batch_first=True): x (B, T, I); h (L*D, B, H); y (B, T, D*H); h_next (L*D, B, H).
    With batch_first=False: x (T, B, I) and y (T, B, D*H).

    Example:
        >>> gru = grukit.nn.GRU(3, 8, num_layers=2, batch_first=True, reset="before")
        >>> stateful = torch.jit.script(StatefulGRU(gru))
        >>> y, h = stateful(torch.randn(4, 10, 3), torch.zeros(2, 4, 8))   # (4, 10, 8), (2, 4, 8)
    """

    __constants__ = ["batch_first", "num_layers", "num_directions"]

    def __init__(self, gru: nn.Module, batch_first: bool | None = None) -> None:
        super().__init__()
        if not isinstance(gru, nn.GRU) and not hasattr(gru, "_direction_weights"):
            raise TypeError(f"StatefulGRU: expected a grukit.nn.GRU or torch.nn.GRU; got {type(gru).__name__}.")
        self.batch_first = gru.batch_first if batch_first is None else bool(batch_first)
        self.num_layers, self.num_directions = gru.num_layers, 2 if gru.bidirectional else 1
        self.input_size, self.hidden_size = gru.input_size, gru.hidden_size
        reset = getattr(gru, "reset", "after")
        layer_norm, zoneout = getattr(gru, "layer_norm", False), getattr(gru, "zoneout", 0.0)
        directions = [_Direction(weights, reset, layer_norm, zoneout, reverse=index % self.num_directions == 1)
                      for index, weights in enumerate(_direction_weights(gru))]
        self.layers = nn.ModuleList([_Layer(directions[i : i + self.num_directions])
                                     for i in range(0, len(directions), self.num_directions)])

    def forward(self, x: Tensor, h: Tensor) -> Tuple[Tensor, Tensor]:
        """x (B, T, I) or (T, B, I), h (L*D, B, H) -> y of x's layout with D*H features, h_next (L*D, B, H)."""
        y = x.transpose(0, 1) if self.batch_first else x  # (T, B, I)
        finals: List[Tensor] = []
        for index, layer in enumerate(self.layers):
            first = index * self.num_directions
            y, h_last = layer(y, h[first : first + self.num_directions])  # (T, B, D*H), (D, B, H)
            finals.append(h_last)
        return (y.transpose(0, 1) if self.batch_first else y), torch.cat(finals)  # h_next (L*D, B, H)


def _direction_weights(gru: nn.Module) -> list[tuple]:
    """(weight_ih, weight_hh, bias_ih, bias_hh, ln_gain_ih, ln_gain_hh) per layer and direction, in
    torch.nn.GRU's order (l0, l0_reverse, l1, ...); absent ones are None."""
    if hasattr(gru, "_direction_weights"):
        return [tuple(w) for w in gru._direction_weights()]
    suffixes = [f"_l{layer}{d}" for layer in range(gru.num_layers)
                for d in ["", "_reverse"][: 2 if gru.bidirectional else 1]]
    return [(getattr(gru, f"weight_ih{s}"), getattr(gru, f"weight_hh{s}"), getattr(gru, f"bias_ih{s}", None),
             getattr(gru, f"bias_hh{s}", None), None, None) for s in suffixes]
