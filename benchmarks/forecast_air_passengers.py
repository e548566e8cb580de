"""AirPassengers, the last 12 months held out: grukit's segment GRU against grukit's baselines and published numbers.

Protocol: the bundled monthly series (1949-01 .. 1960-12, 144 rows); test = the last 12 months
(1960), forecast in one shot (horizon 12) from the `lookback` months before them: one test
window. split="size", test_size=12, val_size=0 by default (training sees 1949 .. 1959); the model
sees log(passengers) by default, z-scored with the train rows' statistics, RevIN per window, no
calendar features. sMAPE (%) on the original scale, one number per seed, then the median; no
seed ensembles. Only ``fit`` is timed. The defaults were chosen on 1957-1959 (``--holdout``), never on 1960.

    python benchmarks/forecast_air_passengers.py                   # 3 seeds, about 20 s
    python benchmarks/forecast_air_passengers.py --transform none --lookback 36 --dropout 0.2
    python benchmarks/forecast_air_passengers.py --holdout 12      # selection run: test = 1959, 1960 unseen
"""

from __future__ import annotations

import numpy as np

import _common
from _transforms import inverse_log_transform, log_transform
from grukit.data import load_dataset
from grukit.evaluate import compare_with_baselines
from grukit.forecast.config import ForecastConfig
from grukit.forecast.evaluation import predict_windows
from grukit.forecast.forecaster import forecast_loss
from grukit.forecast.pipeline import original_windows, prepare, window_dataset
from grukit.models import ForecastNet
from grukit.train import TrainConfig, seed_everything

PUBLISHED = [  # (model, sMAPE %, training seconds or None), as reported in the issue
    ("NeuralForecast GRU", 3.26, 16.0),
    ("AutoETS", 7.45, None),
    ("Darts BlockRNNModel (GRU)", 7.5, None),
    ("seasonal naive", 10.6, None),
]


def build(args) -> ForecastNet:
    return ForecastNet(1, 1, 12, hidden_size=args.hidden_size, dropout=args.dropout, revin=True,
                       segment_length=args.segment_length)


def forecast(args, seed: int, prepared, config) -> tuple[np.ndarray, float, float]:
    """Train one seed; its test forecast (1, 12, 1) on the original scale, wall and CPU seconds."""
    train = window_dataset(prepared, "train", config)
    val = window_dataset(prepared, "val", config)
    train_config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=seed,
                               progress=False)
    if seed == args.seeds[0]:
        _common.warm_up(lambda: build(args), forecast_loss, train, train_config)
    seed_everything(seed)
    net = build(args)
    wall, cpu, _ = _common.timed_fit(net, forecast_loss, train, val, train_config)
    scaled = predict_windows(net, window_dataset(prepared, "test", config))[..., 0]  # (1, 12, 1)
    prediction = prepared.target_scalers[0].inverse_transform(scaled)  # (1, 12, 1), of log(passengers) with --transform log
    return (inverse_log_transform(prediction) if args.transform == "log" else prediction), wall, cpu


def main() -> None:
    p = _common.parser(__doc__.splitlines()[0], seeds=[0, 1, 2], epochs=80)
    p.add_argument("--lookback", type=int, default=24, help="input months (default 24)")
    p.add_argument("--hidden-size", type=int, default=32, help="GRU units (default 32)")
    p.add_argument("--segment-length", type=int, default=12, help="months per segment, 0 = step-wise GRU (default 12)")
    p.add_argument("--dropout", type=float, default=0.0, help="decoder dropout (default 0)")
    p.add_argument("--batch-size", type=int, default=16, help="windows per step (default 16)")
    p.add_argument("--lr", type=float, default=1e-2, help="peak one-cycle learning rate (default 1e-2)")
    p.add_argument("--val", type=int, default=0, help="validation rows before the test year (default 0)")
    p.add_argument("--transform", choices=("log", "none"), default="log",
                   help="log: model log(passengers), forecast exp(.) (default); none: the raw series")
    p.add_argument("--holdout", type=int, default=0,
                   help="drop this many final rows first (12: test on 1959, for choosing settings without 1960)")
    args = p.parse_args()
    _common.setup(args)
    print(_common.machine())
    frame = load_dataset("air_passengers")
    frame = frame.iloc[: len(frame) - args.holdout].copy()
    original = frame.copy()
    if args.transform == "log":
        frame["Passengers"] = log_transform(frame["Passengers"].to_numpy())
    config = ForecastConfig(dataset="air_passengers", split="size", test_size=12, val_size=args.val,
                            lookback=args.lookback, horizon=12, calendar=False).validate()
    prepared, reference = prepare(frame, config), prepare(original, config)
    windows = {part: len(index) for part, index in prepared.index.items()}
    history, actual = original_windows(reference, "test", config)  # (1, L, 1), (1, 12, 1) passengers
    train_rows = [reference.series_set.series[0].target[slice(*reference.ranges[0]["train"])]]

    runs = [forecast(args, seed, prepared, config) for seed in args.seeds]
    scores = [compare_with_baselines(history, actual, prediction, train_rows, 12) for prediction, _, _ in runs]
    results = [(s["model"]["smape"], s["model"]["mse"], wall, cpu) for s, (_, wall, cpu) in zip(scores, runs)]
    rows = _common.seed_rows(_common.gru_name(args.segment_length), args.seeds, results)
    rows += [[f"{name} (grukit baseline)", values["smape"], values["mse"], None, None]
             for name, values in scores[0]["baselines"].items()]
    rows += [[f"{name} (reported)", value, None, sec, None] for name, value, sec in PUBLISHED]
    test = frame.iloc[-12:, 0]
    print(f"AirPassengers, test {test.iloc[0]:%Y-%m} .. {test.iloc[-1]:%Y-%m}, windows {windows}; grukit: lookback "
          f"{args.lookback}, hidden {args.hidden_size}, segment {args.segment_length}, dropout {args.dropout}, "
          f"{args.epochs} epochs, batch {args.batch_size}, lr {args.lr}, transform {args.transform}, GRU kernel "
          f"{_common.gru_backends(build(args))}")
    print(_common.table(["model", "sMAPE %", "MSE", "train s (wall)", "train s (CPU)"], rows))
    smape, wall = _common.median([r[0] for r in results]), _common.median([r[2] for r in results])
    print(f"Target: median sMAPE <= 3.2 % with training <= 5 s. Reached: sMAPE {smape:.2f} % "
          f"({'yes' if smape <= 3.2 else 'no'}), median wall {wall:.2f} s ({'yes' if wall <= 5 else 'no'}).")
    _common.save(args, {"machine": _common.machine(), "windows": windows, "grukit": results,
                        "baselines": scores[0]["baselines"], "published": PUBLISHED})


if __name__ == "__main__":
    main()
