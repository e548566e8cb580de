"""``grukit.nn.MinGRU``: the minimal GRU of Feng et al. 2024, trained with a parallel scan.

Two backends run a layer. On the CPU in float32 and float64, "fused" is a C kernel for the whole
layer (:mod:`grukit.nn._mingru_kernel`: the gates' matrix product, a sequential loop over time
and its adjoint). "torch", the reference and the fallback (no C compiler, ``GRUKIT_FUSED=0``,
GPU tensors), is :func:`mingru_sequence`: one autograd function (:class:`_MinGRULayer`) over
pieces of the sequence, each of about ``PIECE_VALUES`` values per (n, B, H) array, so that a
piece's gates, coefficients and states stay in the CPU's cache between the operations that make
and use them. Pieces follow one another in time, each starting from the previous one's last state
(and, for the gradients, from the last piece backwards). Within a piece, states come from
:func:`grukit.nn.scan.scan_linear`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

from grukit.nn import _buffers, _checks, _mingru_kernel
from grukit.nn._mingru_kernel import fused_mingru_layer
from grukit.nn.scan import (
    SCAN_CHUNK_SIZE,
    g,
    mingru_coefficient_grads,
    mingru_coefficients,
    scan_linear,
    scan_linear_adjoint,
)

_OWNER = "MinGRU"
# Values per (n, B, H) array in one piece of the sequence: 2**18 float32 values are 1 MiB, so the
# half-dozen arrays a piece uses stay in cache. At B*H = 2048 and T = 2048, pieces of 128 steps were
# fastest, 64-512 steps within 16%, the whole sequence at once 1.5-1.8x slower
# (benchmarks/bench_mingru.py --pieces).
PIECE_VALUES = 2**18
BACKENDS = ("auto", "fused", "torch")


def mingru_gates(x: Tensor, weight: Tensor, bias: Tensor | None) -> tuple[Tensor, Tensor]:
    """The two pre-activations of a minGRU layer, from the input alone.

    [k; p] = W x + b,   W = [W_z; W_h] (2H, I),  b = [b_z; b_h] (2H,)

    Shapes: x (..., I) -> k, p each (..., H).

    Example:
        >>> k, p = mingru_gates(torch.randn(5, 3), torch.randn(8, 3), torch.zeros(8))   # (5, 4) each
    """
    return F.linear(x, weight, bias).chunk(2, dim=-1)


def mingru_step(x_t: Tensor, h: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """One step of a minGRU layer.

    z  = sigmoid(W_z x + b_z)
    h~ = g(W_h x + b_h)
    h' = (1 - z) * h + z * h~

    Shapes: x_t (B, I), h (B, H) -> h' (B, H).

    Example:
        >>> h = mingru_step(torch.randn(2, 3), torch.zeros(2, 4), torch.randn(8, 3), None)   # (2, 4)
    """
    k, p = mingru_gates(x_t, weight, bias)
    return torch.lerp(h, g(p), torch.sigmoid(k))


def mingru_sequence(
    x: Tensor, h0: Tensor, weight: Tensor, bias: Tensor | None, chunk_size: int = SCAN_CHUNK_SIZE,
    piece_steps: int | None = None,
) -> Tensor:
    """All states of a minGRU layer at once, by the linear-space parallel scan.

    [k_t; p_t] = W x_t + b,   a_t = sigmoid(-k_t),   b_t = (1 - a_t) g(p_t)
    h_t        = a_t * h_{t-1} + b_t                 (see :func:`grukit.nn.scan.scan_linear`)

    The sequence runs in pieces of ``piece_steps`` steps (None: about PIECE_VALUES values per
    (n, B, H) array); each piece's gates come from one matrix product and its states from
    :func:`scan_linear` in chunks of ``chunk_size``. With gradients on, the backward pass is the
    adjoint scan (:class:`_MinGRULayer`).

    Shapes: x (T, B, I), h0 (B, H) -> h (T, B, H).

    Example:
        >>> h = mingru_sequence(torch.randn(10, 2, 3), torch.zeros(2, 4), torch.randn(8, 3), None)
    """
    steps = piece_steps or max(1, PIECE_VALUES // (x.shape[1] * h0.shape[-1]))
    tensors = (x, h0, weight) if bias is None else (x, h0, weight, bias)
    if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        return _MinGRULayer.apply(x, weight, bias, h0, chunk_size, steps)
    return _forward(x, weight, bias, h0, chunk_size, steps, keep_gates=False)[0]


def _forward(x: Tensor, weight: Tensor, bias: Tensor | None, h0: Tensor, chunk_size: int, piece_steps: int,
             keep_gates: bool) -> tuple[Tensor, Tensor]:
    """(h (T, B, H), gates (T, B, 2H) holding [a; p], or only the last piece's unless keep_gates), piece by piece.

    a = sigmoid(-k) overwrites k in the gates: the backward pass needs a, and k only through it.
    """
    steps, batch, input_size = x.shape
    hidden = weight.shape[0] // 2
    piece = min(steps, piece_steps)
    gates = _buffers.take((steps, batch, 2 * hidden), x) if keep_gates else x.new_empty(piece, batch, 2 * hidden)
    b, scratch = (x.new_empty(piece, batch, hidden) for _ in range(2))
    h = x.new_empty(steps, batch, hidden)
    state = h0
    for t0 in range(0, steps, piece):
        t1 = min(steps, t0 + piece)
        n = t1 - t0
        gates_piece = gates[t0:t1] if keep_gates else gates[:n]  # (n, B, 2H)
        x_piece = x[t0:t1].reshape(n * batch, input_size)  # (n*B, I)
        if bias is None:
            torch.mm(x_piece, weight.t(), out=gates_piece.view(n * batch, 2 * hidden))
        else:
            torch.addmm(bias, x_piece, weight.t(), out=gates_piece.view(n * batch, 2 * hidden))
        k, p = gates_piece.chunk(2, dim=-1)  # (n, B, H) each
        a, _ = mingru_coefficients(k, p, out=(k, b[:n]), scratch=scratch[:n])  # a in place of k
        scan_linear(a, b[:n], state, chunk_size, out=h[t0:t1])
        state = h[t1 - 1]
    return h, gates


class _MinGRULayer(torch.autograd.Function):
    """One minGRU layer, h = mingru_sequence(x, h0, W, b), with its backward pass written out.

    Forward: gates, a, b and the scan, piece by piece (:func:`_forward`); [a; p] are kept.
    Backward, piece by piece from the last, with lambda from :func:`scan_linear_adjoint`:

        dL/dh0 = a_0 lambda_0
        [dL/dk; dL/dp] = :func:`mingru_coefficient_grads`        = dG, (T, B, 2H)
        dL/dW = sum_t dG_t^T x_t,   dL/db = sum_t dG_t,   dL/dx_t = dG_t W
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor | None, h0: Tensor, chunk_size: int,
                piece_steps: int) -> Tensor:
        h, gates = _forward(x, weight, bias, h0, chunk_size, piece_steps, keep_gates=True)
        ctx.save_for_backward(x, weight, h0, h, gates)
        ctx.chunk_size, ctx.piece_steps = chunk_size, min(x.shape[0], piece_steps)
        _buffers.give_back_when_freed(ctx, [gates])
        return h

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_h: Tensor) -> tuple[Tensor | None, ...]:
        x, weight, h0, h, gates = ctx.saved_tensors
        steps, batch, input_size = x.shape
        hidden, piece = h.shape[-1], ctx.piece_steps
        need_x, need_weight, need_bias, need_h0 = ctx.needs_input_grad[:4]
        grad_x = x.new_empty(x.shape) if need_x else None
        grad_weight = torch.zeros_like(weight) if need_weight else None
        grad_bias = weight.new_zeros(2 * hidden) if need_bias else None
        lam, s, tmp = (x.new_empty(piece, batch, hidden) for _ in range(3))
        grad_gates = x.new_empty(piece, batch, 2 * hidden)
        carry = None  # a_{t1} lambda_{t1}: what flows into the piece's last state from after it
        for t0 in reversed(range(0, steps, piece)):
            t1 = min(steps, t0 + piece)
            n = t1 - t0
            a, p = gates[t0:t1].chunk(2, dim=-1)  # (n, B, H) each
            scan_linear_adjoint(a, grad_h[t0:t1], carry, ctx.chunk_size, out=lam[:n])
            carry = a[0] * lam[0]  # (B, H)
            h_prev = h[t0 - 1:t1 - 1] if t0 > 0 else torch.cat([h0.expand_as(h[0]).unsqueeze(0), h[:t1 - 1]])
            mingru_coefficient_grads(lam[:n], a, p, h_prev, out=grad_gates[:n].chunk(2, dim=-1),
                                     scratch=(s[:n], tmp[:n]))
            grad_g = grad_gates[:n].view(n * batch, 2 * hidden)  # (n*B, 2H)
            if grad_weight is not None:
                grad_weight.addmm_(grad_g.t(), x[t0:t1].reshape(n * batch, input_size))
            if grad_bias is not None:
                grad_bias += grad_g.sum(0)
            if grad_x is not None:
                torch.mm(grad_g, weight, out=grad_x[t0:t1].view(n * batch, input_size))
        return grad_x, grad_weight, grad_bias, carry if need_h0 else None, None, None


class MinGRU(nn.Module):
    r"""A multi-layer minGRU (Feng et al. 2024) with ``torch.nn.GRU``'s call.

    For each layer, with gates that see the input x_t only::

        z_t  = sigmoid(W_z x_t + b_z)
        h~_t = g(W_h x_t + b_h),     g(x) = x + 1/2 if x >= 0 else sigmoid(x)
        h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t

    ``forward`` computes all steps at once. On the CPU (float32, float64) a C kernel runs each
    layer: the gates' matrix product, then the recurrence as a loop over time, and in training
    its adjoint (:func:`grukit.nn._mingru_kernel.fused_mingru_layer`). Elsewhere, or with
    ``backend="torch"``, a chunked parallel scan in linear space runs it, exact for hx of any sign
    (:func:`grukit.nn.scan.scan_linear`; the paper's log-space scan is
    :func:`grukit.nn.scan.scan_log`), and trains through its adjoint scan. Both give the same
    values to rounding. ``step`` advances one step for streaming, and a loop of it matches
    ``forward``. The backward passes are written out, so gradients are first-order only (no
    ``create_graph`` through them).

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout: as in ``torch.nn.GRU``;
            dropout acts on each layer's output except the last, in training only.
        residual: add each layer's input to its output where both have hidden_size features
            (every layer after the first; the first too when input_size == hidden_size).
            The state h stays the recurrence's own; the residual goes to the layer's output.
        backend: "fused" is grukit's C kernel (CPU, float32 and float64; in the fused GRU's
            library, built at install time or compiled at first use; off with ``GRUKIT_FUSED=0``);
            "torch" is the parallel scan in torch operations (any device); "auto" runs "fused" where
            it can and "torch" elsewhere.
            "fused" where it cannot run warns once and runs "torch". ``backend_in_use`` says which runs.

    Parameters (per layer k, gates stacked in the order z, h~):
        ``weight_l{k}`` (2H, I) for k = 0 and (2H, H) after it, ``bias_l{k}`` (2H,) when bias;
        initialized like ``torch.nn.GRU``, U(-1/sqrt(H), 1/sqrt(H)).

    Attributes:
        scan_chunk_size: steps per chunk of the scan (default 16); any value gives the same
            states to rounding, and only speed depends on it.

    Shapes, in the legend of :mod:`grukit.nn.functional`:
        input (T, B, I), or (B, T, I) with batch_first, or (T, I) unbatched;
        hx (L, B, H) or (L, H) unbatched, None for zeros; output (T, B, H); h_n (L, B, H).

    Example:
        >>> rnn = MinGRU(input_size=3, hidden_size=8, num_layers=2, batch_first=True, residual=True)
        >>> output, h_n = rnn(torch.randn(4, 10, 3))   # (4, 10, 8), (2, 4, 8)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        *,
        residual: bool = False,
        dropout: float = 0.0,
        backend: str = "auto",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.input_size = _checks.check_positive_int(_OWNER, "input_size", input_size)
        self.hidden_size = _checks.check_positive_int(_OWNER, "hidden_size", hidden_size)
        self.num_layers = _checks.check_positive_int(_OWNER, "num_layers", num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.residual = bool(residual)
        self.dropout = _checks.check_probability(_OWNER, "dropout", dropout)
        if backend not in BACKENDS:
            raise ValueError(f"MinGRU: backend must be one of {', '.join(map(repr, BACKENDS))}; got {backend!r}.")
        self.backend = backend
        self.scan_chunk_size = SCAN_CHUNK_SIZE
        kw = {"device": torch.device(device) if device is not None else None, "dtype": dtype}
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else self.hidden_size
            weight = nn.Parameter(torch.empty(2 * self.hidden_size, layer_input, **kw))
            self.register_parameter(f"weight_l{layer}", weight)
            if self.bias:
                self.register_parameter(f"bias_l{layer}", nn.Parameter(torch.empty(2 * self.hidden_size, **kw)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch.nn.GRU's initialization: every parameter U(-1/sqrt(H), 1/sqrt(H))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            nn.init.uniform_(param, -bound, bound)

    def layer_parameters(self, layer: int) -> tuple[Tensor, Tensor | None]:
        """(weight (2H, I or H), bias (2H,) or None) of one layer, gates stacked as [z; h~]."""
        return getattr(self, f"weight_l{layer}"), getattr(self, f"bias_l{layer}", None)

    def has_residual(self, layer: int) -> bool:
        """Whether the layer adds its input to its output (residual=True and matching sizes)."""
        layer_input = self.input_size if layer == 0 else self.hidden_size
        return self.residual and layer_input == self.hidden_size

    def extra_repr(self) -> str:
        return _checks.non_default_repr(
            self, {"num_layers": 1, "bias": True, "batch_first": False, "residual": False, "dropout": 0.0,
                   "backend": "auto"})

    @property
    def backend_in_use(self) -> str:
        """The backend that runs: "fused" (the C kernel) or "torch" (the parallel scan)."""
        if self.backend == "torch":
            return "torch"
        reason = _mingru_kernel.unavailable_reason(self.weight_l0.device, self.weight_l0.dtype)
        if reason is None:
            return "fused"
        if self.backend == "fused":
            _mingru_kernel.warn_once(reason)
        return "torch"

    # ----------------------------------------------------------------- forward
    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Run the whole sequence with the parallel scan; see the class docstring for shapes."""
        _checks.check_float_tensor(_OWNER, "input", input, self.weight_l0.dtype)
        layout = "(B, T, input_size)" if self.batch_first else "(T, B, input_size)"
        _checks.check_rank(_OWNER, "input", input, (2, 3), f"3-D {layout} or 2-D (T, input_size) unbatched")
        _checks.check_feature_size(_OWNER, "input", input, self.input_size)
        unbatched = input.dim() == 2
        x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first else input)  # (T, B, I)
        h0 = self._initial_hx(hx, x.shape[1], unbatched, x)  # (L, B, H)
        fused = self.backend_in_use == "fused"
        last_states = []
        for layer in range(self.num_layers):
            weight, bias = self.layer_parameters(layer)
            if fused:
                h, h_last = fused_mingru_layer(x, h0[layer], weight, bias)  # (T, B, H), (B, H)
            else:
                h = mingru_sequence(x, h0[layer], weight, bias, self.scan_chunk_size)  # (T, B, H)
                h_last = h[-1]
            last_states.append(h_last)
            x = self._layer_output(layer, x, h)
        h_n = torch.stack(last_states)  # (L, B, H)
        if unbatched:
            return x.squeeze(1), h_n.squeeze(1)
        return (x.transpose(0, 1) if self.batch_first else x), h_n

    def _layer_output(self, layer: int, x: Tensor, h: Tensor) -> Tensor:
        """What the layer passes on: h, plus x when residual, then dropout between layers.

        y = dropout(h + x)  or  dropout(h);  no dropout after the last layer or in eval mode.
        """
        y = h + x if self.has_residual(layer) else h
        if layer < self.num_layers - 1 and self.dropout > 0.0:
            y = F.dropout(y, self.dropout, self.training)
        return y

    def _initial_hx(self, hx: Tensor | None, batch: int, unbatched: bool, like: Tensor) -> Tensor:
        """The (L, B, H) initial state: hx as given, or zeros."""
        return _checks.initial_state(_OWNER, hx, self.num_layers, batch, self.hidden_size, unbatched, like,
                                     "num_layers")

    # ----------------------------------------------------------------- streaming
    def step(self, x_t: Tensor, hx: Tensor | None = None) -> Tensor:
        """Advance the state by one time step, sequentially, for streaming inference.

        Per layer: h' = (1 - z) * h + z * h~ with z = sigmoid(W_z x + b_z), h~ = g(W_h x + b_h).
        A loop of ``step`` gives the states of ``forward``: after ``h = rnn.step(x[t], h)``,
        ``h`` equals forward's state at t, and ``h[-1]`` its ``output[t]`` unless the last layer
        is residual (then use :meth:`step_with_output`).

        Shapes: x_t (B, I) or (I,); hx and the returned h (L, B, H) or (L, H).

        Example:
            >>> h = None
            >>> for x_t in stream:        # each (B, I)
            ...     h = rnn.step(x_t, h)  # (L, B, H)
        """
        return self.step_with_output(x_t, hx)[1]

    def step_with_output(self, x_t: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Like :meth:`step`, returning ``(output_t, h)``; output_t (B, H) equals forward's ``output[t]``."""
        _checks.check_float_tensor(_OWNER, "x_t", x_t, self.weight_l0.dtype)
        _checks.check_rank(_OWNER, "x_t", x_t, (1, 2), "2-D (B, input_size) or 1-D (input_size,) unbatched")
        _checks.check_feature_size(_OWNER, "x_t", x_t, self.input_size)
        unbatched = x_t.dim() == 1
        x = x_t.unsqueeze(0) if unbatched else x_t  # (B, I)
        h = self._initial_hx(hx, x.shape[0], unbatched, x)  # (L, B, H)
        states = []
        for layer in range(self.num_layers):
            weight, bias = self.layer_parameters(layer)
            states.append(mingru_step(x, h[layer], weight, bias))  # (B, H)
            x = self._layer_output(layer, x, states[-1])
        h_next = torch.stack(states)  # (L, B, H)
        if unbatched:
            return x.squeeze(0), h_next.squeeze(1)
        return x, h_next
