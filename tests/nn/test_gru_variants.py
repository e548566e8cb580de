"""The options torch.nn.GRU lacks: reset-before, layer norm, zoneout, recurrent dropout, learned h0."""

from __future__ import annotations

import pytest
import torch

from grukit.nn import GRU, GRUCell
from grukit.nn import functional as GF
from helpers.kernel import requires_kernel
from helpers.variants import VARIANTS, variant_id as _ids




# The tests that take `backend` run on the textbook loop and on the fused C kernel alike.
BACKENDS = ["reference", pytest.param("fused", marks=requires_kernel)]





def _golden_gru(dtype=torch.float64):
    """The 2-unit, 1-input example whose numbers were worked out by hand below."""
    gru = GRU(1, 2, reset="before", dtype=dtype)
    with torch.no_grad():
        #                       r: units 0, 1    z: units 0, 1    n: units 0, 1
        gru.weight_ih_l0.copy_(torch.tensor([[0.5], [-0.5], [0.3], [0.8], [1.0], [-1.0]], dtype=dtype))
        gru.weight_hh_l0.copy_(torch.tensor([[0.1, 0.2], [0.3, -0.1], [-0.2, 0.4], [0.5, 0.1], [0.6, -0.3], [0.2, 0.7]],
                                            dtype=dtype))
        gru.bias_ih_l0.copy_(torch.tensor([0.1, 0.0, 0.0, 0.1, -0.1, 0.2], dtype=dtype))
        gru.bias_hh_l0.copy_(torch.tensor([0.0, 0.05, 0.1, 0.0, 0.05, -0.05], dtype=dtype))
    return gru


def test_reset_before_golden_numbers():
    # x = (1, -2), h0 = (0.5, -0.5).
    # Step 1, unit 0: r = sigmoid(0.5*1 + 0.1 + (0.1*0.5 + 0.2*-0.5) + 0) = sigmoid(0.55) = 0.634135591010801
    #                 z = sigmoid(0.3 + 0 + (-0.2*0.5 + 0.4*-0.5) + 0.1) = sigmoid(0.1) = 0.524979187478940
    #   r * h0 = (0.317067795505400, -0.218911749557101)
    #                 n = tanh(1.0 - 0.1 + (0.6*0.317067795505400 - 0.3*-0.218911749557101) + 0.05)
    #                   = tanh(1.205914202226583) = 0.835449685547890
    #                 h = (1 - z) * n + z * h0 = 0.659345582188893
    # The other numbers follow the same way (scalar arithmetic, no library code).
    gru = _golden_gru()
    x = torch.tensor([[1.0], [-2.0]], dtype=torch.float64)  # (T, I) unbatched
    h0 = torch.tensor([[0.5, -0.5]], dtype=torch.float64)
    output, h_n = gru(x, h0)
    expected = torch.tensor([[0.659345582188893, -0.558724259693064],
                             [-0.468217209375840, 0.611174956161157]], dtype=torch.float64)
    assert torch.allclose(output, expected, atol=1e-14, rtol=0)
    assert torch.allclose(h_n, expected[-1:], atol=1e-14, rtol=0)


def test_reset_before_differs_from_reset_after_on_same_weights():
    before = _golden_gru()
    after = GRU(1, 2, dtype=torch.float64)
    after.load_state_dict(before.state_dict())
    x = torch.tensor([[1.0], [-2.0]], dtype=torch.float64)
    assert (before(x)[0] - after(x)[0]).abs().max() > 1e-3


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("variant", VARIANTS, ids=_ids)
def test_gradcheck_every_variant(variant, backend):
    torch.manual_seed(0)
    gru = GRU(2, 3, num_layers=2, bidirectional=True, dropout=0.2, dtype=torch.float64, backend=backend, **variant)
    assert gru.backend_in_use == backend
    params = list(gru.parameters())
    x = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
    hx = torch.randn(4, 2, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([4, 2])

    def fn(x, hx, *weights):
        with torch.random.fork_rng():
            torch.manual_seed(123)  # the same dropout / zoneout masks on every call
            out, h_n = torch.func.functional_call(gru, dict(zip([n for n, _ in gru.named_parameters()], weights)),
                                                  (x, hx), {"lengths": lengths})
        return out, h_n

    assert gru.training
    assert torch.autograd.gradcheck(fn, (x, hx, *params), eps=1e-6, atol=1e-7, fast_mode=True)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("variant", VARIANTS, ids=_ids)
@pytest.mark.parametrize("with_hx", [False, True])
def test_step_loop_equals_full_sequence(variant, with_hx, backend):
    torch.manual_seed(0)
    gru = GRU(3, 5, num_layers=3, dropout=0.3, dtype=torch.float64, backend=backend, **variant).eval()
    x = torch.randn(6, 2, 3, dtype=torch.float64)
    hx = torch.randn(3, 2, 5, dtype=torch.float64) if with_hx else None
    output, h_n = gru(x, hx)
    h = hx
    for t in range(x.shape[0]):
        h = gru.step(x[t], h)
        assert torch.allclose(h[-1], output[t], atol=1e-12, rtol=0)
    assert torch.allclose(h, h_n, atol=1e-12, rtol=0)


def test_step_unbatched_and_torch_backend():
    torch.manual_seed(0)
    gru = GRU(3, 4, num_layers=2, backend="torch")
    assert gru.backend_in_use == "torch"
    x = torch.randn(5, 3)
    output, _ = gru(x)
    h = None
    for t in range(5):
        h = gru.step(x[t], h)
    assert h.shape == (2, 4)
    assert torch.allclose(h[-1], output[-1], atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("option", [dict(zoneout=0.5), dict(recurrent_dropout=0.5), dict(dropout=0.5, num_layers=2)])
def test_eval_is_deterministic_and_train_is_repeatable_with_a_seed(option, backend):
    torch.manual_seed(0)
    gru = GRU(3, 8, backend=backend, **option)
    x = torch.randn(10, 4, 3)
    torch.manual_seed(1)
    train_a = gru(x)[0]
    torch.manual_seed(1)
    train_b = gru(x)[0]
    train_c = gru(x)[0]
    assert torch.equal(train_a, train_b)
    assert not torch.equal(train_a, train_c)  # the masks really are random in training
    gru.eval()
    eval_a, eval_b = gru(x)[0], gru(x)[0]
    assert torch.equal(eval_a, eval_b)
    assert not torch.equal(eval_a, train_a)


def test_zoneout_eval_is_the_expectation_over_the_plain_update():
    torch.manual_seed(0)
    gru = GRU(2, 3, zoneout=0.3, dtype=torch.float64).eval()
    cell = GRUCell(2, 3, dtype=torch.float64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in gru.state_dict().items()})
    x = torch.randn(5, 4, 2, dtype=torch.float64)
    h = torch.zeros(4, 3, dtype=torch.float64)
    for t in range(5):
        h = 0.3 * h + 0.7 * cell(x[t], h)
    assert torch.allclose(gru(x)[1][0], h, atol=1e-14)


def test_recurrent_dropout_uses_one_mask_per_sequence_on_the_recurrent_input(monkeypatch):
    torch.manual_seed(0)
    gru = GRU(2, 3, recurrent_dropout=0.5, dtype=torch.float64, backend="reference")
    cell = GRUCell(2, 3, dtype=torch.float64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in gru.state_dict().items()})
    mask = torch.tensor([[2.0, 0.0, 2.0], [0.0, 2.0, 2.0]], dtype=torch.float64)
    calls = []
    monkeypatch.setattr("grukit.nn._reference.recurrent_dropout_mask", lambda like, p: calls.append(p) or mask)
    x = torch.randn(5, 2, 2, dtype=torch.float64)
    _, h_n = gru(x)
    assert calls == [0.5]  # sampled once for the whole sequence
    h = torch.zeros(2, 3, dtype=torch.float64)
    for t in range(5):
        gi = GF.input_gates(x[t], cell.weight_ih, cell.bias_ih, None)
        h = GF.gru_step_reset_after(gi, h, h * mask, cell.weight_hh, cell.bias_hh, None)
    assert torch.allclose(h_n[0], h, atol=1e-14)


def test_recurrent_dropout_mask_keeps_the_expectation():
    torch.manual_seed(0)
    mask = GF.recurrent_dropout_mask(torch.empty(200, 500, dtype=torch.float64), 0.3)
    assert set(mask.unique().tolist()) == {0.0, 1 / 0.7}
    assert abs(mask.mean().item() - 1.0) < 0.01


def test_layer_norm_normalizes_each_gate_block():
    g = torch.randn(4, 3 * 5, dtype=torch.float64) * 7 + 3
    normed = GF.block_layer_norm(g, torch.ones(15, dtype=torch.float64), 5).unflatten(-1, (3, 5))
    assert torch.allclose(normed.mean(-1), torch.zeros(4, 3, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(normed.var(-1, unbiased=False), torch.ones(4, 3, dtype=torch.float64), atol=1e-5)


def test_learned_initial_state_is_used_and_trained():
    gru = GRU(2, 3, num_layers=2, bidirectional=True, learn_init=True)
    assert gru.initial_state.shape == (4, 3)
    with torch.no_grad():
        gru.initial_state.fill_(0.5)
    x = torch.randn(4, 2, 2)
    out_learned = gru(x)[0]
    out_explicit = gru(x, torch.full((4, 2, 3), 0.5))[0]
    assert torch.allclose(out_learned, out_explicit)
    out_learned.sum().backward()
    assert gru.initial_state.grad is not None and gru.initial_state.grad.abs().sum() > 0


@pytest.mark.parametrize("variant", [dict(reset="before"), dict(layer_norm=True), dict(zoneout=0.2)], ids=_ids)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lengths_equal_running_each_sequence_alone(variant, bidirectional):
    torch.manual_seed(0)
    gru = GRU(3, 4, num_layers=2, bidirectional=bidirectional, batch_first=True, dtype=torch.float64,
              **variant).eval()
    x = torch.randn(3, 6, 3, dtype=torch.float64)
    lengths = torch.tensor([2, 6, 4])
    output, h_n = gru(x, lengths=lengths)
    for b, n in enumerate(lengths.tolist()):
        alone_out, alone_h = gru(x[b : b + 1, :n])
        assert torch.allclose(output[b, :n], alone_out[0], atol=1e-12)
        assert torch.all(output[b, n:] == 0)
        assert torch.allclose(h_n[:, b], alone_h[:, 0], atol=1e-12)


def test_backend_selection():
    from grukit.nn import _kernel

    fused = _kernel.load() is not None  # on the CPU, auto prefers the fused kernel when it is available
    assert GRU(2, 3).backend_in_use == ("fused" if fused else "torch")
    assert GRU(2, 3, learn_init=True, num_layers=2, bidirectional=True).backend_in_use == ("fused" if fused else "torch")
    for option in [dict(reset="before"), dict(layer_norm=True), dict(zoneout=0.1), dict(recurrent_dropout=0.1)]:
        assert GRU(2, 3, **option).backend_in_use == ("fused" if fused else "reference")
    assert GRU(2, 3, backend="reference").backend_in_use == "reference"
    assert GRU(2, 3, backend="torch").backend_in_use == "torch"


def test_auto_backend_gives_the_same_numbers_as_reference():
    torch.manual_seed(0)
    auto = GRU(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    ref = GRU(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64, backend="reference")
    ref.load_state_dict(auto.state_dict())
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    assert torch.allclose(auto(x)[0], ref(x)[0], atol=1e-12)


@pytest.mark.parametrize("reset", ["after", "before"])
@pytest.mark.parametrize("layer_norm", [False, True])
def test_cell_equals_one_step_of_the_layer(reset, layer_norm):
    torch.manual_seed(0)
    gru = GRU(3, 4, reset=reset, layer_norm=layer_norm, dtype=torch.float64)
    cell = GRUCell(3, 4, reset=reset, layer_norm=layer_norm, dtype=torch.float64)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in gru.state_dict().items()})
    x, h = torch.randn(2, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    assert torch.allclose(cell(x, h), gru(x[None], h[None])[0][0], atol=1e-14)


def test_cell_parity_with_torch_including_gradients():
    torch.manual_seed(0)
    theirs = torch.nn.GRUCell(3, 4, dtype=torch.float64)
    ours = GRUCell(3, 4, dtype=torch.float64)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(5, 3, dtype=torch.float64)
    h = torch.randn(5, 4, dtype=torch.float64)
    a, b = theirs(x, h), ours(x, h)
    assert (a - b).abs().max() <= 1e-12
    a.sum().backward()
    b.sum().backward()
    for (name, p), (_, q) in zip(theirs.named_parameters(), ours.named_parameters()):
        assert (p.grad - q.grad).abs().max() <= 1e-12, name
    assert torch.allclose(theirs(x[0]), ours(x[0]), atol=1e-12)  # unbatched


@pytest.mark.parametrize("reset", ["after", "before"])
def test_cell_gradcheck_with_layer_norm(reset):
    torch.manual_seed(0)
    cell = GRUCell(2, 3, reset=reset, layer_norm=True, dtype=torch.float64)
    x = torch.randn(4, 2, dtype=torch.float64, requires_grad=True)
    h = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(cell, (x, h))


@pytest.mark.parametrize("backend", BACKENDS)
def test_overfits_one_batch(backend):
    torch.manual_seed(0)
    gru = GRU(1, 16, num_layers=2, batch_first=True, reset="before", layer_norm=True, backend=backend)
    head = torch.nn.Linear(16, 1)
    x = torch.randn(8, 12, 1)
    y = x.cumsum(1)[:, -1]  # the sum of the sequence
    opt = torch.optim.Adam([*gru.parameters(), *head.parameters()], lr=1e-2)
    losses = []
    for _ in range(150):
        loss = torch.nn.functional.mse_loss(head(gru(x)[0][:, -1]), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 50
