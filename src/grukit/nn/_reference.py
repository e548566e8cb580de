"""The reference backend: a plain PyTorch loop over time that runs every GRU option.

Autograd differentiates it, so it is the ground truth that faster backends are tested against.
Per layer and direction it projects the inputs of all steps in one matrix product, then walks
the steps with the pure step functions of :mod:`grukit.nn.functional`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from grukit.nn.functional import GRU_STEPS, input_gates, recurrent_dropout_mask, zoneout


class DirectionWeights(NamedTuple):
    """The parameters of one layer in one direction; unused ones are None."""

    weight_ih: Tensor  # (3H, I)
    weight_hh: Tensor  # (3H, H)
    bias_ih: Tensor | None  # (3H,)
    bias_hh: Tensor | None  # (3H,)
    ln_gain_ih: Tensor | None  # (3H,)
    ln_gain_hh: Tensor | None  # (3H,)


@dataclass(frozen=True)
class RecurrenceOptions:
    """What a backend needs to know besides the weights."""

    reset: str = "after"
    dropout: float = 0.0  # between layers
    zoneout: float = 0.0
    recurrent_dropout: float = 0.0
    bidirectional: bool = False
    training: bool = False


def step_direction(x_t: Tensor, h: Tensor, w: DirectionWeights, reset: str, h_rec: Tensor | None = None) -> Tensor:
    """h' for one step of one layer and direction; x_t (B, I), h (B, H) -> (B, H)."""
    gi = input_gates(x_t, w.weight_ih, w.bias_ih, w.ln_gain_ih)  # (B, 3H)
    return GRU_STEPS[reset](gi, h, h if h_rec is None else h_rec, w.weight_hh, w.bias_hh, w.ln_gain_hh)


def run_direction(
    x: Tensor, h0: Tensor, w: DirectionWeights, opts: RecurrenceOptions, valid: Tensor | None, reverse: bool
) -> tuple[Tensor, Tensor]:
    """Scan one layer in one direction over time.

    Steps past a sequence's length (``valid`` false) leave the state as it is and output zeros,
    so the forward direction ends at the last valid step and the reverse one starts there.

    Args:
        x: (T, B, I) inputs; h0: (B, H); valid: (T, B, 1) bool or None.
    Returns:
        output (T, B, H) and the final state (B, H).
    """
    step = GRU_STEPS[opts.reset]
    gi_all = input_gates(x, w.weight_ih, w.bias_ih, w.ln_gain_ih)  # (T, B, 3H)
    rec_mask = None
    if opts.training and opts.recurrent_dropout > 0.0:
        rec_mask = recurrent_dropout_mask(h0, opts.recurrent_dropout)  # (B, H), one per sequence
    sample_zoneout = opts.training and opts.zoneout > 0.0
    steps = x.shape[0]
    outputs: list[Tensor | None] = [None] * steps
    h = h0
    for t in reversed(range(steps)) if reverse else range(steps):
        h_rec = h if rec_mask is None else h * rec_mask
        h_new = step(gi_all[t], h, h_rec, w.weight_hh, w.bias_hh, w.ln_gain_hh)
        keep = torch.rand_like(h) < opts.zoneout if sample_zoneout else None
        h_new = zoneout(h, h_new, opts.zoneout, keep)
        if valid is None:
            h = h_new
            outputs[t] = h
        else:
            h = torch.where(valid[t], h_new, h)
            outputs[t] = torch.where(valid[t], h, torch.zeros_like(h))
    return torch.stack(outputs), h  # (T, B, H), (B, H)


def reference_gru(
    x: Tensor, hx: Tensor, weights: list[DirectionWeights], opts: RecurrenceOptions, lengths: Tensor | None
) -> tuple[Tensor, Tensor]:
    """A multi-layer, optionally bidirectional GRU.

    Args:
        x: (T, B, I); hx: (L*D, B, H); weights: L*D entries ordered layer by layer, forward
        direction first; lengths: (B,) valid lengths or None.
    Returns:
        output (T, B, D*H) and h_n (L*D, B, H).
    """
    num_directions = 2 if opts.bidirectional else 1
    num_layers = len(weights) // num_directions
    valid = None
    if lengths is not None:
        steps = torch.arange(x.shape[0], device=x.device)
        valid = (steps[:, None] < lengths.to(x.device)[None, :]).unsqueeze(-1)  # (T, B, 1)
    layer_input = x
    finals = []
    for layer in range(num_layers):
        outs = []
        for direction in range(num_directions):
            index = layer * num_directions + direction
            out, h_last = run_direction(layer_input, hx[index], weights[index], opts, valid, reverse=direction == 1)
            outs.append(out)
            finals.append(h_last)
        layer_input = outs[0] if num_directions == 1 else torch.cat(outs, dim=-1)  # (T, B, D*H)
        if layer < num_layers - 1 and opts.dropout > 0.0:
            layer_input = F.dropout(layer_input, opts.dropout, training=opts.training)
    return layer_input, torch.stack(finals)  # (T, B, D*H), (L*D, B, H)
