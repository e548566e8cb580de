"""backend="auto": the fastest backend that can run the options on this device, by a calibrated rule.

The rule, in order:

1. Off the CPU, or for dtypes other than float32/float64, or without the fused kernel (no C
   compiler, ``GRUKIT_FUSED=0``): "torch" (cuDNN on GPU) when the options allow, else "reference".
2. On the CPU, sequences of at least ``SHORT_SEQUENCE`` = 8 steps: "fused".
3. Shorter sequences: "torch" when the options allow. Otherwise "fused", except a single step
   with ``hidden_size >= LARGE_HIDDEN`` = 256, which goes to "reference".

Why: the fused kernel's fixed costs grow with the weights, not with the data (packing W_ih and
W_hh once per call, and in training summing every thread's share of dW), while torch.nn.GRU pays
per time step. Calibration (``grukit bench gru``, 2-core AVX-512 CPU under load, float32, B in
{1, 2, 8}, T in {1, 8, 32, 128}, H in {64, 256, 1024}, I = 32, 1 and 2 threads, forward and
forward + backward): fused was faster than torch.nn.GRU in every case with T >= 8 (lowest ratio
1.12 at B=1, T=8, H=1024, forward, one thread; typically 2-20x), and slower in most cases with
T = 1 (ratios 0.06 to 0.99, lowest at H = 1024 in training). Against the reference loop it lost
only at T = 1 with H >= 256. The benchmarked workloads (T = 50 to 256) are all far above 8.
"""

from __future__ import annotations

import torch

from grukit.nn import _fused

SHORT_SEQUENCE = 8
LARGE_HIDDEN = 256


def choose_backend(device: torch.device, dtype: torch.dtype, hidden_size: int, torch_can_run: bool,
                   steps: int | None = None) -> str:
    """The backend "auto" runs; ``steps`` is the sequence length when known (None: assume long)."""
    plain = "torch" if torch_can_run else "reference"
    if _fused.unavailable_reason(device, dtype) is not None:
        return plain
    if steps is None or steps >= SHORT_SEQUENCE:
        return "fused"
    if torch_can_run:
        return "torch"
    return "reference" if steps == 1 and hidden_size >= LARGE_HIDDEN else "fused"
