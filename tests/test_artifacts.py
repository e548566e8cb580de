"""Saved models are safetensors + JSON, and every broken folder is reported in one line."""

from __future__ import annotations

import json
import re

import pytest
import torch

from grukit import __version__
from grukit.artifacts import load_model, save_model
from grukit.errors import ModelFileError


@pytest.fixture
def saved(tmp_path):
    state = {"w": torch.arange(6.0).reshape(2, 3), "b": torch.ones(3, dtype=torch.float64)}
    save_model(tmp_path / "m", state, {"forecast": {"lookback": 4}}, kind="forecast")
    return tmp_path / "m", state


def raises(text):
    return pytest.raises(ModelFileError, match="^" + re.escape(text) + "$")


def test_round_trip(saved):
    folder, state = saved
    loaded, config = load_model(folder, "forecast")
    assert loaded.keys() == state.keys() and all(torch.equal(loaded[k], state[k]) for k in state)
    assert config["format"] == "grukit.forecast" and config["format_version"] == 1
    assert config["grukit_version"] == __version__ and config["forecast"] == {"lookback": 4}
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.safetensors"]


def test_missing_folder_and_files(saved, tmp_path):
    folder, _ = saved
    with raises(f"model folder {tmp_path / 'nope'} does not exist; pass the --out folder of a training run."):
        load_model(tmp_path / "nope", "forecast")
    (folder / "model.safetensors").unlink()
    with raises(f"{folder / 'model.safetensors'} is missing; a model folder holds config.json and "
                f"model.safetensors as written by training. Retrain or restore the file."):
        load_model(folder, "forecast")


def test_truncated_weights(saved):
    folder, _ = saved
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(data[: len(data) // 2])
    with raises(f"{folder / 'model.safetensors'} does not match the checksum in config.json; the file is "
                f"truncated or corrupted. Retrain or restore it."):
        load_model(folder, "forecast")


def test_corrupted_config(saved):
    folder, _ = saved
    (folder / "config.json").write_text('{"format": "grukit.forecast", ')
    with pytest.raises(ModelFileError, match=r"config\.json is not valid JSON \(.*\); the file is truncated or "
                                             r"corrupted\. Retrain or restore it\.$"):
        load_model(folder, "forecast")


def test_newer_format_version(saved):
    folder, _ = saved
    config = json.loads((folder / "config.json").read_text())
    config["format_version"] = 99
    (folder / "config.json").write_text(json.dumps(config))
    with raises(f"{folder / 'config.json'} has format version 99, newer than this grukit {__version__} reads "
                f"(up to 1); upgrade grukit to load it."):
        load_model(folder, "forecast")


def test_wrong_kind(saved):
    folder, _ = saved
    with raises(f"{folder / 'config.json'} describes 'grukit.forecast', not a grukit classify model; "
                f"pass the folder of a 'classify' training run."):
        load_model(folder, "classify")


def test_no_pickle_in_the_format(saved):
    folder, _ = saved
    assert not (folder / "model.safetensors").read_bytes().startswith(b"\x80")  # pickle protocol marker
    json.loads((folder / "config.json").read_text())
