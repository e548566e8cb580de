"""The LR curves of the three schedules, step by step."""

from __future__ import annotations

import math

import pytest
import torch

from grukit.train.schedule import make_scheduler, warmup_cosine

LR = 0.01


def lr_curve(schedule: str, total_steps: int, warmup_fraction: float = 0.1) -> list[float]:
    """The lr each of ``total_steps`` optimizer steps uses."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([param], lr=LR)
    scheduler = make_scheduler(optimizer, schedule, total_steps=total_steps, warmup_fraction=warmup_fraction)
    lrs = []
    for _ in range(total_steps):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs


def test_onecycle_rises_to_lr_then_anneals():
    lrs = lr_curve("onecycle", 100)
    peak = max(range(100), key=lambda i: lrs[i])
    assert peak == 9  # round(0.1 * 100) = 10 warm-up steps, the last one at the peak
    assert lrs[peak] == pytest.approx(LR, rel=1e-12)
    assert lrs[0] == pytest.approx(LR / 25)
    assert all(a < b for a, b in zip(lrs[:peak], lrs[1:peak + 1]))
    assert all(a > b for a, b in zip(lrs[peak:], lrs[peak + 1:]))
    assert lrs[-1] < LR / 25 / 100


@pytest.mark.parametrize("total_steps", [1, 2, 10, 15])
def test_onecycle_with_a_single_warmup_step_does_not_crash(total_steps):
    # torch's OneCycleLR divides by zero when pct_start * total_steps == 1; we skip such a warm-up.
    lrs = lr_curve("onecycle", total_steps)
    assert max(lrs) <= LR * (1 + 1e-12)


def test_cosine_warms_up_linearly_then_decays():
    lrs = lr_curve("cosine", 100)
    assert lrs[:10] == pytest.approx([LR * (s + 1) / 10 for s in range(10)], rel=1e-12)
    assert lrs[9] == pytest.approx(LR) and lrs[10] == pytest.approx(LR)
    assert all(a > b for a, b in zip(lrs[10:], lrs[11:]))
    assert 0 < lrs[-1] < LR * 1e-3
    expected = [LR * 0.5 * (1 + math.cos(math.pi * (s - 10) / 90)) for s in range(10, 100)]
    assert lrs[10:] == pytest.approx(expected, rel=1e-12)


def test_cosine_without_warmup_starts_at_lr():
    lrs = lr_curve("cosine", 20, warmup_fraction=0.0)
    assert lrs[0] == LR
    assert all(a > b for a, b in zip(lrs, lrs[1:]))


def test_constant_stays_at_lr():
    assert lr_curve("constant", 50) == [LR] * 50


def test_warmup_cosine_formula():
    assert warmup_cosine(0, 4, 20) == 0.25
    assert warmup_cosine(3, 4, 20) == 1.0
    assert warmup_cosine(4, 4, 20) == 1.0
    assert warmup_cosine(12, 4, 20) == pytest.approx(0.5)
    assert warmup_cosine(20, 4, 20) == pytest.approx(0.0)
