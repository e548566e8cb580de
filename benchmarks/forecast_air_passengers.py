"""AirPassengers, the last 12 months held out: GRUForecaster against grukit's baselines and published numbers.

Protocol: the bundled monthly series (1949-01 .. 1960-12, 144 rows); test = the last 12 months
(1960), forecast in one shot (horizon 12) from the `lookback` months before them: one test
window. grukit runs through ``GRUForecaster`` with the bundled ``air_passengers`` preset (what
``grukit forecast train`` runs): split="size", test_size=12, val_size=0 (training sees
1949 .. 1959), log transform, z-score fitted on the train rows, RevIN per window, no calendar
features, segment GRU (w=12). sMAPE (%) on the original scale, one number per seed, then the
median; no seed ensembles. The preset was chosen on 1955-1959 (``--holdout``), never on 1960;
BENCHMARKS.md tells how.

    python benchmarks/forecast_air_passengers.py                   # 3 seeds, about 10 s
    python benchmarks/forecast_air_passengers.py --transform none --lookback 36 --dropout 0.2
    python benchmarks/forecast_air_passengers.py --holdout 12      # selection run: test = 1959, 1960 unseen
    python benchmarks/forecast_air_passengers.py --generic         # the generic defaults, no preset

``--generic`` runs what a user gets without the preset: ``GRUForecaster(horizon=12)`` fitted on
1949 .. 1959 (all of it), forecasting 1960, scored on the same 12 months.
"""

from __future__ import annotations

import time

import _common
from grukit.data import load_dataset
from grukit.forecast import GRUForecaster
from grukit.forecast.presets import preset_options

PUBLISHED = [  # (model, sMAPE %, training seconds or None), as published
    ("NeuralForecast GRU", 3.26, 16.0),
    ("AutoETS", 7.45, None),
    ("Darts BlockRNNModel (GRU)", 7.5, None),
    ("seasonal naive", 10.6, None),
]
FLAGS = ("lookback", "hidden_size", "segment_length", "dropout", "batch_size", "lr", "epochs", "transform",
         "val_size", "num_layers")


def options(args) -> dict:
    """The preset with the flags given on top (what `grukit forecast train --dataset air_passengers` runs)."""
    chosen = {k: getattr(args, k) for k in FLAGS if getattr(args, k) is not None}
    return {**preset_options("air_passengers", chosen), "progress": False}


def run(args, frame, seed: int) -> tuple[GRUForecaster, float, float, float]:
    """One seed: the fitted model, its training-loop seconds and its whole fit()'s wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    model = GRUForecaster(**options(args), seed=seed).fit(frame)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return model, sum(row["seconds"] for row in model.history_), wall, cpu


def generic(args, frame) -> None:
    """The generic defaults on the same split: fit on all but the last 12 months, forecast them."""
    import numpy as np

    from grukit.evaluate import smape

    train, test = frame.iloc[:-12], frame.iloc[-12:, 1].to_numpy(float)
    rows, scores = [], []
    for seed in args.seeds:
        wall = time.perf_counter()
        model = GRUForecaster(horizon=12, seed=seed, progress=False).fit(train)
        wall = time.perf_counter() - wall
        forecast = model.predict().iloc[:, -1].to_numpy()
        scores.append(smape(test, forecast))
        rows.append([f"GRUForecaster(horizon=12) seed {seed}", scores[-1], wall])
    history = train.iloc[:, 1].to_numpy(float)
    rows.append(["seasonal naive", smape(test, history[-12:]), None])
    rows.append(["naive", smape(test, np.repeat(history[-1], 12)), None])
    print(f"AirPassengers with the generic defaults (lookback {model.config_.lookback}, hidden "
          f"{model.config_.hidden_size}, {model.train_config_.epochs} epochs of batch {model.train_config_.batch_size})")
    print(_common.table(["model", "sMAPE %", "fit s (wall)"], rows))
    print(f"median sMAPE {_common.median(scores):.2f} %")


def main() -> None:
    p = _common.parser(__doc__.splitlines()[0], seeds=[0, 1, 2], epochs=None)
    p.add_argument("--lookback", type=int, help="input months (preset 24)")
    p.add_argument("--hidden-size", type=int, help="GRU units (preset 32)")
    p.add_argument("--num-layers", type=int, help="GRU layers (preset 1)")
    p.add_argument("--segment-length", type=int, help="months per segment, 0 = step-wise GRU (preset 12)")
    p.add_argument("--dropout", type=float, help="dropout before the decoder (preset 0)")
    p.add_argument("--batch-size", type=int, help="windows per step (preset 16)")
    p.add_argument("--lr", type=float, help="peak one-cycle learning rate (preset 1e-2)")
    p.add_argument("--val-size", type=int, help="validation months before the test year (preset 0)")
    p.add_argument("--transform", choices=("log", "none"), help="log: model log(passengers) (preset); none: raw")
    p.add_argument("--holdout", type=int, default=0,
                   help="drop this many final rows first (12: test on 1959, for choosing settings without 1960)")
    p.add_argument("--generic", action="store_true", help="the generic defaults instead of the preset")
    args = p.parse_args()
    _common.setup(args)
    print(_common.machine())
    frame = load_dataset("air_passengers")
    frame = frame.iloc[: len(frame) - args.holdout].copy()
    if args.generic:
        return generic(args, frame)

    GRUForecaster(**{**options(args), "epochs": 1}).fit(frame)  # untimed warm-up: one-off start-up costs
    runs = [run(args, frame, seed) for seed in args.seeds]
    model = runs[0][0]
    results = [(m.metrics_["model"]["smape"], m.metrics_["model"]["mse"], train, wall, cpu)
               for m, train, wall, cpu in runs]
    rows = _common.seed_rows(_common.gru_name(model.config_.segment_length), args.seeds, results)
    rows += [[f"{name} (grukit baseline)", values["smape"], values["mse"], None, None, None]
             for name, values in model.metrics_["baselines"].items()]
    rows += [[f"{name} (reported)", value, None, sec, None, None] for name, value, sec in PUBLISHED]
    windows = {part: len(index) for part, index in model.prepared_.index.items()}
    test = frame.iloc[-12:, 0]
    chosen = {k: v for k, v in options(args).items() if k not in ("progress",)}
    print(f"AirPassengers, test {test.iloc[0]:%Y-%m} .. {test.iloc[-1]:%Y-%m}, windows {windows}; "
          f"GRUForecaster({', '.join(f'{k}={v!r}' for k, v in chosen.items())}), GRU kernel "
          f"{_common.gru_backends(model.net_)}")
    print(_common.table(["model", "sMAPE %", "MSE", "train s (wall)", "fit s (wall)", "fit s (CPU)"], rows))
    smape, train = _common.median([r[0] for r in results]), _common.median([r[2] for r in results])
    print(f"Target: median sMAPE <= 3.2 % with training <= 5 s. Reached: sMAPE {smape:.2f} % "
          f"({'yes' if smape <= 3.2 else 'no'}), median training {train:.2f} s ({'yes' if train <= 5 else 'no'}).")
    _common.save(args, {"machine": _common.machine(), "windows": windows, "options": chosen, "grukit": results,
                        "baselines": model.metrics_["baselines"], "published": PUBLISHED})


if __name__ == "__main__":
    main()
