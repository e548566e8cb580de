"""Spoken-digit folders: file names, the official split, train-only scaling, bad folders, the public surface."""

import shutil
from pathlib import Path

import numpy as np
import pytest

import grukit.audio
from grukit.audio import (
    FeatureConfig,
    extract,
    list_clips,
    load_spoken_digits,
    official_split,
    parse_name,
)
from grukit.errors import DataError
from helpers.paths import FIXTURES

FSDD = FIXTURES / "fsdd"  # 1_theo_2 and 6_yweweler_3 (test), 2_nicolas_5 and 4_yweweler_8 (train)

PUBLIC = {
    "NAME_PATTERN", "OFFICIAL_TEST_INDICES", "ClipName", "DigitClips", "FeatureConfig", "SpokenDigits", "extract",
    "fit_feature_scaler", "list_clips", "load_clips", "load_spoken_digits", "log_mel", "mfcc", "official_split",
    "parse_name", "read_wav",
    "TEST_FRACTION", "AudioFolder", "LabelledClips", "find_layout", "load_audio_folder",  # grukit.audio.folders
}


def test_all_is_curated_and_every_name_resolves():
    assert set(grukit.audio.__all__) == PUBLIC and len(grukit.audio.__all__) == len(PUBLIC)
    for name in grukit.audio.__all__:
        assert getattr(grukit.audio, name) is not None


def test_parse_name():
    clip = parse_name(FSDD / "6_yweweler_3.wav")
    assert (clip.digit, clip.speaker, clip.index) == (6, "yweweler", 3)
    assert clip.path == FSDD / "6_yweweler_3.wav"
    assert parse_name("x/0_george_49.wav")[:3] == (0, "george", 49)


@pytest.mark.parametrize("name", ["10_theo_1.wav", "7-jackson-3.wav", "7_jackson.wav", "7_jackson_x.wav",
                                  "a_jackson_3.wav", "7_jack_son_3.wav"])
def test_a_name_that_does_not_match_is_one_line_naming_file_and_pattern(name):
    with pytest.raises(DataError) as info:
        parse_name(Path("rec") / name)
    assert str(info.value) == (
        f"rec/{name}: file name does not match {{digit}}_{{speaker}}_{{index}}.wav (e.g. 7_jackson_3.wav); "
        f"rename the file or move it out of the folder."
    )


def test_official_split_is_index_0_to_4_test():
    assert [official_split(i) for i in range(7)] == ["test"] * 5 + ["train"] * 2
    assert official_split(49) == "train"


def test_list_clips_sorts_and_ignores_other_files(tmp_path):
    for f in FSDD.glob("*.wav"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "README.md").write_text("not audio")
    names = [(c.digit, c.speaker, c.index) for c in list_clips(tmp_path)]
    assert names == [(1, "theo", 2), (2, "nicolas", 5), (4, "yweweler", 8), (6, "yweweler", 3)]


def test_load_spoken_digits_uses_the_official_split_and_scales_with_train_only():
    config = FeatureConfig()
    data = load_spoken_digits(FSDD, config)
    assert data.val is None
    assert data.test.labels.tolist() == [1, 6] and data.test.indices.tolist() == [2, 3]
    assert data.train.labels.tolist() == [2, 4] and data.train.speakers == ["nicolas", "yweweler"]
    assert [p.name for p in data.train.paths] == ["2_nicolas_5.wav", "4_yweweler_8.wav"]
    train_frames = np.concatenate(data.train.features)  # (sum T, 13)
    np.testing.assert_allclose(train_frames.mean(0), 0.0, atol=1e-5)  # fitted on train ...
    raw = extract(FSDD / "1_theo_2.wav", config)  # ... and applied unchanged to test
    np.testing.assert_allclose(data.test.features[0], (raw - data.scaler.mean_) / data.scaler.scale_, rtol=1e-5,
                               atol=1e-5)
    assert data.train.labels.dtype == np.int64 and data.test.features[0].dtype == np.float32


def test_val_comes_from_the_training_part():
    data = load_spoken_digits(FSDD, FeatureConfig(kind="logmel", normalize=False), val_indices=(5,))
    assert data.scaler is None
    assert [len(data.train), len(data.val), len(data.test)] == [1, 1, 2]
    assert data.val.indices.tolist() == [5] and data.train.indices.tolist() == [8]
    assert data.train.features[0].shape[1] == 40
    np.testing.assert_array_equal(data.train.features[0], extract(FSDD / "4_yweweler_8.wav", FeatureConfig("logmel")))


def test_val_indices_in_the_test_set_are_refused():
    with pytest.raises(DataError) as info:
        load_spoken_digits(FSDD, FeatureConfig(), val_indices=(4, 5, 6))
    assert str(info.value) == ("val_indices [4] are in the official test set (indices 0-4); "
                               "take validation clips from the training part, e.g. val_indices=(5, 6, 7).")


def test_val_indices_that_leave_no_training_clips_are_refused():
    with pytest.raises(DataError) as info:
        load_spoken_digits(FSDD, FeatureConfig(), val_indices=(5, 8))
    assert str(info.value) == (f"{FSDD}: val_indices [5, 8] leave no training recordings; "
                               f"keep some indices of 5 or more for training.")


def test_missing_folder(tmp_path):
    folder = tmp_path / "nope"
    with pytest.raises(DataError) as info:
        list_clips(folder)
    assert str(info.value) == (f"{folder}: no such folder; pass the folder that holds the "
                               f"{{digit}}_{{speaker}}_{{index}}.wav files.")


def test_folder_without_wav_files(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DataError) as info:
        list_clips(tmp_path)
    assert str(info.value) == (f"{tmp_path}: no .wav files; expected files named "
                               f"{{digit}}_{{speaker}}_{{index}}.wav, e.g. 7_jackson_3.wav.")


def test_a_badly_named_wav_in_the_folder_is_named(tmp_path):
    shutil.copy(FSDD / "1_theo_2.wav", tmp_path / "1_theo_2.wav")
    shutil.copy(FSDD / "1_theo_2.wav", tmp_path / "take one.wav")
    with pytest.raises(DataError, match=r"take one\.wav: file name does not match \{digit\}_\{speaker\}_\{index\}"):
        list_clips(tmp_path)


@pytest.mark.parametrize("keep, part, kind",
                         [("1_theo_2.wav", "train", "5 or more"), ("2_nicolas_5.wav", "test", "0-4")])
def test_a_folder_without_one_side_of_the_split(tmp_path, keep, part, kind):
    shutil.copy(FSDD / keep, tmp_path / keep)
    with pytest.raises(DataError) as info:
        load_spoken_digits(tmp_path, FeatureConfig())
    assert str(info.value) == (f"{tmp_path}: no {part} recordings (index {kind}); the official split needs "
                               f"files with index 0-4 for test and 5 or more for training.")


def test_a_corrupt_file_in_the_folder_is_named(tmp_path):
    for f in FSDD.glob("*.wav"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "3_theo_9.wav").write_bytes(b"RIFF")
    with pytest.raises(DataError) as info:
        load_spoken_digits(tmp_path, FeatureConfig())
    assert str(info.value) == (f"{tmp_path / '3_theo_9.wav'}: not a valid RIFF/WAV file (it does not start with a "
                               f"RIFF/WAVE header); pass a 16-bit PCM .wav file.")
