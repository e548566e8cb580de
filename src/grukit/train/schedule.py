"""Learning-rate schedules, stepped once per optimizer step (per batch)."""

from __future__ import annotations

import math

import torch
from torch.optim.lr_scheduler import LambdaLR, LRScheduler, OneCycleLR

__all__ = ["make_scheduler", "warmup_cosine", "warmup_steps"]


def warmup_steps(warmup_fraction: float, total_steps: int) -> int:
    """The number of warm-up steps, ``round(warmup_fraction * total_steps)``."""
    return round(warmup_fraction * total_steps)


def warmup_cosine(step: int, warmup: int, total: int) -> float:
    r"""The LR factor at optimizer step ``step`` (0-based) of ``total``: linear warm-up, then cosine decay.

    With W = ``warmup`` and S = ``total``::

        factor(s) = (s + 1) / W                                 for s < W
        factor(s) = (1 + cos(pi * (s - W) / (S - W))) / 2       for W <= s

    so the LR climbs to its peak at step W - 1, stays there at step W, and falls towards 0 at
    step S (the step after the last).
    """
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def make_scheduler(
    optimizer: torch.optim.Optimizer, schedule: str, *, total_steps: int, warmup_fraction: float
) -> LRScheduler:
    """The scheduler for ``TrainConfig.schedule``; the optimizer's lr is the peak.

    - "onecycle": ``torch.optim.lr_scheduler.OneCycleLR`` with its defaults (start at lr/25, cosine
      up to lr over the warm-up steps, cosine down to lr/25e4; Adam's beta1 cycles 0.95 -> 0.85 -> 0.95).
    - "cosine": :func:`warmup_cosine` through ``LambdaLR``.
    - "constant": lr at every step.

    The warm-up is :func:`warmup_steps` whole steps, so onecycle's peak falls exactly on a step;
    onecycle treats fewer than 2 warm-up steps as none (torch's OneCycleLR cannot peak on step 0).
    """
    peak = optimizer.param_groups[0]["lr"]
    warmup = warmup_steps(warmup_fraction, total_steps)
    if schedule == "onecycle":
        pct_start = warmup / total_steps if warmup >= 2 else 0.0
        return OneCycleLR(optimizer, max_lr=peak, total_steps=total_steps, pct_start=pct_start)
    if schedule == "cosine":
        return LambdaLR(optimizer, lambda step: warmup_cosine(step, warmup, total_steps))
    if schedule == "constant":
        return LambdaLR(optimizer, lambda step: 1.0)
    raise ValueError(f"make_scheduler: schedule must be 'onecycle', 'cosine' or 'constant'; got {schedule!r}.")
