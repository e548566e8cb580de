"""backend="fused" with every option, beyond the tests of test_gru_variants.py that run on both backends:
equality with the reference backend, inference, strided inputs and gradients, the training masks."""

from __future__ import annotations

import pytest
import torch

from grukit.nn import GRU, GRUCell
from grukit.nn import functional as GF
from helpers.kernel import requires_kernel
from helpers.variants import VARIANTS, variant_id as _ids

pytestmark = requires_kernel


@pytest.mark.parametrize("variant", VARIANTS, ids=_ids)
def test_equals_reference_with_lengths_bidirectional_and_gradients(variant):
    """Eval mode has no random masks, so fused and reference must agree exactly, gradients included."""
    torch.manual_seed(0)
    kw = dict(num_layers=2, bidirectional=True, batch_first=True, dtype=torch.float64, **variant)
    ref, fused = GRU(3, 4, backend="reference", **kw).eval(), GRU(3, 4, backend="fused", **kw).eval()
    with torch.no_grad():
        for p in ref.parameters():
            p.add_(torch.randn_like(p) * 0.3)  # gains and initial state away from 1 and 0
    fused.load_state_dict(ref.state_dict())
    x = torch.randn(3, 7, 3, dtype=torch.float64)
    hx = torch.randn(4, 3, 4, dtype=torch.float64)
    lengths = torch.tensor([7, 2, 5])
    results = []
    for gru in (ref, fused):
        x_leaf, hx_leaf = x.clone().requires_grad_(), hx.clone().requires_grad_()
        out, h_n = gru(x_leaf, hx_leaf if not variant["learn_init"] else None, lengths=lengths)
        (out.sin().sum() + h_n.square().sum()).backward()
        grads = [x_leaf.grad] + ([hx_leaf.grad] if not variant["learn_init"] else []) + [p.grad for p in gru.parameters()]
        results.append([out, h_n] + grads)
    for a, b in zip(*results):
        assert (a - b).abs().max() <= 1e-10 * max(1.0, a.abs().max().item())  # gradients reach ~1e2 here


def test_inference_builds_no_graph_and_matches_training_forward():
    torch.manual_seed(0)
    gru = GRU(4, 6, num_layers=2, backend="fused")
    x = torch.randn(5, 3, 4)
    with torch.no_grad():
        out_eval, _ = gru(x)
    assert out_eval.grad_fn is None
    out_train, _ = gru(x)
    assert out_train.grad_fn is not None
    assert torch.equal(out_eval, out_train)


def test_batch_first_strided_input_needs_no_copy_and_matches():
    torch.manual_seed(0)
    a, b = GRU(4, 6, batch_first=True, backend="fused"), GRU(4, 6, backend="fused")
    b.load_state_dict(a.state_dict())
    x = torch.randn(3, 5, 4)
    assert torch.equal(a(x)[0], b(x.transpose(0, 1).contiguous())[0].transpose(0, 1))


def test_zoneout_in_training_keeps_old_values_with_probability_p():
    torch.manual_seed(0)
    gru = GRU(2, 64, zoneout=0.3, backend="fused")
    out, _ = gru(torch.randn(40, 50, 2))
    kept = (out[1:] == out[:-1]).double().mean().item()
    assert abs(kept - 0.3) < 0.02


def test_recurrent_dropout_uses_one_mask_per_sequence_on_the_recurrent_input(monkeypatch):
    torch.manual_seed(0)
    gru = GRU(2, 3, recurrent_dropout=0.5, dtype=torch.float64, backend="fused")
    cell = GRUCell(2, 3, dtype=torch.float64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in gru.state_dict().items()})
    mask = torch.tensor([[[2.0, 0.0, 2.0], [0.0, 2.0, 2.0]]], dtype=torch.float64)  # (D, B, H)
    calls = []
    monkeypatch.setattr(GF, "recurrent_dropout_mask", lambda like, p: calls.append(p) or mask)
    x = torch.randn(5, 2, 2, dtype=torch.float64)
    _, h_n = gru(x)
    assert calls == [0.5]  # sampled once for the whole sequence
    h = torch.zeros(2, 3, dtype=torch.float64)
    for t in range(5):
        gi = GF.input_gates(x[t], cell.weight_ih, cell.bias_ih, None)
        h = GF.gru_step_reset_after(gi, h, h * mask[0], cell.weight_hh, cell.bias_hh, None)
    assert torch.allclose(h_n[0], h, atol=1e-14)


@pytest.mark.parametrize("batch_first", [False, True])
def test_expanded_and_transposed_output_gradients_are_read_in_place(batch_first):
    """out.sum() gives a gradient of strides 0; batch_first a transposed one: both match torch."""
    torch.manual_seed(0)
    theirs = torch.nn.GRU(3, 5, 2, batch_first=batch_first, dtype=torch.float64)
    ours = GRU(3, 5, 2, batch_first=batch_first, dtype=torch.float64, backend="fused")
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(4, 6, 3, dtype=torch.float64)
    for module in (theirs, ours):
        out, h_n = module(x)
        (out.sum() + 2 * out[:, -1].sum() + h_n.sum()).backward()
    for a, b in zip(theirs.parameters(), ours.parameters()):
        assert (a.grad - b.grad).abs().max() <= 1e-10
