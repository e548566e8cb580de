"""grukit: Gated Recurrent Units for PyTorch.

``import grukit`` stays light: torch, pandas and matplotlib are imported only when a submodule
that needs them is used (``grukit.nn``, ``grukit.forecast``, ...).

Example:
    >>> import grukit
    >>> gru = grukit.nn.GRU(input_size=1, hidden_size=20, num_layers=2, batch_first=True)
    >>> model = grukit.GRUForecaster(dataset="air_passengers")
"""

from __future__ import annotations

import importlib

from grukit._version import __version__

__all__ = ["__version__", "GRUAnomalyDetector", "GRUClassifier", "GRUForecaster", "audio", "classify", "data",
           "detect", "evaluate", "forecast", "models", "nn", "train"]

_LAZY_SUBMODULES = {"audio", "classify", "data", "detect", "evaluate", "forecast", "models", "nn", "train"}
_LAZY_ATTRIBUTES = {"GRUAnomalyDetector": "grukit.detect", "GRUClassifier": "grukit.classify",
                    "GRUForecaster": "grukit.forecast"}


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"grukit.{name}")
    if name in _LAZY_ATTRIBUTES:
        return getattr(importlib.import_module(_LAZY_ATTRIBUTES[name]), name)
    raise AttributeError(f"module 'grukit' has no attribute {name!r}")
