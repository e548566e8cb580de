"""``LMConfig``: every data and model option of a character language model, flat and typed.

Training options (epochs, lr, batch_size = the number of lanes, clipping, ...) live in
:class:`grukit.train.TrainConfig`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grukit.errors import ConfigError
from grukit.train.dataclass_config import check_field_types, require

__all__ = ["LMConfig", "LM_TRAIN_DEFAULTS"]

Vocab = Literal["char", "byte"]
Cell = Literal["gru", "mingru"]
Backend = Literal["auto", "fused", "torch", "reference"]

# TrainConfig values that suit language modelling (the recipe of benchmarks/lm_shakespeare.py); the user's win.
LM_TRAIN_DEFAULTS = {"epochs": 12, "batch_size": 32, "lr": 2e-3, "weight_decay": 0.01, "schedule": "cosine",
                     "warmup_fraction": 0.02, "clip": "norm", "clip_value": 1.0, "patience": 0}


@dataclass
class LMConfig:
    """What :func:`grukit.lm.train_lm` reads and builds; TrainConfig's batch_size is the number of lanes B.

    Example:
        >>> LMConfig(hidden_size=256, num_layers=2, chunk_length=128).cell
        'gru'
    """

    # --- data
    vocab: Vocab = "char"  # tokens: char (the distinct characters of the text) | byte (the 256 UTF-8 byte values)
    val_fraction: float = 0.1  # the last share of the text held out for validation (nanoGPT/char-rnn split)
    chunk_length: int = 128  # T, the steps of one truncated-BPTT chunk; the state carries across chunks
    # --- model
    cell: Cell = "gru"  # recurrent layer: gru (grukit.nn.GRU) | mingru (grukit.nn.MinGRU, residual)
    embedding_size: int = 0  # token embedding width; 0 means hidden_size
    hidden_size: int = 256  # units per recurrent layer
    num_layers: int = 2  # stacked recurrent layers
    dropout: float = 0.1  # dropout on the embedding, between layers and before the head (training only)
    tie_weights: bool = False  # share the embedding matrix with the output head (needs embedding_size == hidden_size)
    reset: Literal["after", "before"] = "after"  # GRU candidate form: after (PyTorch/cuDNN) | before (Cho et al. 2014)
    layer_norm: bool = False  # layer-normalized GRU gates
    zoneout: float = 0.0  # zoneout probability on the GRU state
    recurrent_dropout: float = 0.0  # dropout on the GRU's recurrent state, one mask per chunk
    backend: Backend = "auto"  # GRU kernel: auto | fused | torch | reference

    def __post_init__(self) -> None:
        check_field_types(self)  # types and the Literal choices
        for name in ("chunk_length", "hidden_size", "num_layers"):
            require(self, getattr(self, name) >= 1, name, "an integer >= 1")
        require(self, self.embedding_size >= 0, "embedding_size", ">= 1, or 0 for hidden_size")
        require(self, 0.0 < self.val_fraction < 1.0, "val_fraction", "in (0, 1) (0.1: the standard 90/10 split)")
        for name in ("dropout", "zoneout", "recurrent_dropout"):
            require(self, 0.0 <= getattr(self, name) < 1.0, name, "in [0, 1)")
        if self.tie_weights and self.embedding_size not in (0, self.hidden_size):
            raise ConfigError(f"LMConfig: tie_weights needs embedding_size == hidden_size; got embedding_size="
                              f"{self.embedding_size}, hidden_size={self.hidden_size}. Set embedding_size to 0.")
        if self.cell == "mingru" and (self.reset != "after" or self.layer_norm or self.zoneout or
                                      self.recurrent_dropout or self.backend != "auto"):
            raise ConfigError("LMConfig: cell='mingru' has no reset, layer_norm, zoneout, recurrent_dropout or "
                              "backend option; leave them at their defaults or use cell='gru'.")

