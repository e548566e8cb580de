"""Run by test_kernel_isa.py in a fresh process whose GRUKIT_ISA and GRUKIT_CACHE_DIR it sets:
the fused GRU, built for that instruction set, against torch.nn.GRU on copied weights (values and
every gradient, see :func:`helpers.kernel.assert_matches_torch`), then one line
``ISA VECTOR_BITS`` and the kernel's own description.

Usage: ``PYTHONPATH=tests python -m helpers.isa_parity``; exits non-zero on any difference, and
when the kernel is unavailable (a fallback to torch would compare torch with itself).
"""

from __future__ import annotations

import sys
import warnings

import torch

from grukit.nn import GRU, _kernel
from helpers.kernel import assert_matches_torch

# (batch, steps, input_size, hidden_size, num_layers, bidirectional, dtype, threads)
CASES = [
    (3, 5, 4, 6, 1, False, torch.float64, 1),  # less than one vector of units
    (29, 12, 13, 37, 2, True, torch.float32, 2),  # tails in every width, two directions on two threads
    (130, 6, 3, 20, 2, False, torch.float32, 1),  # the batch-in-lanes layout where it is used (AVX-512, AVX2)
    (4, 7, 16, 64, 1, False, torch.float32, 1),  # whole vectors only
]


def check_case(batch, steps, input_size, hidden_size, layers, bidirectional, dtype, threads) -> None:
    """A training step and an inference call of the fused GRU match torch.nn.GRU's."""
    torch.manual_seed(0)
    theirs = torch.nn.GRU(input_size, hidden_size, layers, bidirectional=bidirectional, dtype=dtype)
    ours = GRU(input_size, hidden_size, layers, bidirectional=bidirectional, dtype=dtype, backend="fused")
    ours.load_state_dict(theirs.state_dict())
    assert ours.backend_in_use == "fused", ours.backend_in_use
    x = torch.randn(steps, batch, input_size, dtype=dtype)
    h0 = torch.randn(layers * (2 if bidirectional else 1), batch, hidden_size, dtype=dtype)
    assert_matches_torch(theirs, ours, x, h0, threads)


def main() -> int:
    warnings.simplefilter("error")  # a fallback to another backend warns: make it fail
    kernel = _kernel.load()
    if kernel is None:
        print(f"the fused kernel is unavailable: {_kernel.unavailable_reason()}", file=sys.stderr)
        return 1
    for case in CASES:
        check_case(*case)
    print(kernel.isa, kernel.vector_bits)
    print(kernel.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
