"""The GRU parity grid: grukit.nn.GRU against torch.nn.GRU on copied weights, in every input mode.

Used by test_gru_parity.py (reference and torch backends) and test_fused_parity.py (fused).
"""

from __future__ import annotations

import itertools

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from grukit.nn import GRU

T, B, I, H = 5, 3, 4, 6
LENGTHS = torch.tensor([3, 5, 1])  # ragged and unsorted, the longest equal to T
GRID = list(itertools.product([1, 2, 3], [False, True], [False, True], [True, False], [False, True]))
MODES = ["padded", "packed", "lengths"]
TOL = {torch.float64: 1e-10, torch.float32: 1e-5}


def pair(layers, bidirectional, batch_first, bias, dtype, backend):
    torch.manual_seed(0)
    theirs = torch.nn.GRU(I, H, layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional, dtype=dtype)
    ours = GRU(I, H, layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional, dtype=dtype,
               backend=backend)
    ours.load_state_dict(theirs.state_dict())
    return theirs, ours


def run(module, x, hx, mode, batch_first):
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


def max_diffs(theirs, ours, dtype, mode, batch_first, with_hx, bidirectional, layers):
    gen = torch.Generator().manual_seed(1)
    shape = (B, T, I) if batch_first else (T, B, I)
    x = torch.randn(shape, generator=gen, dtype=dtype)
    hx = torch.randn(layers * (2 if bidirectional else 1), B, H, generator=gen, dtype=dtype) if with_hx else None
    results = []
    for module in (theirs, ours):
        x_leaf = x.clone().requires_grad_()
        hx_leaf = hx.clone().requires_grad_() if hx is not None else None
        out, h_n = run(module, x_leaf, hx_leaf, mode, batch_first)
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


def check_float64(backend, mode, layers, bidirectional, batch_first, bias, with_hx):
    """Outputs, h_n and every gradient in float64 agree within TOL."""
    theirs, ours = pair(layers, bidirectional, batch_first, bias, torch.float64, backend)
    diffs = max_diffs(theirs, ours, torch.float64, mode, batch_first, with_hx, bidirectional, layers)
    assert max(diffs.values()) <= TOL[torch.float64], diffs


def check_float32(backend, mode, layers, bidirectional):
    """The same in float32, batch first, with an initial state."""
    theirs, ours = pair(layers, bidirectional, True, True, torch.float32, backend)
    diffs = max_diffs(theirs, ours, torch.float32, mode, True, True, bidirectional, layers)
    assert max(diffs.values()) <= TOL[torch.float32], diffs


def check_unbatched(backend):
    """An unbatched (T, I) input gives torch's output and state."""
    theirs, ours = pair(2, True, False, True, torch.float64, backend)
    x = torch.randn(T, I, dtype=torch.float64)
    hx = torch.randn(4, H, dtype=torch.float64)
    (o1, h1), (o2, h2) = theirs(x, hx), ours(x, hx)
    assert o2.shape == (T, 2 * H) and h2.shape == (4, H)
    assert torch.allclose(o1, o2, atol=1e-12) and torch.allclose(h1, h2, atol=1e-12)
