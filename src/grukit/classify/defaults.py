"""The classifier's generic defaults: what a fit uses when only the data is given.

The rules read the data's size, never its name. They were chosen by 5-fold cross-validation on the
TRAIN parts of four UCR/UEA sets (ArrowHead, ItalyPowerDemand, OSULeaf, BasicMotions; TEST never
read): the protocol, the candidates and their scores are in BENCHMARKS.md ("Classification on
sets the defaults never saw") and ``benchmarks/classify_ucr.py --cv 5``.

    model      a bidirectional GRU of 128 units per direction over segments of the sequence, mean
               pooling, dropout 0.2 before the head; z-scored channels, Gaussian jitter 0.1 on the
               training inputs.
    segments   segment_length 0 -> max(1, round(T_max / SEGMENTS)) over the training sequences:
               the GRU reads about SEGMENTS embedded segments whatever the length.
    training   no validation hold-out (small sets cannot spare one) and the full schedule:
               TRAIN_DEFAULTS' epochs, batch size and learning rate, with at most MAX_STEPS
               optimizer steps in all (fewer epochs for large sets).
"""

from __future__ import annotations

import math

__all__ = ["MAX_STEPS", "SEGMENTS", "TRAIN_DEFAULTS", "default_epochs", "segment_length_for"]

SEGMENTS = 40  # segments the GRU reads per sequence
MAX_STEPS = 4000  # optimizer steps of a fit at most, when epochs are not given
TRAIN_DEFAULTS = {"epochs": 300, "batch_size": 16, "lr": 3e-3, "patience": 0}  # TrainConfig values of the defaults


def segment_length_for(longest: int) -> int:
    """Steps per segment for sequences of up to ``longest`` steps.

    Example:
        >>> segment_length_for(24), segment_length_for(100), segment_length_for(427)
        (1, 2, 11)
    """
    return max(1, round(longest / SEGMENTS))


def default_epochs(sequences: int, batch_size: int) -> int:
    """TRAIN_DEFAULTS' epochs, fewer when they would take more than MAX_STEPS steps.

    Example:
        >>> default_epochs(200, 16), default_epochs(10_000, 16)
        (300, 6)
    """
    per_epoch = max(1, math.ceil(sequences / batch_size))
    return max(1, min(TRAIN_DEFAULTS["epochs"], MAX_STEPS // per_epoch))
