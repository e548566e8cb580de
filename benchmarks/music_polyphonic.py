"""Polyphonic music: NLL per time step of a GRU on JSB Chorales and Nottingham (Chung et al. 2014, Table 2).

Protocol: Boulanger-Lewandowski et al. (2012)'s splits. ``grukit.music.MusicModel`` (one
``grukit.nn.GRU`` layer, dropout, a linear layer to 88 sigmoid units whose biases start at each
key's log-odds in the training frames) is trained with
``grukit.train.fit`` on the train split; early stopping keeps the epoch with the lowest NLL per
step on the valid split, and every setting below was chosen by valid NLL only. The test split is
scored once per seed, after training. The metric is the published one: the Bernoulli NLL of a
step summed over the 88 keys, in nats, averaged over all test steps pooled together. Every step
counts, the first one predicted from a zero frame; ``nll_after_first_step`` leaves those out.

Targets (Chung et al. 2014, GRU with about 20k parameters): JSB Chorales test NLL <= 8.54
(tanh RNN 9.10, LSTM 8.67), Nottingham <= 3.23 (tanh 3.13, LSTM 3.20).

Measured (2 shared CPU cores, one thread, seed 0): JSB test 8.433 with 95,064 parameters (seeds 1, 2:
8.458, 8.433; 22,904 parameters at hidden 46: 8.527), target met. Nottingham test 3.194 with 3,512,408
parameters (hidden 1024, dropout 0.6, zoneout 0.1; seeds 1, 2: 3.204, 3.199; 3.280 at hidden 512 without
zoneout, 4.119 at Chung et al.'s 46 units), target 3.23 met. BENCHMARKS.md ("Polyphonic music") lists
every setting tried and its valid NLL.

Run (CPU, one thread):

    python benchmarks/music_polyphonic.py --dataset jsb            # 1-4 minutes
    python benchmarks/music_polyphonic.py --dataset nottingham     # 25 minutes
    python benchmarks/music_polyphonic.py --dataset jsb --hidden 46 --dropout 0   # Chung et al.'s size

The data folder defaults to ``../shared/data/polyphonic_music`` beside the repository (``--data``).
"""

from __future__ import annotations

import time
from pathlib import Path

import _common

from grukit.music import MusicModel

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "polyphonic_music"
FILES = {"jsb": "jsb_chorales.json", "nottingham": "nottingham.json"}
PUBLISHED = {"jsb": {"GRU": 8.54, "LSTM": 8.67, "tanh RNN": 9.10},
             "nottingham": {"GRU": 3.23, "LSTM": 3.20, "tanh RNN": 3.13}}
# The settings chosen on the valid split (BENCHMARKS.md lists the ones tried); the flags override them.
PRESETS = {
    "jsb": {"hidden_size": 128, "dropout": 0.3, "input_dropout": 0.2, "lr": 1e-2, "batch_size": 4,
            "weight_decay": 1e-4, "epochs": 150, "patience": 20},
    "nottingham": {"hidden_size": 1024, "dropout": 0.6, "input_dropout": 0.0, "zoneout": 0.1, "lr": 3e-3,
                   "batch_size": 8, "weight_decay": 1e-4, "epochs": 30, "patience": 0},
}


def print_epoch(event: str, state: dict) -> None:
    """A fit callback: one line per epoch (the losses are NLL per step, pooled)."""
    if event == "epoch_end":
        m = state["metrics"]
        print(f"  epoch {m['epoch']}: train NLL {m['train_loss']:.4f}, valid NLL {m['val_loss']:.4f}, "
              f"{m['seconds']:.1f} s", flush=True)


def run_seed(dataset: str, seed: int, options: dict, path: Path, verbose: bool) -> dict:
    """Train one seed, then score valid and (once) test."""
    model = MusicModel(**options, seed=seed, progress=False, num_threads=1)
    started = time.perf_counter()
    model.fit(path, callbacks=[print_epoch] if verbose else [])
    seconds = time.perf_counter() - started
    valid = model.score(path, "valid")
    test = model.score(path, "test")
    return {"dataset": dataset, "seed": seed, "parameters": model.n_parameters_, "best_epoch": model.best_epoch_,
            "epochs_run": len(model.history_), "train_seconds": seconds, "valid_nll": valid["nll"],
            "test_nll": test["nll"], "test_nll_after_first_step": test["nll_after_first_step"],
            "test_steps": test["steps"]}


def main() -> None:
    parser = _common.parser(__doc__.splitlines()[0], seeds=[0], epochs=0)
    parser.add_argument("--dataset", choices=[*FILES, "both"], default="both", help="which data set (default both)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of jsb_chorales.json, nottingham.json")
    for flag, key, kind in (("--hidden", "hidden_size", int), ("--layers", "num_layers", int),
                            ("--dropout", "dropout", float), ("--input-dropout", "input_dropout", float),
                            ("--zoneout", "zoneout", float), ("--recurrent-dropout", "recurrent_dropout", float),
                            ("--lr", "lr", float), ("--batch", "batch_size", int),
                            ("--weight-decay", "weight_decay", float), ("--patience", "patience", int),
                            ("--schedule", "schedule", str)):
        parser.add_argument(flag, dest=key, type=kind, default=None, help=f"{key} (default: the data set's preset)")
    parser.add_argument("--verbose", action="store_true", help="print every epoch")
    args = parser.parse_args()
    _common.setup(args)
    print(_common.machine())
    rows, results = [], []
    for dataset in (FILES if args.dataset == "both" else [args.dataset]):
        options = dict(PRESETS[dataset])
        if args.epochs:
            options["epochs"] = args.epochs
        options.update({k: v for k, v in vars(args).items() if k in _OPTION_KEYS and v is not None})
        print(f"{dataset}: {options}", flush=True)
        for seed in args.seeds:
            r = run_seed(dataset, seed, options, args.data / FILES[dataset], args.verbose)
            results.append({**r, "options": options})
            rows.append([f"grukit GRU, {dataset}, seed {seed}", r["parameters"], r["valid_nll"], r["test_nll"],
                         r["test_nll_after_first_step"], r["best_epoch"], r["train_seconds"]])
            print(f"  seed {seed}: valid {r['valid_nll']:.4f}, test {r['test_nll']:.4f} "
                  f"({r['parameters']} parameters, best epoch {r['best_epoch']} of {r['epochs_run']}, "
                  f"{r['train_seconds']:.0f} s)", flush=True)
        for name, value in PUBLISHED[dataset].items():
            rows.append([f"Chung et al. 2014 {name}, {dataset}", "~20k", None, value, None, None, None])
    print(_common.table(["model", "parameters", "valid NLL", "test NLL", "test NLL (t >= 2)", "best epoch",
                         "train s"], rows))
    _common.save(args, {"machine": _common.machine(), "results": results})


_OPTION_KEYS = ("hidden_size", "num_layers", "dropout", "input_dropout", "zoneout", "recurrent_dropout", "lr",
                "batch_size", "weight_decay", "patience", "schedule")

if __name__ == "__main__":
    main()
