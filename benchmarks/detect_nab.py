"""Benchmark: GRU anomaly detection on the four bundled NAB realKnownCause series.

Run from the repository root (about 3 minutes on 2 CPU cores; each extra seed as long again):

    .venv/bin/python benchmarks/detect_nab.py

For each series and each method (forecast residuals, sequence autoencoder), a GRUAnomalyDetector
with its default options is trained on NAB's probationary period (the first 15% of the rows, at
most 750; its last 20% held out for early stopping and the threshold) and scores every row
causally. No label is used for training or for the threshold (the forecaster's default: 12
standard deviations of its errors' history, chosen once on the whole NAB corpus; the autoencoder's:
the 0.9999 quantile of the validation scores, tail-fitted). Reported per series:

* window-level precision, recall and F1 of the flags (a window is detected when a flagged step
  falls inside it; a flagged stretch outside every window is a false positive);
* NAB's raw standard-profile score of the alarms (a flagged step raises an alarm unless one was
  raised in the rest period, lookback steps, before it), and of every flagged step;
* next to NAB's published raw standard-profile scores of its detectors on the same files.

Caveat: NAB's published scores use one threshold per detector optimised on the labels of the whole
58-file corpus; ours are set per file from unlabelled clean data only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch

from grukit.detect import NAB_FILES, GRUAnomalyDetector, load_nab, nab_windows, published_scores, window_rows
from grukit.detect.config import METHODS
from grukit.detect.evaluation import evaluate_flags

COMMAND = ".venv/bin/python benchmarks/detect_nab.py"


def run_one(name: str, method: str, seed: int) -> dict:
    """Fit one detector on one series and score its flags; returns the row of the results table."""
    frame = load_nab(name)
    windows = window_rows(frame["timestamp"], nab_windows(name))
    started = time.perf_counter()
    detector = GRUAnomalyDetector(method=method, seed=seed, progress=False, num_threads=1).fit(frame)
    scores = detector.score_frame(frame)
    seconds = time.perf_counter() - started
    result = evaluate_flags(scores["flagged"].to_numpy(), windows, start=detector.clean_["rows"],
                            rest_period=detector.config_.rest_steps())
    nab = result["nab"]["standard"]
    return {"series": name, "method": method, "seed": seed, "seconds": round(seconds, 1),
            "threshold": detector.threshold_,
            "epochs": detector.training_["epochs_run"], **result["windows"], "alarms": result["flagged"]["alarms"],
            "nab_alarms": nab["alarms"], "nab_every_step": nab["every_flagged_step"], "null": nab["null"]}


def published_table(names: list[str]) -> dict[str, dict[str, float]]:
    """detector -> series -> NAB's published raw standard score."""
    table: dict[str, dict[str, float]] = {}
    for name in names:
        for detector, score in published_scores(name, "standard").items():
            table.setdefault(detector, {})[name] = score
    return table


def format_report(rows: list[dict], names: list[str], methods: list[str], command: str) -> str:
    seeds = sorted({r["seed"] for r in rows})
    lines = ["GRU anomaly detection on NAB realKnownCause (4 series), grukit defaults, trained on NAB's "
             "probationary period", f"command: {command}", ""]
    lines.append(f"{'series':<21} {'method':<12} {'seed':>4} {'P':>6} {'R':>6} {'F1':>6} {'windows':>8} {'false':>6} "
                 f"{'alarms':>7} {'NAB alarms':>11} {'NAB steps':>10} {'null':>6} {'s':>6}")
    for r in rows:
        lines.append(f"{r['series']:<21} {r['method']:<12} {r['seed']:>4} {r['precision']:>6.3f} {r['recall']:>6.3f} "
                     f"{r['f1']:>6.3f} {r['detected_windows']:>4}/{r['windows']:<3} {r['false_stretches']:>6} "
                     f"{r['alarms']:>7} {r['nab_alarms']:>11.3f} {r['nab_every_step']:>10.3f} {r['null']:>6.1f} "
                     f"{r['seconds']:>6.1f}")
    mean = f"; mean over seeds {', '.join(map(str, seeds))}" if len(seeds) > 1 else ""
    lines += ["", "NAB raw standard-profile score per file (higher is better; null = -windows, perfect = +windows), "
                  f"ours (alarms{mean}) next to NAB's published detectors:"]
    short = {name: name.split("_")[0][:8] for name in names}
    lines.append(f"{'detector':<22}" + "".join(f"{short[n]:>10}" for n in names) + f"{'total':>10}")
    ours = {m: {n: float(np.mean([r["nab_alarms"] for r in rows if r["method"] == m and r["series"] == n]))
                for n in names} for m in methods}
    table = {f"grukit {m}": ours[m] for m in methods}
    published = published_table(names)
    table.update(dict(sorted(published.items(), key=lambda kv: -sum(kv[1].get(n, -np.inf) for n in names))))
    for detector, scores in table.items():
        cells = "".join(f"{scores[n]:>10.3f}" if n in scores else f"{'n/a':>10}" for n in names)
        total = f"{sum(scores[n] for n in names):>10.3f}" if all(n in scores for n in names) else f"{'n/a':>10}"
        lines.append(f"{detector:<22}{cells}{total}")
    lines += ["", verdict(rows, methods)]
    return "\n".join(lines)


def verdict(rows: list[dict], methods: list[str]) -> str:
    """Which method is better: the higher NAB total (alarms, mean over seeds); mean window F1 alongside."""
    if len(methods) < 2:
        return "only one method was run; nothing to compare."
    seeds = len({r["seed"] for r in rows})
    totals = {m: sum(r["nab_alarms"] for r in rows if r["method"] == m) / seeds for m in methods}
    f1 = {m: float(np.mean([r["f1"] for r in rows if r["method"] == m])) for m in methods}
    best = max(methods, key=lambda m: totals[m])
    other = [m for m in methods if m != best][0]
    agrees = "and" if f1[best] >= f1[other] else "but not"
    return (f"better method: {best} (NAB standard total {totals[best]:.3f} vs {totals[other]:.3f} for {other}, "
            f"{agrees} on mean window F1: {f1[best]:.3f} vs {f1[other]:.3f}).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", nargs="+", default=list(NAB_FILES), choices=list(NAB_FILES))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds; several are averaged")
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rows = []
    for seed in args.seeds:
        for name in args.series:
            for method in args.methods:
                rows.append(run_one(name, method, seed))
                print(f"  {name} / {method} / seed {seed}: {rows[-1]['seconds']} s", file=sys.stderr, flush=True)
    command = " ".join([COMMAND, *(argv if argv is not None else sys.argv[1:])])
    print(format_report(rows, args.series, args.methods, command))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
