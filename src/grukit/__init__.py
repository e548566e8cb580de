"""grukit: Gated Recurrent Units for PyTorch.

``import grukit`` stays light: torch is imported only when a submodule that needs it is
used, e.g. ``grukit.nn``.

Example:
    >>> import grukit
    >>> from grukit.nn import GRU
    >>> gru = GRU(input_size=1, hidden_size=20, num_layers=2, batch_first=True)
"""

from __future__ import annotations

import importlib

from grukit._version import __version__

__all__ = ["__version__", "nn"]

_LAZY_SUBMODULES = {"nn"}


def __getattr__(name: str):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"grukit.{name}")
    raise AttributeError(f"module 'grukit' has no attribute {name!r}")
