"""``MedianEnsemble``: a few forecasting nets trained from different seeds, combined by their median."""

from __future__ import annotations

import torch
from torch import Tensor, nn


def median_of(outputs: Tensor) -> Tensor:
    """The median over the first axis, the mean of the two middle values for an even count.

    outputs (M, ...) -> (...). Sorting (not ``torch.quantile``) keeps it exportable to ONNX.

    Example:
        >>> median_of(torch.tensor([[3.0], [1.0], [2.0], [10.0]])).tolist()
        [2.5]
    """
    ordered = torch.sort(outputs, dim=0)[0]  # (M, ...)
    count = outputs.shape[0]
    middle = (count - 1) // 2
    return (ordered[middle] + ordered[count - 1 - middle]) * 0.5


class MedianEnsemble(nn.Module):
    """The element-wise median of its members' forecasts: y = median_m f_m(x, future).

    Members share one input layout (any :class:`ForecastNet`); the ensemble answers the same
    attributes as its first member, so it stands wherever one net does. With an even count the
    median is the mean of the two middle forecasts.

    Example:
        >>> from grukit.models import ForecastNet
        >>> ens = MedianEnsemble([ForecastNet(1, 1, horizon=3) for _ in range(3)])
        >>> ens(torch.randn(2, 8, 1)).shape
        torch.Size([2, 3, 1, 1])
    """

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        if not members:
            raise ValueError("MedianEnsemble needs at least one member; got none.")
        self.members = nn.ModuleList(members)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(super().__getattr__("members")[0], name)

    def forward(self, x: Tensor, future: Tensor | None = None, y: Tensor | None = None) -> Tensor:
        return median_of(torch.stack([member(x, future, y) for member in self.members]))  # (M, B, K, C, Q) -> median
