"""Checks of the fused CPU kernel shared by its test modules: skip without it, and a training step
that must match torch.nn.GRU's values and gradients."""

from __future__ import annotations

import pytest
import torch

from grukit.nn import _kernel

requires_kernel = pytest.mark.skipif(
    _kernel.load() is None, reason=f"the fused GRU kernel is unavailable: {_kernel.unavailable_reason()}")


def train_step(module: torch.nn.Module, x: torch.Tensor, h0: torch.Tensor) -> list[torch.Tensor]:
    x, h0 = x.clone().requires_grad_(), h0.clone().requires_grad_()
    module.zero_grad(set_to_none=True)
    out, h_n = module(x, h0)
    weights = torch.linspace(-1, 1, out.numel(), dtype=x.dtype).view_as(out)  # a different gradient per element
    ((out * weights).sum() + h_n.square().sum()).backward()
    return [out, h_n, x.grad, h0.grad, *(p.grad for p in module.parameters())]


def assert_matches_torch(theirs: torch.nn.Module, ours: torch.nn.Module, x: torch.Tensor, h0: torch.Tensor,
                          threads: int) -> None:
    """A training step of each at ``threads`` threads gives the same values and gradients; ours without
    gradients gives the same output and state."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        expected, got = train_step(theirs, x, h0), train_step(ours, x, h0)
        with torch.no_grad():
            inference = ours(x, h0)
    finally:
        torch.set_num_threads(previous)
    tol = 1e-12 if x.dtype == torch.float64 else 2e-5
    for a, b in zip(expected, got):
        assert (a - b).abs().max() <= tol * max(1.0, a.abs().max())
    for a, b in zip(inference, got[:2]):  # inference skips the saved factors; same values up to rounding
        assert (a - b).abs().max() <= tol
