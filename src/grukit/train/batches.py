"""Which samples each optimizer step takes: a shuffled order, its global batches and each process's share.

With W processes, step j's global batch is the same list of sample indices as in one process
(``batch_size`` samples, fewer in the last batch), and process r takes one contiguous block of it:

    n_j        = min(B, N - j B)                              samples in global batch j (N samples, B = batch_size)
    [lo, hi)   = [floor(r n_j / W), floor((r + 1) n_j / W))   process r's block of that batch
    weight_r   = (hi - lo) W / n_j                            the factor on process r's mean loss

DistributedDataParallel averages the W gradients, so with the weights the step's gradient is
sum_r (hi_r - lo_r) / n_j * grad(mean loss of block r) = grad(mean loss of the whole global batch):
the same step as one process takes. A process whose block is empty (n_j < W) computes its loss on
one sample with weight 0, since every process must take part in every step.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import Sampler

__all__ = ["PermutationSampler", "ShardedBatchSampler", "shard_bounds", "step_share"]


class PermutationSampler(Sampler[int]):
    """A new random order of ``range(num_samples)`` every epoch, drawn from ``generator``.

    The order is the one ``DataLoader(shuffle=True, generator=generator)`` gives (torch's
    ``RandomSampler``), but it is held as one int64 tensor (8 bytes a sample) and handed out in
    chunks, never as one Python list (about 36 bytes a sample): with millions of windows the
    order costs megabytes, not hundreds of them.

    Example:
        >>> order = list(PermutationSampler(5, torch.Generator().manual_seed(0)))
        >>> sorted(order)
        [0, 1, 2, 3, 4]
    """

    CHUNK = 4096  # indices turned into Python ints at a time

    def __init__(self, num_samples: int, generator: torch.Generator) -> None:
        self.num_samples = num_samples
        self.generator = generator

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self) -> Iterator[int]:
        order = torch.randperm(self.num_samples, generator=self.generator)  # (N,)
        for chunk in order.split(self.CHUNK):
            yield from chunk.tolist()
        # RandomSampler draws a second permutation when asked for more and yields none of it; drawing it
        # too keeps the generator, and so every later epoch's order, equal to DataLoader(shuffle=True)'s.
        torch.randperm(self.num_samples, generator=self.generator)


class ShardedBatchSampler(Sampler[list[int]]):
    """Process ``rank``'s block of every global batch of ``batches`` (see the module docstring).

    Example:
        >>> global_batches = [[7, 3, 5, 1], [0, 2, 4]]
        >>> list(ShardedBatchSampler(global_batches, world_size=2, rank=1))
        [[5, 1], [2, 4]]
    """

    def __init__(self, batches, world_size: int, rank: int) -> None:
        self.batches = batches  # an iterable of index lists with a length, e.g. torch's BatchSampler
        self.world_size = world_size
        self.rank = rank

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[list[int]]:
        for batch in self.batches:
            lo, hi = shard_bounds(len(batch), self.world_size, self.rank)
            yield list(batch[lo:hi]) or list(batch[:1])  # an empty block: one sample, weighted 0 by step_share


def shard_bounds(n: int, world_size: int, rank: int) -> tuple[int, int]:
    """Process ``rank``'s contiguous block [lo, hi) of ``n`` items: lo = floor(rank n / W), hi = floor((rank + 1) n / W).

    The W blocks cover [0, n) without overlap, and their sizes differ by at most one.

    Example:
        >>> [shard_bounds(5, 2, r) for r in range(2)]
        [(0, 2), (2, 5)]
    """
    return rank * n // world_size, (rank + 1) * n // world_size


def step_share(step: int, num_samples: int, batch_size: int, world_size: int, rank: int) -> tuple[int, float]:
    """(samples process ``rank`` holds in global batch ``step``, the weight on its mean loss).

    weight = (hi - lo) W / n_step, so that the average of the W weighted gradients is the gradient of
    the whole batch's mean loss; it is exactly 1.0 when W divides the batch.

    Example:
        >>> step_share(0, num_samples=10, batch_size=8, world_size=2, rank=0)   # 4 of 8 samples
        (4, 1.0)
        >>> step_share(1, num_samples=10, batch_size=8, world_size=4, rank=0)   # the last batch holds 2
        (0, 0.0)
    """
    n = min(batch_size, num_samples - step * batch_size)  # samples in this global batch
    lo, hi = shard_bounds(n, world_size, rank)
    return hi - lo, (hi - lo) * world_size / n
