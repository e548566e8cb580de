"""Piano-roll JSON: the (T, 88) encoding, and every malformed file as a one-line DataError, word for word."""

from __future__ import annotations

import json

import numpy as np
import pytest

from grukit.errors import DataError
from grukit.music import notes_from_roll, read_piano_rolls, rolls_from_notes

LAYOUT = '{"train": [seq, ...], "valid": [...], "test": [...]} with seq = [[midi_note, ...], ...] (one list per step)'


def _write(tmp_path, document, name="music.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def _splits(train=None, valid=None, test=None):
    seq = [[60, 64, 67], [], [21, 108]]
    return {"train": train or [seq], "valid": valid or [seq], "test": test or [seq]}


def test_notes_become_binary_frames_on_the_88_keys_and_back(tmp_path):
    rolls = read_piano_rolls(_write(tmp_path, _splits(train=[[[60, 64, 67], [], [21, 108]], [[72]]])))
    first = rolls["train"][0]
    assert first.shape == (3, 88) and first.dtype == np.uint8
    assert np.flatnonzero(first[0]).tolist() == [39, 43, 46]  # 60 - 21, 64 - 21, 67 - 21
    assert first[1].sum() == 0  # a silent step
    assert np.flatnonzero(first[2]).tolist() == [0, 87]  # A0 and C8, the ends of the keyboard
    assert [r.shape for r in rolls["train"]] == [(3, 88), (1, 88)]
    assert notes_from_roll(first) == [[60, 64, 67], [], [21, 108]]
    assert sorted(rolls) == ["test", "train", "valid"]


def test_only_the_requested_splits_are_needed_and_optional_ones_are_read_when_present(tmp_path):
    path = _write(tmp_path, {"train": [[[60]]], "valid": [[[62]]]})
    assert sorted(read_piano_rolls(path, ("train", "valid"), optional=("test",))) == ["train", "valid"]
    with_test = _write(tmp_path, _splits(test=[[[200]]]), "bad_test.json")
    with pytest.raises(DataError, match=r"test\[0\]\[0\] has note 200"):
        read_piano_rolls(with_test, ("train", "valid"), optional=("test",))  # an optional split is checked too


@pytest.mark.parametrize("document, message", [
    ('{"train": [[[60]]', "{path} is not valid JSON (Expecting ',' delimiter: line 1 column 18 (char 17)); "
                          "a piano-roll file holds " + LAYOUT + "."),
    ("[1, 2]", "{path} holds a JSON array, not an object; a piano-roll file holds " + LAYOUT + "."),
    ({"train": [[[60]]], "test": [[[60]]]},
     "{path} has no 'valid' split (found: 'train', 'test'); a piano-roll file holds " + LAYOUT + "."),
    (_splits(valid=[[[60], [64, 109]]]),
     "{path}: valid[0][1] has note 109, outside the piano range 21-108 (MIDI numbers of the 88 keys); "
     "remove or transpose it."),
    (_splits(test=[[[60]], [[60], [], [20]]]),
     "{path}: test[1][2] has note 20, outside the piano range 21-108 (MIDI numbers of the 88 keys); "
     "remove or transpose it."),
    (_splits(train=[[[60]], []]),
     "{path}: train[1] is an empty sequence; every sequence needs at least one step (a silent step is "
     "written []). Remove it or fill it."),
    ({"train": [], "valid": [[[60]]], "test": [[[60]]]},
     "{path}: train has no sequences; give it at least one non-empty sequence."),
    (_splits(train=[[[60.5]]]), "{path}: train[0][0] holds 60.5, not a MIDI note number; notes are integers "
                                "from 21 to 108."),
    (_splits(train=[[["C4"]]]), "{path}: train[0][0] holds 'C4', not a MIDI note number; notes are integers "
                                "from 21 to 108."),
    (_splits(train=[[60, 64]]), "{path}: train[0][0] must be a list of MIDI note numbers (a silent step is []); "
                                "got a JSON number."),
    ({"train": {"a": 1}, "valid": [[[60]]], "test": [[[60]]]},
     "{path}: train must be a list of sequences; got a JSON object."),
])
def test_each_malformed_file_is_one_line_that_says_where_and_how_to_fix(tmp_path, document, message):
    path = _write(tmp_path, document)
    with pytest.raises(DataError) as caught:
        read_piano_rolls(path)
    assert str(caught.value) == message.replace("{path}", str(path))


def test_a_missing_file_says_what_to_pass(tmp_path):
    with pytest.raises(DataError) as caught:
        read_piano_rolls(tmp_path / "none.json")
    assert str(caught.value) == (f"piano-roll file {tmp_path / 'none.json'} not found; pass the path of a JSON file "
                                 f"laid out as {LAYOUT}.")


def test_rolls_from_notes_rejects_booleans_which_json_would_never_call_notes():
    with pytest.raises(DataError, match=r"x\[0\]\[0\] holds True, not a MIDI note number"):
        rolls_from_notes([[[True]]], "x")
