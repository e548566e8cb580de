"""Reversible instance normalization (Kim et al. 2022, "RevIN").

Each window is normalized by its own mean and standard deviation over the lookback, per
channel, before the network sees it; forecasts are mapped back with the same statistics. This
removes level shifts between windows that a global scaler cannot.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class RevIN(nn.Module):
    """Normalize each window per channel, then undo it on the forecast.

    normalize:   x' = (x - mean_T(x)) / sqrt(var_T(x) + eps) * gamma + beta
    denormalize: y  = (y' - beta) / gamma * sqrt(var_T(x) + eps) + mean_T(x)

    Shapes: x (B, T, C) -> x' (B, T, C) and the statistics (B, 1, C); y' (B, K, C[, Q]) -> y.

    Example:
        >>> revin = RevIN(num_channels=7)
        >>> x_norm, stats = revin.normalize(torch.randn(32, 96, 7))
        >>> y = revin.denormalize(torch.randn(32, 24, 7), stats)
    """

    def __init__(self, num_channels: int, affine: bool = True, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.affine = affine
        if affine:
            self.gamma = nn.Parameter(torch.ones(num_channels))
            self.beta = nn.Parameter(torch.zeros(num_channels))

    def normalize(self, x: Tensor) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        mean = x.mean(dim=1, keepdim=True).detach()  # (B, 1, C)
        std = torch.sqrt(x.var(dim=1, keepdim=True, unbiased=False) + self.eps).detach()  # (B, 1, C)
        x = (x - mean) / std
        if self.affine:
            x = x * self.gamma + self.beta
        return x, (mean, std)

    def denormalize(self, y: Tensor, stats: tuple[Tensor, Tensor]) -> Tensor:
        """y (B, K, C) or (B, K, C, Q); quantiles share their channel's statistics."""
        mean, std = stats
        extra = y.dim() - mean.dim()
        shape = mean.shape + (1,) * extra
        if self.affine:
            gamma = self.gamma.view((-1,) + (1,) * extra)
            beta = self.beta.view((-1,) + (1,) * extra)
            y = (y - beta) / (gamma + self.eps * self.eps)
        return y * std.view(shape) + mean.view(shape)
