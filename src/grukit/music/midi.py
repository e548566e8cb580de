"""Piano rolls out as files: a standard MIDI file (with ``mido``) and a PNG picture (with matplotlib).

Both libraries are imported inside the functions that use them. Frames carry no held/re-struck
distinction (nor does the data), so a key that sounds in consecutive frames becomes one held note.

Shapes use the legend of :mod:`grukit.nn.functional`; a frame has 88 units, one per piano key.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grukit._io import atomic_write
from grukit.music.data import LOWEST_NOTE, NUM_KEYS

__all__ = ["note_events", "write_midi", "plot_piano_roll"]

TICKS_PER_BEAT = 480  # MIDI time resolution (ticks per quarter note)


def _check_roll(roll) -> np.ndarray:
    roll = np.asarray(roll)
    if roll.ndim != 2 or roll.shape[1] != NUM_KEYS or roll.shape[0] < 1:
        raise ValueError(f"roll must have shape (T, {NUM_KEYS}) with T >= 1, one row per step; got {roll.shape}.")
    return roll != 0


def note_events(roll) -> list[tuple[int, int, int]]:
    """The notes of a binary (T, 88) roll as (MIDI note, start step, end step), a key held across frames merged.

    Sorted by start step, then note; ``end`` is exclusive.

    Example:
        >>> roll = np.zeros((4, 88), dtype=np.uint8); roll[0:2, 39] = 1; roll[3, 39] = 1; roll[1, 43] = 1
        >>> note_events(roll)
        [(60, 0, 2), (64, 1, 2), (60, 3, 4)]
    """
    on = _check_roll(roll)
    padded = np.pad(on, ((1, 1), (0, 0))).astype(np.int8)  # (T + 2, 88): silence before and after
    change = np.diff(padded, axis=0)  # (T + 1, 88): +1 where a note starts, -1 one past where it ends
    events = []
    for key in range(NUM_KEYS):
        starts, ends = np.flatnonzero(change[:, key] == 1), np.flatnonzero(change[:, key] == -1)
        events.extend((key + LOWEST_NOTE, int(s), int(e)) for s, e in zip(starts, ends))
    return sorted(events, key=lambda ev: (ev[1], ev[0]))


def write_midi(roll, path: str | Path, bpm: float = 100.0, steps_per_beat: int = 1, velocity: int = 80,
               program: int = 0) -> Path:
    """Write a binary (T, 88) roll as a one-track MIDI file (format 1) and return ``path``.

    Each step lasts ``1 / steps_per_beat`` of a quarter-note beat at ``bpm`` beats per minute (JSB
    Chorales: 1 step per beat; Nottingham: 2). ``program`` is the General MIDI instrument
    (0: acoustic grand piano). Written atomically.

    Example:
        >>> write_midi(roll, "piece.mid", bpm=100, steps_per_beat=1)   # doctest: +SKIP
    """
    import mido

    events = note_events(roll)
    step_ticks = TICKS_PER_BEAT // steps_per_beat
    timeline = sorted([(start * step_ticks, 1, note) for note, start, _ in events]
                      + [(end * step_ticks, 0, note) for note, _, end in events])  # note-offs first at a tick
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    track.append(mido.Message("program_change", program=program, time=0))
    now = 0
    for tick, is_on, note in timeline:
        kind = "note_on" if is_on else "note_off"
        track.append(mido.Message(kind, note=note, velocity=velocity if is_on else 0, time=tick - now))
        now = tick
    end = len(np.asarray(roll)) * step_ticks
    track.append(mido.MetaMessage("end_of_track", time=end - now))
    midi = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT, tracks=[track])
    path = Path(path)
    atomic_write(path, lambda tmp: midi.save(tmp))
    return path


def plot_piano_roll(roll, path: str | Path, title: str = "") -> Path:
    """Draw a binary (T, 88) roll as a PNG: time steps across, MIDI notes 21-108 up; returns ``path``."""
    from grukit.evaluate.plots import figure, save_png

    on = _check_roll(roll)
    steps = on.shape[0]
    fig, (ax,) = figure(1, width=min(14.0, 4.0 + 0.08 * steps), height_each=4.5)
    extent = (-0.5, steps - 0.5, LOWEST_NOTE - 0.5, LOWEST_NOTE + NUM_KEYS - 0.5)
    ax.imshow(on.T, origin="lower", aspect="auto", cmap="Greys", interpolation="nearest", extent=extent,
              vmin=0, vmax=1)
    sounding = np.flatnonzero(on.any(axis=0))
    if sounding.size:  # zoom on the keys in use, with a margin of a few keys
        ax.set_ylim(max(LOWEST_NOTE, sounding[0] + LOWEST_NOTE - 3) - 0.5,
                    min(LOWEST_NOTE + NUM_KEYS - 1, sounding[-1] + LOWEST_NOTE + 3) + 0.5)
    ax.set_xlabel("time step")
    ax.set_ylabel("MIDI note")
    ax.set_title(title or f"piano roll: {steps} steps")
    return save_png(fig, path)
