"""Training over 1k, 10k and 100k series: peak memory and windows per second of one epoch.

Protocol: synthetic series (sines with random phase and period plus noise, 32 rows each, float32)
are written to a .npy file in a temporary folder; a fresh process per series count opens it as a
memory map, builds a ``LazyWindowDataset`` (lookback 16, horizon 4, stride 1: 13 windows a series)
and trains a GRURegressor (hidden 16) for one epoch of ``grukit.train.fit`` (batch 1024, one
thread). Reported: windows per second of that epoch, the process's peak resident memory (RSS, from
getrusage) and its growth over the process after imports, the dataset's own index bytes, and what
the windows would take if they were materialised as float32 arrays. ``--eager`` adds the same run
with ``WindowDataset`` over in-memory per-series arrays and its (M, 2) index, for comparison.

Run (about 2 minutes on 2 busy cores):

    python benchmarks/many_series.py
    python benchmarks/many_series.py --counts 1000 10000 --eager
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LENGTH, LOOKBACK, HORIZON, HIDDEN, BATCH = 32, 16, 4, 16, 1024


def write_series(folder: Path, count: int, seed: int = 0) -> None:
    """``count`` noisy sines of LENGTH rows into folder/values.npy (written in chunks) and offsets.npy."""
    rng = np.random.default_rng(seed)
    values = np.lib.format.open_memmap(folder / "values.npy", mode="w+", dtype=np.float32, shape=(count * LENGTH, 1))
    steps = np.arange(LENGTH)
    for lo in range(0, count, 10_000):
        n = min(10_000, count - lo)
        phase, period = rng.uniform(0, 2 * np.pi, (n, 1)), rng.uniform(6, 24, (n, 1))
        wave = np.sin(phase + 2 * np.pi * steps / period) + 0.1 * rng.normal(size=(n, LENGTH))  # (n, LENGTH)
        values[lo * LENGTH : (lo + n) * LENGTH, 0] = wave.reshape(-1)
    values.flush()
    del values
    np.save(folder / "offsets.npy", np.arange(count + 1, dtype=np.int64) * LENGTH)  # the layout of save_series


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def child(folder: Path, eager: bool) -> dict:
    """One epoch over the series in ``folder``, in this fresh process."""
    import torch

    from grukit.data import window_index
    from grukit.data.lazy_windows import LazyWindowDataset, open_series
    from grukit.data.torch_dataset import WindowDataset
    from grukit.models import GRURegressor
    from grukit.train import TrainConfig, fit, seed_everything

    torch.set_num_threads(1)
    base = peak_rss_mb()
    values, offsets = open_series(folder)
    if eager:
        series = [np.array(values[a:b]) for a, b in zip(offsets[:-1], offsets[1:])]  # in memory, one per series
        index = window_index([(0, len(s)) for s in series], LOOKBACK, HORIZON)  # (M, 2)
        dataset = WindowDataset(series, series, index, LOOKBACK, HORIZON)
        index_bytes = index.nbytes
    else:
        dataset = LazyWindowDataset(values, offsets, LOOKBACK, HORIZON)
        index_bytes = dataset.index_nbytes

    def loss_fn(model, batch):
        x, y = batch  # (B, T, 1), (B, K, 1)
        return torch.nn.functional.mse_loss(model(x), y[..., 0])

    seed_everything(0)
    model = GRURegressor(input_size=1, hidden_size=HIDDEN, output_size=HORIZON)
    started = time.perf_counter()
    result = fit(model, loss_fn, dataset, None, TrainConfig(epochs=1, batch_size=BATCH, lr=1e-2, progress=False,
                                                            num_threads=1))
    seconds = time.perf_counter() - started
    return {"series": len(offsets) - 1, "windows": len(dataset), "seconds": seconds,
            "windows_per_s": len(dataset) / seconds, "peak_rss_mb": peak_rss_mb(), "growth_mb": peak_rss_mb() - base,
            "index_mb": index_bytes / 2**20, "materialised_mb": len(dataset) * (LOOKBACK + HORIZON) * 4 / 2**20,
            "data_mb": values.nbytes / 2**20, "train_loss": result.history[-1]["train_loss"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--counts", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="series counts")
    p.add_argument("--eager", action="store_true", help="also run WindowDataset over in-memory arrays")
    p.add_argument("--out", type=Path, default=None, help="folder for results.json (default: write nothing)")
    p.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--child-eager", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.child_eager)))
        return

    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPU cores, 1 torch thread, load average {load:.2f} at the start; series of {LENGTH} rows, "
          f"lookback {LOOKBACK}, horizon {HORIZON}, GRU hidden {HIDDEN}, batch {BATCH}, one epoch")
    rows = []
    header = ("dataset", "series", "windows", "windows/s", "peak RSS MB", "RSS growth MB", "index MB",
              "data MB", "windows as arrays MB")
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for count in args.counts:
        with tempfile.TemporaryDirectory(prefix="grukit-many-series-") as folder:
            write_series(Path(folder), count)
            for eager in ([False, True] if args.eager else [False]):
                command = [sys.executable, __file__, "--child", folder] + (["--child-eager"] if eager else [])
                found = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
                found["dataset"] = "WindowDataset (eager index)" if eager else "LazyWindowDataset (memmap)"
                rows.append(found)
                print(f"| {found['dataset']} | {found['series']:,} | {found['windows']:,} | "
                      f"{found['windows_per_s']:,.0f} | {found['peak_rss_mb']:.0f} | {found['growth_mb']:.0f} | "
                      f"{found['index_mb']:.2f} | {found['data_mb']:.1f} | {found['materialised_mb']:.0f} |",
                      flush=True)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps({"load": load, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
