"""The parity grid of test_gru_parity.py on backend="fused": outputs, h_n and every gradient vs torch.nn.GRU."""

from __future__ import annotations

import pytest
import torch

from helpers import parity
from helpers.kernel import requires_kernel

pytestmark = requires_kernel


@pytest.mark.parametrize("mode", parity.MODES)
@pytest.mark.parametrize("layers,bidirectional,batch_first,bias,with_hx", parity.GRID)
def test_parity_float64(mode, layers, bidirectional, batch_first, bias, with_hx):
    parity.check_float64("fused", mode, layers, bidirectional, batch_first, bias, with_hx)


@pytest.mark.parametrize("mode", parity.MODES)
@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True), (3, False)])
def test_parity_float32(mode, layers, bidirectional):
    parity.check_float32("fused", mode, layers, bidirectional)


def test_unbatched_input_matches_torch():
    parity.check_unbatched("fused")


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_threads_split_rows_and_directions_without_changing_results(threads):
    theirs, ours = parity.pair(2, True, True, True, torch.float64, "fused")
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        diffs = parity.max_diffs(theirs, ours, torch.float64, "lengths", True, True, True, 2)
    finally:
        torch.set_num_threads(previous)
    assert max(diffs.values()) <= parity.TOL[torch.float64], diffs


def test_larger_shapes_in_float32_match_torch():
    """Sizes that are not multiples of the vector width, several row blocks and a long sequence."""
    torch.manual_seed(0)
    theirs = torch.nn.GRU(13, 37, 2, batch_first=True)
    from grukit.nn import GRU

    ours = GRU(13, 37, 2, batch_first=True, backend="fused")
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(29, 60, 13)
    outs = []
    for module in (theirs, ours):
        x_leaf = x.clone().requires_grad_()
        out, h_n = module(x_leaf)
        (out.square().mean() + h_n.sum()).backward()
        outs.append((out, h_n, x_leaf.grad, [p.grad for p in module.parameters()]))
    (o1, h1, dx1, g1), (o2, h2, dx2, g2) = outs
    assert (o1 - o2).abs().max() < 1e-5 and (h1 - h2).abs().max() < 1e-5
    assert (dx1 - dx2).abs().max() < 1e-5
    for a, b in zip(g1, g2):
        assert (a - b).abs().max() <= 1e-4 * max(1.0, a.abs().max().item())
