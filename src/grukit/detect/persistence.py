"""Saving and loading a fitted GRUAnomalyDetector: model.safetensors + config.json (kind "detect"), never pickle."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grukit.artifacts import load_model, rebuilding_from, save_model, saved_configs
from grukit.data import StandardScaler
from grukit.detect.config import DetectConfig

KIND = "detect"


def detector_document(model) -> dict:
    """Everything but the weights that rebuilds the detector: configs, scaler, threshold, columns."""
    return {
        "detect": dataclasses.asdict(model.config_),
        "train": dataclasses.asdict(model.train_config_),
        "net": {"channels": len(model.columns_["values"])},
        "columns": model.columns_,
        "scaler": model.scaler_.to_dict(),
        "threshold": model.threshold_,
        "clean": model.clean_,
        "validation": model.validation_,
        "training": model.training_,
    }


def save_estimator(model, folder: Path) -> None:
    save_model(folder, model.net_.state_dict(), detector_document(model), KIND)


def load_estimator(cls, folder: Path):
    """Rebuild the estimator: configs, scaler, threshold, columns, and the network with its weights."""
    from grukit.detect.methods import build_net

    state, document = load_model(folder, KIND)
    with rebuilding_from(folder):
        # detectors saved before the z-score existed scored the error itself
        config, train_config = saved_configs(document, KIND, DetectConfig, since={"score": "error"})
        net = build_net(config, int(document["net"]["channels"]))
        net.load_state_dict(state)
        model = cls(config.method, config.lookback)
        model.config_, model.train_config_, model.net_ = config, train_config, net.eval()
        model.scaler_ = StandardScaler.from_dict(document["scaler"])
        model.threshold_ = float(document["threshold"])
        model.columns_ = {"time": document["columns"]["time"], "values": list(document["columns"]["values"])}
        model.clean_, model.validation_ = document["clean"], document["validation"]
        model.training_ = document["training"]
        model.history_, model.data_name_ = None, None
    return model
