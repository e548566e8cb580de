"""A user's own music: a folder of MIDI files read as piano rolls, and the bundled JSB Chorales."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from grukit.errors import DataError
from grukit.music import MusicModel, read_piano_rolls, rolls_from_notes, write_midi
from grukit.music.data import bundled_chorales
from grukit.music.midi_folder import read_midi, read_midi_folder

CHORALES_SHA256 = "7bb5680a2bb2945d7f63aae99e94eac966396089c3cd497e34f478324b17290a"
PIECE = [[60, 64, 67], [60, 64, 67], [], [62, 65], [72, 76]]


def test_bundled_chorales_are_byte_identical_and_read():
    assert hashlib.sha256(bundled_chorales().read_bytes()).hexdigest() == CHORALES_SHA256
    rolls = read_piano_rolls(bundled_chorales())
    assert [len(rolls[s]) for s in ("train", "valid", "test")] == [229, 76, 77]
    assert "jsb_chorales.json" in (bundled_chorales().parent / "ATTRIBUTION.md").read_text()


def test_a_midi_file_reads_back_as_the_roll_it_was_written_from(tmp_path):
    roll = rolls_from_notes([PIECE])[0]
    write_midi(roll, tmp_path / "piece.mid")
    back, dropped = read_midi(tmp_path / "piece.mid")
    np.testing.assert_array_equal(back, roll)
    assert dropped == 0
    write_midi(roll, tmp_path / "fine.mid", steps_per_beat=2)  # two frames per beat: the same music
    np.testing.assert_array_equal(read_midi(tmp_path / "fine.mid", steps_per_beat=2)[0], roll)
    # one frame per beat: a frame holds what sounds at its start or starts inside it (beats 0, 1-2, 2-2.5)
    np.testing.assert_array_equal(read_midi(tmp_path / "fine.mid", steps_per_beat=1)[0], roll[[0, 3, 4]])


def test_drums_and_notes_outside_the_piano_are_left_out(tmp_path):
    import mido

    track = mido.MidiTrack([
        mido.Message("note_on", note=60, velocity=80, time=0), mido.Message("note_on", note=36, velocity=80,
                                                                           channel=9, time=0),
        mido.Message("note_on", note=110, velocity=80, time=0), mido.Message("note_off", note=60, time=480),
        mido.Message("note_on", note=36, velocity=0, channel=9, time=0), mido.Message("note_off", note=110, time=0),
    ])
    mido.MidiFile(ticks_per_beat=480, tracks=[track]).save(tmp_path / "drums.mid")
    roll, dropped = read_midi(tmp_path / "drums.mid")
    assert roll.shape == (1, 88) and roll.nonzero()[1].tolist() == [60 - 21] and dropped == 1


def test_a_folder_is_split_by_file_name(tmp_path):
    for k in range(10):
        write_midi(rolls_from_notes([[[60 + k]] * (k + 1)])[0], tmp_path / f"piece{k:02d}.mid")
    rolls, line = read_midi_folder(tmp_path)
    assert [len(rolls[s]) for s in ("train", "valid", "test")] == [8, 1, 1]
    assert [len(r) for r in rolls["test"]] == [10]  # the last file by name
    assert line == f"{tmp_path}: 10 MIDI files, 55 frames at 1 per beat; train 8, valid 1, test 1 files (by name)"


def test_folder_errors_say_what_to_do(tmp_path):
    with pytest.raises(DataError, match=r"holds no MIDI files \(\.mid, \.midi\); pass a folder of MIDI files or a "
                                        r"piano-roll JSON file\.$"):
        read_midi_folder(tmp_path)
    (tmp_path / "broken.mid").write_bytes(b"not midi")
    with pytest.raises(DataError, match=r"cannot read .*broken\.mid as a MIDI file .*; check that it is a standard "
                                        r"MIDI file \(\.mid\)\.$"):
        read_midi_folder(tmp_path)


def test_music_model_trains_on_a_midi_folder(tmp_path):
    for k in range(4):
        write_midi(rolls_from_notes([PIECE * 2])[0], tmp_path / f"p{k}.mid")
    model = MusicModel(hidden_size=8, epochs=1, progress=False).fit(tmp_path)
    assert model.data_["data"].startswith(f"{tmp_path}: 4 MIDI files")
    assert np.isfinite(model.score(tmp_path, "test")["nll"])
