"""What the fused CPU kernels report about themselves, for benchmarks and bug reports.

The kernels' loader and buffer pool stay private (:mod:`grukit.nn._kernel`, :mod:`grukit.nn._buffers`);
these two functions are what code outside ``grukit.nn`` may rely on.
"""

from __future__ import annotations

__all__ = ["kernel_info", "release_buffers"]


def kernel_info() -> str:
    """One line on the fused GRU kernel: its build or why it is unavailable.

    The build's line names the instruction set that runs and its vector width, e.g. "C kernel,
    ISA avx2 (256-bit vectors), OpenMP threads; PATH" (``GRUKIT_ISA`` chooses it; see
    :mod:`grukit.nn._kernel`). Loads the kernel built at install time, or compiles it if there is none,
    like the first fused GRU call would.
    """
    from grukit.nn import _kernel

    kernel = _kernel.load()
    return kernel.describe() if kernel else f"unavailable: {_kernel.unavailable_reason()}"


def release_buffers() -> None:
    """Drop the fused backend's recycled work buffers (before measuring peak memory)."""
    from grukit.nn import _buffers

    _buffers.clear()
