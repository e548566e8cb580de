"""Benchmark: grukit's anomaly detector on the whole NAB corpus (58 files), scored as NAB scores.

Run from the repository root with a copy of the NAB corpus (a clone of github.com/numenta/NAB, or
any folder in its layout: data/, labels/combined_windows.json, results/):

    .venv/bin/python benchmarks/detect_nab_corpus.py --nab-root PATH/TO/NAB [--seeds 0 1 2]

NAB's rules, followed here: one configuration for all 58 files; each file is read in time order;
the detector trains on the file's probationary period only (the first 15 % of its rows, at most
750, which NAB does not score) and then gives every later row a score computed from the rows up to
it; one threshold per profile for the whole corpus, the one that maximizes the summed raw score
(NAB's optimizer; here an exact sweep over every distinct score, grukit.detect.nab_sweep). The
normalized score is 100 (S - S_null) / (S_perfect - S_null) per profile.

The detector: ``GRUAnomalyDetector()`` with its defaults (``--options`` to change them): the
squared error of a one-step GRU forecast (trained on the probationary rows, their last 20 % held
out for early stopping), scored as a z-score against the errors' own history (8640 steps), see
grukit.detect.scores. Three ways to turn the scores into detections are reported per profile:

    rows     NAB's rule: every row whose score reaches the threshold is a detection; the threshold
             is NAB's exact corpus optimum
    alarms   grukit's alarms (a flagged row raises an alarm unless one was raised in the rest
             period, lookback steps, before it, or it scores above that alarm); the corpus threshold
             is the best of 120 quantiles of the scores (a grid: the rest period makes the score
             jump with the threshold)
    default  the same alarms at the product's default threshold (Z_THRESHOLD), set once for all
             profiles: what a user gets without labels

First the scorer is checked: for NAB's numenta (HTM), knncad and windowedGaussian detectors, the
published per-row scores at the published thresholds must give the published raw score of every
file under every profile, and the sweep must give their published normalized scores.
Per-file GRU errors are cached in ``--cache`` (keyed by the options, the seed and the file).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from grukit.detect import PROFILES, GRUAnomalyDetector, nab_score
from grukit.detect.config import Z_THRESHOLD
from grukit.detect.nab_corpus import NabCorpus
from grukit.detect.nab_sweep import best_threshold, normalized_score, scored_windows
from grukit.detect.scores import alarms_from_flags, flags_from_scores

COMMAND = ".venv/bin/python benchmarks/detect_nab_corpus.py"
CHECKED_DETECTORS = ("numenta", "knncad", "windowedGaussian")
LEADERS = ("ARTime", "numenta", "contextOSE", "knncad", "randomCutForest", "windowedGaussian", "null")


def check_scorer(corpus: NabCorpus) -> list[str]:
    """Reproduce the published per-file raw scores and normalized scores of three detectors; report lines."""
    lines, published = [], corpus.published_normalized()
    for detector in CHECKED_DETECTORS:
        for profile in PROFILES:
            table = corpus.published_file_scores(detector, profile)
            files, worst = [], 0.0
            for _, row in table.iterrows():
                scores = corpus.published_step_scores(detector, row["File"])
                windows = corpus.windows(row["File"])
                worst = max(worst, abs(nab_score(scores >= row["Threshold"], windows, profile).score - row["Score"]))
                files.append((scores, windows))
            choice = best_threshold(files, profile)
            lines.append(f"{detector:<17} {profile:<19} files {len(table):>2}, largest per-file difference "
                         f"{worst:.1e}; normalized: sweep {choice.normalized:.4f} (threshold {choice.threshold:.6g}),"
                         f" published {published[detector][profile]:.4f}")
    return lines


def scores_of(corpus: NabCorpus, name: str, options: dict, seed: int, cache: Path | None) -> tuple[np.ndarray, float]:
    """The detector's score at each row of file ``name``, (N,), and the seconds it took (0 when cached)."""
    detector = GRUAnomalyDetector(seed=seed, progress=False, num_threads=1, **options)
    configs = [dataclasses.asdict(config) for config in detector.configs()]
    key = hashlib.sha256(json.dumps([configs, name], sort_keys=True, default=str).encode()).hexdigest()[:16]
    path = cache / f"{key}.npy" if cache else None
    if path is not None and path.is_file():
        return np.load(path), 0.0
    started = time.perf_counter()
    frame = corpus.read(name)
    scores = detector.fit(frame).score_samples(frame)
    seconds = time.perf_counter() - started
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, scores)
    return scores, seconds


def alarms_score(corpus: NabCorpus, scores: dict, threshold: float, rest: int, profile: str) -> dict:
    """Each file's NabScore when its alarms (the rest-period rule of grukit.detect.scores) are the detections."""
    return {name: nab_score(alarms_from_flags(flags_from_scores(scores[name], threshold), rest, scores[name]),
                            corpus.windows(name), profile) for name in corpus.files}


def best_alarm_threshold(corpus: NabCorpus, scores: dict, rest: int, profile: str) -> tuple[float, float]:
    """The corpus threshold of the alarms on a grid (the top 5 % of all scores, 120 quantiles): (tau, raw S)."""
    finite = np.concatenate([s[np.isfinite(s)] for s in scores.values()])
    grid = np.unique(np.quantile(finite, 1.0 - np.geomspace(1e-5, 0.05, 120)))
    totals = [sum(r.score for r in alarms_score(corpus, scores, tau, rest, profile).values()) for tau in grid]
    best = int(np.argmax(totals))
    return float(grid[best]), float(totals[best])


def run_seed(corpus: NabCorpus, args: argparse.Namespace, seed: int) -> dict:
    """Score every file with one seed; per profile: NAB's row rule, the alarms at the swept and the default threshold."""
    scores, seconds = {}, 0.0
    for k, name in enumerate(corpus.files):
        scores[name], took = scores_of(corpus, name, args.options, seed, args.cache)
        seconds += took
        if not args.quiet:
            print(f"  seed {seed} [{k + 1}/{len(corpus.files)}] {name}: {took:.1f} s", file=sys.stderr, flush=True)
    config = GRUAnomalyDetector(**args.options).configs()[0]
    rest, default = config.rest_steps(), config.threshold if config.threshold is not None else Z_THRESHOLD
    files = [(scores[name], corpus.windows(name)) for name in corpus.files]
    windows = sum(scored_windows(len(s), w) for s, w in files)
    result = {"seed": seed, "seconds": seconds, "rest": rest, "default_threshold": default, "profiles": {}}
    for profile in PROFILES:
        rows = best_threshold(files, profile)
        tau, raw = best_alarm_threshold(corpus, scores, rest, profile)
        at_default = alarms_score(corpus, scores, default, rest, profile)
        result["profiles"][profile] = {
            "rows": {"threshold": rows.threshold, "raw": rows.score, "normalized": rows.normalized},
            "alarms": {"threshold": tau, "raw": raw, "normalized": normalized_score(raw, windows, profile)},
            "default": {"threshold": default, "raw": sum(r.score for r in at_default.values()),
                        "normalized": normalized_score(sum(r.score for r in at_default.values()), windows, profile),
                        "files": at_default}}
    return result


def group_table(corpus: NabCorpus, results: list[dict]) -> list[str]:
    """The default alarms' raw standard-profile score per group (the seed with the median score), against null."""
    ordered = sorted(results, key=lambda r: r["profiles"]["standard"]["default"]["normalized"])
    files = ordered[len(ordered) // 2]["profiles"]["standard"]["default"]["files"]
    lines = [f"{'group':<22} {'files':>5} {'windows':>7} {'detected':>8} {'false pos.':>10} {'raw':>8} {'null':>6}"]
    for group in sorted({corpus.group(n) for n in corpus.files}):
        scores = [files[n] for n in corpus.files if corpus.group(n) == group]
        lines.append(f"{group:<22} {len(scores):>5} {sum(s.windows for s in scores):>7} "
                     f"{sum(s.detected_windows for s in scores):>8} {sum(s.false_positives for s in scores):>10} "
                     f"{sum(s.score for s in scores):>8.2f} {-float(sum(s.windows for s in scores)):>6.1f}")
    return lines


def report(corpus: NabCorpus, args: argparse.Namespace, results: list[dict], scorer: list[str]) -> str:
    published = corpus.published_normalized()
    lines = [f"grukit on the NAB corpus ({len(corpus.files)} files), one configuration for every file",
             f"command: {args.command}", f"options: {json.dumps(args.options)}; rest period {results[0]['rest']} "
             f"steps; default threshold {results[0]['default_threshold']:g}", ""]
    if scorer:
        lines += ["The scorer against NAB's published results:", *scorer, ""]
    lines += ["Normalized score (higher is better; null 0, perfect 100):",
              f"{'detector':<36}" + "".join(f"{p:>20}" for p in PROFILES)]
    for rule in ("rows", "alarms", "default"):
        for r in results:
            cells = "".join(f"{r['profiles'][p][rule]['normalized']:>20.2f}" for p in PROFILES)
            label = f"grukit {rule}, seed {r['seed']}"
            lines.append(f"{label:<36}{cells}")
        if len(results) > 1:
            cells = "".join(f"{statistics.median(r['profiles'][p][rule]['normalized'] for r in results):>20.2f}"
                            for p in PROFILES)
            label = f"grukit {rule}, median"
            lines.append(f"{label:<36}{cells}")
    for detector in LEADERS:
        lines.append(f"{detector + ' (published)':<36}" + "".join(f"{published[detector][p]:>20.2f}" for p in PROFILES))
    lines.append("")
    for rule in ("rows", "alarms"):
        taus = ", ".join(f"{p} {statistics.median(r['profiles'][p][rule]['threshold'] for r in results):.4g}"
                         for p in PROFILES)
        lines.append(f"corpus thresholds, {rule} (median over seeds): {taus}")
    seconds = ", ".join(f"{r['seconds']:.0f}" for r in results)
    lines += [f"fit + score seconds per seed (0: cached): {seconds}", "", "Per group, standard profile, default alarms (the median seed):", *group_table(corpus, results)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nab-root", type=Path, required=True, help="a NAB corpus: data/, labels/, results/")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (default 0)")
    parser.add_argument("--options", type=json.loads, default={},
                        help="GRUAnomalyDetector options as JSON, e.g. '{\"lookback\": 32}' (default: none)")
    parser.add_argument("--cache", type=Path, default=None, help="folder for per-file errors (default: none)")
    parser.add_argument("--skip-scorer-check", action="store_true", help="do not reproduce the published scores")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    args.command = " ".join([COMMAND, *(argv if argv is not None else sys.argv[1:])])
    torch.set_num_threads(1)
    corpus = NabCorpus(args.nab_root)
    scorer = [] if args.skip_scorer_check else check_scorer(corpus)
    results = [run_seed(corpus, args, seed) for seed in args.seeds]
    print(report(corpus, args, results, scorer))
    if args.json:
        rows = [{"seed": r["seed"], "seconds": r["seconds"],
                 **{p: {rule: {k: v for k, v in part.items() if k != "files"} for rule, part in r["profiles"][p].items()}
                    for p in PROFILES},
                 "default_standard_files": {n: r["profiles"]["standard"]["default"]["files"][n].score
                                            for n in corpus.files}} for r in results]
        args.json.write_text(json.dumps({"command": args.command, "results": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
