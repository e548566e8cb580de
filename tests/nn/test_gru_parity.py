"""Parity of grukit.nn.GRU with torch.nn.GRU on copied weights: outputs, h_n and every gradient."""

from __future__ import annotations

import pytest
import torch

from grukit.nn import GRU
from helpers import parity
from helpers.parity import GRID, MODES, B, H, I, T


@pytest.mark.parametrize("backend", ["reference", "torch"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layers,bidirectional,batch_first,bias,with_hx", GRID)
def test_parity_float64(backend, mode, layers, bidirectional, batch_first, bias, with_hx):
    parity.check_float64(backend, mode, layers, bidirectional, batch_first, bias, with_hx)


@pytest.mark.parametrize("backend", ["reference", "torch"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True), (3, False)])
def test_parity_float32(backend, mode, layers, bidirectional):
    parity.check_float32(backend, mode, layers, bidirectional)


@pytest.mark.parametrize("backend", ["reference", "torch"])
def test_unbatched_input_matches_torch(backend):
    parity.check_unbatched(backend)


def test_train_mode_dropout_between_layers_matches_torch_with_same_seed():
    theirs = torch.nn.GRU(I, H, 3, dropout=0.5)
    ours = GRU(I, H, 3, dropout=0.5, backend="torch")
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(T, B, I)
    torch.manual_seed(7)
    o1, _ = theirs(x)
    torch.manual_seed(7)
    o2, _ = ours(x)
    assert torch.equal(o1, o2)


def test_state_dict_round_trip_with_torch_is_strict():
    theirs = torch.nn.GRU(I, H, 2, bidirectional=True)
    ours = GRU(I, H, 2, bidirectional=True)
    ours.load_state_dict(theirs.state_dict())  # strict: same names and shapes
    back = torch.nn.GRU(I, H, 2, bidirectional=True)
    back.load_state_dict(ours.state_dict())
    for name, p in theirs.state_dict().items():
        assert torch.equal(p, back.state_dict()[name])
    assert [n for n, _ in theirs.named_parameters()] == [n for n, _ in ours.named_parameters()]
