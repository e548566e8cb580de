"""NAB at corpus level: reading a corpus folder, the exact threshold sweep, and the normalized score.

A two-file corpus in NAB's layout is built from the bundled series, their windows and published
per-file scores, with the per-row scores of three published detectors (``tests/fixtures/nab_results``).
The scorer must reproduce NAB's published raw score of each file at the published threshold, the
sweep must equal a brute-force search over every threshold, and the normalization must turn the
published corpus totals into the published normalized scores.
"""

from __future__ import annotations

import doctest
import json
import shutil
from importlib import resources

import numpy as np
import pandas as pd
import pytest

import grukit.detect.nab_sweep as nab_sweep_module
from grukit.detect import PROFILES, nab_score
from grukit.detect.nab_corpus import NabCorpus
from grukit.detect.nab_sweep import best_threshold, normalized_score, scored_windows, threshold_events
from grukit.errors import DataError
from helpers.paths import FIXTURES

RESULTS = FIXTURES / "nab_results"
FILES = ["ec2_request_latency_system_failure.csv", "ambient_temperature_system_failure.csv"]
DETECTORS = ["numenta", "knncad", "windowedGaussian"]


def _bundled(file: str):
    return resources.files("grukit.data").joinpath("bundled", "nab", file)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> NabCorpus:
    """Two realKnownCause files in NAB's folder layout, with three detectors' results."""
    root = tmp_path_factory.mktemp("nab")
    (root / "data" / "realKnownCause").mkdir(parents=True)
    (root / "labels").mkdir()
    windows = json.loads(_bundled("combined_windows_subset.json").read_text())
    published = pd.read_csv(_bundled("nab_v1_published_file_scores_subset.csv"), keep_default_na=False)
    for file in FILES:
        (root / "data" / "realKnownCause" / file).write_bytes(_bundled(file).read_bytes())
    (root / "labels" / "combined_windows.json").write_text(
        json.dumps({f"realKnownCause/{f}": windows[f"realKnownCause/{f}"] for f in FILES}))
    for detector in DETECTORS:
        folder = root / "results" / detector / "realKnownCause"
        folder.mkdir(parents=True)
        for file in FILES:
            shutil.copy(RESULTS / f"{detector}_{file}.gz", folder)
        for profile in PROFILES:
            rows = published[(published["Detector"] == detector) & (published["Profile"] == profile)
                             & published["File"].isin([f"realKnownCause/{f}" for f in FILES])]
            rows.to_csv(root / "results" / detector / f"{detector}_{profile}_scores.csv", index=False)
    return NabCorpus(root)


def test_corpus_lists_and_reads_its_files(corpus):
    assert corpus.files == [f"realKnownCause/{f}" for f in sorted(FILES)]
    frame = corpus.read("realKnownCause/ec2_request_latency_system_failure.csv")
    assert frame.shape == (4032, 2) and frame["timestamp"].dtype.kind == "M"
    assert corpus.windows("realKnownCause/ec2_request_latency_system_failure.csv") == [
        (2014, 2148), (3328, 3462), (3956, 4031)]  # as in test_detect_nab_score's table
    assert corpus.group("realKnownCause/nyc_taxi.csv") == "realKnownCause"


@pytest.mark.parametrize("detector", DETECTORS)
@pytest.mark.parametrize("profile", list(PROFILES))
def test_published_file_scores_are_reproduced_from_the_published_row_scores(corpus, detector, profile):
    table = corpus.published_file_scores(detector, profile)
    assert sorted(table["File"]) == corpus.files
    for _, row in table.iterrows():
        scores = corpus.published_step_scores(detector, row["File"])
        result = nab_score(scores >= row["Threshold"], corpus.windows(row["File"]), profile)
        assert result.score == pytest.approx(row["Score"], abs=1e-9)
        assert (result.counts["tp"], result.counts["fp"], result.counts["fn"], result.counts["tn"]) == (
            row["TP"], row["FP"], row["FN"], row["TN"])


def _brute_force(files, profile) -> tuple[float, float]:
    """The best (score, threshold) by scoring every distinct threshold with nab_score: the definition."""
    candidates = np.unique(np.concatenate([s[np.isfinite(s)] for s, _ in files]))[::-1]
    best = (sum(nab_score(np.zeros(len(s), dtype=bool), w, profile).score for s, w in files), np.inf)
    for tau in candidates:
        total = sum(nab_score(np.isfinite(s) & (s >= tau), w, profile).score for s, w in files)
        if total > best[0] + 1e-12:
            best = (total, float(tau))
    return best


@pytest.mark.parametrize("profile", list(PROFILES))
def test_sweep_equals_brute_force_on_random_corpora(profile):
    rng = np.random.default_rng(7)
    for trial in range(20):
        files = []
        for _ in range(3):
            n = int(rng.integers(30, 90))
            scores = np.round(rng.random(n), 1)  # ties, on purpose
            scores[rng.random(n) < 0.1] = np.nan
            cuts = np.sort(rng.choice(np.arange(n), size=4, replace=False))
            windows = [(int(cuts[0]), int(cuts[1])), (int(cuts[2]), int(cuts[3]))][: 1 + trial % 2]
            files.append((scores, windows))
        choice = best_threshold(files, profile)
        score, tau = _brute_force(files, profile)
        assert choice.score == pytest.approx(score, abs=1e-9)
        assert choice.threshold == tau


def test_sweep_equals_brute_force_on_published_scores(corpus):
    files = [(corpus.published_step_scores("numenta", name), corpus.windows(name)) for name in corpus.files]
    choice = best_threshold(files, "standard")
    score, tau = _brute_force(files, "standard")
    assert (choice.score, choice.threshold) == (pytest.approx(score, abs=1e-9), tau)
    assert choice.windows == 5 and choice.normalized == pytest.approx(100 * (score + 5) / 10, abs=1e-9)


def test_events_and_windows_golden():
    scores = np.full(24, np.nan)
    scores[20:23] = [0.9, 0.5, 0.95]
    values, deltas = threshold_events(scores, [(21, 22)])
    assert values.tolist() == [0.9, 0.5, 0.95]
    w22 = 0.8482836399575131 / 0.9866142981514305  # sigma(-1/2) / sigma(-1)
    assert deltas == pytest.approx([-0.11, 1.0 - w22, w22 + 1.0], abs=1e-12)
    assert scored_windows(1000, [(10, 100), (140, 160), (300, 399)]) == 2  # 150 probationary rows
    assert best_threshold([(np.full(100, np.nan), [(50, 60)])]).threshold == np.inf  # nothing to detect


# NAB v1.1's published corpus totals (results/<detector>/<detector>_<profile>_scores.csv, the Totals row)
# and normalized scores (results/final_results.json), with its 116 scored windows.
PUBLISHED = [
    ("numenta", "standard", 46.6344501971, 70.10105611943965),
    ("numenta", "reward_low_FN_rate", 26.6344501971, 74.3202443095115),
    ("null", "standard", -116.0, 0.0),
    ("null", "reward_low_FN_rate", -232.0, 0.0),
]


@pytest.mark.parametrize("detector, profile, raw, published", PUBLISHED)
def test_normalized_score_reproduces_the_published_ones(detector, profile, raw, published):
    assert normalized_score(raw, 116, profile) == pytest.approx(published, abs=1e-8)


def test_errors_say_what_to_do(tmp_path, corpus):
    with pytest.raises(DataError, match=rf"^{tmp_path} is not a NAB corpus: expected data/<group>/<file>\.csv and "
                                        r"labels/combined_windows\.json inside it; pass the root of a clone of "
                                        r"numenta/NAB\.$"):
        NabCorpus(tmp_path)
    with pytest.raises(DataError, match=r"^'realKnownCause/nyc_taxi\.csv' is not a file of the NAB corpus at .*; "
                                        r"expected a name like 'realKnownCause/ambient_temperature_system_failure"
                                        r"\.csv' \(see NabCorpus\.files\)\.$"):
        corpus.read("realKnownCause/nyc_taxi.csv")
    with pytest.raises(DataError, match=r"^no published scores of 'ARTime' for realKnownCause/ec2_request_latency_"
                                        r"system_failure\.csv in .*; expected ARTime_ec2_request_latency_system_"
                                        r"failure\.csv or ARTime_ec2_request_latency_system_failure\.csv\.gz\.$"):
        corpus.published_step_scores("ARTime", "realKnownCause/ec2_request_latency_system_failure.csv")
    with pytest.raises(ValueError, match=r"^unknown NAB profile 'strict'; expected one of standard, "
                                         r"reward_low_FP_rate, reward_low_FN_rate or a NabProfile\.$"):
        best_threshold([], "strict")
    with pytest.raises(ValueError, match=r"^normalized_score: the corpus must have at least one scored window; "
                                         r"got 0\.$"):
        normalized_score(0.0, 0)


def test_docstring_examples_run():
    assert doctest.testmod(nab_sweep_module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0
