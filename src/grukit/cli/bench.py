"""``grukit bench gru``: grukit's GRU backends against torch.nn.GRU, timed in one process."""

from __future__ import annotations

import json
from pathlib import Path

import click

BACKENDS = ("fused", "auto", "torch", "reference")


@click.group()
def bench() -> None:
    """Benchmarks run in this process against PyTorch's own layers."""


@bench.command()
@click.option("--shape", "shapes", multiple=True, metavar="B,T,I,H,L",
              help="batch, steps, input_size, hidden_size, num_layers; repeat for several. "
                   "Default: the benchmark grid (inference at batch 1, the sine-wave tutorial's 2-layer GRU "
                   "of 20 units, ETTh1-like, two larger ones).")
@click.option("--backend", "backends", multiple=True, type=click.Choice(BACKENDS), default=("fused",),
              show_default=True, help="grukit backends to time next to torch.nn.GRU; repeat for several.")
@click.option("--mode", type=click.Choice(["forward", "train", "both"]), default="both", show_default=True,
              help="forward: inference under no_grad; train: forward + backward.")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="torch.set_num_threads for every backend and for torch.nn.GRU.")
@click.option("--repeats", type=click.IntRange(min=1), default=5, show_default=True,
              help="timed runs per backend (after one warm-up); the median is reported.")
@click.option("--dtype", type=click.Choice(["float32", "float64"]), default="float32", show_default=True)
@click.option("--no-memory", is_flag=True, help="Skip the peak-memory run of each backend.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the results as JSON here.")
def gru(shapes: tuple[str, ...], backends: tuple[str, ...], mode: str, threads: int, repeats: int, dtype: str,
        no_memory: bool, json_path: Path | None) -> None:
    """Time GRU forward and forward+backward of each backend against torch.nn.GRU.

    Every model runs in turn, run after run, so a busy machine slows all alike; the table shows
    median milliseconds, ratio = torch.nn.GRU's time / the backend's (above 1: faster), GFLOP/s
    of the matrix products, microseconds per time step and the peak memory of one run.
    """
    import torch

    from grukit.bench import DEFAULT_GRID, MODES, Shape, bench_shape, format_table
    from grukit.nn.kernel import kernel_info

    try:
        parsed = [Shape.parse(text) for text in (shapes or DEFAULT_GRID)]
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--shape")
    click.echo(f"torch {torch.__version__}, {threads} thread(s), {dtype}; fused kernel: {kernel_info()}")
    modes = MODES if mode == "both" else (mode,)
    results = []
    for shape in parsed:
        results += bench_shape(shape, list(backends), modes, threads, repeats, getattr(torch, dtype),
                               memory=not no_memory)
        click.echo(format_table([r for r in results if r.shape == shape]) + "\n")
    if json_path is not None:
        rows = [{"shape": str(r.shape), "mode": r.mode, "backend": r.backend, "threads": r.threads,
                 "seconds": r.seconds, "ratio": r.ratio, "gflops": r.gflops, "step_us": r.step_us,
                 "peak_mb": r.peak_mb} for r in results]
        json_path.write_text(json.dumps(rows, indent=2) + "\n")
        click.echo(f"results: {json_path}")
