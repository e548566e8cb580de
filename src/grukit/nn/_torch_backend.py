"""The torch backend: PyTorch's own GRU kernel (cuDNN on GPU), fed with grukit's parameters.

``torch.gru`` is the operator behind ``torch.nn.GRU.forward``; calling it with our parameter
list gives exactly what ``torch.nn.GRU`` computes, without a second copy of the weights.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence

from grukit.nn._reference import DirectionWeights, RecurrenceOptions


def flat_weights(weights: list[DirectionWeights], bias: bool) -> list[Tensor]:
    """The parameter list in torch.nn.GRU's order: per layer and direction w_ih, w_hh[, b_ih, b_hh]."""
    flat: list[Tensor] = []
    for w in weights:
        flat += [w.weight_ih, w.weight_hh]
        if bias:
            flat += [w.bias_ih, w.bias_hh]
    return flat


def _num_layers(weights: list[DirectionWeights], opts: RecurrenceOptions) -> int:
    return len(weights) // (2 if opts.bidirectional else 1)


def torch_gru(
    x: Tensor, hx: Tensor, weights: list[DirectionWeights], opts: RecurrenceOptions, bias: bool
) -> tuple[Tensor, Tensor]:
    """x: (T, B, I), hx: (L*D, B, H) -> output (T, B, D*H), h_n (L*D, B, H)."""
    return torch.gru(
        x, hx, flat_weights(weights, bias), bias, _num_layers(weights, opts),
        opts.dropout, opts.training, opts.bidirectional, False,
    )


def torch_gru_packed(
    packed: PackedSequence, hx: Tensor, weights: list[DirectionWeights], opts: RecurrenceOptions, bias: bool
) -> tuple[PackedSequence, Tensor]:
    """Like torch.nn.GRU on a PackedSequence; hx and h_n are in the caller's batch order."""
    if packed.sorted_indices is not None:
        hx = hx.index_select(1, packed.sorted_indices)
    data, h_n = torch.gru(
        packed.data, packed.batch_sizes, hx, flat_weights(weights, bias), bias,
        _num_layers(weights, opts), opts.dropout, opts.training, opts.bidirectional,
    )
    if packed.unsorted_indices is not None:
        h_n = h_n.index_select(1, packed.unsorted_indices)
    return PackedSequence(data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices), h_n
