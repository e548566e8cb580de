"""Character language model on tiny-shakespeare: validation nats/char of a GRU (or MinGRU) trained with truncated BPTT.

Protocol (nanoGPT's shakespeare_char and char-rnn): the 65-character vocabulary of the whole
file, the first 90% of the characters for training and the last 10% for validation; the loss is
the mean cross-entropy in nats per character (bits = nats / ln 2). Training lays the training text
out in --batch-size lanes read in chunks of --chunk-length, carrying the hidden state from chunk
to chunk (detached). The per-epoch validation loss uses the same lanes layout on the validation
text; the final number reads the validation text in 16 lanes with the state carried through
each lane (every character but the first of a lane sees all of its lane before it).

The run stops at the end of the first epoch after which the next one would not end within
--budget-minutes of CPU time (training plus validation; with one torch thread that is the time
of one dedicated core; on a shared machine the wall time is longer and is recorded too).

    # the GRU row of BENCHMARKS.md (about 8 CPU minutes on one core)
    python benchmarks/lm_shakespeare.py --hidden-size 256 --num-layers 2 --batch-size 32 --chunk-length 128 \
        --epochs 12 --out runs/lm_gru
    # MinGRU at the same parameter count (822,849), same schedule
    python benchmarks/lm_shakespeare.py --cell mingru --num-layers 3 --match-params 822849 --batch-size 32 \
        --chunk-length 128 --epochs 12 --out runs/lm_mingru
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import torch

import _common
from grukit.lm import CharLM, LMConfig, evaluate_text, generate, read_text, save_lm, split_text, train_lm
from grukit.lm.vocab import Vocabulary
from grukit.train import STOP, TrainConfig

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare" / "input.txt"
PUBLISHED = [  # validation loss in nats/char on the same 90/10 split
    ("nanoGPT baby GPT (6 layers, 384 wide, 10.7M params, GPU)", 1.4697),
]


def parse() -> argparse.Namespace:
    p = _common.parser(__doc__.splitlines()[0], seeds=[0], epochs=12)
    p.add_argument("--data", type=Path, default=DATA, help="tiny-shakespeare input.txt")
    p.add_argument("--cell", choices=["gru", "mingru"], default="gru")
    p.add_argument("--hidden-size", type=int, default=256)
    p.add_argument("--num-layers", type=int, default=2)
    p.add_argument("--match-params", type=int, default=0,
                   help="choose --hidden-size so that the parameter count is closest to this number")
    p.add_argument("--chunk-length", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=32, help="lanes B")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--budget-minutes", type=float, default=30.0,
                   help="CPU minutes of this process (one thread: the time of one dedicated core)")
    p.add_argument("--wall-cap-minutes", type=float, default=None,
                   help="also stop when the next epoch would end past this wall time (a shared machine)")
    p.add_argument("--sample-length", type=int, default=300)
    return p.parse_args()


def parameter_count(vocab_size: int, config: LMConfig) -> int:
    return sum(p.numel() for p in CharLM(vocab_size, config).parameters())


def matched_hidden_size(vocab_size: int, config: LMConfig, target: int) -> int:
    """The hidden_size whose parameter count is closest to ``target`` (counts grow with H: bisection)."""
    def count(h: int) -> int:
        return parameter_count(vocab_size, dataclasses.replace(config, hidden_size=h))
    low, high = 1, 4096
    while high - low > 1:  # count(low) < target <= count(high)
        middle = (low + high) // 2
        low, high = (middle, high) if count(middle) < target else (low, middle)
    return min((low, high), key=lambda h: abs(count(h) - target))


def budget_stop(budget_s: float, wall_cap_s: float, started: float, curve: list):
    """A fit callback: record the curve; stop when the next epoch would end past the CPU budget or the wall cap."""
    cpu_started = time.process_time()
    def callback(event: str, state: dict):
        if event != "epoch_end":
            return None
        m = state["metrics"]
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        curve.append({"epoch": m["epoch"], "train_nats": m["train_loss"], "val_nats": m["val_loss"],
                      "val_bits": m["val_loss"] / 0.6931471805599453, "lr": m["lr"],
                      "grad_norm": m["grad_norm"], "elapsed_s": elapsed, "cpu_s": cpu})
        print(f"epoch {m['epoch']:3d}  train {m['train_loss']:.4f}  val {m['val_loss']:.4f} nats/char "
              f"({m['val_loss'] / 0.6931471805599453:.3f} bits)  grad norm {m['grad_norm']:.2f}  "
              f"{elapsed / 60:.1f} min ({cpu / 60:.1f} CPU min)", flush=True)
        epoch_cpu = cpu / len(curve)
        return STOP if cpu + epoch_cpu > budget_s or elapsed + m["seconds"] > wall_cap_s else None
    return callback


def main() -> None:
    args = parse()
    _common.setup(args)
    print(_common.machine())
    text = read_text(args.data)
    vocab = Vocabulary.from_text(text)
    config = LMConfig(cell=args.cell, hidden_size=args.hidden_size, num_layers=args.num_layers,
                      chunk_length=args.chunk_length, dropout=args.dropout)
    if args.match_params:
        config = dataclasses.replace(config, hidden_size=matched_hidden_size(vocab.size, config, args.match_params))
    params = parameter_count(vocab.size, config)
    print(f"{config.cell} {config.num_layers}x{config.hidden_size}, {params:,} parameters, lanes {args.batch_size}, "
          f"chunk {config.chunk_length}, lr {args.lr}, dropout {config.dropout}, {args.epochs} epochs at most, "
          f"budget {args.budget_minutes} min", flush=True)
    train_config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                               weight_decay=args.weight_decay, schedule="cosine", warmup_fraction=0.02,
                               clip="norm", clip_value=1.0, patience=0, seed=args.seeds[0],
                               num_threads=args.threads, progress=False)
    curve: list[dict] = []
    started = time.perf_counter()
    wall_cap_s = 60 * args.wall_cap_minutes if args.wall_cap_minutes else float("inf")
    stop = budget_stop(args.budget_minutes * 60, wall_cap_s, started, curve)
    model, vocab, result = train_lm(text, config, train_config, callbacks=[stop])
    train_s = time.perf_counter() - started
    _, val_text = split_text(text, config.val_fraction)
    scored = evaluate_text(model, vocab, val_text)
    sample = "".join(generate(model, vocab, "ROMEO:", args.sample_length, temperature=0.8, top_k=40, seed=0))
    cpu_s = curve[-1]["cpu_s"] if curve else float("nan")
    rows = [[f"grukit {config.cell} {config.num_layers}x{config.hidden_size} ({params / 1e6:.2f}M), best epoch "
             f"{result.best_epoch}", scored["nats_per_token"], scored["bits_per_char"], train_s / 60, cpu_s / 60]]
    rows += [[name, value, value / 0.6931471805599453, None, None] for name, value in PUBLISHED]
    print(_common.table(["model", "val nats/char", "val bits/char", "train wall min", "train CPU min"], rows))
    print(f"(val scored on {scored['tokens']:,} characters, 16 lanes with the state carried)\n")
    print("ROMEO:" + sample)
    if args.out is not None:  # the model too, for `grukit lm sample --model OUT/model`
        save_lm(args.out / "model", model, vocab, {"train": dataclasses.asdict(train_config)})
    _common.save(args, {"machine": _common.machine(), "config": dataclasses.asdict(config),
                        "train_config": dataclasses.asdict(train_config), "parameters": params,
                        "curve": curve, "best_epoch": result.best_epoch, "train_seconds": train_s,
                        "val": scored, "sample": sample})


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
