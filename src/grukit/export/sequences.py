"""Reshapes between a forecast window and the GRU's sequences, shared by the exported graphs.

With independent channels each of the C targets is its own sequence (S = B*C rows of one
channel each, beside the shared covariates, so C' = 1); otherwise S = B and C' = C. Shapes use
the legend of :mod:`grukit.nn.functional`. TorchScript-compatible, ONNX-exportable.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["from_sequences", "per_sequence", "sequence_inputs"]


def sequence_inputs(targets: Tensor, others: Tensor, channel_independent: bool) -> Tensor:
    """Targets (B, T, C) and the other inputs (B, T, P+F) -> GRU input (S, T, C'+P+F)."""
    if not channel_independent:
        return torch.cat([targets, others], dim=-1)
    channels = targets.shape[2]
    per_channel = targets.transpose(1, 2).unsqueeze(-1)  # (B, C, T, 1)
    others = others.unsqueeze(1).expand(-1, channels, -1, -1)  # (B, C, T, P+F)
    return torch.cat([per_channel, others], dim=-1).flatten(0, 1)  # (B*C, T, 1+P+F)


def from_sequences(y: Tensor, target_size: int, num_quantiles: int, channel_independent: bool) -> Tensor:
    """Head output (S, K, C'*Q) -> (B, K, C, Q); explicit reshapes, as ONNX needs known ranks."""
    if not channel_independent:
        return y.reshape(y.shape[0], y.shape[1], target_size, num_quantiles)
    y = y.reshape(-1, target_size, y.shape[1], num_quantiles)  # (B, C, K, Q)
    return y.transpose(1, 2)  # (B, K, C, Q)


def per_sequence(future: Tensor, target_size: int, channel_independent: bool) -> Tensor:
    """Per-row future inputs (B, K, F) -> one copy per sequence (S, K, F): B*C rows with independent channels."""
    if not channel_independent:
        return future
    return future.unsqueeze(1).expand(-1, target_size, -1, -1).flatten(0, 1)  # (B, C, K, F) -> (B*C, K, F)
