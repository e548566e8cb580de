"""The fused kernel as two PyTorch custom ops, so autograd, ``torch.compile`` and ``torch.export`` see one op per layer.

    grukit::gru_layer           (x, h0, weights, masks, options) -> (output, h_n, the values saved for backward)
    grukit::gru_layer_backward  (d_output, d_h_n, the forward's inputs and saved values) -> the gradients

Both run the C kernel (:mod:`grukit.nn._fused`) on CPU tensors; each has a fake implementation that
gives the shapes without running it (what ``torch.compile`` and ``torch.export`` trace with), and
``gru_layer`` has its backward formula registered (``gru_layer_backward``), so
``torch.library.opcheck`` and ``gradcheck`` check them as any PyTorch operator.

Why Python custom ops over the ctypes library rather than a C++ extension built with
``torch.utils.cpp_extension``: the kernel is plain C with its own ABI check (no libtorch headers,
so one build serves every torch version, and a machine without a C++ toolchain for torch's headers
still gets it); ``torch.library.custom_op`` registers it with the dispatcher all the same.

Tensors the op does not use (an absent bias, the values a layer that saves none would save) travel
as empty tensors, as the op schema has no optional outputs. Importing this module registers the
ops (:mod:`grukit.nn.gru` does); :func:`grukit.nn._fused.layer_op` calls ``grukit::gru_layer``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from grukit.nn import _buffers, _fused

# output, h_n, then the SAVED values (the schema has no variadic tuples)
LayerOutputs = tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]
SAVED = ("gates", "gh_n", "xhat_ih", "rstd_ih", "xhat_hh", "rstd_hh")  # what _fused._forward may save


def _spec(lengths, zoneout_keep, rec_mask, reset_after, zoneout_p, x_lanes, out_lanes,
          padded_batch) -> _fused.LayerSpec:
    return _fused.LayerSpec(reset_after, lengths, zoneout_keep, zoneout_p, rec_mask, x_lanes, out_lanes, padded_batch)


def _or_empty(tensors: list[Tensor | None], like: Tensor) -> list[Tensor]:
    return [like.new_empty(0) if t is None else t for t in tensors]


def _or_none(tensors) -> list[Tensor | None]:
    return [None if t.numel() == 0 else t for t in tensors]


@torch.library.custom_op("grukit::gru_layer", mutates_args=(), device_types="cpu")
def _gru_layer(x: Tensor, h0: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None,
               bias_hh: Tensor | None, ln_gain_ih: Tensor | None, ln_gain_hh: Tensor | None, lengths: Tensor | None,
               zoneout_keep: Tensor | None, rec_mask: Tensor | None, reset_after: bool, zoneout_p: float,
               x_lanes: bool, out_lanes: bool, padded_batch: int, save: bool) -> LayerOutputs:
    spec = _spec(lengths, zoneout_keep, rec_mask, reset_after, zoneout_p, x_lanes, out_lanes, padded_batch)
    params = (weight_ih, weight_hh, bias_ih, bias_hh, ln_gain_ih, ln_gain_hh)
    out, h_n, saved = _fused._forward(x, h0, params, spec, save=save)
    return (out, h_n, *_or_empty([saved.get(name) for name in SAVED], x))


@_gru_layer.register_fake
def _(x, h0, weight_ih, weight_hh, bias_ih, bias_hh, ln_gain_ih, ln_gain_hh, lengths, zoneout_keep, rec_mask,
      reset_after, zoneout_p, x_lanes, out_lanes, padded_batch, save):
    spec = _spec(lengths, zoneout_keep, rec_mask, reset_after, zoneout_p, x_lanes, out_lanes, padded_batch)
    shapes = _fused.output_shapes(x, h0, (weight_ih, weight_hh, bias_ih, bias_hh, ln_gain_ih, ln_gain_hh), spec, save)
    return tuple(x.new_empty(shapes.get(name, (0,))) for name in ("out", "h_n", *SAVED))


@torch.library.custom_op("grukit::gru_layer_backward", mutates_args=(), device_types="cpu")
def _gru_layer_backward(d_out: Tensor, d_h_n: Tensor, x: Tensor, h0: Tensor, weight_ih: Tensor, weight_hh: Tensor,
                        bias_ih: Tensor | None, bias_hh: Tensor | None, ln_gain_ih: Tensor | None,
                        ln_gain_hh: Tensor | None, lengths: Tensor | None, zoneout_keep: Tensor | None,
                        rec_mask: Tensor | None, out: Tensor, saved: list[Tensor], reset_after: bool,
                        zoneout_p: float, x_lanes: bool, out_lanes: bool, padded_batch: int,
                        needs: list[bool]) -> list[Tensor]:
    spec = _spec(lengths, zoneout_keep, rec_mask, reset_after, zoneout_p, x_lanes, out_lanes, padded_batch)
    params = (weight_ih, weight_hh, bias_ih, bias_hh, ln_gain_ih, ln_gain_hh)
    kept = {name: t for name, t in zip(SAVED, saved) if t.numel()}
    grads = _fused._backward(d_out, d_h_n, x, h0, params, out, kept, spec, needs)
    return _or_empty(list(grads), x)


@_gru_layer_backward.register_fake
def _(d_out, d_h_n, x, h0, weight_ih, weight_hh, bias_ih, bias_hh, ln_gain_ih, ln_gain_hh, lengths, zoneout_keep,
      rec_mask, out, saved, reset_after, zoneout_p, x_lanes, out_lanes, padded_batch, needs):
    inputs = (x, h0, weight_ih, weight_hh, bias_ih, bias_hh, ln_gain_ih, ln_gain_hh)
    return [x.new_empty(t.shape) if t is not None and need else x.new_empty(0) for t, need in zip(inputs, needs)]


def _setup_context(ctx, inputs, output) -> None:
    *tensors, reset_after, zoneout_p, x_lanes, out_lanes, padded_batch, save = inputs
    out, _, *saved = output
    ctx.options = (reset_after, zoneout_p, x_lanes, out_lanes, padded_batch)
    ctx.present = [t is not None for t in tensors]
    ctx.save_for_backward(*_or_empty(tensors, out), out, *saved)
    ctx.mark_non_differentiable(*saved)
    ctx.set_materialize_grads(False)  # no zero gradients made for the saved values (nor an unused output)
    real = [t for t in saved if t.numel() and type(t) is Tensor]  # not the fake ones of a trace
    if real and not torch.compiler.is_compiling():  # eager: the saved values go back to the pool with the graph
        _buffers.give_back_when_freed(ctx, real)


def _backward(ctx, d_out, d_h_n, *_):
    values = ctx.saved_tensors
    tensors = [t if present else None for t, present in zip(values[:11], ctx.present)]
    out, saved = values[11], list(values[12:])
    needs = [bool(n) for n in ctx.needs_input_grad[:8]]
    d_out = d_out if d_out is not None else torch.zeros_like(out)
    d_h_n = d_h_n if d_h_n is not None else torch.zeros_like(tensors[1])
    grads = _gru_layer_backward(d_out, d_h_n, *tensors, out, saved, *ctx.options, needs)
    return (*_or_none(grads), *[None] * 9)


_gru_layer.register_autograd(_backward, setup_context=_setup_context)
