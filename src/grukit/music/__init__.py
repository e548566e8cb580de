"""Polyphonic music: a GRU that predicts each 88-key piano-roll frame from the frames before it.

The data are piano-roll JSON files (JSB Chorales and Nottingham in Boulanger-Lewandowski et al.
2012's splits); the metric is their negative log-likelihood per time step, pooled over all steps
of a split. Trained models sample new pieces, written as MIDI files and piano-roll PNGs.

Shapes use the legend of :mod:`grukit.nn.functional`; a frame has 88 units, one per piano key (MIDI
notes 21-108).

Example:
    >>> from grukit.music import MusicModel, write_midi
    >>> model = MusicModel(hidden_size=128, epochs=200).fit("jsb_chorales.json")   # doctest: +SKIP
    >>> model.score("jsb_chorales.json", "test")["nll"]                           # doctest: +SKIP
    >>> write_midi(model.sample(steps=64), "piece.mid")                           # doctest: +SKIP
"""

import importlib

from grukit.music.config import MusicConfig
from grukit.music.data import HIGHEST_NOTE, LOWEST_NOTE, NUM_KEYS, notes_from_roll, read_piano_rolls, rolls_from_notes

# Imported on first use (they need torch or matplotlib); the config and data above are light.
_LAZY = {
    "pooled_nll": "metrics", "step_nll": "metrics", "note_events": "midi", "plot_piano_roll": "midi",
    "write_midi": "midi", "MusicModel": "model", "PianoRollNet": "net", "shift_right": "net",
    "sample_roll": "sampling",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"grukit.music.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'grukit.music' has no attribute {name!r}")


__all__ = [
    # the estimator and its options
    "MusicModel",
    "MusicConfig",
    # data: piano-roll JSON -> (T, 88) binary arrays
    "read_piano_rolls",
    "rolls_from_notes",
    "notes_from_roll",
    "LOWEST_NOTE",
    "HIGHEST_NOTE",
    "NUM_KEYS",
    # the net, the metric, sampling
    "PianoRollNet",
    "shift_right",
    "step_nll",
    "pooled_nll",
    "sample_roll",
    # files
    "note_events",
    "write_midi",
    "plot_piano_roll",
]
