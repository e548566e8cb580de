"""GunPoint (UCR): GRUClassifier test accuracy on the archive's fixed TRAIN/TEST split, 3 seeds.

Protocol: every choice was made on TRAIN alone. The options of the bundled preset
(``grukit.classify.datasets.PRESETS["gunpoint"]``) were picked by stratified 5-fold
cross-validation on the 50 TRAIN series (4 fold assignments; accuracy and log-loss on the held-out
folds); the model then trains on all of TRAIN for the preset's 300 epochs (one-cycle schedule,
the epoch with the lowest training loss kept). TEST (150 series) is scored once per seed and
never used for any choice. Only ``fit`` is timed; CPU seconds are this process's (one thread),
about the wall time on an idle core.

Model: a bidirectional ``grukit.nn.GRU`` (128 units per direction) over segments of 5 steps, each
embedded by Linear + ReLU (30 GRU steps for 150 values), mean-pooled over time, dropout 0.2,
linear head; cross-entropy; Gaussian input jitter (sigma 0.1) on the training batches.

    python benchmarks/classify_gunpoint.py                 # seeds 0 1 2, about 10 s CPU per seed
    python benchmarks/classify_gunpoint.py --seeds 0 1 2 3 4 5 6 --out runs/bench-gunpoint
"""

from __future__ import annotations

import time

import _common
from grukit.classify import GRUClassifier, bundled_path
from grukit.classify.datasets import PRESETS

# Published test accuracy on the same split: Wang et al. 2017 (FCN, ResNet, MLP) and the UCR
# archive (1-NN DTW), as listed in grukit/data/bundled/gunpoint/ATTRIBUTION.md's source notes.
PUBLISHED = [("FCN (Wang et al. 2017)", 1.000), ("ResNet (Wang et al. 2017)", 0.993),
             ("MLP (Wang et al. 2017)", 0.933), ("1-NN DTW, CV window (UCR)", 0.913), ("1-NN DTW (UCR)", 0.907)]


def run_seed(seed: int, epochs: int) -> dict:
    """Fit on the bundled TRAIN with the preset (timed), score TEST."""
    model = GRUClassifier(seed=seed, epochs=epochs, progress=False)
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit()  # no data: the bundled GunPoint TRAIN and its preset
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    metrics = model.evaluate(bundled_path("gunpoint", "test"))
    return {"seed": seed, "accuracy": metrics["accuracy"], "correct": metrics["correct"], "n": metrics["n"],
            "macro_f1": metrics["macro_f1"], "wall_s": wall, "cpu_s": cpu}


def main() -> None:
    args = _common.parser(__doc__.splitlines()[0], seeds=[0, 1, 2], epochs=PRESETS["gunpoint"]["epochs"]).parse_args()
    _common.setup(args)
    print(_common.machine())
    print(f"GunPoint: TRAIN 50, TEST 150 series of 150 steps; preset {PRESETS['gunpoint']}, epochs {args.epochs}")
    runs = []
    for seed in args.seeds:
        runs.append(run_seed(seed, args.epochs))
        print(f"seed {seed}: test accuracy {runs[-1]['accuracy']:.4f} ({runs[-1]['correct']}/{runs[-1]['n']}), "
              f"macro F1 {runs[-1]['macro_f1']:.4f}, fit {runs[-1]['wall_s']:.1f} s wall, "
              f"{runs[-1]['cpu_s']:.1f} s CPU", flush=True)
    columns = ("accuracy", "macro_f1", "wall_s", "cpu_s")
    rows = _common.seed_rows("grukit GRUClassifier", args.seeds, [tuple(r[c] for c in columns) for r in runs])
    rows += [[name, accuracy, None, None, None] for name, accuracy in PUBLISHED]
    print()
    print(_common.table(["model", "test accuracy", "macro F1", "fit wall s", "fit CPU s"], rows))
    _common.save(args, {"dataset": "gunpoint", "preset": PRESETS["gunpoint"], "runs": runs,
                        "median_accuracy": _common.median([r["accuracy"] for r in runs]),
                        "median_macro_f1": _common.median([r["macro_f1"] for r in runs]),
                        "published": dict(PUBLISHED)})


if __name__ == "__main__":
    main()
