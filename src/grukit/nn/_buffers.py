"""Recycled buffers for the values the fused backend saves for its backward pass.

A fresh large allocation costs the process a page fault and a zeroed page per 4 KiB on first
touch; for a small layer (B=800, T=50, H=20) that was 3-5 ms of a 15-20 ms training step. The
saved gate values are private to the backend, so they can be reused: a buffer goes back to the
pool only when autograd frees the graph node that holds it (after backward, or when the output
is dropped), so ``retain_graph=True`` and a graph kept alive stay correct; they simply allocate
anew. The pool keeps at most ``PER_SHAPE`` buffers of each of the ``SHAPES`` latest shapes.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

import torch
from torch import Tensor

PER_SHAPE = 2
SHAPES = 8

_free: OrderedDict[tuple, list[Tensor]] = OrderedDict()


def take(shape: tuple[int, ...], like: Tensor) -> Tensor:
    """An uninitialized buffer of this shape with like's dtype and device, recycled when possible."""
    key = (tuple(shape), like.dtype, like.device)
    stack = _free.get(key)
    if stack:
        return stack.pop()
    return torch.empty(shape, dtype=like.dtype, device=like.device)


def give_back_when_freed(owner: object, buffers: list[Tensor]) -> None:
    """Return buffers to the pool once owner (an autograd context) is garbage."""
    weakref.finalize(owner, _give, buffers)


def _give(buffers: list[Tensor]) -> None:
    for buffer in buffers:
        key = (tuple(buffer.shape), buffer.dtype, buffer.device)
        stack = _free.setdefault(key, [])
        _free.move_to_end(key)
        if len(stack) < PER_SHAPE:
            stack.append(buffer)
    while len(_free) > SHAPES:
        _free.popitem(last=False)


def clear() -> None:
    """Drop every pooled buffer (for memory measurements)."""
    _free.clear()
