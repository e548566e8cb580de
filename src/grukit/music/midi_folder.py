"""A folder of MIDI files as piano rolls: the user's own music, read with ``mido``.

Each ``.mid``/``.midi`` file becomes one binary (T, 88) roll, sampled on a grid of
``steps_per_beat`` frames per beat (quarter note; 1 is the JSB Chorales' grid, 2 Nottingham's):

    frame t covers beats [t / s, (t + 1) / s)     s = steps_per_beat
    roll[t, n - 21] = 1 when note n sounds at the start of frame t, or starts inside it

Notes of every track and channel are merged, except channel 10 (drums, MIDI channel index 9).
Notes outside the piano (21-108) are dropped, and the read-back note says how many. A note-on
with velocity 0 is a note-off (the MIDI convention).

Files are split by name, in sorted order, so the split is the same on every machine: the last
``valid`` and ``test`` shares (10 % each by default, at least one file each when there are three
or more files) become the validation and test pieces; with fewer than 3 files, every split holds
every file (a smoke run, said in the read-back).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from grukit.errors import DataError
from grukit.music.data import HIGHEST_NOTE, LOWEST_NOTE, NUM_KEYS

__all__ = ["MIDI_SUFFIXES", "read_midi", "read_midi_folder"]

MIDI_SUFFIXES = (".mid", ".midi")
DRUM_CHANNEL = 9  # MIDI channel 10, counted from 0


def _intervals(path: Path) -> tuple[list[tuple[float, float, int]], int]:
    """(start beat, end beat, note) of every note of a MIDI file, and how many fell off the piano."""
    import mido

    try:
        midi = mido.MidiFile(path)
    except (OSError, ValueError, EOFError, KeyError, IndexError) as err:
        raise DataError(f"cannot read {path} as a MIDI file ({' '.join(str(err).split()) or type(err).__name__}); "
                        f"check that it is a standard MIDI file (.mid).") from None
    per_beat = midi.ticks_per_beat
    notes, dropped = [], 0
    for track in midi.tracks:
        tick, sounding = 0, {}
        for message in track:
            tick += message.time
            if message.type not in ("note_on", "note_off") or message.channel == DRUM_CHANNEL:
                continue
            key = (message.channel, message.note)
            if message.type == "note_on" and message.velocity > 0:
                sounding.setdefault(key, tick)
            elif key in sounding:
                start = sounding.pop(key)
                if LOWEST_NOTE <= message.note <= HIGHEST_NOTE:
                    notes.append((start / per_beat, tick / per_beat, message.note))
                else:
                    dropped += 1
        for (_, note), start in sounding.items():  # never released: it sounds to the track's end
            if LOWEST_NOTE <= note <= HIGHEST_NOTE:
                notes.append((start / per_beat, tick / per_beat, note))
            else:
                dropped += 1
    return notes, dropped


def read_midi(path: str | Path, steps_per_beat: int = 1) -> tuple[np.ndarray, int]:
    """One MIDI file as a binary (T, 88) uint8 roll and the count of notes outside the piano.

    A note covers every frame from the one it starts in up to (not including) the frame its end
    falls on; a note shorter than a frame still takes the frame it starts in.
    """
    if isinstance(steps_per_beat, bool) or not isinstance(steps_per_beat, int) or steps_per_beat < 1:
        raise DataError(f"steps_per_beat must be a whole number >= 1; got {steps_per_beat!r}.")
    notes, dropped = _intervals(Path(path))
    if not notes:
        raise DataError(f"{path} has no piano notes (MIDI 21-108 outside the drum channel); remove it from "
                        f"the folder or give a file with notes.")
    frames = max(math.ceil(end * steps_per_beat - 1e-9) for _, end, _ in notes)
    roll = np.zeros((max(frames, 1), NUM_KEYS), dtype=np.uint8)  # (T, 88)
    for start, end, note in notes:
        first = math.floor(start * steps_per_beat + 1e-9)
        last = max(first + 1, math.ceil(end * steps_per_beat - 1e-9))
        roll[first:last, note - LOWEST_NOTE] = 1
    return roll, dropped


def read_midi_folder(folder: str | Path, steps_per_beat: int = 1, valid: float = 0.1,
                     test: float = 0.1) -> tuple[dict[str, list[np.ndarray]], str]:
    """Every MIDI file under ``folder`` (recursively) as rolls split into train / valid / test.

    Returns the rolls and a read-back line: files, frames per beat, the split, dropped notes.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in MIDI_SUFFIXES and p.is_file())
    if not files:
        raise DataError(f"{folder} holds no MIDI files (.mid, .midi); pass a folder of MIDI files or a "
                        f"piano-roll JSON file.")
    rolls, dropped = [], 0
    for path in files:
        roll, off = read_midi(path, steps_per_beat)
        rolls.append(roll)
        dropped += off
    n = len(rolls)
    if n < 3:
        split = {"train": rolls, "valid": rolls, "test": rolls}
        how = f"{n} file{'s' if n > 1 else ''} used for train, valid and test alike (fewer than 3 files)"
    else:
        n_test = max(1, round(n * test))
        n_valid = max(1, round(n * valid))
        n_train = n - n_valid - n_test
        if n_train < 1:
            n_train, n_valid, n_test = n - 2, 1, 1
        split = {"train": rolls[:n_train], "valid": rolls[n_train:n_train + n_valid],
                 "test": rolls[n_train + n_valid:]}
        how = f"train {n_train}, valid {n_valid}, test {n - n_train - n_valid} files (by name)"
    note = f"; {dropped} notes outside the piano dropped" if dropped else ""
    line = (f"{folder}: {n} MIDI files, {sum(len(r) for r in rolls)} frames at {steps_per_beat} per beat; "
            f"{how}{note}")
    return split, line
