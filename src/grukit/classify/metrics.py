"""Classification metrics as pure NumPy functions of integer class codes 0..J-1.

Shapes use the legend of :mod:`grukit.nn.functional`. ``M = confusion_matrix(...)`` has true
classes in rows and predicted classes in columns: ``M[i, j]`` counts sequences of class i predicted
as j.
"""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "confusion_matrix", "per_class_scores", "macro_f1"]


def _codes(name: str, values, num_classes: int | None = None) -> np.ndarray:
    codes = np.asarray(values)
    if codes.ndim != 1 or not np.issubdtype(codes.dtype, np.integer):
        raise ValueError(f"{name} must be a 1-D array of integer class codes; got dtype {codes.dtype} and "
                         f"shape {codes.shape}.")
    if num_classes is not None and codes.size and (codes.min() < 0 or codes.max() >= num_classes):
        raise ValueError(f"{name} holds codes outside 0..{num_classes - 1}; got {codes.min()}..{codes.max()}.")
    return codes


def _pair(y_true, y_pred, num_classes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    t, p = _codes("y_true", y_true, num_classes), _codes("y_pred", y_pred, num_classes)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same length; got {t.size} and {p.size}.")
    if t.size == 0:
        raise ValueError("y_true and y_pred are empty; pass at least one prediction.")
    return t, p


def accuracy(y_true, y_pred) -> float:
    """The share of correct predictions: acc = (1/N) sum_i 1[y_i = yhat_i].

    Example:
        >>> accuracy([0, 1, 1, 2], [0, 1, 2, 2])
        0.75
    """
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """The (J, J) count matrix M[i, j] = sum_n 1[y_n = i and yhat_n = j] (rows: true, columns: predicted).

    Example:
        >>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], num_classes=3).tolist()
        [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    """
    t, p = _pair(y_true, y_pred, num_classes)
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (t, p), 1)
    return matrix


def per_class_scores(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall, F1 and support per class from a confusion matrix::

        precision_k = M[k, k] / sum_i M[i, k]     (0 when class k is never predicted)
        recall_k    = M[k, k] / sum_j M[k, j]     (0 when class k never occurs)
        F1_k        = 2 precision_k recall_k / (precision_k + recall_k)   (0 when both are 0)
        support_k   = sum_j M[k, j]

    Returns a dict of (J,) arrays: "precision", "recall", "f1", "support".

    Example:
        >>> scores = per_class_scores(np.array([[1, 0], [1, 2]]))
        >>> scores["precision"].tolist(), scores["recall"].tolist()
        ([0.5, 1.0], [1.0, 0.6666666666666666])
    """
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"matrix must be a square (J, J) confusion matrix; got shape {m.shape}.")
    hits = np.diag(m)
    predicted, support = m.sum(axis=0), m.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
    recall = np.divide(hits, support, out=np.zeros_like(hits), where=support > 0)
    both = precision + recall
    f1 = np.divide(2 * precision * recall, both, out=np.zeros_like(hits), where=both > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support.astype(np.int64)}


def macro_f1(matrix: np.ndarray) -> float:
    """The unweighted mean of the per-class F1 over the J classes: (1/J) sum_k F1_k.

    Every class of the matrix counts, also one absent from y_true (its F1 is 0 when it was
    predicted, since then its precision is 0), as scikit-learn's ``f1_score(average="macro")``
    does with ``labels`` set to all J classes.

    Example:
        >>> round(macro_f1(np.array([[1, 0], [1, 2]])), 4)
        0.7333
    """
    return float(np.mean(per_class_scores(matrix)["f1"]))
