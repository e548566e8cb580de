"""ETTh1, the standard long-horizon protocol: grukit's segment GRU against baselines and published models.

Protocol (Informer / Autoformer / DLinear / Time-Series-Library): all 7 columns are targets
(multivariate); split="ett": train = rows [0, 8640), val = the next 2,880, test = the next 2,880,
val/test windows start lookback rows early; z-score per column fitted on the train rows only;
lookback 96; every test window (2,880 - K + 1 of them, 2,785 at K = 96); MSE and MAE on the
z-scored data averaged over the 7 columns (grukit's metrics["scaled"]["model"]). No calendar
features. Early stopping on the validation loss restores the best epoch. grukit runs through
``GRUForecaster(dataset="etth1", horizon=K).fit()``, the bundled preset (what ``grukit forecast
train --dataset etth1 --horizon K`` runs); "train s" is the training loop's own wall time.

    python benchmarks/forecast_etth1.py --seeds 0 1 2                   # K = 96 .. 720, about 50 minutes
    python benchmarks/forecast_etth1.py                                 # seed 0 only, about 17 minutes
    python benchmarks/forecast_etth1.py --horizons 96 --epochs 2        # a quick check, 30 seconds
    python benchmarks/forecast_etth1.py --horizons 96 --generic         # the generic defaults, no preset

``--generic`` keeps the protocol (the 7 columns, the ETT split, lookback 96, the z-scored test
metrics) and leaves every other option at the generic default: window scaling, padding, MAE,
sized training, early stopping on the ETT validation part.
"""

from __future__ import annotations

import time

import _common
from grukit.forecast import GRUForecaster
from grukit.forecast.presets import PRESETS

COLUMNS = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
PUBLISHED_MSE = {  # test MSE at lookback 96, horizons 96 / 192 / 336 / 720, as published
    "DLinear": (0.386, 0.437, 0.481, 0.519),
    "PatchTST": (0.414, 0.460, 0.501, 0.500),
    "iTransformer": (0.386, 0.441, 0.487, 0.503),
    "SegRNN": (0.368, 0.408, 0.444, 0.446),
}
HORIZONS = (96, 192, 336, 720)


FLAGS = ("hidden_size", "segment_length", "dropout", "batch_size", "lr", "patience", "loss", "epochs")


def options(args, horizon: int) -> dict:
    """The bundled etth1 preset (``grukit forecast train --dataset etth1``) with the flags given on top."""
    chosen = {k: getattr(args, k) for k in FLAGS if getattr(args, k) is not None}
    if args.generic:
        return {"dataset": "etth1", "preset": False, "target": COLUMNS, "split": "ett", "lookback": 96, **chosen,
                "horizon": horizon, "progress": False}
    return {**PRESETS["etth1"], "dataset": "etth1", **chosen, "horizon": horizon, "progress": False}


def run_horizon(args, horizon: int) -> tuple[list[tuple], dict, dict, GRUForecaster]:
    """Every seed at one horizon: [(MSE, MAE, best epoch, epochs run, train s, fit CPU s)], windows, baselines."""
    results, baselines, windows, model = [], {}, {}, None
    for seed in args.seeds:
        wall, cpu = time.perf_counter(), time.process_time()
        model = GRUForecaster(**options(args, horizon), seed=seed).fit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        windows = {part: len(index) for part, index in model.prepared_.index.items()}
        expected = {"train": 8640 - 96 - horizon + 1, "val": 2880 - horizon + 1, "test": 2880 - horizon + 1}
        if (windows != expected and not args.generic) or windows["test"] != expected["test"] or \
                model.config_.target != COLUMNS:
            raise SystemExit(f"ETTh1 at horizon {horizon}: expected the 7 columns and windows {expected} "
                             f"(the standard protocol); got {model.config_.target} and {windows}.")
        scaled = model.metrics_["scaled"]
        baselines = scaled["baselines"]
        best = min(model.history_, key=lambda row: row["val_loss"])["epoch"]
        train = sum(row["seconds"] for row in model.history_)
        results.append((scaled["model"]["mse"], scaled["model"]["mae"], best, len(model.history_), train, cpu))
        print(f"  K={horizon} seed {seed}: MSE {results[-1][0]:.4f} MAE {results[-1][1]:.4f}, best epoch "
              f"{best} of {len(model.history_)}, training {train:.0f} s wall, fit {wall:.0f} s wall / {cpu:.0f} s "
              f"CPU", flush=True)
    return results, windows, baselines, model


def main() -> None:
    p = _common.parser(__doc__.splitlines()[0], seeds=[0], epochs=None)
    p.add_argument("--horizons", type=int, nargs="+", default=list(HORIZONS), help="forecast horizons K")
    p.add_argument("--hidden-size", type=int, help="GRU units (preset 256)")
    p.add_argument("--segment-length", type=int, help="hours per segment (preset 48)")
    p.add_argument("--dropout", type=float, help="decoder dropout (preset 0.5)")
    p.add_argument("--batch-size", type=int, help="windows per step (preset 64)")
    p.add_argument("--lr", type=float, help="peak one-cycle learning rate (preset 3e-4)")
    p.add_argument("--patience", type=int, help="early-stopping patience in epochs (preset 3)")
    p.add_argument("--loss", choices=("mae", "mse"), help="training loss (preset mae)")
    p.add_argument("--generic", action="store_true", help="the generic defaults instead of the preset")
    args = p.parse_args()
    _common.setup(args)
    print(_common.machine())
    rows, report = [], {}
    for horizon in args.horizons:
        results, windows, baselines, model = run_horizon(args, horizon)
        if horizon == args.horizons[0]:
            chosen = {k: v for k, v in options(args, horizon).items() if k not in ("progress", "target", "horizon")}
            print(f"grukit: GRUForecaster({', '.join(f'{k}={v!r}' for k, v in chosen.items())}), GRU kernel "
                  f"{_common.gru_backends(model.net_)}", flush=True)
        mse, mae = (_common.median([r[i] for r in results]) for i in (0, 1))
        wall, cpu = (_common.median([r[i] for r in results]) for i in (4, 5))
        published = [PUBLISHED_MSE[name][HORIZONS.index(horizon)] if horizon in HORIZONS else None
                     for name in PUBLISHED_MSE]
        rows.append([horizon, windows["test"], mse, mae, *published, baselines["naive"]["mse"],
                     baselines["seasonal_naive"]["mse"], wall, cpu])
        report[horizon] = {"windows": windows, "seeds": results, "baselines": baselines}
    print("ETTh1, lookback 96, test MSE / MAE on z-scored data (median over seeds); published columns are MSE")
    print(_common.table(["K", "windows", "MSE", "MAE", *PUBLISHED_MSE, "naive", "s-naive(24)", "train s",
                         "fit CPU s"], rows))
    for row in rows:
        beats = row[2] < PUBLISHED_MSE["DLinear"][HORIZONS.index(row[0])] if row[0] in HORIZONS else None
        print(f"K={row[0]}: MSE {row[2]:.3f}; beats DLinear: {beats}"
              + (f"; target <= 0.380: {row[2] <= 0.380}" if row[0] == 96 else ""))
    _common.save(args, {"machine": _common.machine(), "horizons": report, "published_mse": PUBLISHED_MSE})


if __name__ == "__main__":
    main()
