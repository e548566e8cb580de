"""grukit classify train --audio DIR and predict FILE.wav, on a few real FSDD clips."""

from __future__ import annotations

import shutil

from grukit.cli import main
from helpers.paths import FIXTURES

FSDD = FIXTURES / "fsdd"


def test_audio_train_and_predict(tmp_path, capsys):
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("1_theo_2.wav", "6_yweweler_3.wav", "2_nicolas_5.wav", "4_yweweler_8.wav"):
        shutil.copy(FSDD / name, clips / name)
    shutil.copy(FSDD / "1_theo_2.wav", clips / "1_theo_7.wav")  # training takes for the test classes
    shutil.copy(FSDD / "6_yweweler_3.wav", clips / "6_yweweler_9.wav")
    out = tmp_path / "run"
    code = main(["classify", "train", "--audio", str(clips), "--epochs", "2", "--hidden-size", "8", "--val-size",
                 "0", "--no-progress", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (out / "audio_features.json").is_file() and (out / "model.safetensors").is_file()
    code = main(["classify", "predict", "--model", str(out), str(FSDD / "1_theo_2.wav")])
    line = capsys.readouterr().out.strip()
    assert code == 0 and line.startswith(f"{FSDD / '1_theo_2.wav'}: ") and "(probability " in line


def test_predict_a_corrupt_wav_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav file at all")
    clips = tmp_path / "clips"
    clips.mkdir()
    for name in ("1_theo_2.wav", "2_nicolas_5.wav"):
        shutil.copy(FSDD / name, clips / name)
    shutil.copy(FSDD / "1_theo_2.wav", clips / "1_theo_7.wav")
    out = tmp_path / "run"
    assert main(["classify", "train", "--audio", str(clips), "--epochs", "1", "--hidden-size", "4", "--val-size", "0",
                 "--no-progress", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["classify", "predict", "--model", str(out), str(bad)]) == 1
    err = capsys.readouterr().err
    assert err == (f"grukit: error: {bad}: not a valid RIFF/WAV file (it does not start with a RIFF/WAVE header); "
                   f"pass a 16-bit PCM .wav file.\n")
