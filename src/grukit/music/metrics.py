"""The polyphonic-music metric: Bernoulli negative log-likelihood per time step, in nats.

Boulanger-Lewandowski et al. (2012) and Chung et al. (2014) report the average log-likelihood of
a *time step*: the NLL of every step of every sequence in the split, pooled into one list and
averaged (so longer sequences weigh more). For sigmoid outputs the NLL of one step is a sum of
Bernoulli terms over the note units.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.functional import binary_cross_entropy_with_logits

__all__ = ["step_nll", "pooled_nll"]


def step_nll(logits: Tensor, target: Tensor) -> Tensor:
    r"""The negative log-likelihood of each step, summed over the 88 note units.

    .. math::

        \mathrm{NLL}_t = -\sum_{n=1}^{88} \big[x_{t,n} \log p_{t,n} + (1 - x_{t,n}) \log(1 - p_{t,n})\big],
        \qquad p_{t,n} = \sigma(\mathrm{logit}_{t,n})

    computed from the logits (log-sigmoid, numerically stable).

    Shapes: logits and target (..., 88) -> (...).

    Example:
        >>> step_nll(torch.zeros(1, 88), torch.zeros(1, 88))   # p = 0.5 everywhere: 88 ln 2
        tensor([60.9970])
    """
    if logits.shape != target.shape:
        raise ValueError(f"step_nll: logits and target must have the same shape; got {tuple(logits.shape)} "
                         f"and {tuple(target.shape)}.")
    return binary_cross_entropy_with_logits(logits, target.to(logits.dtype), reduction="none").sum(-1)


def pooled_nll(step_values: Tensor) -> float:
    r"""The metric: the mean of the per-step NLLs of all steps of a split, pooled together.

    .. math::

        \mathrm{NLL} = \frac{\sum_{s} \sum_{t=1}^{T_s} \mathrm{NLL}_{s,t}}{\sum_s T_s}

    ``step_values`` holds ``NLL_{s,t}`` of every step of every sequence ``s`` (any shape, e.g. the
    concatenation of each sequence's (T_s,) values); the mean is taken in float64.

    Example:
        >>> pooled_nll(torch.tensor([1.0, 2.0, 3.0, 6.0]))    # sequences of 1 and 3 steps: 12 / 4
        3.0
    """
    if step_values.numel() == 0:
        raise ValueError("pooled_nll: no steps to average; pass the NLL of at least one step.")
    return step_values.to(torch.float64).mean().item()
