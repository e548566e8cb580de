"""Saving and loading a fitted GRUForecaster: model.safetensors + config.json, never pickle."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grukit.artifacts import load_model, rebuilding_from, save_model, saved_configs
from grukit.data import StandardScaler, scaler_from_dict
from grukit.forecast.config import ForecastConfig
from grukit.forecast.network import build_net

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


def save_estimator(model, folder: Path) -> None:
    save_model(folder, model.net_.state_dict(), forecaster_document(model), KIND)


def load_estimator(cls, folder: Path):
    """Rebuild the estimator: configs, schema, scalers, and the network with its weights."""
    state, document = load_model(folder, KIND)
    with rebuilding_from(folder):
        # a model saved before ``combine`` existed forecasts with its network alone, one saved before
        # ``theta_coefficients`` with the classic Theta method
        config, train_config = saved_configs(document, KIND, ForecastConfig,
                                             since={"combine": "none", "theta_coefficients": [2.0]})
        net = build_net(config, document["net"]["input_size"], document["net"]["target_size"],
                        document["net"]["future_size"])
        net.load_state_dict(state)
        scalers = document["scalers"]
        model = cls(config.lookback, config.horizon)
        model.config_, model.train_config_, model.net_ = config, train_config, net.eval()
        model.schema_ = check_schema(document["schema"], scalers)
        model.target_scalers_ = [scaler_from_dict(s) for s in scalers["target"]]
        model.covariate_scalers_ = (None if scalers["covariate"] is None
                                    else [StandardScaler.from_dict(s) for s in scalers["covariate"]])
        model.future_size_ = document["net"]["future_size"]
        model.season_length_ = document["season_length"]
        model.read_back_ = document.get("read_back")
        model.prepared_ = None
    return model


def check_schema(schema: dict, scalers: dict) -> dict:
    """The saved column schema, checked key by key against its types and the scalers saved with it.

    A wrong type, or scalers that do not match the series and columns, raise ``ValueError`` naming
    the key (``rebuilding_from`` turns it into a one-line ModelFileError naming config.json).
    """
    def names(key: str) -> list:
        value = schema[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f'schema.{key} must be a list of column names; got {value!r}')
        return value

    for key in ("time_column", "id_column", "freq"):
        if schema[key] is not None and not isinstance(schema[key], str):
            raise ValueError(f"schema.{key} must be a string or null; got {schema[key]!r}")
    targets, covariates, ids = names("target_columns"), names("covariate_columns"), names("series_ids")
    widths = {"target": len(targets), "covariate": len(covariates)}
    for kind, saved in scalers.items():
        if saved is None:
            continue
        if len(saved) != len(ids):
            raise ValueError(f"scalers.{kind} holds {len(saved)} scalers but schema.series_ids names {len(ids)} series")
        for i, scaler in enumerate(saved):
            width = len(scaler.get("mean", scaler.get("scale", [])) or [])
            if width and width != widths[kind]:
                raise ValueError(f"scalers.{kind}[{i}] has {width} channels but the schema has {widths[kind]} "
                                 f"{kind} columns")
    return schema
