"""Piano-roll JSON files: reading, checking and turning them into binary (T, 88) arrays.

The layout (Boulanger-Lewandowski et al. 2012's splits, as converted for grukit)::

    {"train": [seq, ...], "valid": [seq, ...], "test": [seq, ...]}
    seq  = [step, step, ...]       # one entry per time step (frame)
    step = [midi_note, ...]        # the MIDI note numbers sounding at that step; [] is a silent frame

Unit ``n - 21`` of a frame is 1 when MIDI note ``n`` sounds: the 88 piano keys 21 (A0) to 108 (C8).
Every problem is a :class:`~grukit.errors.DataError` that names the file, the split and the
index (``test[3][17]`` is step 17 of sequence 3 of the test split, both counted from 0).

Shapes use the legend of :mod:`grukit.nn.functional`.

Example:
    >>> rolls = read_piano_rolls("jsb_chorales.json", splits=("train", "valid"))   # doctest: +SKIP
    >>> rolls["train"][0].shape                     # (T, 88) uint8               # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from grukit.errors import DataError

__all__ = ["LOWEST_NOTE", "HIGHEST_NOTE", "NUM_KEYS", "SPLITS", "bundled_chorales", "read_piano_rolls",
           "rolls_from_notes", "notes_from_roll"]

LOWEST_NOTE = 21  # MIDI number of A0, the lowest piano key
HIGHEST_NOTE = 108  # MIDI number of C8, the highest piano key
NUM_KEYS = HIGHEST_NOTE - LOWEST_NOTE + 1  # 88 binary units per frame
SPLITS = ("train", "valid", "test")
LAYOUT = '{"train": [seq, ...], "valid": [...], "test": [...]} with seq = [[midi_note, ...], ...] (one list per step)'


def bundled_chorales() -> Path:
    """The bundled JSB Chorales piano rolls (Boulanger-Lewandowski et al.'s splits, byte for byte; see its
    ATTRIBUTION.md): what ``grukit music train`` reads when no data is given."""
    return Path(__file__).resolve().parents[1] / "data" / "bundled" / "jsb_chorales" / "jsb_chorales.json"


def read_piano_rolls(path: str | Path, splits: Iterable[str] = SPLITS,
                     optional: Iterable[str] = ()) -> dict[str, list[np.ndarray]]:
    """Read the ``splits`` of a piano-roll JSON file as lists of binary (T, 88) uint8 arrays.

    Splits in ``optional`` are read (and checked) too when the file has them, and left out otherwise.

    Raises DataError (one line: what, where, how to fix) for a missing or unreadable file,
    malformed JSON, a missing split, an empty split or sequence, a step that is not a list,
    a note that is not an integer or lies outside 21-108.
    """
    path = Path(path)
    document = _read_json(path)
    rolls = {}
    for split in splits:
        if split not in document:
            found = ", ".join(repr(k) for k in document) or "none"
            raise DataError(f"{path} has no {split!r} split (found: {found}); a piano-roll file holds {LAYOUT}.")
        rolls[split] = rolls_from_notes(document[split], f"{path}: {split}")
    for split in optional:
        if split in document and split not in rolls:
            rolls[split] = rolls_from_notes(document[split], f"{path}: {split}")
    return rolls


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise DataError(f"piano-roll file {path} not found; pass the path of a JSON file laid out as {LAYOUT}.")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        message = str(err).splitlines()[0]
        raise DataError(f"{path} is not valid JSON ({message}); a piano-roll file holds {LAYOUT}.") from None
    if not isinstance(document, dict):
        raise DataError(f"{path} holds a JSON {_json_type(document)}, not an object; "
                        f"a piano-roll file holds {LAYOUT}.")
    return document


def rolls_from_notes(sequences: object, where: str = "sequences") -> list[np.ndarray]:
    """Lists of note lists -> binary (T, 88) uint8 arrays, checking every value.

    ``where`` starts each error message, e.g. ``"music.json: test"``, and indices follow it as
    ``[sequence][step]``.

    Example:
        >>> rolls_from_notes([[[60, 64, 67], [], [62]]])[0].nonzero()
        (array([0, 0, 0, 2]), array([39, 43, 46, 41]))
    """
    if not isinstance(sequences, list):
        raise DataError(f"{where} must be a list of sequences; got a JSON {_json_type(sequences)}.")
    if not sequences:
        raise DataError(f"{where} has no sequences; give it at least one non-empty sequence.")
    return [_roll(seq, f"{where}[{i}]") for i, seq in enumerate(sequences)]


def _roll(seq: object, where: str) -> np.ndarray:
    if not isinstance(seq, list):
        raise DataError(f"{where} must be a list of steps; got a JSON {_json_type(seq)}.")
    if not seq:
        raise DataError(f"{where} is an empty sequence; every sequence needs at least one step "
                        f"(a silent step is written []). Remove it or fill it.")
    roll = np.zeros((len(seq), NUM_KEYS), dtype=np.uint8)  # (T, 88)
    for t, step in enumerate(seq):
        if not isinstance(step, list):
            raise DataError(f"{where}[{t}] must be a list of MIDI note numbers (a silent step is []); "
                            f"got a JSON {_json_type(step)}.")
        for note in step:
            if not isinstance(note, int) or isinstance(note, bool):
                raise DataError(f"{where}[{t}] holds {note!r}, not a MIDI note number; "
                                f"notes are integers from {LOWEST_NOTE} to {HIGHEST_NOTE}.")
            if not LOWEST_NOTE <= note <= HIGHEST_NOTE:
                raise DataError(f"{where}[{t}] has note {note}, outside the piano range {LOWEST_NOTE}-"
                                f"{HIGHEST_NOTE} (MIDI numbers of the 88 keys); remove or transpose it.")
            roll[t, note - LOWEST_NOTE] = 1
    return roll


def notes_from_roll(roll: np.ndarray) -> list[list[int]]:
    """A binary (T, 88) roll -> one ascending list of MIDI note numbers per step (the JSON layout).

    Example:
        >>> notes_from_roll(rolls_from_notes([[[60, 64], []]])[0])
        [[60, 64], []]
    """
    roll = np.asarray(roll)
    if roll.ndim != 2 or roll.shape[1] != NUM_KEYS:
        raise ValueError(f"notes_from_roll: roll must have shape (T, {NUM_KEYS}); got {roll.shape}.")
    return [[int(k) + LOWEST_NOTE for k in np.flatnonzero(frame)] for frame in roll]


def _json_type(value: object) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)
