"""Parity of grukit.nn.GRU with torch.nn.GRU on copied weights: outputs, h_n and every gradient."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from grukit.nn import GRU

T, B, I, H = 5, 3, 4, 6
LENGTHS = torch.tensor([3, 5, 1])  # ragged and unsorted, the longest equal to T
GRID = list(itertools.product([1, 2, 3], [False, True], [False, True], [True, False], [False, True]))
MODES = ["padded", "packed", "lengths"]
TOL = {torch.float64: 1e-10, torch.float32: 1e-5}


def _pair(layers, bidirectional, batch_first, bias, dtype, backend):
    torch.manual_seed(0)
    theirs = torch.nn.GRU(I, H, layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional, dtype=dtype)
    ours = GRU(I, H, layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional, dtype=dtype,
               backend=backend)
    ours.load_state_dict(theirs.state_dict())
    return theirs, ours


def _run(module, x, hx, mode, batch_first):
    """Forward in one of three input modes; returns padded output, h_n."""
    if mode == "padded":
        return module(x, hx)
    packed = pack_padded_sequence(x, LENGTHS, batch_first=batch_first, enforce_sorted=False)
    if mode == "packed" or isinstance(module, torch.nn.GRU):
        out, h_n = module(packed, hx)
        assert isinstance(out, PackedSequence)
        if mode == "packed":
            assert torch.equal(out.batch_sizes, packed.batch_sizes)
            assert torch.equal(out.sorted_indices, packed.sorted_indices)
        return pad_packed_sequence(out, batch_first=batch_first, total_length=T)[0], h_n
    return module(x, hx, lengths=LENGTHS)


def _max_diffs(theirs, ours, dtype, mode, batch_first, with_hx, bidirectional, layers):
    gen = torch.Generator().manual_seed(1)
    shape = (B, T, I) if batch_first else (T, B, I)
    x = torch.randn(shape, generator=gen, dtype=dtype)
    hx = torch.randn(layers * (2 if bidirectional else 1), B, H, generator=gen, dtype=dtype) if with_hx else None
    results = []
    for module in (theirs, ours):
        x_leaf = x.clone().requires_grad_()
        hx_leaf = hx.clone().requires_grad_() if hx is not None else None
        out, h_n = _run(module, x_leaf, hx_leaf, mode, batch_first)
        g = torch.Generator().manual_seed(2)
        loss = (out * torch.randn(out.shape, generator=g, dtype=dtype)).sum() + (
            h_n * torch.randn(h_n.shape, generator=g, dtype=dtype)).sum()
        loss.backward()
        grads = {name: p.grad for name, p in module.named_parameters()}
        grads["input"] = x_leaf.grad
        if hx_leaf is not None:
            grads["hx"] = hx_leaf.grad
        results.append((out.detach(), h_n.detach(), grads))
    (o1, h1, g1), (o2, h2, g2) = results
    assert g1.keys() == g2.keys()
    diffs = {"output": (o1 - o2).abs().max().item(), "h_n": (h1 - h2).abs().max().item()}
    diffs.update({f"grad {k}": (g1[k] - g2[k]).abs().max().item() for k in g1})
    return diffs


@pytest.mark.parametrize("backend", ["reference", "torch"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layers,bidirectional,batch_first,bias,with_hx", GRID)
def test_parity_float64(backend, mode, layers, bidirectional, batch_first, bias, with_hx):
    theirs, ours = _pair(layers, bidirectional, batch_first, bias, torch.float64, backend)
    diffs = _max_diffs(theirs, ours, torch.float64, mode, batch_first, with_hx, bidirectional, layers)
    assert max(diffs.values()) <= TOL[torch.float64], diffs


@pytest.mark.parametrize("backend", ["reference", "torch"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True), (3, False)])
def test_parity_float32(backend, mode, layers, bidirectional):
    theirs, ours = _pair(layers, bidirectional, True, True, torch.float32, backend)
    diffs = _max_diffs(theirs, ours, torch.float32, mode, True, True, bidirectional, layers)
    assert max(diffs.values()) <= TOL[torch.float32], diffs


@pytest.mark.parametrize("backend", ["reference", "torch"])
def test_unbatched_input_matches_torch(backend):
    theirs, ours = _pair(2, True, False, True, torch.float64, backend)
    x = torch.randn(T, I, dtype=torch.float64)
    hx = torch.randn(4, H, dtype=torch.float64)
    (o1, h1), (o2, h2) = theirs(x, hx), ours(x, hx)
    assert o2.shape == (T, 2 * H) and h2.shape == (4, H)
    assert torch.allclose(o1, o2, atol=1e-12) and torch.allclose(h1, h2, atol=1e-12)


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
