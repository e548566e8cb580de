"""kill -9 during training, then the same command with --resume: is the result the uninterrupted one?

For each of the five train commands (forecast, classify, detect, lm, music), on small data
written here:

1. one uninterrupted run into ``whole/``;
2. ``--kills`` times: start the same run into ``killed-i/``, send SIGKILL after a random delay
   between the first checkpoint and the expected end of the run, then run the same command with
   ``--resume`` until it exits 0;
3. compare ``model.safetensors`` byte for byte, and ``metrics.json`` with the per-epoch ``seconds``
   (wall time, which no two runs share) left out.

Every run uses one thread (``--num-threads 1``) and the same seed, so equal means equal. A kill
that lands after the run ended counts as "finished before the kill" and is reported, not hidden.

    python benchmarks/kill_resume.py --kills 10 --seed 0
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import _common


def _data(folder: Path) -> dict[str, list[str]]:
    """argv (after ``grukit``) of each command, on small data written into ``folder``."""
    rng = np.random.default_rng(0)
    t = np.arange(300)
    forecast = folder / "series.csv"
    pd.DataFrame({"date": pd.date_range("2020-01-01", periods=300, freq="D").strftime("%Y-%m-%d"),
                  "y": 10 + np.sin(t / 7) + 0.1 * rng.standard_normal(300)}).to_csv(forecast, index=False)
    sequences = folder / "sequences.csv"
    rows = [{"id": i, "label": "up" if i % 2 else "down", **{f"t{k}": (k if i % 2 else -k) / 10
                                                              + 0.3 * rng.standard_normal() for k in range(30)}}
            for i in range(120)]
    pd.DataFrame(rows).to_csv(sequences, index=False)
    text = folder / "text.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 400)
    stream = folder / "stream.csv"
    pd.DataFrame({"timestamp": pd.date_range("2020-01-01", periods=2000, freq="h").strftime("%Y-%m-%d %H:%M:%S"),
                  "value": np.sin(np.arange(2000) / 24 * 2 * np.pi) + 0.1 * rng.standard_normal(2000)}
                 ).to_csv(stream, index=False)
    music = folder / "music.json"
    chords = [[60, 64, 67], [65, 69, 72], [67, 71, 74]]
    music.write_text(json.dumps({split: [[chords[(s + k) % 3] for k in range(24)] for s in range(n)]
                                 for split, n in (("train", 24), ("valid", 6), ("test", 6))}))
    common = ["--num-threads", "1", "--quiet", "--seed", "0"]
    return {
        "forecast train": ["forecast", "train", str(forecast), "--epochs", "60", "--ensemble", "2", "--horizon", "7",
                           "--cv-windows", "1", *common],
        "classify train": ["classify", "train", str(sequences), "--label-col", "label", "--id-col", "id",
                           "--epochs", "60", "--hidden-size", "16", *common],
        "detect train": ["detect", "train", str(stream), "--epochs", "80", "--patience", "0", *common],
        "lm train": ["lm", "train", str(text), "--epochs", "12", "--hidden-size", "32", "--chunk-length", "32",
                     "--batch-size", "8", *common],
        "music train": ["music", "train", str(music), "--epochs", "120", "--hidden-size", "16", "--patience", "0",
                        *common],
    }


def _run(argv: list[str], out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grukit", *argv, "--out", str(out), *extra],
                          capture_output=True, text=True)


def _without_seconds(value):
    if isinstance(value, dict):
        return {k: _without_seconds(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_without_seconds(v) for v in value]
    return value


def _same(a: Path, b: Path) -> tuple[bool, bool]:
    weights = (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    metrics = _without_seconds(json.loads((a / "metrics.json").read_text())) == _without_seconds(
        json.loads((b / "metrics.json").read_text()))
    return weights, metrics


def trial(argv: list[str], folder: Path, whole: Path, seconds: float, rng: random.Random) -> dict:
    """One kill at a random moment, then --resume until done; returns what happened."""
    out = folder / "killed"
    partial = folder / ".killed.partial"
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "grukit", *argv, "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not any(partial.rglob("last.json")) and process.poll() is None:
        time.sleep(0.01)
    first_checkpoint = time.monotonic() - started
    delay = rng.uniform(0.0, max(0.05, seconds - first_checkpoint) * 0.9)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = process.returncode == -signal.SIGKILL
    resumes = 0
    while killed and resumes < 3:
        resumes += 1
        done = _run(argv, out, "--resume")
        if done.returncode == 0:
            break
    weights, metrics = _same(whole, out) if (out / "model.safetensors").exists() else (False, False)
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(partial, ignore_errors=True)
    return {"killed": killed, "at_s": round(first_checkpoint + delay, 2), "weights": weights, "metrics": metrics}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10, help="kills per command (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments (default 0)")
    parser.add_argument("--commands", default=None, help="comma list, e.g. 'music train' (default all)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        commands = _data(root)
        chosen = [c.strip() for c in args.commands.split(",")] if args.commands else list(commands)
        print(f"kill -9 then --resume, {args.kills} kills per command; {_common.machine()}")
        for name in chosen:
            argv = commands[name]
            folder = root / name.replace(" ", "_")
            folder.mkdir()
            started = time.monotonic()
            whole = _run(argv, folder / "whole")
            seconds = time.monotonic() - started
            if whole.returncode != 0:
                raise SystemExit(f"{name}: the uninterrupted run failed:\n{whole.stderr[-2000:]}")
            results = [trial(argv, folder, folder / "whole", seconds, rng) for _ in range(args.kills)]
            killed = [r for r in results if r["killed"]]
            equal = [r for r in killed if r["weights"] and r["metrics"]]
            print(f"{name}: run {seconds:.1f} s; killed {len(killed)} of {len(results)} times (the others had "
                  f"finished); resumed to the identical weights and metrics {len(equal)} of {len(killed)}; "
                  f"kill moments {sorted(r['at_s'] for r in killed)}")
            for r in killed:
                if not (r["weights"] and r["metrics"]):
                    print(f"  differs after a kill at {r['at_s']} s: weights equal {r['weights']}, metrics equal "
                          f"{r['metrics']}")


if __name__ == "__main__":
    main()
