"""The sine tutorial's sine wave, one step ahead: grukit's segment GRU against the tutorial's own recipe and naive.

Protocol (the sine tutorial's): x = sin(linspace(0, 100, 1000)); windows of 50 values predict the next one;
the first 800 windows train, the remaining 150 test; test MSE on the original scale. In grukit:
split="size", test_size=150 rows, val_size=0, lookback=50, horizon=1, z-score fitted on the
850 train rows. grukit runs through ``GRUForecaster(dataset="sine").fit()``, the bundled preset
(what ``grukit forecast train --dataset sine`` runs). "train s" is the training loop's own time
(the sum of its per-epoch seconds); "fit s" is the whole ``fit()``: loading, windowing, training and scoring, in wall and CPU seconds. One
untimed one-epoch fit runs first, so no seed pays one-off start-up costs.

    python benchmarks/forecast_sine.py                      # 3 seeds, both models, ~1 minute
    python benchmarks/forecast_sine.py --seeds 0 --no-recipe
    python benchmarks/forecast_sine.py --generic --no-recipe  # the same protocol with the generic defaults

``--generic`` keeps the protocol (lookback 50, horizon 1, the last 150 rows as test) and leaves
every other option at the generic default (no preset): window scaling, padding (so the training
part also gives windows with a partly padded history), MAE loss, sized training.
"""

from __future__ import annotations

import time

import numpy as np
import torch

import _common
from grukit.evaluate import mse, naive
from grukit.forecast import GRUForecaster
from grukit.forecast.pipeline import original_windows

PUBLISHED = [  # (model, test MSE, training seconds), as published
    ("Darts BlockRNNModel (GRU)", 1.4e-6, 41.0),
    ("Darts RNNModel (GRU)", 3.5e-6, 40.0),
    ("NeuralForecast GRU", 1.2e-5, 28.0),
    ("sine tutorial recipe, reported run", 6.6e-4, 13.0),
]


def grukit_options(args) -> dict:
    """The bundled preset (``grukit forecast train --dataset sine``) with the flags given on top."""
    flags = {"hidden_size": args.hidden_size, "segment_length": args.segment_length, "epochs": args.epochs,
             "batch_size": args.batch_size, "lr": args.lr}
    chosen = {k: v for k, v in flags.items() if v is not None}
    if args.generic:  # the protocol (windows of 50, 150 test rows) and the generic defaults for the rest
        return {"dataset": "sine", "preset": False, "lookback": 50, "horizon": 1, "split": "size", "val_size": 0,
                "test_size": 150, "progress": False, **chosen}
    return {"dataset": "sine", "progress": False, **chosen}


def run_grukit(args) -> tuple[list[tuple[float, float, float, float]], GRUForecaster]:
    """(test MSE, training wall s, whole fit wall s, whole fit CPU s) per seed, through GRUForecaster."""
    GRUForecaster(**{**grukit_options(args), "epochs": 1}).fit()  # untimed warm-up: one-off start-up costs
    results, model = [], None
    for seed in args.seeds:
        wall, cpu = time.perf_counter(), time.process_time()
        model = GRUForecaster(**grukit_options(args), seed=seed).fit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        results.append((model.metrics_["model"]["mse"], sum(row["seconds"] for row in model.history_), wall, cpu))
    return results, model


class SeedRecipe(torch.nn.Module):
    """The sine tutorial's GRUNet: torch.nn.GRU(1, 20, 2 layers), a linear head on the last output."""

    def __init__(self) -> None:
        super().__init__()
        self.gru = torch.nn.GRU(1, 20, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(20, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        output, _ = self.gru(x)  # (B, 50, 20)
        return self.head(output[:, -1])  # (B, 1)


def run_recipe(seeds: list[int], epochs: int) -> list[tuple[float, float, float, float]]:
    """The sine tutorial's recipe: raw values, Adam lr 1e-3, full-batch epochs, MSE; no scaling or clipping."""
    values = np.sin(np.linspace(0, 100, 1000))
    windows = np.lib.stride_tricks.sliding_window_view(values, 51)  # (950, 51)
    x = torch.tensor(windows[:, :50], dtype=torch.float32).unsqueeze(-1)  # (950, 50, 1)
    y = torch.tensor(windows[:, 50:], dtype=torch.float32)  # (950, 1)
    results = []
    for seed in seeds:
        torch.manual_seed(seed)
        net = SeedRecipe()
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(epochs):
            loss = torch.nn.functional.mse_loss(net(x[:800]), y[:800])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        with torch.no_grad():
            results.append((torch.nn.functional.mse_loss(net(x[800:]), y[800:]).item(), wall, wall, cpu))
    return results


def main() -> None:
    p = _common.parser(__doc__.splitlines()[0], seeds=[0, 1, 2], epochs=None)
    p.add_argument("--hidden-size", type=int, default=None, help="GRU units (default: the preset's 64)")
    p.add_argument("--segment-length", type=int, default=None,
                   help="steps per segment, 0 = step-wise GRU (default: the preset's 25)")
    p.add_argument("--batch-size", type=int, default=None, help="windows per step (default: the preset's 100)")
    p.add_argument("--lr", type=float, default=None, help="peak one-cycle learning rate (default: the preset's 5e-3)")
    p.add_argument("--recipe-epochs", type=int, default=200, help="the tutorial's full-batch epochs (default 200)")
    p.add_argument("--no-recipe", action="store_true", help="skip the sine tutorial's recipe")
    p.add_argument("--generic", action="store_true", help="the generic defaults instead of the preset")
    args = p.parse_args()
    _common.setup(args)
    print(_common.machine())
    ours, model = run_grukit(args)
    config, prepared = model.config_, model.prepared_
    windows = {part: len(index) for part, index in prepared.index.items()}
    if windows["test"] != 150 or (windows["train"] != 800 and not args.generic):
        raise SystemExit(f"expected 800 train and 150 test windows (the sine tutorial's split); got {windows}.")
    history, actual = original_windows(prepared, "test", config)  # (150, 50, 1), (150, 1, 1)
    naive_mse = mse(actual, naive(history, 1))
    recipe = [] if args.no_recipe else run_recipe(args.seeds, args.recipe_epochs)
    rows = _common.seed_rows(_common.gru_name(config.segment_length), args.seeds, ours)
    rows += _common.seed_rows("sine tutorial recipe (measured)", args.seeds, recipe)
    rows.append(["naive (last value)", naive_mse, None, None, None])
    rows += [[f"{name} (reported)", mse, sec, None, None] for name, mse, sec in PUBLISHED]
    print(f"Sine, one step ahead, windows {windows}; GRUForecaster(dataset='sine'): hidden {config.hidden_size}, "
          f"segment {config.segment_length}, {model.train_config_.epochs} epochs, batch "
          f"{model.train_config_.batch_size}, lr {model.train_config_.lr} (one-cycle AdamW), GRU kernel "
          f"{_common.gru_backends(model.net_)}")
    print(_common.table(["model", "test MSE", "train s (wall)", "fit s (wall)", "fit s (CPU)"], rows))
    best, wall = _common.median([r[0] for r in ours]), _common.median([r[1] for r in ours])
    print(f"Target: median test MSE <= 1e-6 with training <= 4 s. Reached: MSE {best:.3g} "
          f"({'yes' if best <= 1e-6 else 'no'}), median wall {wall:.2f} s ({'yes' if wall <= 4 else 'no'}).")
    _common.save(args, {"machine": _common.machine(), "windows": windows, "grukit": ours, "recipe": recipe,
                        "naive_mse": naive_mse, "published": PUBLISHED})


if __name__ == "__main__":
    main()
