"""UCR/UEA development sets: GRUClassifier's defaults against majority, 1-NN ED, 1-NN DTW and MiniRocket.

Protocol: the four UCR/UEA sets that sktime ships inside its wheel (loaded offline with
``sktime.datasets.load_UCR_UEA_dataset``), each on the archive's own TRAIN/TEST split:

    set               train  test  length  channels  classes
    ArrowHead            36   175     251         1        3
    ItalyPowerDemand     67  1029      24         1        2
    OSULeaf             200   242     427         1        6
    BasicMotions         40    40     100         6        4

Every method fits on TRAIN only and predicts TEST once; the score is the test accuracy. Methods:

    majority class    the most common TRAIN label (ties: the first label in sorted order),
                      ``grukit.classify.baselines.majority_class``.
    1-NN Euclidean    ``grukit.classify.baselines.nearest_neighbour`` (sets of one length: the plain
                      Euclidean distance over all steps and channels).
    1-NN DTW          sktime ``KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw")``: full
                      warping window; on BasicMotions dependent DTW (squared distance summed over the
                      6 channels at each aligned step).
    MiniRocket        sktime ``MiniRocket`` (``MiniRocketMultivariate`` on BasicMotions), 10,000
                      kernels, ``random_state`` = the seed, then sklearn ``StandardScaler`` and
                      ``RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))`` (Dempster et al. 2021's
                      recipe; the ridge penalty is chosen by leave-one-out on TRAIN).
    grukit            ``GRUClassifier(seed=s, progress=False).fit(X, y)`` on the (N, T, C) arrays,
                      every other option at its default, then ``predict`` on TEST.

The three deterministic baselines run once; MiniRocket and grukit once per seed, and the tables
give each seed and the median. Summary rows: the mean accuracy over the sets run and the mean rank
(rank 1 = the best accuracy on a set, ties averaged; MiniRocket and grukit enter with their
median). Seconds are wall time of fit + predict (numba is compiled before the timed runs).

``--cv K`` is the selection protocol: TEST is not read at all; every method is scored by
stratified K-fold cross-validation on TRAIN (folds shuffled with seed 0, the same folds for every
method; accuracy = correct predictions over all folds / TRAIN size). Choose settings with
``--cv``, then report the test run once.

    python benchmarks/classify_ucr.py                                       # everything, on TEST
    python benchmarks/classify_ucr.py --seeds 0,1,2 --json ucr.json --cache benchmarks/.cache/ucr
    python benchmarks/classify_ucr.py --sets ItalyPowerDemand --models grukit --seeds 0
    python benchmarks/classify_ucr.py --cv 5 --models grukit --grukit-options '{"hidden_size": 128}'
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import _common

SETS = ("ArrowHead", "ItalyPowerDemand", "OSULeaf", "BasicMotions")
EXTRA_SETS = ("GunPoint",)  # the set grukit bundles (with a preset): here, its number with the generic defaults
BASELINES = ("majority", "1nn_ed", "1nn_dtw")  # deterministic: run once, cacheable
SEEDED = ("minirocket", "grukit")  # run once per seed
MODELS = (*BASELINES, *SEEDED)
LABEL = {"majority": "majority class", "1nn_ed": "1-NN Euclidean", "1nn_dtw": "1-NN DTW (full)",
         "minirocket": "MiniRocket", "grukit": "grukit GRUClassifier"}

# Published test accuracies on the same TRAIN/TEST splits, as 1 - the published error where errors were published.
# UCR: the UCR archive 2018's DataSummary.csv (Dau et al., "The UCR Time Series Archive", IEEE/CAA J. Autom.
# Sinica 2019; https://www.cs.ucr.edu/~eamonn/time_series_data_2018/): columns "ED (w=0)", "DTW (w=100)" (full
# window) and "DTW (learned_w)" (window chosen on TRAIN; ArrowHead and ItalyPowerDemand learn w=0, OSULeaf w=7%).
# MiniRocket: Dempster et al. 2021 (KDD), github.com/angus924/minirocket results/: "30 resamples" is the mean of
# results_ucr109_mean.csv; "resample 0" is column 0 of accuracy_ucr109_resamples.csv, by the UEA resampling
# convention the archive's own split (inferred: seed 0 of this script matches it on ArrowHead and OSULeaf).
# BasicMotions (UEA) is not in either table; no published number is given for it here.
PUBLISHED: dict[str, dict[str, float]] = {
    "ArrowHead": {"1-NN ED (UCR)": 0.8000, "1-NN DTW full (UCR)": 0.7029, "1-NN DTW learned w (UCR)": 0.8000,
                  "MiniRocket resample 0": 0.862857, "MiniRocket 30 resamples": 0.880952},
    "ItalyPowerDemand": {"1-NN ED (UCR)": 0.9553, "1-NN DTW full (UCR)": 0.9504, "1-NN DTW learned w (UCR)": 0.9553,
                         "MiniRocket resample 0": 0.968902, "MiniRocket 30 resamples": 0.959572},
    "OSULeaf": {"1-NN ED (UCR)": 0.5207, "1-NN DTW full (UCR)": 0.5909, "1-NN DTW learned w (UCR)": 0.6116,
                "MiniRocket resample 0": 0.958678, "MiniRocket 30 resamples": 0.957576},
}
PUBLISHED_COLUMNS = ("1-NN ED (UCR)", "1-NN DTW full (UCR)", "1-NN DTW learned w (UCR)", "MiniRocket resample 0",
                     "MiniRocket 30 resamples")


# ----------------------------------------------------------------- data
def load(name: str, part: str) -> tuple[np.ndarray, np.ndarray]:
    """(X (N, C, T) float64, y (N,) str labels) of one set's "train" or "test" part, from sktime's wheel."""
    from sktime.datasets import load_UCR_UEA_dataset

    X, y = load_UCR_UEA_dataset(name, split=part, return_type="numpy3D")
    return np.asarray(X, dtype=np.float64), np.asarray(y).astype(str)


def splits(name: str, cv: int | None) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """(X_fit, y_fit, X_eval, y_eval) pairs: TRAIN/TEST, or with ``cv`` the stratified folds of TRAIN only."""
    X, y = load(name, "train")
    if not cv:
        return [(X, y, *load(name, "test"))]
    from sklearn.model_selection import StratifiedKFold

    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=0).split(np.zeros(len(y)), y)
    return [(X[a], y[a], X[b], y[b]) for a, b in folds]


def describe(name: str, parts: list) -> dict:
    X_fit, y_fit, X_eval, _ = parts[0]
    n_eval = sum(len(p[3]) for p in parts)
    return {"fit": len(y_fit), "evaluated": n_eval, "length": X_fit.shape[2], "channels": X_fit.shape[1],
            "classes": len(np.unique(y_fit)), "folds": len(parts)}


# ----------------------------------------------------------------- methods
def _codes(y_fit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    classes = np.unique(y_fit)  # sorted
    return classes, np.searchsorted(classes, y_fit)


def predict_majority(X_fit, y_fit, X_eval, seed) -> np.ndarray:
    from grukit.classify.baselines import majority_class

    classes, codes = _codes(y_fit)
    return classes[majority_class(codes, len(X_eval))]


def predict_1nn_ed(X_fit, y_fit, X_eval, seed) -> np.ndarray:
    from grukit.classify.baselines import nearest_neighbour

    classes, codes = _codes(y_fit)
    return classes[nearest_neighbour(list(X_fit.transpose(0, 2, 1)), codes, list(X_eval.transpose(0, 2, 1)))]


def predict_1nn_dtw(X_fit, y_fit, X_eval, seed) -> np.ndarray:
    from sktime.classification.distance_based import KNeighborsTimeSeriesClassifier

    return np.asarray(KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw").fit(X_fit, y_fit).predict(X_eval))


def predict_minirocket(X_fit, y_fit, X_eval, seed) -> np.ndarray:
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.preprocessing import StandardScaler
    from sktime.transformations.rocket import MiniRocket, MiniRocketMultivariate

    transform = (MiniRocket if X_fit.shape[1] == 1 else MiniRocketMultivariate)(random_state=seed)
    features = np.asarray(transform.fit_transform(X_fit), dtype=np.float64)  # (N, ~10,000)
    scaler = StandardScaler().fit(features)
    ridge = RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)).fit(scaler.transform(features), y_fit)
    return np.asarray(ridge.predict(scaler.transform(np.asarray(transform.transform(X_eval), dtype=np.float64))))


def grukit_run(X_fit, y_fit, X_eval, seed, options: dict) -> tuple[np.ndarray, dict]:
    """GRUClassifier with its defaults on (N, T, C) arrays: (predictions, {fit_s, predict_s, epochs})."""
    from grukit.classify import GRUClassifier

    started = time.perf_counter()
    model = GRUClassifier(seed=seed, progress=False, **options).fit(X_fit.transpose(0, 2, 1), y_fit)
    fitted = time.perf_counter()
    predicted = np.asarray(model.predict(X_eval.transpose(0, 2, 1))).astype(str)
    done = time.perf_counter()
    history = model.history_ or []
    losses = [row.get("val_loss") for row in history]
    best = min((i for i, v in enumerate(losses) if v is not None), key=lambda i: losses[i], default=None)
    return predicted, {"fit_s": fitted - started, "predict_s": done - fitted, "epochs": len(history),
                       "best_epoch": None if best is None else history[best].get("epoch")}


PREDICT = {"majority": predict_majority, "1nn_ed": predict_1nn_ed, "1nn_dtw": predict_1nn_dtw,
           "minirocket": predict_minirocket}


def score(method: str, parts: list, seed: int, options: dict) -> dict:
    """Run one method on every (fit, eval) pair: accuracy over all evaluated series, correct, n, seconds."""
    correct = n = 0
    seconds = 0.0
    extra: list[dict] = []
    for X_fit, y_fit, X_eval, y_eval in parts:
        started = time.perf_counter()
        if method == "grukit":
            predicted, info = grukit_run(X_fit, y_fit, X_eval, seed, options)
            extra.append(info)
        else:
            predicted = PREDICT[method](X_fit, y_fit, X_eval, seed)
        seconds += time.perf_counter() - started
        correct += int(np.sum(predicted == y_eval))
        n += len(y_eval)
    out = {"accuracy": correct / n, "correct": correct, "n": n, "seconds": seconds}
    if extra:
        out["fit_s"] = sum(e["fit_s"] for e in extra)
        out["predict_s"] = sum(e["predict_s"] for e in extra)
        out["epochs"] = [e["epochs"] for e in extra]
        out["best_epoch"] = [e["best_epoch"] for e in extra]
    return out


def warm_up(models: list[str]) -> None:
    """Compile sktime's numba kernels on a tiny problem, so that no timed run pays for it."""
    rng = np.random.default_rng(0)
    y = np.array(["a", "b"] * 4)
    for channels in (1, 2):
        X = rng.normal(size=(8, channels, 16))
        if "1nn_dtw" in models:
            predict_1nn_dtw(X, y, X, 0)
        if "minirocket" in models:
            predict_minirocket(X, y, X, 0)


def cached_baselines(name: str, parts: list, methods: list[str], cache: Path | None, key: str) -> dict:
    """The deterministic baselines' results on one set, running only what ``cache``/``key``.json lacks."""
    file = cache / f"{key}.json" if cache else None
    done = json.loads(file.read_text()) if file is not None and file.exists() else {}
    for method in methods:
        if method in done:
            print(f"  {LABEL[method]}: {done[method]['accuracy']:.4f} from {file}", file=sys.stderr)
            continue
        done[method] = score(method, parts, 0, {})
        print(f"  {LABEL[method]}: {done[method]['accuracy']:.4f}, {done[method]['seconds']:.1f} s",
              file=sys.stderr, flush=True)
        if file is not None:
            cache.mkdir(parents=True, exist_ok=True)
            file.write_text(json.dumps(done, indent=2) + "\n")
    return {m: done[m] for m in methods}


# ----------------------------------------------------------------- summaries
def ranks(values: list[float]) -> list[float]:
    """Rank 1 = the highest value; ties share the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def summarise(results: dict, sets: list[str], methods: list[str], seeds: list[int]) -> dict:
    """Per set and method the accuracy (median over seeds for the seeded ones), then mean accuracy and mean rank."""
    accuracy = {}
    for name in sets:
        row = {}
        for method in methods:
            runs = results[name].get(method)
            if not runs:
                continue
            if method in SEEDED:
                row[method] = statistics.median(runs[str(s)]["accuracy"] for s in seeds if str(s) in runs)
            else:
                row[method] = runs["accuracy"]
        accuracy[name] = row
    present = [m for m in methods if all(m in accuracy[name] for name in sets)]
    rank = {name: dict(zip(present, ranks([accuracy[name][m] for m in present]))) for name in sets}
    return {"accuracy": accuracy, "rank": rank, "methods": present,
            "mean_accuracy": {m: statistics.mean(accuracy[n][m] for n in sets) for m in present},
            "mean_rank": {m: statistics.mean(rank[n][m] for n in sets) for m in present}}


def seconds_of(results: dict, name: str, method: str, seeds: list[int]) -> float | None:
    runs = results[name].get(method)
    if not runs:
        return None
    if method in SEEDED:
        return statistics.median(runs[str(s)]["seconds"] for s in seeds if str(s) in runs)
    return runs["seconds"]


def _join(values: list) -> str:
    """Epoch numbers of the folds, "/"-separated (one split: the number alone; "-": none, as without validation)."""
    return "/".join("-" if v is None else str(v) for v in values)


def environment() -> dict:
    import sklearn
    import sktime

    return _common.environment(sktime=sktime.__version__, sklearn=sklearn.__version__)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", default=",".join(SETS),
                   help=f"comma list of {','.join(SETS + EXTRA_SETS)} (default: the first four, the development sets)")
    p.add_argument("--models", default=",".join(MODELS), help=f"comma list of {','.join(MODELS)} (default all)")
    p.add_argument("--seeds", default="0,1,2", help="MiniRocket and grukit seeds, comma list (default 0,1,2)")
    p.add_argument("--cv", type=int, default=None, metavar="K",
                   help="selection protocol: stratified K-fold cross-validation on TRAIN; TEST is not read")
    p.add_argument("--grukit-options", type=json.loads, default={},
                   help="JSON object of extra GRUClassifier options, for the selection protocol only "
                        "(e.g. '{\"hidden_size\": 128}'); the product's numbers use none")
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (default 1: fastest for these small models on a shared 2-core machine)")
    p.add_argument("--json", type=Path, default=None, help="write every number here (default: nothing)")
    p.add_argument("--cache", type=Path, default=None,
                   help="folder caching the majority / 1-NN ED / 1-NN DTW results per set and mode (default: none)")
    args = p.parse_args()
    args.sets = _common.comma_list(args.sets, SETS + EXTRA_SETS, "--sets")
    args.models = _common.comma_list(args.models, MODELS, "--models")
    args.seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    if args.cv is not None and args.cv < 2:
        raise SystemExit("--cv: K must be at least 2")
    return args


def main() -> None:
    args = parse_args()
    _common.setup(args)
    print(_common.machine(), flush=True)
    mode = f"cv{args.cv}" if args.cv else "test"
    print(f"UCR/UEA development sets, {'TEST accuracy' if not args.cv else f'{args.cv}-fold CV accuracy on TRAIN'}; "
          f"seeds {args.seeds}" + (f"; grukit options {args.grukit_options}" if args.grukit_options else ""),
          flush=True)
    warm_up(args.models)
    results: dict[str, dict] = {}
    data: dict[str, dict] = {}
    for name in args.sets:
        parts = splits(name, args.cv)
        data[name] = describe(name, parts)
        d = data[name]
        print(f"{name}: fit {d['fit']}, evaluated {d['evaluated']} ({d['folds']} split(s)), length {d['length']}, "
              f"{d['channels']} channel(s), {d['classes']} classes", file=sys.stderr, flush=True)
        baselines = [m for m in args.models if m in BASELINES]
        results[name] = cached_baselines(name, parts, baselines, args.cache, f"{name}_{mode}") if baselines else {}
        for method in (m for m in args.models if m in SEEDED):
            results[name][method] = {}
            for seed in args.seeds:
                run = score(method, parts, seed, args.grukit_options if method == "grukit" else {})
                results[name][method][str(seed)] = run
                more = (f", {_join(run['epochs'])} epochs (best {_join(run['best_epoch'])})" if method == "grukit"
                        else "")
                print(f"  {LABEL[method]} seed {seed}: {run['accuracy']:.4f} ({run['correct']}/{run['n']}), "
                      f"{run['seconds']:.1f} s{more}", file=sys.stderr, flush=True)

    summary = summarise(results, args.sets, args.models, args.seeds)
    methods = summary["methods"]
    header = ["set"] + [LABEL[m] + (" (median)" if m in SEEDED else "") for m in methods]
    rows = [[name] + [summary["accuracy"][name][m] for m in methods] for name in args.sets]
    rows.append(["mean accuracy"] + [summary["mean_accuracy"][m] for m in methods])
    rows.append(["mean rank"] + [summary["mean_rank"][m] for m in methods])
    print()
    print(f"Accuracy ({'TEST' if not args.cv else f'{args.cv}-fold CV on TRAIN'}); rank 1 = best, ties averaged:")
    print(_common.table(header, rows))

    seeded = [m for m in args.models if m in SEEDED]
    if seeded:
        print()
        print("Each seed:")
        header = ["set"] + [f"{LABEL[m]} seed {s}" for m in seeded for s in args.seeds]
        if "grukit" in seeded:
            header.append("grukit epochs run (best)")
        rows = []
        for name in args.sets:
            row = [name] + [results[name][m].get(str(s), {}).get("accuracy") for m in seeded for s in args.seeds]
            if "grukit" in seeded:
                row.append(", ".join(f"{_join(results[name]['grukit'][str(s)]['epochs'])}"
                                     f" ({_join(results[name]['grukit'][str(s)]['best_epoch'])})" for s in args.seeds))
            rows.append(row)
        print(_common.table(header, rows))

    print()
    print("Seconds, wall, fit + predict (MiniRocket and grukit: median over seeds; cached baselines carry the "
          "seconds of the run that made them):")
    header = ["set"] + [LABEL[m] for m in args.models]
    rows = [[name] + [seconds_of(results, name, m, args.seeds) for m in args.models] for name in args.sets]
    print(_common.table(header, rows))

    if PUBLISHED and not args.cv:
        print()
        print("Published test accuracy on the same splits (sources beside PUBLISHED in this file; none for "
              "BasicMotions):")
        columns = list(PUBLISHED_COLUMNS)
        print(_common.table(["set", *columns], [[name] + [PUBLISHED.get(name, {}).get(c) for c in columns]
                                                for name in args.sets]))

    if args.json:
        document = {**environment(), "mode": mode, "sets": args.sets, "models": args.models, "seeds": args.seeds,
                    "grukit_options": args.grukit_options, "data": data, "results": results, "summary": summary,
                    "published": {name: PUBLISHED.get(name, {}) for name in args.sets}}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
