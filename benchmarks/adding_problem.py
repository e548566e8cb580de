"""The adding problem (Hochreiter & Schmidhuber 1997), T = 600: a long-range memory check for a GRU.

Each sequence has T steps of two input channels: a value drawn uniformly from [0, 1) and a marker
that is 1 at exactly two steps, one in the first half and one in the second half, and 0 elsewhere.
The target is the sum of the two marked values. Predicting the mean sum (1.0) whatever the
input scores an MSE of 1/6 = 0.167; a model must carry the first marked value across up to 599
steps to do better. Published (Bai, Kolter & Koltun 2018, "An Empirical Evaluation of Generic
Convolutional and Recurrent Networks", Table 1, T = 600): GRU 5.3e-5, LSTM 0.164, tanh RNN 0.167.

Protocol: a one-layer ``grukit.nn.GRU`` (hidden 128) reads the whole sequence and a linear layer
maps its last state to the sum; trained with ``grukit.train.fit`` (AdamW, MSE, gradient norm
clipped to 1) on fresh random batches (every training batch is new data). Every "epoch" of
``--steps-per-epoch`` mini-batches ends with the MSE on a fixed validation set of 1,000 sequences
(which ``fit`` uses to keep the best weights) and, for the record only, on a separate test set of
1,000 sequences. Reported: the training steps (mini-batches) until the test MSE first reaches
1e-3, and the final test MSE of the kept weights. The run stops ``--extra-epochs`` after the
target or when the process has used ``--budget`` CPU seconds (on a shared machine the wall time
runs longer).

Measured (2 shared CPU cores at load average 8-11, one thread, seed 0): test MSE 7.2e-4 after 1,900
steps of 32 sequences (890 s of wall time, so at most that much CPU time), the first check at or
below 1e-3; the plateau at the trivial 0.167 lasted about 1,100 steps. Final test MSE 3.5e-4 (the
weights of step 2,350, kept by validation MSE). See BENCHMARKS.md ("Adding problem").

Run (CPU, one thread; at most ``--budget`` CPU seconds of training, default 900):

    python benchmarks/adding_problem.py
    python benchmarks/adding_problem.py --budget 1200 --out runs/adding     # the recorded run, to step 2,400
"""

from __future__ import annotations

import time

import _common
import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from grukit.nn import GRU
from grukit.train import STOP, TrainConfig, fit

TARGET = 1e-3
TRIVIAL = 1.0 / 6.0  # MSE of always answering 1.0: Var(U1 + U2) = 2/12


def adding_batch(rng: np.random.Generator, size: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """``size`` sequences of the adding problem: inputs (N, T, 2) float32 and targets (N, 1).

    Channel 0 holds U[0, 1) values, channel 1 the two markers (one in steps [0, T/2), one in
    [T/2, T)); target = sum of the two marked values.

    Example:
        >>> x, y = adding_batch(np.random.default_rng(0), 4, 10)
        >>> x.shape, y.shape, x[:, :, 1].sum(axis=1).tolist()
        ((4, 10, 2), (4, 1), [2.0, 2.0, 2.0, 2.0])
    """
    values = rng.random((size, length), dtype=np.float32)  # (N, T)
    half = length // 2
    first = rng.integers(0, half, size)
    second = rng.integers(half, length, size)
    markers = np.zeros((size, length), dtype=np.float32)  # (N, T)
    rows = np.arange(size)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    targets = (values[rows, first] + values[rows, second])[:, None]  # (N, 1)
    return np.stack([values, markers], axis=-1), targets  # (N, T, 2), (N, 1)


class FreshBatches(Dataset):
    """``batches`` new mini-batches per pass, drawn from one seeded stream: every item is a whole batch.

    ``fit`` runs it with ``batch_size=1`` and :func:`first` as collate_fn; the stream never repeats.
    """

    def __init__(self, batches: int, batch_size: int, length: int, seed: int) -> None:
        self.batches, self.batch_size, self.length = batches, batch_size, length
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.batches

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = adding_batch(self.rng, self.batch_size, self.length)
        return torch.from_numpy(x), torch.from_numpy(y)


def first(items: list):
    """collate_fn for datasets whose items are already batches."""
    return items[0]


def fixed_set(size: int, length: int, seed: int, batch_size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """A fixed evaluation set as a list of whole batches (x (B, T, 2), y (B, 1))."""
    x, y = adding_batch(np.random.default_rng(seed), size, length)
    xs, ys = torch.from_numpy(x).split(batch_size), torch.from_numpy(y).split(batch_size)
    return list(zip(xs, ys))


class AddingNet(nn.Module):
    """GRU over (B, T, 2), linear layer on the last state -> (B, 1)."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.gru = GRU(2, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, h_n = self.gru(x)  # (1, B, H)
        return self.head(h_n[-1])  # (B, 1)


def mse_loss(model: nn.Module, batch) -> torch.Tensor:
    x, y = batch  # (B, T, 2), (B, 1)
    return nn.functional.mse_loss(model(x), y)


@torch.no_grad()
def mse(model: nn.Module, data: list) -> float:
    model.eval()
    total = sum(nn.functional.mse_loss(model(x), y, reduction="sum").item() for x, y in data)
    model.train()
    return total / sum(len(y) for _, y in data)


def main() -> None:
    parser = _common.parser(__doc__.splitlines()[0], seeds=[0], epochs=400)
    parser.add_argument("--length", type=int, default=600, help="sequence length T (default 600)")
    parser.add_argument("--hidden", type=int, default=128, help="GRU hidden size (default 128)")
    parser.add_argument("--batch", type=int, default=32, help="sequences per mini-batch (default 32)")
    parser.add_argument("--lr", type=float, default=3e-3, help="AdamW learning rate, constant (default 3e-3)")
    parser.add_argument("--steps-per-epoch", type=int, default=50, help="mini-batches between evaluations")
    parser.add_argument("--budget", type=float, default=900.0,
                        help="CPU seconds of this process at most (default 900: 15 minutes of one core)")
    parser.add_argument("--extra-epochs", type=int, default=10, help="epochs to go on after reaching the target")
    args = parser.parse_args()
    _common.setup(args)
    print(_common.machine())
    results = []
    for seed in args.seeds:
        results.append(run_seed(seed, args))
    rows = [[f"grukit GRU (H={args.hidden}), seed {r['seed']}", r["parameters"], r["steps_to_target"],
             r["seconds_to_target"], r["final_test_mse"], r["steps_run"]] for r in results]
    rows += [["Bai et al. 2018 GRU (published)", None, None, None, 5.3e-5, None],
             ["predict 1.0 (trivial)", 0, None, None, TRIVIAL, None]]
    print(_common.table(["model", "parameters", f"steps to test MSE <= {TARGET:g}", "seconds to it",
                         "final test MSE", "steps run"], rows))
    _common.save(args, {"machine": _common.machine(), "results": results})


def run_seed(seed: int, args) -> dict:
    torch.manual_seed(seed)
    net = AddingNet(args.hidden)
    train = FreshBatches(args.steps_per_epoch, args.batch, args.length, seed=seed)
    val = fixed_set(1000, args.length, seed=10_000 + seed, batch_size=250)
    test = fixed_set(1000, args.length, seed=20_000 + seed, batch_size=250)
    config = TrainConfig(epochs=args.epochs, batch_size=1, lr=args.lr, weight_decay=0.0, schedule="constant",
                         clip="norm", clip_value=1.0, patience=0, seed=seed, progress=False,
                         num_threads=args.threads)
    record = {"seed": seed, "parameters": sum(p.numel() for p in net.parameters()), "steps_to_target": None,
              "seconds_to_target": None, "curve": []}
    started, cpu_started, reached_epoch = time.perf_counter(), time.process_time(), None

    def watch(event: str, state: dict):
        nonlocal reached_epoch
        if event != "epoch_end":
            return None
        epoch, seconds, cpu = state["epoch"], time.perf_counter() - started, time.process_time() - cpu_started
        test_mse = mse(state["model"], test)  # recorded only; fit keeps the weights by validation MSE
        record["curve"].append({"steps": epoch * args.steps_per_epoch, "val_mse": state["metrics"]["val_loss"],
                                "test_mse": test_mse, "seconds": seconds, "cpu_seconds": cpu})
        print(f"  step {epoch * args.steps_per_epoch}: train {state['metrics']['train_loss']:.3e}, "
              f"val {state['metrics']['val_loss']:.3e}, test {test_mse:.3e}, {seconds:.0f} s ({cpu:.0f} CPU s)",
              flush=True)
        if reached_epoch is None and test_mse <= TARGET:
            reached_epoch = epoch
            record["steps_to_target"], record["seconds_to_target"] = epoch * args.steps_per_epoch, seconds
        done = reached_epoch is not None and epoch >= reached_epoch + args.extra_epochs
        return STOP if done or cpu > args.budget else None

    result = fit(net, mse_loss, train, val, config, callbacks=[watch], collate_fn=first)
    record.update(steps_run=result.epochs_run * args.steps_per_epoch, best_step=result.best_epoch * args.steps_per_epoch,
                  final_val_mse=mse(net, val), final_test_mse=mse(net, test),
                  train_seconds=time.perf_counter() - started)
    print(f"  seed {seed}: {record['steps_to_target']} steps to test MSE <= {TARGET:g}; "
          f"final test MSE {record['final_test_mse']:.3e} (weights of step {record['best_step']})", flush=True)
    return record


if __name__ == "__main__":
    main()
