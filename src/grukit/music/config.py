"""``MusicConfig``: the model options of a polyphonic-music run, flat and typed.

Training options (epochs, lr, batch_size as sequences per batch, clipping, patience, ...) live in
:class:`grukit.train.TrainConfig`; a TOML file or the command line may set fields of both.
"""

from __future__ import annotations

from dataclasses import dataclass

from grukit.errors import ConfigError

__all__ = ["MusicConfig"]


@dataclass
class MusicConfig:
    """What :class:`~grukit.music.MusicModel` builds.

    Example:
        >>> MusicConfig(hidden_size=64, dropout=0.3).validate().hidden_size
        64
    """

    hidden_size: int = 128  # GRU units per layer
    num_layers: int = 1  # stacked GRU layers
    dropout: float = 0.3  # dropout between GRU layers and on the last layer's outputs before the linear layer
    input_dropout: float = 0.0  # dropout on the input frame's note units in training (the targets stay whole)
    reset: str = "after"  # GRU candidate form: after (PyTorch/cuDNN) | before (Cho et al. 2014)
    zoneout: float = 0.0  # zoneout probability on the GRU state
    recurrent_dropout: float = 0.0  # dropout on the recurrent state, one mask per sequence
    steps_per_beat: int = 1  # frames per beat (quarter note) when reading a folder of MIDI files

    def validate(self) -> "MusicConfig":
        """Check the choices and ranges; raise ConfigError with the fix. Returns ``self``."""
        if self.reset not in ("after", "before"):
            raise ConfigError(f"reset must be one of after, before; got {self.reset!r}.")
        for name in ("hidden_size", "num_layers", "steps_per_beat"):
            value = getattr(self, name)
            if value < 1:
                raise ConfigError(f"{name} must be at least 1; got {value}.")
        for name in ("dropout", "input_dropout", "zoneout", "recurrent_dropout"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ConfigError(f"{name} must be in [0, 1); got {value}.")
        return self
