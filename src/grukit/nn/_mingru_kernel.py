"""MinGRU's C kernel: one call per layer and pass, forward and backward (``csrc/mingru_kernel.h``).

It is compiled into the fused GRU's library (:mod:`grukit.nn._kernel`), so the same compiler,
cache and ``GRUKIT_FUSED=0`` switch apply. Threads split the batch rows into work items. Per
item, time runs in blocks of about 256 (step, row) pairs: the block's gates ``x W^T`` come from
the fused GRU's matrix product (``csrc/gru_gemm.h``, AVX-512 where the CPU has it), then the gate
math and the recurrence h_t = a_t h_{t-1} + b_t run as a plain loop over the steps, vectorised
across H, while the gates are in cache. Training saves a and p, (T, B, 2H). The backward pass
walks the blocks in reverse: the adjoint recurrence and the gate gradients dG = [dk, dp], then
dW^T += x^T dG and dx = dG W for the block.

Why not torch's matrix product and scan: at T = 2048, B = 16, I = H = 128, torch's CPU sgemm ran
MinGRU's two products at ~41 GFLOP/s (104 ms of a 194 ms training step), and the gates, scan and
adjoint as separate tensor operations took the other ~90 ms moving (T, B, H) arrays through memory.
The kernel's whole training step took ~30 ms there at best (``benchmarks/bench_mingru.py``).
Blocks of 32 to 2048 pairs all took 30-40 ms at best on a shared 2-core machine, a spread
within its noise; 256 keeps a block's gates, x rows and the packed weights within a core's L2.
"""

from __future__ import annotations

import ctypes
import warnings

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from grukit.nn import _buffers, _kernel
from grukit.nn._kernel import MinGruArgs
from grukit.nn._fused import DTYPES, unavailable_reason  # one library: the GRU's constraints are MinGRU's

__all__ = ["unavailable_reason", "warn_once", "fused_mingru_layer"]
_warned: set[str] = set()


def warn_once(reason: str) -> None:
    """Say once per process and reason that backend='fused' falls back to the torch scan."""
    if reason not in _warned:
        _warned.add(reason)
        warnings.warn(f"MinGRU: backend='fused' is unavailable because {reason}; running backend='torch' "
                      f"instead. Set backend='auto' to choose silently.", RuntimeWarning, stacklevel=4)


def _run(kind: str, dtype: torch.dtype, args: MinGruArgs) -> None:
    fn = getattr(_kernel.load().library, f"mingru_{kind}_{DTYPES[dtype]}")
    fn.argtypes, fn.restype = [ctypes.POINTER(MinGruArgs)], ctypes.c_int
    if fn(ctypes.byref(args)) != 0:
        raise MemoryError(f"MinGRU kernel: the {kind} pass could not allocate its work buffers.")


def _ptr(t: Tensor | None) -> int | None:
    return None if t is None else t.data_ptr()


def _args(x: Tensor, h0: Tensor, weight: Tensor, bias: Tensor | None, block_steps: int) -> MinGruArgs:
    steps, batch, inputs = x.shape
    return MinGruArgs(
        T=steps, B=batch, I=inputs, H=h0.shape[-1], threads=torch.get_num_threads(), block_steps=block_steps,
        x_stride_t=x.stride(0), x_stride_b=x.stride(1), x=x.data_ptr(), h0=h0.data_ptr(), weight=weight.data_ptr(),
        bias=_ptr(bias))


def _forward(x: Tensor, h0: Tensor, weight: Tensor, bias: Tensor | None, block_steps: int,
             save: bool) -> tuple[Tensor, Tensor | None]:
    """x (T, B, I), h0 (B, H) -> h (T, B, H), and [a, p] (T, B, 2H) when save."""
    steps, batch, _ = x.shape
    hidden = h0.shape[-1]
    args = _args(x, h0, weight, bias, block_steps)
    h = x.new_empty(steps, batch, hidden)
    saved = _buffers.take((steps, batch, 2 * hidden), x) if save else None
    args.out, args.saved = h.data_ptr(), _ptr(saved)
    _run("forward", x.dtype, args)
    return h, saved


class FusedMinGRULayer(torch.autograd.Function):
    """One layer on the kernel: (x, weight, bias, h0) -> (h (T, B, H), h_n (B, H))."""

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor | None, h0: Tensor,
                block_steps: int) -> tuple[Tensor, Tensor]:
        h, saved = _forward(x, h0, weight, bias, block_steps, save=True)
        ctx.save_for_backward(x, weight, h0, h)
        ctx.saved, ctx.has_bias, ctx.block_steps = saved, bias is not None, block_steps
        ctx.set_materialize_grads(False)  # a gradient that reaches only h_n (or only h) stays None
        _buffers.give_back_when_freed(ctx, [saved])
        return h, h[-1].clone()

    @staticmethod
    @once_differentiable
    def backward(ctx, d_h: Tensor | None, d_h_n: Tensor | None) -> tuple[Tensor | None, ...]:
        x, weight, h0, h = ctx.saved_tensors
        need_x, need_weight, need_bias, need_h0 = ctx.needs_input_grad[:4]
        args = _args(x, h0, weight, None, ctx.block_steps)
        if d_h is not None:
            d_h = _rows_readable(d_h)
            args.d_out, args.d_out_stride_t, args.d_out_stride_b = d_h.data_ptr(), d_h.stride(0), d_h.stride(1)
        d_h_n = None if d_h_n is None else d_h_n.contiguous()
        d_x = torch.empty_like(x, memory_format=torch.contiguous_format) if need_x else None
        d_weight = torch.empty_like(weight) if need_weight else None
        d_bias = weight.new_empty(weight.shape[0]) if need_bias and ctx.has_bias else None
        d_h0 = torch.empty_like(h0)
        args.out, args.saved, args.d_h_n = h.data_ptr(), ctx.saved.data_ptr(), _ptr(d_h_n)
        args.d_x, args.d_h0, args.d_weight, args.d_bias = _ptr(d_x), d_h0.data_ptr(), _ptr(d_weight), _ptr(d_bias)
        _run("backward", x.dtype, args)
        return d_x, d_weight, d_bias, d_h0 if need_h0 else None, None


def _rows_readable(d_h: Tensor) -> Tensor:
    """d_h (T, B, H) with unit stride in H, copied only when needed (see grukit.nn._fused)."""
    if d_h.stride(-1) == 1:
        return d_h
    if d_h.stride(0) == 0 and d_h.stride(1) == 0:
        return d_h[0, 0].contiguous().expand_as(d_h)
    return d_h.contiguous()


def fused_mingru_layer(x: Tensor, h0: Tensor, weight: Tensor, bias: Tensor | None,
                       block_steps: int = 0) -> tuple[Tensor, Tensor]:
    """One minGRU layer on the C kernel; the states of :func:`grukit.nn.mingru.mingru_sequence`.

    [k_t; p_t] = W x_t + b,   a_t = sigmoid(-k_t),   h_t = a_t h_{t-1} + (1 - a_t) g(p_t)

    ``block_steps`` sets the steps per time block (0: about 256 (step, row) pairs); any value
    gives the same result, only speed depends on it.

    Shapes: x (T, B, I), h0 (B, H), weight (2H, I), bias (2H,) or None -> h (T, B, H), h_n (B, H).

    Example:
        >>> h, h_n = fused_mingru_layer(torch.randn(10, 2, 3), torch.zeros(2, 4), torch.randn(8, 3), None)
    """
    if x.stride(-1) != 1:
        x = x.contiguous()
    h0, weight = h0.contiguous(), weight.contiguous()
    bias = None if bias is None else bias.contiguous()
    tensors = (x, weight, h0) if bias is None else (x, weight, h0, bias)
    if torch.is_grad_enabled() and any(t.requires_grad for t in tensors):
        return FusedMinGRULayer.apply(x, weight, bias, h0, block_steps)
    h, _ = _forward(x, h0, weight, bias, block_steps, save=False)
    return h, h[-1]
