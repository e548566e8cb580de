"""``TrainConfig``: every option of :func:`grukit.train.fit`, flat and typed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from grukit.train.dataclass_config import check_field_types, require

__all__ = ["TrainConfig"]

Schedule = Literal["onecycle", "cosine", "constant"]
Clip = Literal["norm", "value", "none"]
Device = Literal["auto", "cpu", "cuda"]


@dataclass
class TrainConfig:
    """How :func:`grukit.train.fit` trains: AdamW, a per-batch LR schedule, clipping, early stopping.

    The optimizer is always AdamW (``torch.optim.AdamW`` with ``lr`` and ``weight_decay``).
    Construction checks every value and raises :class:`~grukit.errors.ConfigError` with a
    one-line message; read one from a TOML table with
    ``config_from_dict(TrainConfig, table)``.

    Example:
        >>> config = TrainConfig(epochs=20, lr=3e-3, schedule="cosine", patience=5)
    """

    epochs: int = 100  # passes over the training data (upper bound when early stopping)
    batch_size: int = 64  # samples per optimizer step; under torchrun the global batch, split among the processes
    lr: float = 1e-3  # peak learning rate of the schedule
    weight_decay: float = 1e-4  # AdamW's decoupled weight decay
    schedule: Schedule = "onecycle"  # per-batch LR schedule: "onecycle", "cosine" (linear warm-up) or "constant"
    warmup_fraction: float = 0.1  # share of all steps spent warming up (onecycle's pct_start; cosine's linear warm-up)
    clip: Clip = "norm"  # gradient clipping: by global "norm", element-wise by "value", or "none"
    clip_value: float = 1.0  # the maximum gradient norm (clip="norm") or absolute value (clip="value")
    patience: int = 10  # stop after this many epochs without validation improvement; 0 never stops early
    min_delta: float = 0.0  # an improvement must lower the best loss by more than this
    seed: int = 0  # seeds torch, numpy, random and the shuffling of the training data
    device: Device = "auto"  # "auto" (CUDA when available), "cpu" or "cuda"
    progress: bool | None = None  # progress bar: True, False, or None for a bar only when stderr is a terminal
    num_threads: int | None = None  # torch CPU threads during fit; None keeps torch's setting

    def __post_init__(self) -> None:
        check_field_types(self)
        require(self, self.epochs >= 1, "epochs", "an integer >= 1")
        require(self, self.batch_size >= 1, "batch_size", "an integer >= 1")
        require(self, math.isfinite(self.lr) and self.lr > 0, "lr", "a finite number > 0")
        require(self, math.isfinite(self.weight_decay) and self.weight_decay >= 0, "weight_decay",
                "a finite number >= 0")
        require(self, 0 <= self.warmup_fraction < 1, "warmup_fraction", "a number in [0, 1)")
        require(self, math.isfinite(self.clip_value) and self.clip_value > 0, "clip_value",
                "a finite number > 0 (use clip='none' to turn clipping off)")
        require(self, self.patience >= 0, "patience", "an integer >= 0 (0 turns early stopping off)")
        require(self, math.isfinite(self.min_delta) and self.min_delta >= 0, "min_delta", "a finite number >= 0")
        require(self, 0 <= self.seed < 2**32, "seed", "an integer in [0, 2**32)")
        require(self, self.num_threads is None or self.num_threads >= 1, "num_threads",
                "an integer >= 1, or None for torch's default")

