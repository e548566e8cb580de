"""backend="fused" with every option: gradcheck, step equality, equality with the reference backend."""

from __future__ import annotations

import pytest
import torch

from grukit.nn import GRU, GRUCell
from grukit.nn import functional as GF
from test_fused_parity import requires_kernel
from test_gru_variants import VARIANTS, _ids

pytestmark = requires_kernel


@pytest.mark.parametrize("variant", VARIANTS, ids=_ids)
def test_gradcheck_every_variant(variant):
    torch.manual_seed(0)
    gru = GRU(2, 3, num_layers=2, bidirectional=True, dropout=0.2, dtype=torch.float64, backend="fused", **variant)
    assert gru.backend_in_use == "fused"
    params = list(gru.parameters())
    x = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
    hx = torch.randn(4, 2, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([4, 2])

    def fn(x, hx, *weights):
        with torch.random.fork_rng():
            torch.manual_seed(123)  # the same dropout / zoneout masks on every call
            return torch.func.functional_call(gru, dict(zip([n for n, _ in gru.named_parameters()], weights)),
                                              (x, hx), {"lengths": lengths})

    assert torch.autograd.gradcheck(fn, (x, hx, *params), eps=1e-6, atol=1e-7, fast_mode=True)


@pytest.mark.parametrize("variant", VARIANTS, ids=_ids)
@pytest.mark.parametrize("with_hx", [False, True])
def test_step_loop_equals_full_sequence(variant, with_hx):
    torch.manual_seed(0)
    gru = GRU(3, 5, num_layers=3, dropout=0.3, dtype=torch.float64, backend="fused", **variant).eval()
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    hx = torch.randn(3, 2, 5, dtype=torch.float64) if with_hx else None
    output, h_n = gru(x, hx)
    h = hx
    for t in range(x.shape[0]):
        h = gru.step(x[t], h)
        assert torch.allclose(h[-1], output[t], atol=1e-12, rtol=0)
    assert torch.allclose(h, h_n, atol=1e-12, rtol=0)


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


@pytest.mark.parametrize("option", [dict(zoneout=0.5), dict(recurrent_dropout=0.5), dict(dropout=0.5, num_layers=2)])
def test_training_masks_are_repeatable_with_a_seed(option):
    torch.manual_seed(0)
    gru = GRU(3, 8, backend="fused", **option)
    x = torch.randn(10, 4, 3)
    torch.manual_seed(1)
    a = gru(x)[0]
    torch.manual_seed(1)
    b = gru(x)[0]
    assert torch.equal(a, b) and not torch.equal(a, gru(x)[0])


def test_overfits_one_batch():
    torch.manual_seed(0)
    gru = GRU(1, 16, num_layers=2, batch_first=True, reset="before", layer_norm=True, backend="fused")
    head = torch.nn.Linear(16, 1)
    x = torch.randn(8, 12, 1)
    y = x.cumsum(1)[:, -1]
    opt = torch.optim.Adam([*gru.parameters(), *head.parameters()], lr=1e-2)
    losses = []
    for _ in range(150):
        loss = torch.nn.functional.mse_loss(head(gru(x)[0][:, -1]), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 50


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
