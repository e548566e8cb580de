"""Saving and loading a fitted GRUClassifier: model.safetensors + config.json, never pickle."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from grukit.artifacts import load_model, rebuilding_from, save_model
from grukit.classify.config import ClassifyConfig
from grukit.classify.network import build_net

__all__ = ["KIND", "save_estimator", "load_estimator"]

KIND = "classify"


def classifier_document(model) -> dict:
    """Everything but the weights that rebuilds the classifier: configs, classes, channels, scaler."""
    return {
        "classify": dataclasses.asdict(model.config_),
        "train": dataclasses.asdict(model.train_config_),
        "classes": model.classes_.tolist(),  # str or int, as given
        "input_size": int(model.n_features_in_),
        "scaler": None if model.scaler_ is None else model.scaler_.to_dict(),
        "split": model.split_,
    }


def save_estimator(model, folder: Path) -> None:
    save_model(folder, model.net_.state_dict(), classifier_document(model), KIND)


def load_estimator(cls, folder: Path):
    """Rebuild the estimator from ``folder``; a ModelFileError says what does not fit."""
    from grukit.data import StandardScaler
    from grukit.train import TrainConfig, config_from_dict

    state, document = load_model(folder, KIND)
    with rebuilding_from(folder):
        config = config_from_dict(ClassifyConfig, document["classify"]).validate()
        train_config = config_from_dict(TrainConfig, document["train"])
        classes = document["classes"]
        net = build_net(config, document["input_size"], len(classes))
        net.load_state_dict(state)
        model = cls(**{**document["classify"], **document["train"]})
        model.config_, model.train_config_, model.net_ = config, train_config, net.eval()
        model.classes_ = np.asarray(classes)
        model.n_features_in_ = document["input_size"]
        model.scaler_ = None if document["scaler"] is None else StandardScaler.from_dict(document["scaler"])
        model.split_ = document["split"]
        model.history_ = None
    return model
