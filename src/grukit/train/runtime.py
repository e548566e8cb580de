"""Where and how a run executes: seeds, the device, CPU threads."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator

import numpy as np
import torch

from grukit.errors import ConfigError

__all__ = ["seed_everything", "resolve_device", "torch_threads"]


def seed_everything(seed: int) -> None:
    """Seed torch (CPU and every CUDA device), numpy's global RNG and Python's ``random``.

    :func:`~grukit.train.fit` calls it first; call it yourself before building the model so that
    its initial weights follow the seed too.

    Example:
        >>> seed_everything(0)
        >>> model = GRURegressor(input_size=1, hidden_size=20)   # the same weights on every run
    """
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def resolve_device(device: str) -> torch.device:
    """"auto" -> cuda when available, else cpu; "cuda" without CUDA is a ConfigError."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ConfigError("TrainConfig: device is 'cuda' but CUDA is not available; use --device cpu or auto.")
    return torch.device(device)


@contextlib.contextmanager
def torch_threads(num_threads: int | None) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(num_threads)``, then restore the count; None changes nothing."""
    if num_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
