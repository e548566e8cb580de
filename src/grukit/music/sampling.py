"""Sampling new piano rolls from a trained :class:`~grukit.music.net.PianoRollNet`, one frame at a time.

Shapes use the legend of :mod:`grukit.nn.functional`; a frame has 88 units, one per piano key.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from grukit.errors import ConfigError

__all__ = ["sample_roll"]


@torch.no_grad()
def sample_roll(net: torch.nn.Module, steps: int, temperature: float = 1.0, seed: int = 0) -> np.ndarray:
    r"""Draw ``steps`` frames: each key independently from the model's Bernoulli given the frames so far.

    .. math::

        x_t \sim \mathrm{Bernoulli}\big(\sigma(\mathrm{logit}_t / \tau)\big), \qquad
        \mathrm{logit}_t = f(\mathbf{0}, x_1, \dots, x_{t-1})

    The first frame is drawn from the zero-frame input, as in training (see ``shift_right``).
    ``temperature`` tau < 1 sharpens the distribution, > 1 flattens it; 1 samples the model as trained.
    The net is put in eval mode. Returns a (T, 88) uint8 roll.

    Example:
        >>> roll = sample_roll(net, steps=64, temperature=1.0, seed=0)   # (64, 88)  # doctest: +SKIP
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ConfigError(f"steps must be an integer >= 1, the number of frames to sample; got {steps!r}.")
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0):
        raise ConfigError(f"temperature must be a finite number > 0 (1 samples the model as trained); "
                          f"got {temperature!r}.")
    net.eval()
    device = next(net.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    size = net.head.out_features
    frame, h = torch.zeros(1, size, device=device), None  # (1, 88)
    frames = []
    for _ in range(steps):
        logits, h = net.step(frame, h)  # (1, 88), (L, 1, H)
        frame = torch.bernoulli(torch.sigmoid(logits / temperature), generator=generator)  # (1, 88)
        frames.append(frame)
    return torch.cat(frames).to(torch.uint8).cpu().numpy()  # (T, 88)
