"""Sequence classification end to end: ``.ts`` / CSV / arrays to an evaluated, saved, reported GRU classifier.

Shapes use the legend of :mod:`grukit.nn.functional`.

Example:
    >>> from grukit.classify import GRUClassifier, bundled_path
    >>> model = GRUClassifier(epochs=100).fit()                  # bundled GunPoint TRAIN  # doctest: +SKIP
    >>> model.score(bundled_path("gunpoint", "test"))            # test accuracy          # doctest: +SKIP
"""

from grukit.classify.classifier import GRUClassifier
from grukit.classify.config import ClassifyConfig
from grukit.classify.data import SequenceSet, from_arrays, pad_sequences, read_sequences
from grukit.classify.datasets import bundled_path
from grukit.classify.evaluation import classification_metrics, format_classification_table
from grukit.classify.metrics import accuracy, confusion_matrix, macro_f1, per_class_scores
from grukit.classify.report import plot_confusion, write_classification_report
from grukit.classify.ts_format import TsData, read_ts

__all__ = [
    # the estimator and its options
    "GRUClassifier",
    "ClassifyConfig",
    # data: every source becomes a SequenceSet of (T_i, C) arrays
    "SequenceSet",
    "read_sequences",
    "read_ts",
    "TsData",
    "from_arrays",
    "pad_sequences",
    "bundled_path",
    # metrics on class codes 0..J-1
    "accuracy",
    "confusion_matrix",
    "per_class_scores",
    "macro_f1",
    "classification_metrics",
    "format_classification_table",
    # files
    "plot_confusion",
    "write_classification_report",
]
