"""The fused backend's buffers between layers and between calls: the lanes layout handed from layer to layer,
and recycled saved values that must never be overwritten while a graph still needs them."""

from __future__ import annotations

import pytest
import torch

from grukit.nn import GRU, _fused, _kernel
from helpers.kernel import assert_matches_torch, requires_kernel, train_step

pytestmark = requires_kernel
BATCH = 150  # blocks of 64 lanes in float32 with AVX-512 (16 with AVX2), the last one partial: padded lanes run


def _requires_lanes(dtype=torch.float32):
    """Skip where a GRU of 20 units runs the row layout: vectors under 256 bits, or 20 units in whole vectors."""
    bits = _kernel.load().vector_bits
    if bits < 256:
        pytest.skip("the lanes layout is used with 256-bit vectors (AVX2) or wider")
    if 20 % (bits // (8 * dtype.itemsize)) == 0:
        pytest.skip(f"20 units are whole {bits}-bit vectors of {dtype}: the row layout has no padding to save")


def _specs(monkeypatch) -> list[_fused.LayerSpec]:
    """The LayerSpec of every call of the custom op from now on."""
    seen, layer = [], _fused.layer_op

    def spy(x, h0, params, spec, save):
        seen.append(spec)
        return layer(x, h0, params, spec, save)

    monkeypatch.setattr(_fused, "layer_op", spy)
    return seen


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("input_size,bidirectional,threads", [(1, False, 1), (5, True, 2), (3, False, 3)])
def test_three_lanes_layers_hand_their_outputs_over_and_match_torch(monkeypatch, dtype, input_size, bidirectional,
                                                                    threads):
    _requires_lanes(dtype)
    torch.manual_seed(0)
    theirs = torch.nn.GRU(input_size, 20, 3, bidirectional=bidirectional, dtype=dtype)
    ours = GRU(input_size, 20, 3, bidirectional=bidirectional, dtype=dtype, backend="fused")
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(6, BATCH, input_size, dtype=dtype)
    h0 = torch.randn(3 * (2 if bidirectional else 1), BATCH, 20, dtype=dtype)
    specs = _specs(monkeypatch)
    assert_matches_torch(theirs, ours, x, h0, threads)
    assert [(s.x_lanes, s.out_lanes) for s in specs] == [(False, True), (True, True), (True, False)]


def test_dropout_between_layers_in_training_keeps_the_row_layout(monkeypatch):
    _requires_lanes()
    specs = _specs(monkeypatch)
    gru = GRU(3, 20, 2, dropout=0.5, backend="fused").train()
    out, _ = gru(torch.randn(4, BATCH, 3))
    out.sum().backward()
    assert [(s.x_lanes, s.out_lanes) for s in specs] == [(False, False), (False, False)]


@pytest.mark.parametrize("hidden_size", [20, 32])  # the lanes layout and the row layout
def test_two_forwards_before_their_backwards_keep_their_own_saved_values(hidden_size):
    """Recycled buffers go back to the pool only when their graph is freed: interleaved graphs stay exact."""
    torch.manual_seed(0)
    gru = GRU(2, hidden_size, 2, backend="fused")
    x1, x2 = torch.randn(5, BATCH, 2), torch.randn(5, BATCH, 2)
    h0 = torch.zeros(2, BATCH, hidden_size)
    alone = [[t.detach().clone() for t in train_step(gru, x, h0)[4:]] for x in (x1, x2)]  # parameter gradients

    gru.zero_grad(set_to_none=True)
    outputs = [gru(x, h0) for x in (x1, x2)]  # two graphs alive at once
    weights = torch.linspace(-1, 1, outputs[0][0].numel()).view_as(outputs[0][0])
    losses = [(out * weights).sum() + h_n.square().sum() for out, h_n in outputs]
    losses[1].backward()
    second = [p.grad.clone() for p in gru.parameters()]
    gru.zero_grad(set_to_none=True)
    outputs.append(gru(x2, h0))  # a third forward takes buffers while the first graph still waits
    losses[0].backward()
    first = [p.grad.clone() for p in gru.parameters()]
    for got, expected in ((first, alone[0]), (second, alone[1])):
        for a, b in zip(got, expected):
            assert torch.equal(a, b)  # the same computation on the same values: the same bits
