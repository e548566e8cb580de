"""MinGRU's C kernel (backend="fused") against the torch scan (backend="torch"), and the fallbacks."""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
import warnings

import pytest
import torch

from grukit.nn import MinGRU, _kernel, _mingru_kernel
from grukit.nn._mingru_kernel import fused_mingru_layer
from grukit.nn.mingru import mingru_sequence

requires_kernel = pytest.mark.skipif(
    _kernel.load() is None, reason=f"the C kernel is unavailable: {_kernel.unavailable_reason()}")
# Largest difference over the largest value, per compared tensor.
TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-12}


def training_results(model: MinGRU, x: torch.Tensor, hx: torch.Tensor | None, x_grad: bool = True) -> dict:
    """Outputs, and the gradients of a random weighting of output and h_n, by name."""
    model.zero_grad(set_to_none=True)
    x = x.clone().requires_grad_(x_grad)
    hx = None if hx is None else hx.clone().requires_grad_(True)
    output, h_n = model(x, hx)
    generator = torch.Generator().manual_seed(1)
    weights = [torch.randn(t.shape, generator=generator, dtype=torch.float64).to(t.dtype) for t in (output, h_n)]
    ((output * weights[0]).sum() + (h_n * weights[1]).sum()).backward()
    found = {"output": output, "h_n": h_n, "x.grad": x.grad, "hx.grad": None if hx is None else hx.grad}
    found.update({f"{name}.grad": p.grad for name, p in model.named_parameters()})
    return found


def assert_close(fused: dict, reference: dict, dtype: torch.dtype) -> None:
    assert fused.keys() == reference.keys()
    for name, value in reference.items():
        if value is None:
            assert fused[name] is None, name
            continue
        scale = value.abs().max().item() or 1.0
        error = (fused[name] - value).abs().max().item() / scale
        assert error <= TOLERANCE[dtype], f"{name}: relative difference {error:.2e}"


def both_backends(dtype: torch.dtype, **options) -> tuple[MinGRU, MinGRU]:
    torch.manual_seed(0)
    fused = MinGRU(**options, dtype=dtype, backend="fused")
    reference = MinGRU(**options, dtype=dtype, backend="torch")
    reference.load_state_dict(fused.state_dict())
    return fused, reference


CASES = {  # (T, B, input_size, hidden_size, num_layers, residual, bias, hx)
    "three layers, residual, h0": (40, 3, 20, 20, 3, True, True, True),
    "two layers without bias": (23, 4, 7, 16, 2, False, False, True),
    "batch 1": (50, 1, 5, 32, 1, False, True, True),
    "odd sizes": (37, 5, 19, 21, 2, True, True, False),
    "one step": (1, 3, 4, 8, 2, True, True, True),
    "T not a multiple of the time block": (300, 7, 9, 33, 1, False, True, True),
    "the benchmark's shape": (40, 16, 128, 128, 1, False, True, False),
}


@requires_kernel
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("case", list(CASES))
def test_the_kernel_is_the_torch_scan_in_value_and_gradient(case, dtype):
    steps, batch, inputs, hidden, layers, residual, bias, with_hx = CASES[case]
    fused, reference = both_backends(dtype, input_size=inputs, hidden_size=hidden, num_layers=layers,
                                     residual=residual, bias=bias)
    assert fused.backend_in_use == "fused" and reference.backend_in_use == "torch"
    x = torch.randn(steps, batch, inputs, dtype=dtype)
    hx = torch.randn(layers, batch, hidden, dtype=dtype) if with_hx else None
    assert_close(training_results(fused, x, hx), training_results(reference, x, hx), dtype)


@requires_kernel
@pytest.mark.parametrize("block_steps", [1, 3, 16, 0])
def test_any_time_block_gives_the_same_layer(block_steps):
    torch.manual_seed(0)
    x, h0 = torch.randn(29, 6, 10, dtype=torch.float64), torch.randn(6, 12, dtype=torch.float64)
    weight, bias = (torch.randn(24, 10, dtype=torch.float64, requires_grad=True),
                    torch.randn(24, dtype=torch.float64, requires_grad=True))
    h, h_n = fused_mingru_layer(x, h0, weight, bias, block_steps)
    (h.sum() + 2 * h_n.sum()).backward()
    ref_weight, ref_bias = (p.detach().clone().requires_grad_(True) for p in (weight, bias))
    h_ref = mingru_sequence(x, h0, ref_weight, ref_bias)
    (h_ref.sum() + 2 * h_ref[-1].sum()).backward()
    assert (h - h_ref).abs().max() < 1e-13 and torch.equal(h_n, h[-1])
    assert (weight.grad - ref_weight.grad).abs().max() < 1e-11
    assert (bias.grad - ref_bias.grad).abs().max() < 1e-11


@requires_kernel
def test_float32_sums_over_many_steps_keep_their_digits():
    """Against float64, for the benchmark's loss output.sum() + h_n.sum(): a plain running float32
    sum of dW and db over T * B = 16384 rows was 3e-6 off; summed per time block and then over
    blocks it is about 3e-7, as torch's matrix product."""
    torch.manual_seed(0)
    reference = MinGRU(16, 16, dtype=torch.float64, backend="torch")
    model = MinGRU(16, 16, backend="fused")
    model.load_state_dict({name: value.float() for name, value in reference.state_dict().items()})
    x = torch.randn(1024, 16, 16, dtype=torch.float64)  # (T, B, I)
    for net, inputs in ((reference, x), (model, x.float())):
        output, h_n = net(inputs)
        (output.sum() + h_n.sum()).backward()
    for name in ("weight_l0", "bias_l0"):
        expected, found = getattr(reference, name).grad, getattr(model, name).grad.double()
        error = (found - expected).abs().max() / expected.abs().max()
        assert error < 1e-6, f"{name}: relative difference {error:.2e}"


@requires_kernel
def test_gradcheck_of_the_kernel_layer():
    torch.manual_seed(0)
    x = torch.randn(9, 3, 4, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(10, 4, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(10, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda *args: fused_mingru_layer(*args, block_steps=2), (x, h0, weight, bias))


@requires_kernel
def test_two_threads_split_the_batch_and_agree():
    fused, reference = both_backends(torch.float64, input_size=6, hidden_size=20, num_layers=2, residual=True)
    x, hx = torch.randn(30, 17, 6, dtype=torch.float64), torch.randn(2, 17, 20, dtype=torch.float64)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        found = training_results(fused, x, hx)
    finally:
        torch.set_num_threads(threads)
    assert_close(found, training_results(reference, x, hx), torch.float64)


@requires_kernel
def test_batch_first_and_an_input_without_gradient():
    fused, reference = both_backends(torch.float64, input_size=6, hidden_size=10, batch_first=True)
    x = torch.randn(4, 25, 6, dtype=torch.float64)  # (B, T, I): the kernel reads x at its strides
    found, expected = training_results(fused, x, None, x_grad=False), training_results(reference, x, None, x_grad=False)
    assert found["x.grad"] is None
    assert_close(found, expected, torch.float64)


@requires_kernel
@pytest.mark.parametrize("use", ["output", "h_n"])
def test_a_gradient_that_reaches_only_the_output_or_only_h_n(use):
    fused, reference = both_backends(torch.float64, input_size=3, hidden_size=8)
    x = torch.randn(12, 2, 3, dtype=torch.float64)
    grads = []
    for model in (fused, reference):
        model.zero_grad(set_to_none=True)
        output, h_n = model(x)
        (output if use == "output" else h_n).pow(2).sum().backward()
        grads.append(model.weight_l0.grad)
    assert (grads[0] - grads[1]).abs().max() < 1e-12


@requires_kernel
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_inference_without_gradients_is_the_torch_scan(dtype):
    fused, reference = both_backends(dtype, input_size=5, hidden_size=24, num_layers=2)
    x = torch.randn(70, 3, 5, dtype=dtype)
    with torch.no_grad():
        (out_f, h_f), (out_r, h_r) = fused(x), reference(x)
    scale = out_r.abs().max().item()
    assert (out_f - out_r).abs().max().item() <= TOLERANCE[dtype] * scale
    assert (h_f - h_r).abs().max().item() <= TOLERANCE[dtype] * scale and torch.equal(h_f[-1], out_f[-1])


@requires_kernel
def test_repeated_training_steps_reuse_buffers_without_stale_values():
    fused, _ = both_backends(torch.float32, input_size=4, hidden_size=16)
    x = torch.randn(20, 3, 4)
    first = training_results(fused, x, None)
    for _ in range(3):
        training_results(fused, torch.randn(20, 3, 4), None)
    again = training_results(fused, x, None)
    for name, value in first.items():
        assert value is None or torch.equal(value, again[name]), name


# ----------------------------------------------------------------- choosing the backend
@pytest.fixture
def no_kernel(monkeypatch):
    """A process whose kernel could not be built, and that has not warned yet."""
    monkeypatch.setattr(_kernel, "_state", {"kernel": None, "reason": "no C compiler was found (set CC, or install "
                                                                      "gcc or clang)"})
    monkeypatch.setattr(_mingru_kernel, "_warned", set())


def test_without_the_kernel_auto_runs_the_torch_scan_silently(no_kernel):
    model = MinGRU(3, 8)
    x = torch.randn(10, 2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.backend_in_use == "torch"
        output, h_n = model(x)
    expected = mingru_sequence(x, torch.zeros(2, 8), model.weight_l0, model.bias_l0)
    assert torch.equal(output, expected) and torch.equal(h_n[0], expected[-1])


def test_without_the_kernel_backend_fused_warns_once_and_runs_the_torch_scan(no_kernel):
    model = MinGRU(3, 8, backend="fused")
    message = ("MinGRU: backend='fused' is unavailable because no C compiler was found (set CC, or install gcc or "
               "clang); running backend='torch' instead. Set backend='auto' to choose silently.")
    with pytest.warns(RuntimeWarning, match=f"^{re.escape(message)}$"):
        model(torch.randn(10, 2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model(torch.randn(10, 2, 3))
        assert model.backend_in_use == "torch"


def test_the_kernel_runs_float32_and_float64_on_the_cpu_only():
    assert _mingru_kernel.unavailable_reason(torch.device("meta"), torch.float32) == (
        "it runs on the CPU only and the parameters are on meta")
    assert _mingru_kernel.unavailable_reason(torch.device("cpu"), torch.bfloat16) == (
        "it supports float32 and float64 only and the parameters are torch.bfloat16")
    assert MinGRU(3, 8, dtype=torch.bfloat16).backend_in_use == "torch"
    assert MinGRU(3, 8, backend="torch").backend_in_use == "torch"


def test_grukit_fused_0_switches_the_kernel_off_in_a_fresh_process():
    code = ("import torch; from grukit.nn import MinGRU; m = MinGRU(3, 8); out, h = m(torch.randn(5, 2, 3)); "
            "print(m.backend_in_use, tuple(out.shape))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GRUKIT_FUSED": "0"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "torch (5, 2, 8)"


def test_error_unknown_backend():
    with pytest.raises(ValueError, match=re.escape("MinGRU: backend must be one of 'auto', 'fused', 'torch'; "
                                                   "got 'cuda'.")):
        MinGRU(3, 8, backend="cuda")


def test_extra_repr_lists_the_backend_when_not_auto():
    assert repr(MinGRU(3, 8, backend="torch")) == "MinGRU(3, 8, backend='torch')"


@requires_kernel
def test_kernel_docstring_example_holds():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(_mingru_kernel, globs={"torch": torch, "fused_mingru_layer": fused_mingru_layer}):
        runner.run(test)
    assert runner.failures == 0 and runner.tries >= 1
