"""Time grukit.nn.GRU's backends against torch.nn.GRU in the same process.

For each shape B,T,I,H,L (fields batch, steps, input_size, hidden_size, num_layers; letters of the
legend in :mod:`grukit.nn.functional`) and mode, every backend and ``torch.nn.GRU`` (with the same
weights) run in turn, ``repeats`` times after a warm-up, so that a busy machine slows all of them
alike; the median is reported. Calls shorter than 20 ms are timed in batches (the mean of a batch
is one sample).

Modes: "forward" runs under ``torch.no_grad()`` (inference); "train" is forward plus backward of
``output.sum() + h_n.sum()``, the gradients of the parameters and of nothing else.

Reported per backend: median seconds, ratio = torch.nn.GRU's time / the backend's time (above 1
is faster), GFLOP/s of the matrix products, time per step (seconds / T) and peak memory (the
rise of the process's peak resident size during one run, Linux only; the fused kernel's
per-thread work buffers, O(B * 3H) values, stay resident between runs and are not counted).

The fused kernel runs the instruction set ``GRUKIT_ISA`` chooses (native, avx512, avx2 or
portable; see :mod:`grukit.nn._kernel`), so that one machine can compare vector widths, e.g.
``GRUKIT_ISA=avx2 grukit bench gru``; :func:`grukit.nn.kernel.kernel_info`, printed first by
``grukit bench gru``, names the ISA that ran and its vector width.
"""

from __future__ import annotations

import ctypes
import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from grukit.nn import GRU
from grukit.nn.kernel import release_buffers

BASELINE = "torch.nn.GRU"
MODES = ("forward", "train")
# The benchmark grid: inference at batch 1, the sine-wave tutorial's 2-layer GRU of 20 units (800 windows of
# 50 steps), ETTh1-like, a mid-size and a large one.
DEFAULT_GRID = ("1,96,7,64,1", "800,50,1,20,2", "256,96,7,64,1", "64,256,64,128,1", "128,256,512,512,1")


@dataclass(frozen=True)
class Shape:
    batch: int
    steps: int
    input_size: int
    hidden_size: int
    num_layers: int

    @classmethod
    def parse(cls, text: str) -> Shape:
        """"B,T,I,H,L" -> Shape; a ValueError says what was wrong."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 5 or not all(p.isdigit() and int(p) > 0 for p in parts):
            raise ValueError(f"a shape is five positive integers B,T,I,H,L (batch, steps, input_size, "
                             f"hidden_size, num_layers), e.g. 800,50,1,20,2; got {text!r}.")
        return cls(*map(int, parts))

    def __str__(self) -> str:
        return f"{self.batch},{self.steps},{self.input_size},{self.hidden_size},{self.num_layers}"

    def flops(self, mode: str) -> float:
        """FLOPs of the matrix products: 2 * 3H * (I_l + H) per row, step and layer; x3 to train."""
        per_row = sum(2 * 3 * self.hidden_size * ((self.input_size if layer == 0 else self.hidden_size)
                                                  + self.hidden_size) for layer in range(self.num_layers))
        forward = float(per_row) * self.batch * self.steps
        return forward * 3 if mode == "train" else forward


@dataclass(frozen=True)
class Result:
    shape: Shape
    mode: str
    backend: str
    threads: int
    seconds: float  # median
    ratio: float  # torch.nn.GRU's median / this one's
    peak_mb: float | None  # None where it cannot be measured

    @property
    def gflops(self) -> float:
        return self.shape.flops(self.mode) / self.seconds / 1e9

    @property
    def step_us(self) -> float:
        return self.seconds / self.shape.steps * 1e6


def _models(shape: Shape, backends: list[str], dtype: torch.dtype) -> dict[str, torch.nn.Module]:
    torch.manual_seed(0)
    base = torch.nn.GRU(shape.input_size, shape.hidden_size, shape.num_layers, batch_first=True, dtype=dtype)
    models: dict[str, torch.nn.Module] = {BASELINE: base}
    for backend in backends:
        model = GRU(shape.input_size, shape.hidden_size, shape.num_layers, batch_first=True, dtype=dtype,
                    backend=backend)
        model.load_state_dict(base.state_dict())
        in_use = model.backend_in_use
        models[backend if in_use == backend else f"{backend} ({in_use})"] = model
    return models


def _runner(model: torch.nn.Module, x: torch.Tensor, mode: str) -> Callable[[], None]:
    if mode == "forward":
        def run() -> None:
            with torch.no_grad():
                model(x)
    else:
        def run() -> None:
            model.zero_grad(set_to_none=True)
            output, h_n = model(x)
            (output.sum() + h_n.sum()).backward()
    return run


def interleaved_medians(runs: dict[str, Callable[[], None]], repeats: int) -> dict[str, float]:
    """Median seconds per call of each run; the runs take turns, so a busy machine slows them all alike.

    Each run is warmed up first; short calls are timed in batches of at least 20 ms.
    """
    calls = {name: _calls_per_sample(run) for name, run in runs.items()}  # also the warm-up
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            started = time.perf_counter()
            for _ in range(calls[name]):
                run()
            times[name].append((time.perf_counter() - started) / calls[name])
    return {name: statistics.median(values) for name, values in times.items()}


def _calls_per_sample(run: Callable[[], None], min_seconds: float = 0.02) -> int:
    """Calls per timed sample, so that short calls are timed in batches of at least min_seconds."""
    run()  # warm-up, and the fused kernel's first-use build
    started = time.perf_counter()
    run()
    once = max(time.perf_counter() - started, 1e-7)
    return max(1, min(1000, int(min_seconds / once)))


def peak_rss_rise_mb(run: Callable[[], None]) -> float | None:
    """How far one call raises the process's peak resident memory, in MB (Linux; else None)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        release_buffers()  # the fused backend's recycled buffers would otherwise be resident already
        gc.collect()
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed memory back, so reuse does not hide it
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset the peak (VmHWM) to the current resident size
        before = _status_kb("VmHWM")
        run()
        return (_status_kb("VmHWM") - before) / 1024
    except OSError:
        return None


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} is not in /proc/self/status")


def bench_shape(shape: Shape, backends: list[str], modes: tuple[str, ...] = MODES, threads: int = 1,
                repeats: int = 5, dtype: torch.dtype = torch.float32, memory: bool = True) -> list[Result]:
    """Median times of every backend and of torch.nn.GRU, interleaved run by run; see the module doc."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        models = _models(shape, backends, dtype)
        x = torch.randn(shape.batch, shape.steps, shape.input_size, dtype=dtype)
        results = []
        for mode in modes:
            runs = {name: _runner(model, x, mode) for name, model in models.items()}
            medians = interleaved_medians(runs, repeats)
            for name, run in runs.items():
                peak = peak_rss_rise_mb(run) if memory else None
                results.append(Result(shape, mode, name, threads, medians[name], medians[BASELINE] / medians[name],
                                      peak))
        return results
    finally:
        torch.set_num_threads(previous)


def format_table(results: list[Result]) -> str:
    """A plain-text table, one row per shape, mode and backend."""
    header = ("shape B,T,I,H,L", "mode", "backend", "threads", "ms", "ratio", "GFLOP/s", "us/step", "peak MB")
    rows = [header]
    for r in results:
        peak = "n/a" if r.peak_mb is None else f"{r.peak_mb:.1f}"
        rows.append((str(r.shape), r.mode, r.backend, str(r.threads), f"{r.seconds * 1e3:.2f}", f"{r.ratio:.2f}",
                     f"{r.gflops:.1f}", f"{r.step_us:.1f}", peak))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) if i >= 3 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
