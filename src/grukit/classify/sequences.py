"""``SequenceSet``: labelled sequences of different lengths, what every classification source is read into.

Shapes use the legend of :mod:`grukit.nn.functional`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["SequenceSet"]


@dataclass
class SequenceSet:
    """Sequences with their labels: what every source is read into."""

    sequences: list[np.ndarray]  # N arrays (T_i, C) of float64
    labels: list | None  # N labels (str or int, as given), or None for unlabelled data
    ids: list[str]  # N names for output rows: the id column's values, else "0", "1", ...
    name: str  # where the data came from, for messages
    where: list[str] | None = None  # per sequence, how to find it in the source ("line 23 of x.ts"); None: "sequence i"

    def __len__(self) -> int:
        return len(self.sequences)

    @property
    def num_channels(self) -> int:
        return self.sequences[0].shape[1] if self.sequences else 0

    def locate(self, i: int) -> str:
        """Sequence ``i`` named the way a person finds it in the source."""
        return self.where[i] if self.where is not None else f"sequence {i} (0-based) of {self.name}"

    def subset(self, index: Sequence[int]) -> "SequenceSet":
        """The sequences at ``index``, in that order."""
        pick = list(index)
        return SequenceSet([self.sequences[i] for i in pick], None if self.labels is None else
                           [self.labels[i] for i in pick], [self.ids[i] for i in pick], self.name,
                           None if self.where is None else [self.where[i] for i in pick])
