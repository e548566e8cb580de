"""``GRURegressor``: a GRU encoder and a linear head on its last output (the GRUNet of the classic sine-wave tutorial)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from grukit.nn import GRU


class GRURegressor(nn.Module):
    """Many-to-one regression: y = Linear(GRU(x)[:, -1]).

    Shapes: x (B, T, I) batch first -> y (B, output_size).

    Args:
        input_size, hidden_size, num_layers, dropout: passed to :class:`grukit.nn.GRU`.
        output_size: values predicted per sequence.
        reset, layer_norm, zoneout, recurrent_dropout: the GRU's options.

    Example:
        >>> model = GRURegressor(input_size=1, hidden_size=20, output_size=1, num_layers=2)
        >>> y = model(torch.randn(32, 50, 1))   # (32, 1)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int = 1,
        num_layers: int = 1,
        dropout: float = 0.0,
        *,
        reset: str = "after",
        layer_norm: bool = False,
        zoneout: float = 0.0,
        recurrent_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.gru = GRU(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout, reset=reset,
                       layer_norm=layer_norm, zoneout=zoneout, recurrent_dropout=recurrent_dropout)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x: Tensor) -> Tensor:
        output, _ = self.gru(x)  # (B, T, H)
        return self.head(output[:, -1])  # (B, output_size)
