"""A bundled dataset with its preset and with the generic defaults, on the same split, side by side.

Protocol: the preset's own evaluation (``GRUForecaster(dataset=NAME).fit()``, what ``grukit
forecast train --dataset NAME`` runs): its chronological split and held-out test part, every test
window scored against the baselines (``metrics_``). The generic run keeps that protocol, the
fields that define it (targets, split, validation and test parts, horizon, and the lookback
where the published protocol fixes it, as ETT's 96), and leaves every other option at the
generic default (``preset=False``): window scaling, padding, the loss mix, three members, sized
training, the Theta combination. Printed per seed and as the median: the model's and the
baselines' MAE, sMAPE and MASE on the original scale, and MSE and MAE on the z-scored data (the
ETT convention), with the training seconds.

    python benchmarks/forecast_bundled.py --dataset sunspots --seeds 0 1 2
    python benchmarks/forecast_bundled.py --dataset etth2 --seeds 0
"""

from __future__ import annotations

import time

import _common
from grukit.forecast import GRUForecaster
from grukit.forecast.presets import HOLDOUT, PRESETS

PROTOCOL = ("target", "split", "val_size", "test_size", "horizon")  # what the preset's evaluation fixes


def generic_options(dataset: str) -> dict:
    """The preset's protocol fields, the rest left to the generic defaults."""
    preset = {**HOLDOUT, **PRESETS.get(dataset, {})}
    options = {k: preset[k] for k in PROTOCOL if k in preset}
    if preset.get("split") == "ett":
        options["lookback"] = preset["lookback"]  # the published ETT protocol reads 96 rows
    return {"dataset": dataset, "preset": False, **options}


def run(dataset: str, generic: bool, seed: int) -> dict:
    options = generic_options(dataset) if generic else {"dataset": dataset}
    wall = time.perf_counter()
    model = GRUForecaster(**options, seed=seed, progress=False).fit()
    wall = time.perf_counter() - wall
    metrics = model.metrics_
    return {"model": metrics["model"], "scaled": metrics["scaled"]["model"], "baselines": metrics["baselines"],
            "windows": metrics["split"]["windows"]["test"], "seconds": wall,
            "options": {k: getattr(model.config_, k) for k in ("lookback", "horizon", "ensemble", "combine")}}


def main() -> None:
    p = _common.parser(__doc__.splitlines()[0], seeds=[0, 1, 2], epochs=None)
    p.add_argument("--dataset", required=True, choices=sorted(PRESETS), help="the bundled dataset")
    args = p.parse_args()
    _common.setup(args)
    print(_common.machine())
    header = ["run", "seed", "test windows", "MAE", "sMAPE %", "MASE", "scaled MSE", "scaled MAE", "fit s (wall)"]
    rows, report = [], {}
    for label, generic in (("preset", False), ("generic defaults", True)):
        runs = [run(args.dataset, generic, seed) for seed in args.seeds]
        report[label] = runs
        first = runs[0]["options"]
        print(f"{args.dataset}, {label}: lookback {first['lookback']}, horizon {first['horizon']}, "
              f"ensemble {first['ensemble']}, combine {first['combine']}", flush=True)
        for seed, r in zip(args.seeds, runs):
            rows.append([label, seed, r["windows"], r["model"]["mae"], r["model"]["smape"], r["model"]["mase"],
                         r["scaled"]["mse"], r["scaled"]["mae"], r["seconds"]])
        rows.append([f"{label}, median", "", runs[0]["windows"],
                     *(_common.median([r["model"][k] for r in runs]) for k in ("mae", "smape", "mase")),
                     *(_common.median([r["scaled"][k] for r in runs]) for k in ("mse", "mae")),
                     _common.median([r["seconds"] for r in runs])])
    for name, scores in report["preset"][0]["baselines"].items():  # the same test windows in both runs
        rows.append([name, "", "", scores["mae"], scores["smape"], scores["mase"], None, None, None])
    print(f"{args.dataset}: the test part, original scale (MAE, sMAPE, MASE) and z-scored (MSE, MAE)")
    print(_common.table(header, rows))
    _common.save(args, {"machine": _common.machine(), "dataset": args.dataset, "runs": report})


if __name__ == "__main__":
    main()
