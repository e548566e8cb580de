"""Weight mapping between a Keras GRU layer and grukit/PyTorch.

| Keras (gates z, r, h; inputs-by-units)         | grukit / torch.nn.GRU (gates r, z, n; units-by-inputs) |
|------------------------------------------------|---------------------------------------------------------|
| kernel (I, 3H)                                 | weight_ih_l0 = swap_zr(kernel.T)  (3H, I)               |
| recurrent_kernel (H, 3H)                       | weight_hh_l0 = swap_zr(recurrent_kernel.T)  (3H, H)     |
| bias (2, 3H), reset_after=True                 | bias_ih_l0 = swap_zr(bias[0]), bias_hh_l0 = swap_zr(bias[1]) |
| bias (3H,), reset_after=False                  | bias_ih_l0 = swap_zr(bias), bias_hh_l0 = 0              |

swap_zr exchanges the first two blocks of H rows (z, r <-> r, z); it is its own inverse.
In the reset-before form every recurrent bias adds to the same sum as the input bias, so
exporting folds ``bias_ih + bias_hh`` into Keras's single bias row.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def swap_zr(t: Tensor, hidden_size: int) -> Tensor:
    """Exchange the first two gate blocks along dim 0: (z, r, h) <-> (r, z, n)."""
    return torch.cat([t[hidden_size : 2 * hidden_size], t[:hidden_size], t[2 * hidden_size :]])


def _as_2d(owner: str, name: str, value, dtype: torch.dtype) -> Tensor:
    t = torch.as_tensor(np.asarray(value), dtype=dtype)
    if t.dim() != 2 or t.shape[1] % 3 != 0:
        raise ValueError(f"{owner}: {name} must be a 2-D array of shape (rows, 3 * units); got shape {tuple(t.shape)}.")
    return t


def keras_to_torch(kernel, recurrent_kernel, bias, *, reset_after: bool, dtype: torch.dtype) -> dict[str, Tensor]:
    """Keras GRU arrays -> a grukit/torch state dict for one layer (names ``..._l0``)."""
    owner = "GRU.from_keras_weights"
    k = _as_2d(owner, "kernel", kernel, dtype)  # (I, 3H)
    rk = _as_2d(owner, "recurrent_kernel", recurrent_kernel, dtype)  # (H, 3H)
    hidden = rk.shape[1] // 3
    if rk.shape[0] != hidden or k.shape[1] != 3 * hidden:
        raise ValueError(
            f"{owner}: recurrent_kernel must be (units, 3 * units) and kernel (input_size, 3 * units); "
            f"got {tuple(rk.shape)} and {tuple(k.shape)}."
        )
    state = {"weight_ih_l0": swap_zr(k.T, hidden), "weight_hh_l0": swap_zr(rk.T, hidden)}
    if bias is None:
        return state
    b = torch.as_tensor(np.asarray(bias), dtype=dtype)
    expected = (2, 3 * hidden) if reset_after else (3 * hidden,)
    if tuple(b.shape) != expected:
        raise ValueError(
            f"{owner}: bias must have shape {expected} for reset_after={reset_after}; got {tuple(b.shape)}. "
            f"Keras keeps a (2, 3 * units) bias only when reset_after=True."
        )
    if reset_after:
        state["bias_ih_l0"], state["bias_hh_l0"] = swap_zr(b[0], hidden), swap_zr(b[1], hidden)
    else:
        state["bias_ih_l0"], state["bias_hh_l0"] = swap_zr(b, hidden), torch.zeros_like(b)
    return state


def torch_to_keras(
    weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None, bias_hh: Tensor | None, *, reset_after: bool
) -> list[np.ndarray]:
    """One layer's torch weights -> [kernel, recurrent_kernel(, bias)] as Keras's get_weights() orders them."""
    hidden = weight_hh.shape[1]

    def to_numpy(t: Tensor) -> np.ndarray:
        return t.detach().cpu().numpy().copy()

    arrays = [to_numpy(swap_zr(weight_ih, hidden).T), to_numpy(swap_zr(weight_hh, hidden).T)]
    if bias_ih is None:
        return arrays
    if reset_after:
        arrays.append(to_numpy(torch.stack([swap_zr(bias_ih, hidden), swap_zr(bias_hh, hidden)])))
    else:
        arrays.append(to_numpy(swap_zr(bias_ih + bias_hh, hidden)))
    return arrays
