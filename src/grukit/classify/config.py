"""``ClassifyConfig``: every data and model option of a classification run, flat and typed.

The defaults are the generic ones of :mod:`grukit.classify.defaults` (chosen on four UCR/UEA sets).

Training options live in :class:`grukit.train.TrainConfig`; a TOML file or the command line may
set fields of both, and an unknown key is an error that lists the valid ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from grukit.train.dataclass_config import check_field_types, require

__all__ = ["ClassifyConfig"]

Layout = Literal["auto", "wide", "long"]
Pooling = Literal["last", "mean", "attention"]  # grukit.models.classifier_net.POOLINGS
Reset = Literal["after", "before"]
ClassWeights = Literal["none", "balanced"]


@dataclass
class ClassifyConfig:
    """What :class:`~grukit.classify.GRUClassifier` reads, holds out and builds.

    Example:
        >>> ClassifyConfig(pooling="mean", bidirectional=False).pooling
        'mean'
    """

    # --- data
    dataset: str | None = None  # bundled dataset used when no data is given: gunpoint
    label_col: str = "label"  # CSV column of the class labels
    id_col: str = "id"  # CSV column naming each sequence (long CSV: the rows of one sequence share it)
    time_col: str | None = None  # long CSV column ordering the steps of a sequence ("time" when present)
    layout: Layout = "auto"  # CSV layout: wide (one row per sequence) | long | auto (long when id_col repeats)
    normalize: bool = True  # z-score each channel with mean and std of the training sequences
    val_size: float = 0.0  # share of the training sequences held out (stratified) for validation; 0 for none
    jitter: float = 0.1  # augmentation: std of Gaussian noise added to every training input value (after scaling)
    # --- model
    hidden_size: int = 128  # GRU units per layer and direction
    num_layers: int = 1  # stacked GRU layers
    dropout: float = 0.2  # dropout between GRU layers and before the classification head
    bidirectional: bool = True  # read each sequence forwards and backwards
    pooling: Pooling = "mean"  # one vector per sequence: last (final states) | mean | attention (over valid steps)
    segment_length: int = 0  # steps per GRU input: w > 1 embeds segments of w steps (the GRU runs T / w steps); 0: from T
    reset: Reset = "after"  # GRU candidate form: after (PyTorch/cuDNN) | before (Cho et al. 2014)
    layer_norm: bool = False  # layer-normalized GRU gates
    zoneout: float = 0.0  # zoneout probability on the GRU state
    recurrent_dropout: float = 0.0  # dropout on the recurrent state, one mask per sequence
    class_weights: ClassWeights = "none"  # cross-entropy class weights: none | balanced (N / (K * count of the class))

    def __post_init__(self) -> None:
        check_field_types(self)  # types and the Literal choices
        for name in ("hidden_size", "num_layers"):
            require(self, getattr(self, name) >= 1, name, "at least 1")
        require(self, self.segment_length >= 0, "segment_length",
                "at least 1, or 0 to choose it from the sequences' length")
        for name in ("dropout", "zoneout", "recurrent_dropout"):
            require(self, 0.0 <= getattr(self, name) < 1.0, name, "in [0, 1)")
        require(self, math.isfinite(self.jitter) and self.jitter >= 0, "jitter", "a finite number >= 0")
        require(self, math.isfinite(self.val_size) and 0.0 <= self.val_size < 1.0, "val_size",
                "in [0, 1), a share of the training sequences")
