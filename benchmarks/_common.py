"""What every benchmark script shares: flags, the machine line, a timed fit, a table, the --out folder.

The scripts import this file as ``_common`` (Python puts the script's folder on ``sys.path``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

import torch

from grukit.train import TrainConfig, fit, seed_everything


def parser(description: str, seeds: list[int], epochs: int | None) -> argparse.ArgumentParser:
    """The flags every benchmark takes; each script adds its own."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--seeds", type=int, nargs="+", default=seeds, help=f"training seeds (default {seeds})")
    p.add_argument("--epochs", type=int, default=epochs,
                   help=f"training epochs (default {'the preset' if epochs is None else epochs})")
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (default 1: fastest for these small models on a shared 2-core machine)")
    p.add_argument("--out", type=Path, default=None, help="folder for results.json (default: write nothing)")
    return p


def setup(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)


def machine() -> str:
    """One line: CPU cores, torch threads, load average, torch version."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{os.cpu_count()} CPU cores, torch {torch.__version__} with {torch.get_num_threads()} thread(s), "
            f"load average {load:.2f} at the start, {platform.machine()}")


def timed_fit(net: torch.nn.Module, loss_fn, train_data, val_data, config: TrainConfig) -> tuple[float, float, object]:
    """``grukit.train.fit`` timed: (wall seconds, CPU seconds of this process, TrainResult).

    On a shared machine the wall time depends on what else runs; the CPU time much less (with one
    thread it is close to the wall time on an idle core, though contention inflates it too).
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = fit(net, loss_fn, train_data, val_data, config)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def warm_up(build, loss_fn, train_data, config: TrainConfig) -> None:
    """One untimed epoch on a throw-away model, so that the first timed seed pays no one-off start-up cost."""
    seed_everything(config.seed)
    fit(build(), loss_fn, train_data, None, TrainConfig(**{**vars(config), "epochs": 1, "patience": 0}))


def gru_backends(net: torch.nn.Module) -> str:
    """Which kernel each grukit GRU inside ``net`` runs ("torch", "fused" or "reference")."""
    found = sorted({m.backend_in_use for m in net.modules() if hasattr(m, "backend_in_use")})
    return "/".join(found) or "none"


def median(values: list[float]) -> float:
    return statistics.median(values)


def gru_name(segment_length: int) -> str:
    """The model's name in the tables."""
    return f"grukit segment GRU (w={segment_length})" if segment_length else "grukit GRU (step-wise)"


def seed_rows(name: str, seeds: list[int], results: list[tuple]) -> list[list]:
    """One row per seed, then the median of every column; none for no results."""
    if not results:
        return []
    rows = [[f"{name}, seed {seed}", *values] for seed, values in zip(seeds, results)]
    return rows + [[f"{name}, median", *(median(list(column)) for column in zip(*results))]]


def table(header: list[str], rows: list[list]) -> str:
    """A fixed-width text table; floats in 4 significant digits."""
    cells = [[_cell(v) for v in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"
    return "" if value is None else str(value)


def save(args: argparse.Namespace, results: dict) -> None:
    """results.json under --out (created); nothing without --out."""
    if args.out is None:
        return
    args.out.mkdir(parents=True, exist_ok=True)
    document = {"args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}, **results}
    (args.out / "results.json").write_text(json.dumps(document, indent=2) + "\n")


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), for the JSON results."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(**versions: str) -> dict:
    """What a results file records about its run: the command, date, torch, CPU, cores, Python, load,
    and ``versions`` of other packages (e.g. sktime="1.2.0")."""
    return {"command": shlex.join([sys.executable, *sys.argv]), "date": datetime.datetime.now().isoformat(),
            "torch": torch.__version__, **versions, "processor": platform.processor(), "cpu_model": cpu_model(),
            "cores": os.cpu_count(), "python": platform.python_version(),
            "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}


def comma_list(text: str, allowed: tuple[str, ...], flag: str) -> list[str]:
    """The names in a comma-separated option value; an unknown or empty one exits with the allowed names."""
    chosen = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in allowed]
    if unknown or not chosen:
        raise SystemExit(f"{flag}: unknown {unknown or 'empty list'}; choose from {','.join(allowed)}")
    return chosen
