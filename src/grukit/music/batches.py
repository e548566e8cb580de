"""Mini-batches of piano rolls for :func:`grukit.train.fit`, the training loss and the split NLL.

Sequences are sorted by length and cut into groups of ``batch_size``, so a batch pads little
(Nottingham's tunes run from 40 to 1,788 steps); ``fit`` shuffles the groups every epoch, with
its own ``batch_size`` set to 1 group. Each batch starts with the targets of its real steps,
(N, 88): ``fit`` weighs a batch's loss by the length of its first tensor, so its epoch means are
exactly the pooled NLL per step, the metric itself.

Shapes use the legend of :mod:`grukit.nn.functional`: a batch of B rolls of 88 keys is padded to its
longest, T steps, and holds N real steps.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from grukit.music.metrics import step_nll
from grukit.music.net import shift_right, step_mask

__all__ = ["LengthGroups", "collate_groups", "nll_loss", "split_step_nll"]


class LengthGroups(Dataset):
    """Rolls sorted by length and cut into consecutive groups of ``group_size``; item i is group i (a list).

    Example:
        >>> groups = LengthGroups([np.zeros((5, 88)), np.zeros((2, 88)), np.zeros((9, 88))], group_size=2)
        >>> [[r.shape[0] for r in g] for g in groups]
        [[2, 5], [9]]
    """

    def __init__(self, rolls: Sequence[np.ndarray], group_size: int) -> None:
        order = sorted(range(len(rolls)), key=lambda i: (rolls[i].shape[0], i))
        self.groups = [[rolls[i] for i in order[k:k + group_size]] for k in range(0, len(order), group_size)]

    def __len__(self) -> int:
        return len(self.groups)

    def __getitem__(self, index: int) -> list[np.ndarray]:
        return self.groups[index]


def collate_groups(items: list[list[np.ndarray]]) -> tuple[Tensor, Tensor, Tensor]:
    """Groups of (T_i, 88) rolls -> targets (N, 88), rolls (B, T, 88) zero-padded, lengths (B,)."""
    rolls = [torch.from_numpy(np.asarray(r, dtype=np.float32)) for group in items for r in group]
    lengths = torch.tensor([r.shape[0] for r in rolls])
    padded = torch.nn.utils.rnn.pad_sequence(rolls, batch_first=True)  # (B, T, 88)
    return torch.cat(rolls), padded, lengths  # (N, 88) in sequence order, then step order


def nll_loss(model: torch.nn.Module, batch: tuple[Tensor, Tensor, Tensor]) -> Tensor:
    """``loss_fn`` for fit: the mean over the batch's real steps of :func:`~grukit.music.metrics.step_nll`."""
    targets, rolls, lengths = batch  # (N, 88), (B, T, 88), (B,)
    logits, _ = model(shift_right(rolls), lengths)  # (B, T, 88)
    mask = step_mask(lengths, rolls.shape[1])  # (B, T)
    return step_nll(logits[mask], targets).mean()  # logits[mask]: (N, 88), the same order as targets


@torch.no_grad()
def split_step_nll(model: torch.nn.Module, rolls: Sequence[np.ndarray], batch_size: int = 64) -> list[Tensor]:
    """The NLL of every step of every sequence, in eval mode: one (T_i,) float64 tensor per roll, in order."""
    model.eval()
    device = next(model.parameters()).device
    order = sorted(range(len(rolls)), key=lambda i: rolls[i].shape[0])
    values: list[Tensor | None] = [None] * len(rolls)
    for k in range(0, len(order), batch_size):
        chosen = order[k:k + batch_size]
        targets, padded, lengths = collate_groups([[rolls[i] for i in chosen]])
        logits, _ = model(shift_right(padded.to(device)), lengths.to(device))  # (B, T, 88)
        nll = step_nll(logits, padded.to(device)).double().cpu()  # (B, T)
        for row, i in enumerate(chosen):
            values[i] = nll[row, :rolls[i].shape[0]]
    return values
