"""Labelled WAV folders: one subfolder per label (split by name), train/ and test/ folders, FSDD's flat
layout unchanged, one exact line for every bad folder, and ``grukit classify --audio`` on label folders."""

from __future__ import annotations

import shutil
import wave

import numpy as np
import pytest

from helpers.cli import one_line_error, run
from grukit.audio import FeatureConfig, extract, find_layout, load_audio_folder, load_spoken_digits
from grukit.errors import ConfigError, DataError
from helpers.paths import FIXTURES

FSDD = FIXTURES / "fsdd"  # 1_theo_2 and 6_yweweler_3 (test), 2_nicolas_5 and 4_yweweler_8 (train)
PITCH = {"no": 300.0, "up": 900.0, "yes": 1700.0}  # Hz; each label its own tone
TINY = ["--epochs", "1", "--hidden-size", "4", "--val-size", "0", "--num-threads", "1", "--no-progress"]


def write_tone(path: Path, freq: float, samples: int = 400, rate: int = 8000) -> Path:
    """A 16-bit mono sine of ``samples`` samples at 8 kHz, written with the standard library's wave module."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(samples) / rate
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.round(0.5 * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2").tobytes())
    return path


def label_folder(root: Path, counts: dict[str, int]) -> Path:
    """root/<label>/c0.wav, c1.wav, ... with counts[label] files, each label at its pitch (a little higher per take)."""
    for label, n in counts.items():
        for i in range(n):
            write_tone(root / label / f"c{i}.wav", PITCH.get(label, 500.0) * (1 + 0.02 * i))
    return root


def error_of(folder, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        load_audio_folder(folder, FeatureConfig(), **kwargs)
    return str(info.value)


# --------------------------------------------------------------------------- one subfolder per label
def test_label_folders_read_with_folder_names_as_labels_and_the_last_20_percent_to_test(tmp_path):
    folder = label_folder(tmp_path / "clips", {"yes": 8, "no": 5, "up": 2})
    data = load_audio_folder(folder, FeatureConfig())
    assert data.layout == "labels" and find_layout(folder) == "labels"
    assert data.read_back == (f"{folder}: one subfolder per label, 3 labels (no: 5, up: 2, yes: 8 files); split by "
                              f"name: train 11, test 4 (the last 20% of each label)")
    assert data.train.labels == ["no"] * 4 + ["up"] + ["yes"] * 6
    assert data.test.labels == ["no", "up", "yes", "yes"]
    assert [p.relative_to(folder).as_posix() for p in data.test.paths] == ["no/c4.wav", "up/c1.wav", "yes/c6.wav",
                                                                          "yes/c7.wav"]
    assert [p.name for p in data.train.paths[:4]] == ["c0.wav", "c1.wav", "c2.wav", "c3.wav"]
    assert len(data.train) == 11 and data.train.features[0].shape == (5, 13)  # T = floor((400 + 40) / 80)
    assert data.train.features[0].dtype == np.float32


@pytest.mark.parametrize("n, n_test", [(2, 1), (3, 1), (7, 1), (8, 2), (10, 2), (13, 3)])
def test_each_label_sends_20_percent_rounded_and_at_least_one_to_test(tmp_path, n, n_test):
    data = load_audio_folder(label_folder(tmp_path, {"no": n, "yes": 2}), FeatureConfig(normalize=False))
    assert data.test.labels.count("no") == n_test and data.train.labels.count("no") == n - n_test


def test_files_sort_by_path_nested_folders_count_and_hidden_files_do_not(tmp_path):
    label_folder(tmp_path, {"no": 2, "yes": 2})
    write_tone(tmp_path / "yes" / "day2" / "a.wav", 1800.0)  # nested: still a "yes" clip, sorted by its path
    (tmp_path / "yes" / "._c0.wav").write_bytes(b"macOS metadata, not audio")
    write_tone(tmp_path / ".cache" / "x.wav", 100.0)  # a hidden folder is not a label
    (tmp_path / "no" / "notes.txt").write_text("not audio")
    data = load_audio_folder(tmp_path, FeatureConfig())
    assert sorted(set(data.train.labels)) == ["no", "yes"]
    assert [p.relative_to(tmp_path).as_posix() for p in data.train.paths + data.test.paths] == [
        "no/c0.wav", "yes/c0.wav", "yes/c1.wav", "no/c1.wav", "yes/day2/a.wav"]


def test_scaling_is_fitted_on_the_training_part_only(tmp_path):
    folder = label_folder(tmp_path, {"no": 3, "yes": 3})
    data = load_audio_folder(folder, FeatureConfig())
    np.testing.assert_allclose(np.concatenate(data.train.features).mean(0), 0.0, atol=1e-4)
    raw = extract(folder / "yes" / "c2.wav", FeatureConfig())
    np.testing.assert_allclose(data.test.features[1], (raw - data.scaler.mean_) / data.scaler.scale_, rtol=1e-4,
                               atol=1e-4)
    assert load_audio_folder(folder, FeatureConfig(normalize=False)).scaler is None


# --------------------------------------------------------------------------- train/ and test/ folders
def test_train_and_test_folders_are_the_split(tmp_path):
    label_folder(tmp_path / "train", {"no": 3, "yes": 2})
    label_folder(tmp_path / "test", {"yes": 2})  # a test part may lack a label
    data = load_audio_folder(tmp_path, FeatureConfig())
    assert data.layout == "train-test"
    assert data.read_back == (f"{tmp_path}: train/ and test/ folders, 2 labels (no: 3 + 0, yes: 2 + 2 files, "
                              f"train + test); train 5, test 2")
    assert data.train.labels == ["no", "no", "no", "yes", "yes"] and data.test.labels == ["yes", "yes"]
    assert data.test.paths == [tmp_path / "test" / "yes" / "c0.wav", tmp_path / "test" / "yes" / "c1.wav"]


# --------------------------------------------------------------------------- FSDD's flat layout, unchanged
def test_the_fsdd_layout_reads_exactly_as_load_spoken_digits(tmp_path):
    for f in FSDD.glob("*.wav"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "utils").mkdir()  # a subfolder without clips is ignored, as before
    (tmp_path / "utils" / "split.py").write_text("")
    for config in (FeatureConfig(), FeatureConfig(kind="logmel", normalize=False)):
        data, old = load_audio_folder(tmp_path, config), load_spoken_digits(tmp_path, config)
        assert data.layout == "fsdd"
        assert data.train.labels == [2, 4] and data.test.labels == [1, 6]
        assert data.train.paths == old.train.paths and data.test.paths == old.test.paths
        for new, ref in zip(data.train.features + data.test.features, old.train.features + old.test.features):
            np.testing.assert_array_equal(new, ref)
    assert data.read_back == (f"{tmp_path}: FSDD layout ({{digit}}_{{speaker}}_{{index}}.wav), 4 labels (1: 1, 2: 1, "
                              f"4: 1, 6: 1 files); official split: train 2 (takes 5 and up), test 2 (takes 0-4)")


def test_the_cli_reads_fsdd_as_before(tmp_path):
    from grukit.cli._audio import audio_sets

    lines = []
    train, test, config = audio_sets(FSDD, on_read=lines.append)
    assert (train.name, test.name) == (f"{FSDD} (takes 5 and up)", f"{FSDD} (takes 0-4)")
    assert train.labels == [2, 4] and test.labels == [1, 6] and train.where is None
    assert config == FeatureConfig(normalize=False) and lines[0].startswith(f"{FSDD}: FSDD layout (")
    old = load_spoken_digits(FSDD, config)
    np.testing.assert_array_equal(train.sequences[1], old.train.features[1].astype(np.float64))


def test_a_flat_fsdd_folder_with_a_badly_named_file_keeps_its_message(tmp_path):
    shutil.copy(FSDD / "1_theo_2.wav", tmp_path / "1_theo_2.wav")
    shutil.copy(FSDD / "1_theo_2.wav", tmp_path / "take one.wav")
    assert error_of(tmp_path) == (f"{tmp_path / 'take one.wav'}: file name does not match "
                                  f"{{digit}}_{{speaker}}_{{index}}.wav (e.g. 7_jackson_3.wav); rename the file or "
                                  f"move it out of the folder.")


# --------------------------------------------------------------------------- bad folders, exact messages
EXPECTED = "one subfolder per label (e.g. yes/a.wav, no/b.wav)"


def test_missing_folder(tmp_path):
    assert error_of(tmp_path / "nope") == (f"{tmp_path / 'nope'}: no such folder; pass a folder of .wav clips: "
                                           f"{EXPECTED}, or FSDD's {{digit}}_{{speaker}}_{{index}}.wav files.")


def test_no_wav_files_anywhere(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "yes").mkdir()
    (tmp_path / "yes" / "a.mp3").write_bytes(b"")
    assert error_of(tmp_path) == (f"{tmp_path}: no .wav files in it or its subfolders; pass a folder of .wav "
                                  f"clips: {EXPECTED}, or FSDD's {{digit}}_{{speaker}}_{{index}}.wav files.")


def test_a_label_folder_without_wav_files(tmp_path):
    label_folder(tmp_path, {"no": 2, "yes": 2})
    (tmp_path / "maybe").mkdir()
    assert error_of(tmp_path) == (f"{tmp_path / 'maybe'}: label folder 'maybe' holds no .wav files; put that "
                                  f"label's clips in it, or move the folder out of {tmp_path}.")


def test_top_level_wav_files_mixed_with_label_folders(tmp_path):
    label_folder(tmp_path, {"no": 2, "yes": 2})
    write_tone(tmp_path / "stray.wav", 440.0)
    assert error_of(tmp_path) == (f"{tmp_path}: .wav files at the top level (stray.wav) mixed with label folders "
                                  f"(no/, yes/); move every top-level .wav file into its label's folder, or keep a "
                                  f"flat folder of {{digit}}_{{speaker}}_{{index}}.wav files without label folders.")


def test_a_label_with_one_file(tmp_path):
    label_folder(tmp_path, {"no": 3, "yes": 1})
    assert error_of(tmp_path) == (f"{tmp_path / 'yes'}: label 'yes' has 1 .wav file; splitting each label's files "
                                  f"by name needs at least 2 per label (the last 20%, at least 1, go to test); add "
                                  f"clips to yes/, or give {tmp_path} train/ and test/ folders with one subfolder "
                                  f"per label.")


def test_a_flat_folder_of_unlabelled_names(tmp_path):
    for name in ("b.wav", "a.wav", "c.wav", "d.wav"):
        write_tone(tmp_path / name, 440.0)
    assert error_of(tmp_path) == (f"{tmp_path}: the .wav files at the top level (a.wav, b.wav, c.wav and 1 more) are "
                                  f"not named {{digit}}_{{speaker}}_{{index}}.wav (e.g. 7_jackson_3.wav), so their "
                                  f"labels are unknown; put the clips in {EXPECTED}.")


def test_one_label_folder(tmp_path):
    label_folder(tmp_path, {"yes": 3})
    assert error_of(tmp_path) == (f"{tmp_path}: one label folder with .wav files (yes/); a classifier needs at least "
                                  f"two labels, {EXPECTED}.")


def test_one_folder_of_fsdd_files_points_at_that_folder(tmp_path):
    (tmp_path / "recordings").mkdir()
    shutil.copy(FSDD / "1_theo_2.wav", tmp_path / "recordings" / "1_theo_2.wav")
    (tmp_path / "utils").mkdir()
    assert error_of(tmp_path) == (f"{tmp_path}: one label folder with .wav files (recordings/); a classifier needs "
                                  f"at least two labels, {EXPECTED}; for FSDD's {{digit}}_{{speaker}}_{{index}}.wav "
                                  f"files, pass {tmp_path / 'recordings'} itself.")


@pytest.mark.parametrize("have, lack", [("train", "test"), ("test", "train")])
def test_train_without_test_or_test_without_train(tmp_path, have, lack):
    label_folder(tmp_path / have, {"no": 2, "yes": 2})
    assert error_of(tmp_path) == (f"{tmp_path}: has {have}/ but no {lack}/; add {lack}/ with one subfolder per "
                                  f"label like {have}/, or put the label folders at the top level (e.g. yes/a.wav, "
                                  f"no/b.wav) to split each label's files by name.")


def test_a_test_label_without_training_clips(tmp_path):
    label_folder(tmp_path / "train", {"no": 2, "yes": 2})
    label_folder(tmp_path / "test", {"no": 1, "up": 1})
    assert error_of(tmp_path) == (f"{tmp_path / 'test' / 'up'}: label 'up' has no training folder "
                                  f"{tmp_path / 'train' / 'up'}; add train/up/ with its training clips, or move "
                                  f"test/up/ out of {tmp_path}.")


def test_an_empty_test_folder(tmp_path):
    label_folder(tmp_path / "train", {"no": 2, "yes": 2})
    (tmp_path / "test" / "no").mkdir(parents=True)
    assert error_of(tmp_path) == f"{tmp_path / 'test'}: no .wav files in it or its subfolders; expected {EXPECTED}."


def test_unlabelled_clips_directly_in_train(tmp_path):
    label_folder(tmp_path / "train", {"no": 2, "yes": 2})
    label_folder(tmp_path / "test", {"no": 1})
    write_tone(tmp_path / "train" / "x.wav", 440.0)
    assert error_of(tmp_path) == (f"{tmp_path / 'train'}: .wav files directly in it (x.wav) have no label; move "
                                  f"each into {tmp_path / 'train'}/<label>/, {EXPECTED}.")


def test_clips_next_to_train_and_test(tmp_path):
    label_folder(tmp_path / "train", {"no": 2, "yes": 2})
    label_folder(tmp_path / "test", {"no": 1})
    label_folder(tmp_path / "val", {"no": 1})
    assert error_of(tmp_path) == (f"{tmp_path}: val/ holds .wav files next to train/ and test/; put every clip in "
                                  f"train/<label>/ or test/<label>/ (validation comes out of train/), or move val/ "
                                  f"out of {tmp_path}.")


def test_a_test_fraction_outside_0_1_is_refused(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_audio_folder(tmp_path, FeatureConfig(), test_fraction=1.0)
    assert str(info.value) == ("test_fraction must be between 0 and 1 (exclusive); got 1.0; e.g. 0.2 puts the last "
                               "20% of each label's files in test.")


# --------------------------------------------------------------------------- the command line
def test_the_cli_sets_of_label_folders_carry_text_labels_and_file_names(tmp_path):
    from grukit.cli._audio import audio_sets

    folder = label_folder(tmp_path / "clips", {"no": 2, "yes": 3})
    lines = []
    train, test, _ = audio_sets(folder, on_read=lines.append)
    assert lines == [f"{folder}: one subfolder per label, 2 labels (no: 2, yes: 3 files); split by name: train 3, "
                     f"test 2 (the last 20% of each label)"]
    assert (train.name, test.name) == (f"{folder} (split by name: train)", f"{folder} (split by name: test)")
    assert train.labels == ["no", "yes", "yes"] and test.labels == ["no", "yes"]
    assert test.where == [str(folder / "no" / "c1.wav"), str(folder / "yes" / "c2.wav")]
    train, test, _ = audio_sets(label_folder(tmp_path / "tt", {"train/no": 1, "train/yes": 1, "test/no": 1}))
    assert (train.name, test.name) == (f"{tmp_path / 'tt'} (train folder)", f"{tmp_path / 'tt'} (test folder)")


def test_classify_trains_on_label_folders_and_predicts_label_names(tmp_path, capsys):
    folder = label_folder(tmp_path / "clips", {"no": 4, "up": 4, "yes": 4})
    out = tmp_path / "run"
    code, stdout, err = run(capsys, ["classify", "train", "--audio", folder, *TINY, "--out", out])
    assert code == 0, err
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("class "))
    assert lines[header - 2].startswith("test accuracy ") and "/3)" in lines[header - 2], stdout  # 1 clip per label
    assert lines[header - 1].startswith("baselines on the same split: majority class "), stdout
    assert [line.split()[0] for line in lines[header + 1:header + 4]] == ["no", "up", "yes"], stdout
    clip = folder / "yes" / "c3.wav"
    code, stdout, err = run(capsys, ["classify", "predict", "--model", out, clip])
    assert code == 0, err
    path, label = stdout.strip().split(": ")[0], stdout.strip().split(": ")[1].split(" (probability ")[0]
    assert path == str(clip) and label in {"no", "up", "yes"}


def test_classify_names_a_bad_folder_in_one_line(tmp_path, capsys):
    label_folder(tmp_path, {"no": 3, "yes": 1})
    code, stdout, err = run(capsys, ["classify", "train", "--audio", tmp_path, *TINY])
    assert code == 1 and stdout == ""
    assert one_line_error(err).startswith(f"{tmp_path / 'yes'}: label 'yes' has 1 .wav file; ")


@pytest.mark.parametrize("text, reason", [
    ('{"sample_rate": 8000', "Expecting ',' delimiter: line 1 column 21 (char 20)"),
    ('{"sample_rate": "x"}', "FeatureConfig: sample_rate must be int; got 'x' (str)."),
])
def test_a_damaged_audio_features_file_is_one_line(tmp_path, capsys, text, reason):
    folder = label_folder(tmp_path / "clips", {"no": 3, "yes": 3})
    out = tmp_path / "run"
    assert run(capsys, ["classify", "train", "--audio", folder, *TINY, "--out", out])[0] == 0
    (out / "audio_features.json").write_text(text)
    code, _, err = run(capsys, ["classify", "predict", "--model", out, folder / "yes" / "c0.wav"])
    assert (code, one_line_error(err)) == (1, f"{out / 'audio_features.json'} is damaged ({reason}); retrain the "
                                              f"model or restore the file.")
