"""Losses for point and probabilistic forecasts."""

from __future__ import annotations

from torch import Tensor


def pinball_loss(prediction: Tensor, target: Tensor, quantiles: Tensor) -> Tensor:
    """The quantile (pinball) loss, averaged over every element and quantile.

    L_q(y, yhat) = max(q (y - yhat), (q - 1) (y - yhat))

    Shapes: prediction (..., Q), target (...), quantiles (Q,) -> scalar.

    Example:
        >>> pinball_loss(torch.zeros(4, 3), torch.ones(4), torch.tensor([0.1, 0.5, 0.9]))
        tensor(0.5000)
    """
    diff = target.unsqueeze(-1) - prediction  # (..., Q)
    return (diff * quantiles).maximum(diff * (quantiles - 1.0)).mean()
