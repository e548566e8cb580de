"""Training any model with one readable loop: ``fit(model, loss_fn, train_data, val_data, config)``.

The trainer knows nothing about the model: ``loss_fn(model, batch)`` returns a scalar loss.
AdamW, a per-batch LR schedule, gradient clipping with the pre-clip norm logged, early stopping
that restores the best weights, seeded and resumable runs (safetensors checkpoints, no pickle),
``metrics.csv`` and optional TensorBoard logs, and callbacks that are plain callables.

Example:
    >>> from grukit.train import TrainConfig, fit
    >>> def loss_fn(model, batch):
    ...     x, y = batch
    ...     return torch.nn.functional.mse_loss(model(x), y)
    >>> result = fit(model, loss_fn, TensorDataset(x, y), TensorDataset(x_val, y_val),
    ...              TrainConfig(epochs=30, patience=5))
"""

from __future__ import annotations

import importlib

from grukit.train.config import TrainConfig
from grukit.train.dataclass_config import config_from_dict

__all__ = ["fit", "TrainConfig", "TrainResult", "Callback", "STOP", "config_from_dict", "seed_everything"]

# Imported on first use: they need torch, and the configs above (what a --help reads) do not.
_LAZY = {"fit": "grukit.train.loop", "TrainResult": "grukit.train.loop", "Callback": "grukit.train.loop",
         "STOP": "grukit.train.loop", "seed_everything": "grukit.train.runtime"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'grukit.train' has no attribute {name!r}")
