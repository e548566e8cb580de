"""Recurrent layers: ``GRU`` and ``GRUCell`` (drop-ins for torch.nn's, with more options) and ``MinGRU``.

The math lives in :mod:`grukit.nn.functional` as pure functions with their equations.
"""

from grukit.nn.cell import GRUCell
from grukit.nn.gru import GRU
from grukit.nn.mingru import MinGRU

__all__ = ["GRU", "GRUCell", "MinGRU"]
