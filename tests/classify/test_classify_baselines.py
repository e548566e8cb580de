"""The classification baselines: majority class and 1-NN Euclidean, beside every score."""

from __future__ import annotations

import numpy as np
import pytest

from grukit.classify import GRUClassifier
from grukit.classify.baselines import majority_class, nearest_neighbour, resample
from grukit.classify.datasets import bundled_path


def test_nearest_neighbour_equals_a_brute_force_search():
    rng = np.random.default_rng(0)
    train = [rng.standard_normal((20, 2)) for _ in range(30)]
    codes = rng.integers(0, 3, 30)
    scored = [rng.standard_normal((20, 2)) for _ in range(700)]  # more than one distance block
    brute = [codes[int(np.argmin([np.sum((s - t) ** 2) for t in train]))] for s in scored]
    assert nearest_neighbour(train, codes, scored).tolist() == brute


def test_sequences_of_other_lengths_are_resampled_to_the_median_training_length():
    assert resample(np.arange(5.0)[:, None], 3)[:, 0].tolist() == [0.0, 2.0, 4.0]
    train = [np.zeros((4, 1)), np.full((6, 1), 3.0), np.full((5, 1), 3.0)]
    assert nearest_neighbour(train, np.array([0, 1, 1]), [np.full((9, 1), 2.9)]).tolist() == [1]
    assert majority_class(np.array([1, 0, 0, 1]), 2).tolist() == [0, 0]  # a tie goes to the first class


def test_gunpoint_baselines_match_the_published_ucr_numbers():
    # UCR archive (Dau et al. 2019): GunPoint 1-NN Euclidean error 0.087, so accuracy 0.913; 49.3 % majority
    model = GRUClassifier(epochs=1, val_size=0.0, progress=False).fit()
    baselines = model.evaluate(bundled_path("gunpoint", "test"))["baselines"]
    assert baselines["1-NN Euclidean"] == pytest.approx(0.9133, abs=1e-4)
    assert baselines["majority class"] == pytest.approx(74 / 150)


def test_report_shows_the_baselines_and_the_confusion_matrix_before_the_details(tmp_path):
    import re

    from grukit.classify.outputs import write_run

    model = GRUClassifier(epochs=1, progress=False).fit()
    metrics = model.evaluate(bundled_path("gunpoint", "test"))
    text = write_run(model, tmp_path / "run", metrics).read_text()
    assert re.findall(r"<h2>([^<]*)</h2>", text) == ["Plots", "Per class", "Details"]
    assert "accuracy of majority class (baseline)" in text and "accuracy of 1-NN Euclidean (baseline)" in text
    assert text.index('alt="Confusion matrix (test)"') < text.index("<h2>Details</h2>")


def test_classify_train_prints_the_baselines(capsys):
    from helpers.cli import run

    code, out, err = run(capsys, ["classify", "train", "--epochs", "1", "--quiet"])
    assert code == 0, err
    line = out.splitlines()[1]
    assert line.startswith("baselines on the same split: majority class 0.4933, 1-NN Euclidean ")
