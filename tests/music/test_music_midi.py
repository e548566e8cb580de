"""MIDI files and piano-roll PNGs: held notes merge, timing follows the tempo, and the roll comes back."""

from __future__ import annotations

import numpy as np
import pytest

from grukit.music import note_events, plot_piano_roll, rolls_from_notes, write_midi


def _roll():
    return rolls_from_notes([[[60, 64], [60, 64], [], [60, 67], [108]]])[0]  # (5, 88)


def test_held_notes_merge_and_a_silent_step_re_strikes():
    assert note_events(_roll()) == [(60, 0, 2), (64, 0, 2), (60, 3, 4), (67, 3, 4), (108, 4, 5)]
    with pytest.raises(ValueError, match=r"roll must have shape \(T, 88\) with T >= 1, one row per step; got \(3,\)"):
        note_events(np.zeros(3))


def test_the_midi_file_reads_back_as_the_same_roll_at_the_given_tempo(tmp_path):
    import mido

    path = write_midi(_roll(), tmp_path / "piece.mid", bpm=120, steps_per_beat=2)
    midi = mido.MidiFile(path)
    assert midi.ticks_per_beat == 480 and len(midi.tracks) == 1
    assert midi.length == pytest.approx(5 * 0.25)  # 5 eighth notes at 120 quarter notes per minute
    tick, sounding, back = 0, set(), np.zeros((5, 88), dtype=np.uint8)
    for message in midi.tracks[0]:
        for t in range(tick // 240, (tick + message.time) // 240):  # fill the steps that passed
            for note in sounding:
                back[t, note - 21] = 1
        tick += message.time
        if message.type == "note_on" and message.velocity > 0:
            sounding.add(message.note)
        elif message.type in ("note_on", "note_off"):
            sounding.discard(message.note)
    np.testing.assert_array_equal(back, _roll())
    assert [m.type for m in midi.tracks[0][:2]] == ["set_tempo", "program_change"]


def test_the_png_is_written(tmp_path):
    path = plot_piano_roll(_roll(), tmp_path / "plots" / "roll.png", title="five steps")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
