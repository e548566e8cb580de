"""The fused backend: grukit's own CPU kernel for every GRU option, forward and backward.

One C call per layer and pass runs both directions over all steps (``csrc/fused_gru.c``). Each
thread owns a block of batch rows for all T steps, so no thread waits on another at each step.
Per step it multiplies its rows by the packed weights (the input projection ``x_t W_ih^T`` and the
recurrent product ``h W_hh^T``), applies layer norm, biases and the gate math in one pass, and in
training keeps only r, z, n and ``W_hn h + b_hn``; the previous state is read back from the
output. The backward pass walks the steps in reverse, and every thread adds its rows' share of
``dW_ih``, ``dW_hh``, the biases and the gains while the step's values are still in cache; the
shares are summed once at the end.

For a small hidden size that is not a multiple of the vector width (H = 20: 16 + 4 lanes) and a
large batch, plain layers (reset after, without layer norm, zoneout, recurrent dropout or
lengths) run with the batch in the vector lanes instead (``csrc/gru_lanes.h``), so that no lane
is padding; they save four factors per unit in blocks of batch rows rather than the gates. Such
a layer hands its output to the next one in that layout, (T, D*H, Bp) with the batch padded to
whole blocks, and gets its gradient back in it: no transposes between the layers, and the weight
gradients are summed over the lanes of rows already in place.

Why not one large matrix product for the input projection and the weight gradients? Measured on
an AVX-512 CPU, the kernel's own small products run at about 200 GFLOP/s per core on data in
cache, while the large products went through MKL's generic path at 35-90 GFLOP/s and moved every
gate value through memory twice more.

Random masks (zoneout, recurrent dropout, dropout between layers) are drawn with torch's
generator, so ``torch.manual_seed`` makes a training step repeatable. They are drawn differently
from the reference backend, so the two agree in distribution, not sample by sample.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import Tensor

from grukit.nn import _buffers, _kernel
from grukit.nn import functional as GF
from grukit.nn._reference import DirectionWeights, RecurrenceOptions

DTYPES = {torch.float32: "f32", torch.float64: "f64"}
LANE_FACTORS = 4  # values saved per unit in the lanes layout (LANE_FACTORS in csrc/gru_lanes.h)
_warned: set[str] = set()


def unavailable_reason(device: torch.device, dtype: torch.dtype) -> str | None:
    """Why the fused kernel cannot run parameters on this device and dtype; None if it can."""
    if device.type != "cpu":
        return f"it runs on the CPU only and the parameters are on {device}"
    if dtype not in DTYPES:
        return f"it supports float32 and float64 only and the parameters are {dtype}"
    return _kernel.unavailable_reason()


def warn_once(reason: str, instead: str) -> None:
    """Say once per process and reason that backend='fused' falls back to another backend."""
    if reason not in _warned:
        _warned.add(reason)
        warnings.warn(f"GRU: backend='fused' is unavailable because {reason}; running backend={instead!r} "
                      f"instead. Set backend='auto' to choose silently.", RuntimeWarning, stacklevel=4)


@dataclass(frozen=True)
class LayerSpec:
    """What the kernel needs besides the differentiable inputs."""

    reset_after: bool
    lengths: Tensor | None  # (B,) int64
    zoneout_keep: Tensor | None  # (D, T, B, H) 1.0 keeps the old state (training)
    zoneout_p: float  # eval-mode zoneout; 0 otherwise
    rec_mask: Tensor | None  # (D, B, H) recurrent dropout (training)
    x_lanes: bool = False  # x (T, I, Bp) in the lanes layout (the output of the layer below)
    out_lanes: bool = False  # out (T, D*H, Bp) in the lanes layout (for the layer above)
    padded_batch: int = 0  # Bp: the batch rounded up to whole blocks of lanes, with out_lanes


PARAMS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "ln_gain_ih", "ln_gain_hh")  # each (D, 3H, ...) or (3H, ...)


def _ptr(t: Tensor | None) -> int | None:
    return None if t is None else t.data_ptr()


def _kernel_args(x: Tensor, h0: Tensor, params: tuple[Tensor | None, ...], spec: LayerSpec) -> _kernel.GruArgs:
    """x (T, B, I), or (T, I, Bp) with spec.x_lanes; h0 (D, B, H)."""
    directions, batch, hidden = h0.shape
    steps, inputs = x.shape[0], x.shape[1] if spec.x_lanes else x.shape[2]
    strides = (0, 0) if spec.x_lanes else (x.stride(0), x.stride(1))
    args = _kernel.GruArgs(
        T=steps, B=batch, I=inputs, H=hidden, D=directions, reset_after=int(spec.reset_after),
        threads=torch.get_num_threads(), x_stride_t=strides[0], x_stride_b=strides[1], zoneout_p=spec.zoneout_p,
        x=x.data_ptr(), h0=h0.data_ptr(), rec_mask=_ptr(spec.rec_mask), lengths=_ptr(spec.lengths),
        zoneout_keep=_ptr(spec.zoneout_keep), x_lanes=int(spec.x_lanes), out_lanes=int(spec.out_lanes))
    for name, tensor in zip(PARAMS, params):
        setattr(args, name, _ptr(tensor))
    return args


def output_shapes(x: Tensor, h0: Tensor, params: tuple[Tensor | None, ...], spec: LayerSpec,
                  save: bool) -> dict[str, tuple[int, ...]]:
    """The shapes of a layer's output, h_n and (``save``) the values its backward pass reads, by name.

    x (T, B, I), or (T, I, Bp) with spec.x_lanes; h0 (D, B, H). Reads shapes and options only, so
    fake tensors (``torch.compile``, ``torch.export``) get their shapes from it too.
    """
    steps = x.shape[0]
    directions, batch, hidden = h0.shape
    out = (steps, directions * hidden, spec.padded_batch) if spec.out_lanes else (steps, batch, directions * hidden)
    shapes = {"out": out, "h_n": (directions, batch, hidden)}
    if not save:
        return shapes
    lanes = _lanes_block(x, h0, params, spec)
    if lanes:  # the lanes layout's four factors per unit, in blocks of batch rows
        shapes["gates"] = (directions, steps, -(-batch // lanes), hidden, LANE_FACTORS, lanes)
        return shapes
    per_step = (directions, steps, batch)
    shapes["gates"] = (*per_step, 3 * hidden)  # r, z, n
    if spec.reset_after:
        shapes["gh_n"] = (*per_step, hidden)  # LN(W_hn h_rec) * gain + b_hn
    for side, gain in (("ih", params[4]), ("hh", params[5])):
        if gain is not None:
            shapes[f"xhat_{side}"] = (*per_step, 3 * hidden)  # layer norm's normalized values
            shapes[f"rstd_{side}"] = (*per_step, 3)  # and 1 / std per gate block
    return shapes


def _lanes_block(x: Tensor, h0: Tensor, params: tuple[Tensor | None, ...], spec: LayerSpec) -> int:
    """The block of batch rows the kernel runs this layer in with the batch in the vector lanes; 0 for rows.

    Only plain layers (reset after; no layer norm, recurrent dropout, zoneout or lengths) may.
    """
    plain = (spec.reset_after and params[4] is None and params[5] is None and spec.rec_mask is None
             and spec.lengths is None and spec.zoneout_keep is None and spec.zoneout_p == 0.0)
    return _lanes_for(DTYPES[x.dtype], int(h0.shape[1]), int(h0.shape[2]), plain)


def _lanes_for(suffix: str, batch: int, hidden: int, plain: bool) -> int:
    """The kernel's answer for a layer of this batch and hidden size, plain or not (gru_lanes_* in C)."""
    args = _kernel.GruArgs(T=1, B=batch, I=1, H=hidden, D=1, reset_after=int(plain))  # not plain: never lanes
    return _kernel.load().lanes(suffix, args)


# torch.compile runs _lanes_for once while tracing and keeps its result (it reads no tensor). This is what
# torch.compiler.assume_constant_result(_lanes_for) sets; calling that imports torch._dynamo, which made
# `import grukit.nn` 1.4 s slower. tests/nn/test_fused_op.py compiles with fullgraph=True, so a torch whose
# mark is another fails there.
_lanes_for._dynamo_marked_constant = True


def _forward(x: Tensor, h0: Tensor, params: tuple[Tensor | None, ...], spec: LayerSpec,
             save: bool) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
    """x (T, B, I), h0 (D, B, H) -> output (T, B, D*H), h_n (D, B, H), tensors for backward.

    With spec.x_lanes x is (T, I, Bp), with spec.out_lanes the output is (T, D*H, Bp). The saved
    tensors come from the pool of :mod:`grukit.nn._buffers`.
    """
    shapes = output_shapes(x, h0, params, spec, save)
    args = _kernel_args(x, h0, params, spec)
    out, h_n = x.new_empty(shapes.pop("out")), x.new_empty(shapes.pop("h_n"))
    args.out, args.h_n = out.data_ptr(), h_n.data_ptr()
    saved = {name: _buffers.take(shape, x) for name, shape in shapes.items()}
    if spec.lengths is not None:
        for tensor in saved.values():  # steps past a length are never written: zeros there, not old values
            tensor.zero_()
    for name, tensor in saved.items():
        setattr(args, name, tensor.data_ptr())
    _kernel.load().run("forward", DTYPES[x.dtype], args)
    return out, h_n, saved


def _backward(d_out: Tensor, d_h_n: Tensor, x: Tensor, h0: Tensor, params: tuple[Tensor | None, ...], out: Tensor,
              saved: dict[str, Tensor], spec: LayerSpec, needs: list[bool]) -> tuple[Tensor | None, ...]:
    """The gradients (d_x, d_h0, d_weight_ih, d_weight_hh, d_bias_ih, d_bias_hh, d_ln_gain_ih, d_ln_gain_hh)
    of a layer from those of its output and h_n; None where ``needs`` (8 flags, same order) is False
    or the parameter is absent."""
    directions = h0.shape[0]
    args = _kernel_args(x, h0, params, spec)
    d_out = d_out.contiguous() if spec.out_lanes else _rows_readable(d_out)
    d_h_n = d_h_n.contiguous()
    if not spec.out_lanes:
        args.d_out_stride_t, args.d_out_stride_b = d_out.stride(0), d_out.stride(1)
    d_x = x.new_empty(directions, *x.shape) if needs[0] else None  # per direction
    d_h0 = torch.empty_like(h0)  # the kernel always writes it
    d_params = [torch.empty_like(p) if p is not None and needs[2 + k] else None for k, p in enumerate(params)]
    buffers = {**saved, "out": out, "d_out": d_out, "d_h_n": d_h_n, "d_x": d_x, "d_h0": d_h0,
               **{f"d_{name}": grad for name, grad in zip(PARAMS, d_params)}}
    for name, tensor in buffers.items():
        setattr(args, name, _ptr(tensor))
    _kernel.load().run("backward", DTYPES[x.dtype], args)
    if d_x is not None:
        d_x = d_x[0] if directions == 1 else d_x.sum(0)  # (T, B, I), or (T, I, Bp) with x_lanes
    return (d_x, d_h0 if needs[1] else None, *d_params)


def layer_op(x: Tensor, h0: Tensor, params: tuple[Tensor | None, ...], spec: LayerSpec,
             save: bool) -> tuple[Tensor, Tensor]:
    """One layer, all directions, through the custom op ``grukit::gru_layer`` (:mod:`grukit.nn._fused_op`,
    registered when :mod:`grukit.nn.gru` is imported): output (T, B, D*H) and h_n (D, B, H).

    ``save``: keep the values backward needs (training with gradients); see :func:`_forward`.
    """
    out, h_n, *_ = torch.ops.grukit.gru_layer(x, h0, *params, spec.lengths, spec.zoneout_keep, spec.rec_mask,
                                              spec.reset_after, spec.zoneout_p, spec.x_lanes, spec.out_lanes,
                                              spec.padded_batch, save)
    return out, h_n


def _rows_readable(d_out: Tensor) -> Tensor:
    """d_out (T, B, D*H) with unit stride in its last dimension, copied only when needed.

    The gradient of ``output.sum()`` is one value expanded to every element (all strides 0): a
    single contiguous row, read at strides 0, stands for it without a T*B*D*H copy.
    """
    if d_out.stride(-1) == 1:
        return d_out
    if d_out.stride(0) == 0 and d_out.stride(1) == 0:
        return d_out[0, 0].contiguous().expand_as(d_out)
    return d_out.contiguous()


def _stack(tensors: list[Tensor | None]) -> Tensor | None:
    """The parameters of the D directions as one contiguous (D, 3H, ...) block for the kernel.

    One direction passes its parameter itself, (3H, ...): the same memory, and no view whose
    gradient autograd would have to route back.
    """
    if tensors[0] is None:
        return None
    if len(tensors) == 1:
        return tensors[0] if tensors[0].is_contiguous() else tensors[0].contiguous()
    return torch.stack(tensors)


def _layer_spec(opts: RecurrenceOptions, h0: Tensor, steps: int, lengths: Tensor | None) -> LayerSpec:
    directions, batch, hidden = h0.shape
    rec_mask = zoneout_keep = None
    if opts.training and opts.recurrent_dropout > 0.0:
        rec_mask = GF.recurrent_dropout_mask(h0.detach(), opts.recurrent_dropout).contiguous()  # (D, B, H)
    if opts.training and opts.zoneout > 0.0:
        keep = torch.rand(directions, steps, batch, hidden, device=h0.device) < opts.zoneout
        zoneout_keep = keep.to(h0.dtype)  # (D, T, B, H)
    zoneout_p = opts.zoneout if not opts.training else 0.0
    return LayerSpec(opts.reset == "after", lengths, zoneout_keep, zoneout_p, rec_mask)


def _lanes_spec(spec: LayerSpec, x: Tensor, h0: Tensor, params: tuple[Tensor | None, ...], x_block: int,
               last: bool) -> tuple[LayerSpec, int]:
    """The layouts of a layer's input and output, and the block of lanes its output is handed over in (0: rows).

    x_block > 0: the layer below handed x over in the lanes layout. A layer that runs in the lanes
    layout itself and is not the last hands its output over.
    """
    spec = replace(spec, x_lanes=x_block > 0)
    block = _lanes_block(x, h0, params, spec)
    if x_block and block != x_block:
        raise RuntimeError(f"GRU fused kernel: a layer got its input in blocks of {x_block} lanes and runs in "
                           f"blocks of {block}; please report this.")
    if not block or last:
        return spec, 0
    return replace(spec, out_lanes=True, padded_batch=-(-h0.shape[1] // block) * block), block


def fused_gru(
    x: Tensor, hx: Tensor, weights: list[DirectionWeights], opts: RecurrenceOptions, lengths: Tensor | None
) -> tuple[Tensor, Tensor]:
    """A multi-layer, optionally bidirectional GRU on the fused kernel; same contract as reference_gru.

    Args:
        x: (T, B, I); hx: (L*D, B, H); weights: L*D entries ordered layer by layer, forward
        direction first; lengths: (B,) valid lengths or None.
    Returns:
        output (T, B, D*H) and h_n (L*D, B, H).
    """
    directions = 2 if opts.bidirectional else 1
    num_layers = len(weights) // directions
    if lengths is not None:
        lengths = lengths.to(device="cpu", dtype=torch.int64).contiguous()
    hand_over = num_layers > 1 and not (opts.training and opts.dropout > 0.0)  # no dropout between layers
    layer_input, finals, block = x, [], 0
    for layer in range(num_layers):
        ws = weights[layer * directions : (layer + 1) * directions]
        if layer_input.stride(-1) != 1:
            layer_input = layer_input.contiguous()
        h0 = hx[layer * directions : (layer + 1) * directions].contiguous()  # (D, B, H)
        spec = _layer_spec(opts, h0, x.shape[0], lengths)
        params = tuple(_stack([getattr(w, name) for w in ws]) for name in PARAMS)  # (D, 3H, ...) or (3H, ...)
        if hand_over:
            spec, block = _lanes_spec(spec, layer_input, h0, params, block, last=layer == num_layers - 1)
        grad = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in (layer_input, h0, *params))
        if grad or torch.compiler.is_compiling():  # the custom op: autograd, torch.compile and export see it
            out, h_n = layer_op(layer_input, h0, params, spec, save=grad)
        else:  # eager inference: the kernel directly, without the dispatcher's overhead
            out, h_n, _ = _forward(layer_input, h0, params, spec, save=False)
        finals.append(h_n)
        layer_input = out  # (T, B, D*H), or (T, D*H, Bp) handed over in the lanes layout
        if layer < num_layers - 1 and opts.dropout > 0.0:
            layer_input = F.dropout(layer_input, opts.dropout, training=opts.training)
    return layer_input, finals[0] if num_layers == 1 else torch.cat(finals)  # (T, B, D*H), (L*D, B, H)
