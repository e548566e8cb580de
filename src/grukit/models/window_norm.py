"""Per-window scaling that follows level and trend: centre on the last value, divide by the spread.

A global z-score fitted on old rows cannot follow a series that trends away from them; RevIN
centres on the window mean, which lags a trend by half a window. Centring each window on its
*last observed value* makes a zero network output the naive forecast, so the network learns
corrections to "no change" and starts from a baseline that is hard to beat on trends and
level shifts:

    level = x_T                             the last observed value of the window
    scale = sqrt(mean_t m_t (x_t - mu)^2)   the spread of the observed values, mu their mean
    x'    = m * (x - level) / scale         padded steps (m = 0) become exactly 0
    y     = level + scale * y'              the forecast in the original units

``m`` is the observed mask (1 for a real row, 0 for padding), so padding never reaches the
statistics or the network. A (near-)constant window, scale <= eps (1 + |mu|), gets scale 1 (any
scale maps it to 0 and back to its level). The functions are TorchScript-compatible: the exported
graphs (:mod:`grukit.export.forecast_graph`) call them as they are.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["window_stats", "normalize", "denormalize", "mean_step"]


def window_stats(x: Tensor, mask: Tensor | None = None, eps: float = 1e-8) -> tuple[Tensor, Tensor]:
    """(level, scale), each (B, 1, C), of windows x (B, T, C) with observed mask (B, T, 1) or None.

    Example:
        >>> level, scale = window_stats(torch.tensor([[[1.0], [3.0]]]))
        >>> level.item(), scale.item()
        (3.0, 1.0)
    """
    if mask is None:
        mask = torch.ones_like(x[..., :1])
    count = mask.sum(dim=1, keepdim=True).clamp_min(1.0)  # (B, 1, 1)
    mean = (x * mask).sum(dim=1, keepdim=True) / count  # (B, 1, C)
    var = (((x - mean) * mask) ** 2).sum(dim=1, keepdim=True) / count  # (B, 1, C)
    scale = torch.sqrt(var)
    scale = torch.where(scale > eps * (1.0 + mean.abs()), scale, torch.ones_like(scale))
    level = x[:, -1:]  # (B, 1, C): the last row is always observed (padding is on the left)
    return level.detach(), scale.detach()


def normalize(x: Tensor, level: Tensor, scale: Tensor, mask: Tensor | None = None) -> Tensor:
    """x' = m (x - level) / scale; shapes (B, T, C), (B, 1, C), (B, 1, C), (B, T, 1)."""
    z = (x - level) / scale
    return z if mask is None else z * mask


def denormalize(y: Tensor, level: Tensor, scale: Tensor) -> Tensor:
    """y = level + scale y' for forecasts y' (B, K, C) or (B, K, C, Q)."""
    while level.dim() < y.dim():  # (B, 1, C) -> (B, 1, C, 1): quantiles share their channel's statistics
        level, scale = level.unsqueeze(-1), scale.unsqueeze(-1)
    return level + scale * y


def mean_step(x: Tensor, mask: Tensor | None = None, eps: float = 1e-8) -> Tensor:
    """The mean absolute one-step change of each window, (B, 1, C): MASE's in-sample scale.

        d = sum_t m_t m_{t-1} |x_t - x_{t-1}| / sum_t m_t m_{t-1}

    over pairs of observed rows; a window with no change (d <= eps (1 + |x_T|)) gets d = 1.

    Example:
        >>> mean_step(torch.tensor([[[1.0], [3.0], [4.0]]])).item()
        1.5
    """
    if mask is None:
        mask = torch.ones_like(x[..., :1])
    pairs = mask[:, 1:] * mask[:, :-1]  # (B, T-1, 1)
    total = ((x[:, 1:] - x[:, :-1]).abs() * pairs).sum(dim=1, keepdim=True)  # (B, 1, C)
    step = total / pairs.sum(dim=1, keepdim=True).clamp_min(1.0)
    step = torch.where(step > eps * (1.0 + x[:, -1:].abs()), step, torch.ones_like(step))
    return step.detach()
