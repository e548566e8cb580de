"""Saving and loading a fitted GRUForecaster: model.safetensors + config.json, never pickle."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grukit.artifacts import load_model, rebuilding_from, save_model
from grukit.data import StandardScaler, scaler_from_dict
from grukit.forecast.config import ForecastConfig

KIND = "forecast"


def forecaster_document(model) -> dict:
    """Everything but the weights that rebuilds the model and its data pipeline."""
    net = model.net_
    return {
        "forecast": dataclasses.asdict(model.config_),
        "train": dataclasses.asdict(model.train_config_),
        "net": {"input_size": net.input_size, "target_size": net.target_size, "future_size": net.future_size},
        "schema": model.schema_,
        "scalers": {
            "target": [s.to_dict() for s in model.target_scalers_],
            "covariate": None if model.covariate_scalers_ is None else [s.to_dict() for s in model.covariate_scalers_],
        },
        "season_length": model.season_length_,
        "read_back": getattr(model, "read_back_", None),  # what the training data were read as (informational)
    }


def save_forecaster(model, folder: Path) -> None:
    save_model(folder, model.net_.state_dict(), forecaster_document(model), KIND)


def load_forecaster(cls, folder: Path):
    """Rebuild the estimator: configs, schema, scalers, and the network with its weights."""
    from grukit.forecast.forecaster import build_net
    from grukit.train import TrainConfig, config_from_dict

    state, document = load_model(folder, KIND)
    with rebuilding_from(folder):
        config = config_from_dict(ForecastConfig, document["forecast"]).validate()
        train_config = config_from_dict(TrainConfig, document["train"])
        net = build_net(config, document["net"]["input_size"], document["net"]["target_size"],
                        document["net"]["future_size"])
        net.load_state_dict(state)
        scalers = document["scalers"]
        model = cls(config.lookback, config.horizon)
        model.config_, model.train_config_, model.net_ = config, train_config, net.eval()
        model.schema_ = document["schema"]
        model.target_scalers_ = [scaler_from_dict(s) for s in scalers["target"]]
        model.covariate_scalers_ = (None if scalers["covariate"] is None
                                    else [StandardScaler.from_dict(s) for s in scalers["covariate"]])
        model.future_size_ = document["net"]["future_size"]
        model.season_length_ = document["season_length"]
        model.read_back_ = document.get("read_back")
        model.prepared_ = None
    return model
