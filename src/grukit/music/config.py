"""``MusicConfig``: the model options of a polyphonic-music run, flat and typed.

Training options (epochs, lr, batch_size as sequences per batch, clipping, patience, ...) live in
:class:`grukit.train.TrainConfig`; a TOML file or the command line may set fields of both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grukit.train.dataclass_config import check_field_types, require

__all__ = ["MusicConfig"]


@dataclass
class MusicConfig:
    """What :class:`~grukit.music.MusicModel` builds.

    Example:
        >>> MusicConfig(hidden_size=64, dropout=0.3).hidden_size
        64
    """

    hidden_size: int = 128  # GRU units per layer
    num_layers: int = 1  # stacked GRU layers
    dropout: float = 0.3  # dropout between GRU layers and on the last layer's outputs before the linear layer
    input_dropout: float = 0.0  # dropout on the input frame's note units in training (the targets stay whole)
    reset: Literal["after", "before"] = "after"  # GRU candidate form: after (PyTorch/cuDNN) | before (Cho et al. 2014)
    zoneout: float = 0.0  # zoneout probability on the GRU state
    recurrent_dropout: float = 0.0  # dropout on the recurrent state, one mask per sequence
    steps_per_beat: int = 1  # frames per beat (quarter note) when reading a folder of MIDI files

    def __post_init__(self) -> None:
        check_field_types(self)  # types and the Literal choices
        for name in ("hidden_size", "num_layers", "steps_per_beat"):
            require(self, getattr(self, name) >= 1, name, "at least 1")
        for name in ("dropout", "input_dropout", "zoneout", "recurrent_dropout"):
            require(self, 0.0 <= getattr(self, name) < 1.0, name, "in [0, 1)")
