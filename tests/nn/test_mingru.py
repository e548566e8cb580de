"""MinGRU: the linear- and log-space parallel scans against the step-by-step loop, gradients, shapes, errors."""

from __future__ import annotations

import doctest
import re

import pytest
import torch
from torch.func import functional_call

import grukit.nn
import grukit.nn.scan
from grukit.nn.mingru import MinGRU, mingru_gates, mingru_sequence
from grukit.nn.scan import (
    g,
    initial_state_term,
    log_g,
    log_sigmoid,
    mingru_coefficient_grads,
    mingru_coefficients,
    mingru_log_coefficients,
    parallel_scan_log,
    scan_linear,
    scan_linear_adjoint,
    scan_log,
    sequential_scan,
)

TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-12}
BATCH, INPUT, HIDDEN = 3, 5, 8


def make_hx(kind: str, num_layers: int, dtype: torch.dtype) -> torch.Tensor | None:
    """None, a state of mixed signs, or a strictly negative one, (L, B, H)."""
    if kind == "none":
        return None
    hx = torch.randn(num_layers, BATCH, HIDDEN, dtype=dtype)
    return -hx.abs() - 0.5 if kind == "negative" else hx


def run_steps(model: MinGRU, x: torch.Tensor, hx: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
    """forward's result computed by a loop of step: x (T, B, I) -> (T, B, H), (L, B, H)."""
    outputs, h = [], hx
    for x_t in x:
        y_t, h = model.step_with_output(x_t, h)
        outputs.append(y_t)
    return torch.stack(outputs), h


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a - b).abs().max().item()


# ----------------------------------------------------------------- activation and scan functions
def test_g_and_log_g_match_the_definition():
    x = torch.linspace(-30, 30, 601, dtype=torch.float64)
    expected = torch.where(x >= 0, x + 0.5, torch.sigmoid(x))
    assert max_diff(g(x), expected) == 0.0
    expected_log = torch.where(x >= 0, torch.log(x + 0.5), torch.nn.functional.logsigmoid(x))
    assert max_diff(log_g(x), expected_log) < 1e-14
    assert torch.all(g(x) > 0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_log_sigmoid_is_torchs_in_value_and_gradient(dtype):
    x = torch.cat([torch.linspace(-200, 200, 4001, dtype=dtype), torch.zeros(1, dtype=dtype)]).requires_grad_(True)
    ours, torchs = log_sigmoid(x), torch.nn.functional.logsigmoid(x)
    (grad_ours,), (grad_torchs,) = torch.autograd.grad(ours.sum(), x), torch.autograd.grad(torchs.sum(), x)
    eps = torch.finfo(dtype).eps
    assert max_diff(ours, torchs) <= 2 * eps and max_diff(grad_ours, grad_torchs) <= eps
    assert grad_ours[-1].item() == 0.5


def test_log_coefficients_are_log_of_one_minus_z_and_z_times_candidate():
    k, p = torch.randn(2, 50, dtype=torch.float64)
    log_a, log_b = mingru_log_coefficients(k, p)
    z = torch.sigmoid(k)
    assert max_diff(log_a.exp(), 1 - z) < 1e-15
    assert max_diff(log_b.exp(), z * g(p)) < 1e-15


def test_parallel_scan_log_is_the_loop_from_zero():
    log_a, log_b = mingru_log_coefficients(*torch.randn(2, 40, 3, 4, dtype=torch.float64))
    expected = sequential_scan(log_a.exp(), log_b.exp(), torch.zeros(3, 4, dtype=torch.float64))
    assert max_diff(parallel_scan_log(log_a, log_b), expected) < 1e-13


def test_initial_state_term_is_the_decayed_initial_state():
    log_a = torch.rand(6, 2, dtype=torch.float64).log()
    h0 = torch.tensor([-3.0, 0.0], dtype=torch.float64)
    expected = sequential_scan(log_a.exp(), torch.zeros_like(log_a), h0)
    assert max_diff(initial_state_term(log_a, h0), expected) < 1e-15


@pytest.mark.parametrize("chunk_size", [1, 5, 32, 10_000])
def test_scan_log_with_a_signed_initial_state_is_the_loop(chunk_size):
    log_a, log_b = mingru_log_coefficients(*torch.randn(2, 100, 3, 4, dtype=torch.float64))
    h0 = torch.randn(3, 4, dtype=torch.float64) * 3  # negative, positive
    h0[0] = 0.0
    expected = sequential_scan(log_a.exp(), log_b.exp(), h0)
    assert max_diff(scan_log(log_a, log_b, h0, chunk_size), expected) < 1e-12


def test_first_step_uses_the_initial_state_as_is():
    """h_1 = (1 - z_1) h_0 + z_1 g(p_1) for a negative h_0 (its log is never taken)."""
    model = MinGRU(INPUT, HIDDEN, dtype=torch.float64)
    x = torch.randn(1, BATCH, INPUT, dtype=torch.float64)
    hx = -torch.rand(1, BATCH, HIDDEN, dtype=torch.float64) - 1.0
    k, p = mingru_gates(x[0], model.weight_l0, model.bias_l0)
    z = torch.sigmoid(k)
    output, _ = model(x, hx)
    assert max_diff(output[0], (1 - z) * hx[0] + z * g(p)) < 1e-15


# ----------------------------------------------------------------- linear-space scan and its adjoint
@pytest.mark.parametrize("chunk_size", [1, 2, 5, 32, 10_000])
@pytest.mark.parametrize("steps", [1, 2, 7, 64, 100, 1024])
def test_scan_linear_is_the_loop_for_any_signs_both_directions(steps, chunk_size):
    """Signed a, b and h0 (as in the backward pass), whole chunks and a remainder, forwards and backwards."""
    torch.manual_seed(steps + chunk_size)
    a, b = torch.randn(2, steps, 3, 4, dtype=torch.float64)
    h0 = torch.randn(3, 4, dtype=torch.float64)
    assert max_diff(scan_linear(a, b, h0, chunk_size), sequential_scan(a, b, h0)) < 1e-12
    backwards = sequential_scan(a.flip(0), b.flip(0), h0).flip(0)
    assert max_diff(scan_linear(a, b, h0, chunk_size, reverse=True), backwards) < 1e-12


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_linear_log_and_loop_agree_when_products_of_a_underflow(dtype):
    """T = 2048 with a_t down to 1e-12: chunk products underflow to 0 in float32 and do no harm.

    The linear scan stays as close to a float64 loop as the float32 loop itself (~6e-7); the
    log-space scan loses digits to its large |sum log a| (~1.4e-4 in float32, ~3e-13 in float64).
    """
    torch.manual_seed(6)
    k = torch.randn(2048, 2, 8, dtype=dtype) * 6 + 4  # z near 1, a = sigmoid(-k) as small as ~1e-12
    p = torch.randn(2048, 2, 8, dtype=dtype) * 3
    h0 = torch.randn(2, 8, dtype=dtype) * 5
    a, b = mingru_coefficients(k, p)
    decay = a[:32].prod(dim=0)
    assert (decay < 1e-38).sum() > 8  # below float32's smallest normal, 0 in float32
    expected = sequential_scan(a.double(), b.double(), h0.double())
    linear = scan_linear(a, b, h0, chunk_size=32)
    log = scan_log(*mingru_log_coefficients(k, p), h0, chunk_size=32)
    assert max_diff(linear.double(), expected) < TOLERANCE[dtype]
    assert max_diff(log.double(), expected) < 100 * TOLERANCE[dtype]


@pytest.mark.parametrize("steps, chunk_size", [(1, 4), (9, 2), (100, 8), (100, 1)])
def test_scan_linear_adjoint_is_autograd_of_the_loop(steps, chunk_size):
    torch.manual_seed(steps)
    a, b, grad_h = (torch.randn(steps, 3, 4, dtype=torch.float64) for _ in range(3))
    h0 = torch.randn(3, 4, dtype=torch.float64)
    inputs = [t.clone().requires_grad_(True) for t in (a, b, h0)]
    grad_a, grad_b, grad_h0 = torch.autograd.grad(sequential_scan(*inputs), inputs, grad_h)
    lam = scan_linear_adjoint(a, grad_h, None, chunk_size)
    h_prev = torch.cat([h0[None], sequential_scan(a, b, h0)[:-1]])
    assert max_diff(lam, grad_b) < 1e-12
    assert max_diff(lam * h_prev, grad_a) < 1e-12
    assert max_diff(a[0] * lam[0], grad_h0) < 1e-12


def test_scan_linear_adjoint_in_pieces_with_a_carry_is_the_whole():
    torch.manual_seed(7)
    a, grad_h = torch.randn(2, 50, 3, dtype=torch.float64)
    whole = scan_linear_adjoint(a, grad_h, chunk_size=4)
    late = scan_linear_adjoint(a[30:], grad_h[30:], chunk_size=4)
    early = scan_linear_adjoint(a[:30], grad_h[:30], carry=a[30] * late[0], chunk_size=4)
    assert max_diff(torch.cat([early, late]), whole) < 1e-12


def test_mingru_coefficients_and_their_gradients_are_the_definition():
    """a = 1 - z, b = z g(p); the hand-written gradients equal autograd's, at p = 0 and around it too."""
    torch.manual_seed(8)
    k = torch.randn(200, dtype=torch.float64, requires_grad=True)
    edges = torch.tensor([0.0, -1e-300, 1e-300], dtype=torch.float64)
    p = torch.cat([torch.randn(197, dtype=torch.float64), edges]).requires_grad_(True)
    h_prev, lam = torch.randn(2, 200, dtype=torch.float64)
    z = torch.sigmoid(k)
    a, b = mingru_coefficients(k.detach(), p.detach())
    assert max_diff(a, 1 - z) < 1e-15 and max_diff(b, z * g(p)) < 1e-15
    grad_k, grad_p = torch.autograd.grad(((1 - z) * h_prev * lam + z * g(p) * lam).sum(), (k, p))
    dk, dp = mingru_coefficient_grads(lam, a, p.detach(), h_prev)
    assert max_diff(dk, grad_k) < 1e-15 and max_diff(dp, grad_p) < 1e-15
    assert dp[-3:].tolist() == [(lam[-3] * (1 - a[-3])).item(), (lam[-2] * (1 - a[-2]) / 4).item(),
                                (lam[-1] * (1 - a[-1])).item()]


# ----------------------------------------------------------------- the layer function, piece by piece
@pytest.mark.parametrize("piece_steps, chunk_size", [(1, 32), (3, 2), (16, 4), (40, 32), (None, 32)])
@pytest.mark.parametrize("bias", [True, False])
def test_mingru_sequence_in_pieces_is_the_loop_in_value_and_gradient(piece_steps, chunk_size, bias):
    """Every input's gradient (x, W, b, h0) through pieces and chunk boundaries equals autograd of the loop."""
    torch.manual_seed(9)
    x = torch.randn(37, BATCH, INPUT, dtype=torch.float64)
    h0 = torch.randn(BATCH, HIDDEN, dtype=torch.float64)
    weight = torch.randn(2 * HIDDEN, INPUT, dtype=torch.float64)
    b = torch.randn(2 * HIDDEN, dtype=torch.float64) if bias else None
    grad_h = torch.randn(37, BATCH, HIDDEN, dtype=torch.float64)

    def reference(x, h0, weight, b):
        k, p = mingru_gates(x, weight, b)
        z = torch.sigmoid(k)
        return sequential_scan(1 - z, z * g(p), h0)

    inputs = [t for t in (x, h0, weight, b) if t is not None]
    results = []
    for run in (reference, lambda *args: mingru_sequence(*args[:3], b if not bias else args[3], chunk_size,
                                                        piece_steps)):
        leaves = [t.clone().requires_grad_(True) for t in inputs]
        h = run(*leaves, *([None] if not bias else []))
        results.append([h, *torch.autograd.grad(h, leaves, grad_h)])
    for ours, expected in zip(results[1], results[0]):
        assert max_diff(ours, expected) < 1e-12
    with torch.no_grad():  # the path without gradients gives the same states
        assert max_diff(mingru_sequence(x, h0, weight, b, chunk_size, piece_steps), results[0][0]) < 1e-12


def test_gradcheck_of_the_layer_function_across_pieces():
    torch.manual_seed(10)
    x, h0 = torch.randn(11, 2, 3, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    weight, bias = torch.randn(8, 3, dtype=torch.float64), torch.randn(8, dtype=torch.float64)
    inputs = [t.requires_grad_(True) for t in (x, h0, weight, bias)]
    assert torch.autograd.gradcheck(lambda *args: mingru_sequence(*args, chunk_size=2, piece_steps=4), inputs)


def test_repeated_training_steps_reuse_buffers_without_stale_values():
    """The kept gates are recycled between calls; a second and third backward give the first one's gradients."""
    torch.manual_seed(11)
    model = MinGRU(INPUT, HIDDEN, num_layers=2)
    x = torch.randn(50, BATCH, INPUT)
    grads = []
    for _ in range(3):
        model.zero_grad()
        model(x)[0].square().sum().backward()
        grads.append([p.grad.clone() for p in model.parameters()])
        model(torch.randn(50, BATCH, INPUT))  # an unrelated forward in between, its graph dropped
    for later in grads[1:]:
        assert all(torch.equal(u, v) for u, v in zip(later, grads[0]))


def test_scan_docstring_examples_hold():
    assert doctest.testmod(grukit.nn.scan, extraglobs={"torch": torch}).failed == 0


# ----------------------------------------------------------------- parallel forward == sequential loop
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("hx_kind", ["none", "mixed", "negative"])
@pytest.mark.parametrize("steps", [1, 7, 128, 1024])
@pytest.mark.parametrize(
    "num_layers, residual, input_size",
    [(1, False, INPUT), (3, True, INPUT), (2, True, HIDDEN)],
    ids=["1-layer", "3-layer-residual", "2-layer-residual-from-input"],
)
def test_forward_equals_a_loop_of_step(num_layers, residual, input_size, steps, hx_kind, dtype):
    torch.manual_seed(steps + num_layers)
    model = MinGRU(input_size, HIDDEN, num_layers, residual=residual, dtype=dtype)
    x = torch.randn(steps, BATCH, input_size, dtype=dtype)
    hx = make_hx(hx_kind, num_layers, dtype)
    with torch.no_grad():
        output, h_n = model(x, hx)
        step_output, step_h = run_steps(model, x, hx)
    assert max_diff(output, step_output) < TOLERANCE[dtype]
    assert max_diff(h_n, step_h) < TOLERANCE[dtype]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("hx_kind", ["none", "mixed", "negative"])
@pytest.mark.parametrize("steps", [1, 7, 128, 1024])
def test_forward_equals_sequential_scan(steps, hx_kind, dtype):
    torch.manual_seed(steps)
    model = MinGRU(INPUT, HIDDEN, dtype=dtype)
    x = torch.randn(steps, BATCH, INPUT, dtype=dtype)
    hx = make_hx(hx_kind, 1, dtype)
    with torch.no_grad():
        output, h_n = model(x, hx)
        k, p = mingru_gates(x, model.weight_l0, model.bias_l0)
        z = torch.sigmoid(k)
        h0 = torch.zeros(BATCH, HIDDEN, dtype=dtype) if hx is None else hx[0]
        expected = sequential_scan(1 - z, z * g(p), h0)
    assert max_diff(output, expected) < TOLERANCE[dtype]
    assert max_diff(h_n[0], expected[-1]) < TOLERANCE[dtype]


# ----------------------------------------------------------------- gradients
def test_gradcheck_wrt_input_hx_and_parameters():
    torch.manual_seed(0)
    model = MinGRU(3, 4, num_layers=2, residual=True, dtype=torch.float64)
    model.scan_chunk_size = 3  # 8 steps: the state crosses two chunk boundaries
    names = [name for name, _ in model.named_parameters()]
    x = torch.randn(8, 2, 3, dtype=torch.float64, requires_grad=True)
    hx = torch.randn(2, 2, 4, dtype=torch.float64, requires_grad=True)
    params = tuple(p.detach().clone().requires_grad_(True) for p in model.parameters())

    def run(x, hx, *params):
        return functional_call(model, dict(zip(names, params)), (x, hx))

    assert torch.autograd.gradcheck(run, (x, hx, *params))


@pytest.mark.parametrize("dtype, rel_tolerance", [(torch.float32, 1e-4), (torch.float64, 1e-12)])
def test_gradients_of_parallel_and_sequential_agree(dtype, rel_tolerance):
    torch.manual_seed(1)
    model = MinGRU(INPUT, HIDDEN, num_layers=3, residual=True, dtype=dtype)
    x = torch.randn(100, BATCH, INPUT, dtype=dtype)
    hx = make_hx("mixed", 3, dtype)
    weights = torch.randn(100, BATCH, HIDDEN, dtype=dtype)

    def gradients(run):
        inputs = [x.clone().requires_grad_(True), hx.clone().requires_grad_(True)]
        model.zero_grad()
        output, h_n = run(model, *inputs)
        ((output * weights).sum() + h_n.square().sum()).backward()
        return [t.grad for t in inputs] + [p.grad.clone() for p in model.parameters()]

    for parallel, sequential in zip(gradients(MinGRU.__call__), gradients(run_steps)):
        assert max_diff(parallel, sequential) < rel_tolerance * sequential.abs().max().item()


# ----------------------------------------------------------------- shapes and options
def test_shapes_batch_first_and_h_n():
    model = MinGRU(INPUT, HIDDEN, num_layers=2, batch_first=True)
    output, h_n = model(torch.randn(BATCH, 7, INPUT))
    assert output.shape == (BATCH, 7, HIDDEN)
    assert h_n.shape == (2, BATCH, HIDDEN)
    assert torch.equal(output[:, -1], h_n[-1])


def test_batch_first_is_a_transpose():
    torch.manual_seed(2)
    model = MinGRU(INPUT, HIDDEN, num_layers=2)
    x, hx = torch.randn(7, BATCH, INPUT), torch.randn(2, BATCH, HIDDEN)
    output, h_n = model(x, hx)
    model.batch_first = True
    output_bf, h_n_bf = model(x.transpose(0, 1), hx)
    assert torch.equal(output_bf.transpose(0, 1), output)
    assert torch.equal(h_n_bf, h_n)


def test_batch_first_gradients_are_the_time_major_ones_transposed():
    torch.manual_seed(12)
    model = MinGRU(INPUT, HIDDEN, num_layers=2, residual=True, dtype=torch.float64)
    x = torch.randn(9, BATCH, INPUT, dtype=torch.float64)
    weights = torch.randn(9, BATCH, HIDDEN, dtype=torch.float64)
    grads = []
    for batch_first in (False, True):
        model.batch_first = batch_first
        leaf = (x.transpose(0, 1) if batch_first else x).clone().requires_grad_(True)
        output = model(leaf)[0]
        ((output.transpose(0, 1) if batch_first else output) * weights).sum().backward()
        grads.append(leaf.grad.transpose(0, 1) if batch_first else leaf.grad)
    assert max_diff(grads[0], grads[1]) < 1e-13


def test_unbatched_shapes():
    model = MinGRU(INPUT, HIDDEN, num_layers=2)
    output, h_n = model(torch.randn(7, INPUT), torch.randn(2, HIDDEN))
    assert output.shape == (7, HIDDEN) and h_n.shape == (2, HIDDEN)
    assert model.step(torch.randn(INPUT), h_n).shape == (2, HIDDEN)


def test_step_shapes_and_default_state():
    model = MinGRU(INPUT, HIDDEN, num_layers=3)
    h = model.step(torch.randn(BATCH, INPUT))
    assert h.shape == (3, BATCH, HIDDEN)
    y, h = model.step_with_output(torch.randn(BATCH, INPUT), h)
    assert y.shape == (BATCH, HIDDEN) and torch.equal(y, h[-1])


def test_parameter_names_and_shapes():
    model = MinGRU(INPUT, HIDDEN, num_layers=2)
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes == {"weight_l0": (16, INPUT), "bias_l0": (16,), "weight_l1": (16, HIDDEN), "bias_l1": (16,)}
    assert [name for name, _ in MinGRU(INPUT, HIDDEN, bias=False).named_parameters()] == ["weight_l0"]
    assert grukit.nn.MinGRU is MinGRU


@pytest.mark.parametrize("input_size, first_is_residual", [(HIDDEN, True), (INPUT, False)])
def test_residual_adds_the_layer_input_where_sizes_match(input_size, first_is_residual):
    torch.manual_seed(3)
    plain = MinGRU(input_size, HIDDEN)
    residual = MinGRU(input_size, HIDDEN, residual=True)
    residual.load_state_dict(plain.state_dict())
    x = torch.randn(7, BATCH, input_size)
    (out_plain, h_plain), (out_residual, h_residual) = plain(x), residual(x)
    assert torch.equal(h_plain, h_residual)  # the state is the recurrence's own
    expected = out_plain + x if first_is_residual else out_plain
    assert torch.allclose(out_residual, expected, atol=1e-7, rtol=0)


def test_dropout_acts_between_layers_in_training_only():
    torch.manual_seed(4)
    x = torch.randn(7, BATCH, INPUT)
    model = MinGRU(INPUT, HIDDEN, num_layers=2, dropout=0.5)
    plain = MinGRU(INPUT, HIDDEN, num_layers=2)
    plain.load_state_dict(model.state_dict())
    assert not torch.equal(model(x)[0], plain(x)[0])
    model.eval()
    assert torch.equal(model(x)[0], plain(x)[0])
    single = MinGRU(INPUT, HIDDEN, dropout=0.5)  # nothing between layers to drop
    assert torch.equal(single(x)[0], single.eval()(x)[0])


def test_extra_repr_lists_non_defaults():
    assert repr(MinGRU(3, 8, 2, residual=True)) == "MinGRU(3, 8, num_layers=2, residual=True)"


# ----------------------------------------------------------------- errors
def raises(exc: type[Exception], message: str):
    return pytest.raises(exc, match=f"^{re.escape(message)}$")


def test_error_wrong_input_rank():
    with raises(ValueError, "MinGRU: input must be 3-D (T, B, input_size) or 2-D (T, input_size) "
                            "unbatched; got a 4-D tensor of shape (2, 3, 4, 5)."):
        MinGRU(INPUT, HIDDEN)(torch.randn(2, 3, 4, 5))


def test_error_wrong_input_rank_batch_first():
    with raises(ValueError, "MinGRU: input must be 3-D (B, T, input_size) or 2-D (T, input_size) "
                            "unbatched; got a 1-D tensor of shape (5,)."):
        MinGRU(INPUT, HIDDEN, batch_first=True)(torch.randn(5))


def test_error_wrong_feature_size():
    with raises(ValueError, "MinGRU: input must have input_size=5 features in its last dimension; got 4 "
                            "(shape (7, 3, 4)). Reshape the data or build the module with input_size=4."):
        MinGRU(INPUT, HIDDEN)(torch.randn(7, 3, 4))


def test_error_hx_wrong_shape():
    with raises(ValueError, "MinGRU: hx must have shape (num_layers, batch, hidden_size) = (2, 3, 8); "
                            "got (1, 3, 8)."):
        MinGRU(INPUT, HIDDEN, num_layers=2)(torch.randn(7, 3, INPUT), torch.zeros(1, 3, HIDDEN))


def test_error_integer_input():
    with raises(TypeError, "MinGRU: input must be a floating-point tensor; got dtype torch.int64. "
                           "Convert it first, e.g. input.to(torch.float32)."):
        MinGRU(INPUT, HIDDEN)(torch.ones(7, 3, INPUT, dtype=torch.int64))


@pytest.mark.parametrize("dropout", [1.0, -0.1])
def test_error_dropout_outside_unit_interval(dropout):
    with raises(ValueError, f"MinGRU: dropout must be a number in [0, 1); got {dropout!r}. "
                            "Use 0 to switch it off and a value below 1 (e.g. 0.1) to switch it on."):
        MinGRU(INPUT, HIDDEN, dropout=dropout)


def test_error_step_wrong_rank():
    with raises(ValueError, "MinGRU: x_t must be 2-D (B, input_size) or 1-D (input_size,) unbatched; "
                            "got a 3-D tensor of shape (1, 3, 5)."):
        MinGRU(INPUT, HIDDEN).step(torch.randn(1, 3, INPUT))


def test_error_hidden_size_not_positive():
    with raises(ValueError, "MinGRU: hidden_size must be a positive integer; got 0."):
        MinGRU(INPUT, 0)


# ----------------------------------------------------------------- learning
def test_overfits_an_exponential_moving_average():
    """MinGRU + linear head learns y_t = 0.8 y_{t-1} + 0.2 x_t; the loss falls over 100-fold."""
    torch.manual_seed(5)
    x = torch.randn(16, 8, 1)  # (T, B, I)
    target = sequential_scan(torch.full_like(x, 0.8), 0.2 * x, torch.zeros(8, 1))
    rnn, head = MinGRU(1, 16), torch.nn.Linear(16, 1)
    optimizer = torch.optim.Adam([*rnn.parameters(), *head.parameters()], lr=3e-2)
    losses = []
    for _ in range(100):
        loss = torch.nn.functional.mse_loss(head(rnn(x)[0]), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 100
