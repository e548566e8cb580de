"""Saving and loading a fitted MusicModel: model.safetensors + config.json, never pickle."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grukit.artifacts import load_model, rebuilding_from, save_model, saved_configs
from grukit.music.config import MusicConfig
from grukit.music.net import build_net

__all__ = ["KIND", "save_estimator", "load_estimator"]

KIND = "music"


def save_estimator(model, folder: Path) -> None:
    document = {"music": dataclasses.asdict(model.config_), "train": dataclasses.asdict(model.train_config_),
                "data": model.data_, "best_epoch": model.best_epoch_, "parameters": model.n_parameters_}
    save_model(folder, model.net_.state_dict(), document, KIND)


def load_estimator(cls, folder: Path):
    """Rebuild the estimator from ``folder``; a ModelFileError says what does not fit."""
    state, document = load_model(folder, KIND)
    with rebuilding_from(folder):
        config, train_config = saved_configs(document, KIND, MusicConfig)
        net = build_net(config)
        net.load_state_dict(state)
        model = cls(**{**document["music"], **document["train"]})
        model.config_, model.train_config_, model.net_ = config, train_config, net.eval()
        model.data_, model.best_epoch_, model.history_ = document["data"], document["best_epoch"], None
    return model
