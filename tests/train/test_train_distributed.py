"""Data-parallel fit under torchrun: 2 CPU processes take the same steps as 1 process with the same global batch.

The sharding and weighting math is tested in-process; one torchrun launch (2 processes, gloo, one
thread each) then trains a small GRU, interrupts and resumes a run, and runs every `grukit ... train`
command (forecast, lm, music, classify, detect).
"""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from grukit.train.batches import PermutationSampler, ShardedBatchSampler, shard_bounds, step_share
from grukit.train.distributed import is_main_process, launched_by_torchrun

# ----------------------------------------------------------------------------- the pure parts


def test_the_permutation_sampler_gives_dataloaders_shuffled_order_every_epoch():
    data = TensorDataset(torch.arange(23))
    theirs = DataLoader(data, batch_size=5, shuffle=True, generator=torch.Generator().manual_seed(7))
    generator = torch.Generator().manual_seed(7)
    ours = DataLoader(data, batch_size=5, sampler=PermutationSampler(23, generator), generator=generator)
    for _ in range(3):  # the generator advances the same way, epoch after epoch
        assert [b[0].tolist() for b in ours] == [b[0].tolist() for b in theirs]


@pytest.mark.parametrize("world_size", [1, 2, 3, 4])
def test_shards_cover_each_global_batch_in_order_without_overlap(world_size):
    for n in range(1, 12):
        blocks = [shard_bounds(n, world_size, rank) for rank in range(world_size)]
        assert blocks[0][0] == 0 and blocks[-1][1] == n
        assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))  # contiguous, in rank order
        sizes = [hi - lo for lo, hi in blocks]
        assert max(sizes) - min(sizes) <= 1


def test_sharded_batches_split_every_global_batch_and_stand_in_for_an_empty_block():
    global_batches = [[7, 3, 5, 1, 9], [0, 2]]
    per_rank = [list(ShardedBatchSampler(global_batches, 3, rank)) for rank in range(3)]
    assert per_rank == [[[7], [0]], [[3, 5], [0]], [[1, 9], [2]]]
    # rank 0 holds no sample of the last batch: its stand-in sample gets weight 0
    shares = [[step_share(step, 7, 5, 3, rank) for step in range(2)] for rank in range(3)]
    assert shares == [[(1, 0.6), (0, 0.0)], [(2, 1.2), (1, 1.5)], [(2, 1.2), (1, 1.5)]]


def test_weighted_shares_average_to_the_gradient_of_the_whole_batch():
    """What DDP computes, mean_r(weight_r * grad(mean loss of block r)), equals grad(mean loss of the batch)."""
    torch.manual_seed(0)
    x, y = torch.randn(7, 3), torch.randn(7, 1)
    model = torch.nn.Linear(3, 1)

    def gradient(rows, weight=1.0):
        model.zero_grad()
        (weight * torch.nn.functional.mse_loss(model(x[rows]), y[rows])).backward()
        return torch.cat([p.grad.flatten() for p in model.parameters()])

    whole = gradient(slice(0, 7))
    for world_size in (2, 3, 4):
        parts = []
        for rank in range(world_size):
            lo, hi = shard_bounds(7, world_size, rank)
            size, weight = step_share(0, 7, 7, world_size, rank)
            assert size == hi - lo
            parts.append(gradient(slice(lo, hi), weight) if size else torch.zeros_like(whole))
        torch.testing.assert_close(torch.stack(parts).mean(0), whole, rtol=1e-6, atol=1e-7)


def test_outside_torchrun_this_is_the_main_process(monkeypatch):
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert is_main_process() and not launched_by_torchrun()
    monkeypatch.setenv("RANK", "1")
    assert not is_main_process()


def test_fit_outside_torchrun_starts_no_process_group():
    from grukit.train import TrainConfig, fit

    data = TensorDataset(torch.randn(8, 2), torch.randn(8, 1))
    fit(torch.nn.Linear(2, 1), lambda m, b: torch.nn.functional.mse_loss(m(b[0]), b[1]), data, None,
        TrainConfig(epochs=1, progress=False))
    assert not torch.distributed.is_initialized()


# ----------------------------------------------------------------------------- 2 processes under torchrun

SCRIPT = textwrap.dedent('''
    """Run by torchrun in the test below; run_path'd by the test for the 1-process reference."""
    import contextlib, io, json, os, sys
    from pathlib import Path

    import torch

    from grukit.train import TrainConfig, fit, seed_everything


    class Interrupt(Exception):
        pass


    def train_toy(out_dir, resume=False, stop_after=None):
        """A GRU regressor on sine windows: 256 training windows, 4 epochs of 8 global batches of 32."""
        from grukit.models import GRURegressor

        wave = torch.sin(torch.linspace(0, 30, 330))
        windows = wave.unfold(0, 13, 1)  # (318, 13)
        train = torch.utils.data.TensorDataset(windows[:256, :12, None], windows[:256, 12:])
        val = torch.utils.data.TensorDataset(windows[256:, :12, None], windows[256:, 12:])

        def mse(model, batch):
            x, y = batch
            return torch.nn.functional.mse_loss(model(x), y)

        def interrupt(event, state):
            if event == "epoch_end" and state["epoch"] == stop_after:
                raise Interrupt()

        seed_everything(0)
        model = GRURegressor(input_size=1, hidden_size=8)
        config = TrainConfig(epochs=4, batch_size=32, lr=0.02, progress=False, num_threads=1)
        result = fit(model, mse, train, val, config, out_dir=out_dir, resume=resume, callbacks=[interrupt])
        return {"history": result.history, "best_epoch": result.best_epoch,
                "weights": torch.cat([p.detach().flatten() for p in model.parameters()]).tolist()}


    def main(folder):
        runs, rank = folder / "runs", int(os.environ["RANK"])
        writes = []
        if rank != 0:  # every file this process creates, changes or moves under runs/
            def audit(event, args):
                writing = event != "open" or args[2] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)  # open's flags
                if event in ("open", "os.rename", "os.mkdir", "os.remove") and str(args[0]).startswith(str(runs)):
                    if writing:
                        writes.append(f"{event} {args[0]}")
            sys.addaudithook(audit)
        found = {"full": train_toy(runs / "full")}
        with contextlib.suppress(Interrupt):
            train_toy(runs / "resumed", stop_after=2)
        found["resumed"] = train_toy(runs / "resumed", resume=True)

        from grukit.cli import main as grukit
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            found["code"] = grukit(["forecast", "train", str(folder / "data.csv"), "--target", "load",
                                    "--lookback", "24", "--horizon", "6", "--out", str(runs / "forecast"),
                                    "--epochs", "2", "--hidden-size", "8", "--no-progress", "--num-threads", "1"])
        found["stdout"] = stdout.getvalue()
        small = ["--no-progress", "--num-threads", "1", "--epochs", "2", "--hidden-size", "8"]
        for task, argv in (("lm", ["--text", str(folder / "text.txt"), "--batch-size", "4", "--chunk-length", "8"]),
                           ("music", ["--data", str(folder / "rolls.json"), "--batch-size", "2"]),
                           ("classify", []), ("detect", [])):  # the last two on their bundled datasets
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                found[f"{task}_code"] = grukit([task, "train", *argv, *small, "--out", str(runs / task)])
            found[f"{task}_stdout"] = stdout.getvalue()
        found["writes"] = writes
        (folder / f"rank{rank}.json").write_text(json.dumps(found))


    if __name__ == "__main__":
        main(Path(sys.argv[1]))
''')


@pytest.fixture(scope="module")
def torchrun_run(tmp_path_factory):
    """One torchrun launch of SCRIPT with 2 CPU processes; returns (folder, results per rank)."""
    folder = tmp_path_factory.mktemp("ddp")
    (folder / "script.py").write_text(SCRIPT)
    n = 120
    pd.DataFrame({"date": pd.date_range("2021-01-01", periods=n, freq="h"),
                  "load": np.sin(np.arange(n) / 5.0) + 2.0}).to_csv(folder / "data.csv", index=False)
    (folder / "text.txt").write_text("abcdefgh" * 150)
    chords = [[60, 64, 67], [65, 69, 72], [67, 71, 74]]
    rolls = {split: [[chords[(s + t) % 3] for t in range(6 + s)] for s in range(n)]
             for split, n in (("train", 6), ("valid", 2), ("test", 2))}
    (folder / "rolls.json").write_text(json.dumps(rolls))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    completed = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
         str(folder / "script.py"), str(folder)], env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return folder, [json.loads((folder / f"rank{r}.json").read_text()) for r in range(2)]


def test_two_processes_learn_and_end_with_identical_weights(torchrun_run):
    _, (rank0, rank1) = torchrun_run
    losses = [row["train_loss"] for row in rank0["full"]["history"]]
    assert losses[-1] < 0.2 * losses[0]
    # the same metrics, best epoch and weights, bit for bit
    assert _metrics(rank0["full"]) == _metrics(rank1["full"]) and rank0["full"]["weights"] == rank1["full"]["weights"]
    assert rank0["full"]["best_epoch"] == rank1["full"]["best_epoch"] == 4


def _metrics(run: dict) -> list[dict]:
    """The history without its wall-time column."""
    return [{k: v for k, v in row.items() if k != "seconds"} for row in run["history"]]


def test_two_processes_match_one_process_with_the_same_global_batch(torchrun_run):
    """2 processes x 16 samples against 1 process x 32, both batch_size=32 (the global batch).

    Every step sees the same 32 samples; only float32 rounding differs (each process's mean over 16
    and gloo's average of the two gradients, against one mean over 32: ~1e-7 relative per step),
    which 32 AdamW steps keep far below the tolerance of 1e-4.
    """
    folder, (rank0, _) = torchrun_run
    alone = runpy.run_path(str(folder / "script.py"))["train_toy"](None)
    for key in ("train_loss", "val_loss", "grad_norm"):
        np.testing.assert_allclose([row[key] for row in rank0["full"]["history"]],
                                   [row[key] for row in alone["history"]], rtol=1e-4)
    np.testing.assert_allclose(rank0["full"]["weights"], alone["weights"], rtol=1e-4, atol=1e-5)
    assert rank0["full"]["best_epoch"] == alone["best_epoch"]


def test_resume_under_torchrun_equals_the_uninterrupted_run(torchrun_run):
    _, (rank0, rank1) = torchrun_run
    for found in (rank0, rank1):
        assert _metrics(found["resumed"]) == _metrics(found["full"])
        assert found["resumed"]["weights"] == found["full"]["weights"]


def test_only_process_0_writes_files_and_prints(torchrun_run):
    folder, (rank0, rank1) = torchrun_run
    assert rank1["writes"] == [] and rank0["code"] == rank1["code"] == 0
    runs = folder / "runs"
    assert sorted(str(p.relative_to(runs / "full")) for p in (runs / "full").rglob("*") if p.is_file()) == [
        "checkpoint/last.json", "checkpoint/last.safetensors", "metrics.csv"]
    assert len((runs / "resumed" / "metrics.csv").read_text().splitlines()) == 1 + 4
    assert (runs / "forecast" / "model.safetensors").is_file() and (runs / "forecast" / "report.html").is_file()
    assert "Cross-validation metrics (original scale, horizon 6)" in rank0["stdout"] and "report:" in rank0["stdout"]
    assert rank1["stdout"] == ""


def test_every_other_train_command_runs_under_torchrun_with_process_0_writing(torchrun_run):
    folder, (rank0, rank1) = torchrun_run
    for task, report in (("lm", "validation: "), ("music", "parameters:"), ("classify", "test accuracy"),
                         ("detect", "threshold")):
        assert rank0[f"{task}_code"] == rank1[f"{task}_code"] == 0
        assert (folder / "runs" / task / "model.safetensors").is_file()
        assert report in rank0[f"{task}_stdout"] and rank1[f"{task}_stdout"] == ""
    assert rank1["writes"] == []
