"""Saving and loading a fitted GRUClassifier: model.safetensors + config.json, never pickle."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from grukit._io import atomic_write_text
from grukit.artifacts import load_model, rebuilding_from, save_model, saved_configs
from grukit.classify.config import ClassifyConfig
from grukit.classify.network import build_net
from grukit.errors import GrukitError, ModelFileError

__all__ = ["FEATURES_FILE", "KIND", "save_estimator", "load_estimator"]

KIND = "classify"
FEATURES_FILE = "audio_features.json"  # a model trained on WAV clips: the FeatureConfig its inputs came from


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
    features = getattr(model, "feature_config_", None)
    if features is not None:
        atomic_write_text(folder / FEATURES_FILE, json.dumps(dataclasses.asdict(features), indent=2) + "\n")


def feature_config(folder: Path):
    """The FeatureConfig in ``folder``'s audio_features.json, or None for a model not trained on audio."""
    from grukit.audio import FeatureConfig
    from grukit.train import config_from_dict

    path = folder / FEATURES_FILE
    if not path.is_file():
        return None
    try:
        return config_from_dict(FeatureConfig, json.loads(path.read_text()))
    except (ValueError, TypeError, GrukitError) as err:  # bad JSON, a wrong key or type
        reason = " ".join(str(err).split())
        raise ModelFileError(f"{path} is damaged ({reason}); retrain the model or restore the file.") from None


def load_estimator(cls, folder: Path):
    """Rebuild the estimator from ``folder``; a ModelFileError says what does not fit."""
    from grukit.data import StandardScaler

    state, document = load_model(folder, KIND)
    with rebuilding_from(folder):
        config, train_config = saved_configs(document, KIND, ClassifyConfig)
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
    model.feature_config_ = feature_config(folder)
    return model
