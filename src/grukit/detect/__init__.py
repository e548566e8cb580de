"""Anomaly detection: per-step anomaly scores from a GRU, flags, and NAB's scoring.

    GRUAnomalyDetector   the estimator: fit on a clean stretch, score_samples, predict, save/load
    DetectConfig         its data, model, score and threshold options
    nab_score            NAB's raw score of one file's detections (standard and the other profiles)
    window_metrics       window-level precision, recall and F1 of flags against label windows
    load_nab             the four bundled NAB realKnownCause series, their windows and published scores
    NabCorpus            a whole NAB corpus on disk (numenta/NAB's layout): files, windows, published results
    best_threshold       NAB's corpus threshold per profile (an exact sweep) and the normalized score

Example:
    >>> from grukit.detect import GRUAnomalyDetector, load_nab, nab_score, nab_windows, window_rows
    >>> frame = load_nab("ec2_request_latency")
    >>> detector = GRUAnomalyDetector(method="forecast").fit(frame)
    >>> flags = detector.predict(frame)
    >>> nab_score(flags, window_rows(frame["timestamp"], nab_windows("ec2_request_latency"))).score
"""

from grukit.detect.config import DetectConfig
from grukit.detect.detector import GRUAnomalyDetector
from grukit.detect.nab import NAB_FILES, load_nab, nab_windows, published_scores, window_rows
from grukit.detect.nab_corpus import NabCorpus
from grukit.detect.nab_score import PROFILES, NabProfile, NabScore, nab_score, probationary_length, scaled_sigmoid
from grukit.detect.nab_sweep import ThresholdChoice, best_threshold, normalized_score
from grukit.detect.window_metrics import WindowMetrics, flagged_stretches, window_metrics

__all__ = [
    "DetectConfig",
    "GRUAnomalyDetector",
    # NAB's scoring (nab_score.py) and the bundled series (nab.py)
    "NAB_FILES",
    "PROFILES",
    "NabProfile",
    "NabScore",
    "load_nab",
    "nab_score",
    "nab_windows",
    "probationary_length",
    "published_scores",
    "scaled_sigmoid",
    "window_rows",
    # a whole NAB corpus (nab_corpus.py) and its corpus-level threshold and score (nab_sweep.py)
    "NabCorpus",
    "ThresholdChoice",
    "best_threshold",
    "normalized_score",
    # window-level metrics (window_metrics.py)
    "WindowMetrics",
    "flagged_stretches",
    "window_metrics",
]
