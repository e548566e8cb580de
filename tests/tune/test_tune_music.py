"""`grukit music tune`: the search runs on piano rolls and its best.toml trains the same model."""

from __future__ import annotations

import pytest

from helpers.cli import run
from helpers.files import music_file as _file

pytest.importorskip("optuna")


def test_music_tune_finds_a_best_setting_that_music_train_accepts(tmp_path, capsys):
    data = _file(tmp_path)
    space = tmp_path / "space.toml"
    space.write_text('hidden_size = { low = 8, high = 16, log = true }\nlr = { low = 1e-3, high = 1e-2, log = true }\n')
    fixed = tmp_path / "fixed.toml"
    fixed.write_text("epochs = 2\nnum_threads = 1\nprogress = false\nreset = \"after\"\nzoneout = 0.0\n"
                     "recurrent_dropout = 0.0\nnum_layers = 1\ndropout = 0.0\ninput_dropout = 0.0\n")
    code, _, err = run(capsys, ["music", "tune", data, "--out", tmp_path / "search", "--trials", "2",
                                "--config", fixed, "--space", space])
    assert code == 0, err
    best = (tmp_path / "search" / "best.toml").read_text()
    assert "hidden_size" in best and "lr" in best
    assert (tmp_path / "search" / "best_model" / "model.safetensors").exists()
    code, stdout, err = run(capsys, ["music", "train", "--data", data, "--config", tmp_path / "search" / "best.toml",
                                     "--out", tmp_path / "again"])
    assert code == 0, err
    assert "parameters:" in stdout
