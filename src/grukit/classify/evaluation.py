"""Scoring predicted classes: metrics.json's content, and a fixed-width table for the terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from grukit.classify.metrics import accuracy, confusion_matrix, macro_f1, per_class_scores

__all__ = ["classification_metrics", "format_classification_table"]


def classification_metrics(truth: np.ndarray, predicted: np.ndarray, classes: Sequence) -> dict:
    """Accuracy, macro F1, the confusion matrix (rows: true class) and per-class scores, JSON-ready.

    Example:
        >>> m = classification_metrics(np.array([0, 1, 1]), np.array([0, 1, 0]), ["a", "b"])
        >>> round(m["accuracy"], 4), m["confusion_matrix"], m["per_class"]["b"]["recall"]
        (0.6667, [[1, 0], [1, 1]], 0.5)
    """
    classes = list(classes)
    matrix = confusion_matrix(truth, predicted, len(classes))
    scores = per_class_scores(matrix)
    per_class = {str(c): {"precision": float(scores["precision"][k]), "recall": float(scores["recall"][k]),
                          "f1": float(scores["f1"][k]), "support": int(scores["support"][k])}
                 for k, c in enumerate(classes)}
    return {"n": int(len(truth)), "correct": int(np.sum(truth == predicted)), "accuracy": accuracy(truth, predicted),
            "macro_f1": macro_f1(matrix), "classes": classes, "confusion_matrix": matrix.tolist(),
            "per_class": per_class}


def format_classification_table(metrics: Mapping, part: str = "test") -> str:
    """Accuracy and macro F1 on one line, the baselines' accuracy on the next (when ``metrics`` has
    them), then precision / recall / F1 / support per class.

    Example:
        >>> m = classification_metrics(np.array([0, 1, 1]), np.array([0, 1, 0]), ["a", "b"])
        >>> print(format_classification_table(m))
        test accuracy 0.6667 (2/3), macro F1 0.6667
        class  precision  recall      F1  support
        a            0.5       1  0.6667        1
        b              1     0.5  0.6667        2
    """
    width = max(5, *(len(str(c)) for c in metrics["per_class"]))
    lines = [f"{part} accuracy {metrics['accuracy']:.4g} ({metrics['correct']}/{metrics['n']}), "
             f"macro F1 {metrics['macro_f1']:.4g}"]
    if metrics.get("baselines"):
        lines.append("baselines on the same split: " + ", ".join(
            f"{name} {value:.4g}" for name, value in metrics["baselines"].items()))
    lines.append(f"{'class':<{width}}  precision  recall      F1  support")
    for name, row in metrics["per_class"].items():
        lines.append(f"{name:<{width}}  {row['precision']:>9.4g}  {row['recall']:>6.4g}  {row['f1']:>6.4g}  "
                     f"{row['support']:>7d}")
    return "\n".join(lines)
