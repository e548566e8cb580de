"""Classification metrics: golden numbers worked by hand, and agreement with each other's definitions."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import grukit.classify.metrics as metrics_module
from grukit.classify import accuracy, classification_metrics, confusion_matrix, macro_f1, per_class_scores

# 3 classes, 8 sequences: true 0 0 0 1 1 1 2 2, predicted 0 0 1 1 1 2 2 0
Y_TRUE = np.array([0, 0, 0, 1, 1, 1, 2, 2])
Y_PRED = np.array([0, 0, 1, 1, 1, 2, 2, 0])


def test_golden_numbers():
    m = confusion_matrix(Y_TRUE, Y_PRED, 3)
    assert m.tolist() == [[2, 1, 0], [0, 2, 1], [1, 0, 1]]
    assert accuracy(Y_TRUE, Y_PRED) == 5 / 8
    scores = per_class_scores(m)
    # precision: 2/3, 2/3, 1/2; recall: 2/3, 2/3, 1/2; so F1 equals both
    np.testing.assert_allclose(scores["precision"], [2 / 3, 2 / 3, 1 / 2])
    np.testing.assert_allclose(scores["recall"], [2 / 3, 2 / 3, 1 / 2])
    np.testing.assert_allclose(scores["f1"], [2 / 3, 2 / 3, 1 / 2])
    assert scores["support"].tolist() == [3, 3, 2]
    assert macro_f1(m) == pytest.approx((2 / 3 + 2 / 3 + 1 / 2) / 3)


def test_unequal_precision_and_recall():
    # class 0: 1 hit, predicted 2 times, occurs 1 time -> P 1/2, R 1, F1 2/3
    # class 1: 2 hits, predicted 2 times, occurs 3 times -> P 1, R 2/3, F1 4/5
    m = confusion_matrix([0, 1, 1, 1], [0, 0, 1, 1], 2)
    assert macro_f1(m) == pytest.approx((2 / 3 + 4 / 5) / 2)


def test_class_never_predicted_or_absent_scores_zero():
    m = confusion_matrix([0, 0, 1], [0, 0, 0], 3)  # class 1 never predicted, class 2 absent
    scores = per_class_scores(m)
    assert scores["precision"].tolist() == [2 / 3, 0.0, 0.0] and scores["recall"].tolist() == [1.0, 0.0, 0.0]
    assert macro_f1(m) == pytest.approx((0.8 + 0 + 0) / 3)


def test_perfect_and_json_ready_summary():
    m = classification_metrics(np.array([1, 0, 1]), np.array([1, 0, 1]), ["cat", "dog"])
    assert m["accuracy"] == 1.0 and m["macro_f1"] == 1.0 and m["confusion_matrix"] == [[1, 0], [0, 2]]
    assert m["per_class"]["dog"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert m["classes"] == ["cat", "dog"] and m["n"] == 3 and m["correct"] == 3


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"^y_true and y_pred must have the same length; got 2 and 3\.$"):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match=r"^y_pred holds codes outside 0\.\.1; got 0\.\.2\.$"):
        confusion_matrix([0, 1], [0, 2], 2)
    with pytest.raises(ValueError, match=r"^y_true must be a 1-D array of integer class codes"):
        accuracy([0.5], [0])


def test_docstring_examples_run():
    assert doctest.testmod(metrics_module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0
