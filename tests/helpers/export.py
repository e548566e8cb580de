"""An exported forecast graph's inputs built the way a user without grukit would: from the sidecar
JSON and the data alone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from grukit.data import calendar_features, future_times

def scale_targets(values: np.ndarray, scaler: dict, transform: str) -> np.ndarray:
    """Rows (T, C) in data units -> the model's scaled space, from the sidecar alone."""
    return ((np.log(values) if transform == "log" else values) - scaler["mean"]) / scaler["scale"]


def inputs(sidecar, frame, model):
    """x (B, L, C+P+F) and future (B, K, F) of each series' last window, built from the sidecar alone."""
    time_col, lookback, freq = model.schema_["time_column"], sidecar["lookback"], sidecar["freq"]
    groups = frame.groupby("unique_id") if "unique_id" in frame else [(sidecar["series_ids"][0], frame)]
    xs, futures = [], []
    for sid, rows in groups:
        i = sidecar["series_ids"].index(sid)
        last = rows.iloc[-lookback:]
        parts = [scale_targets(last[sidecar["target_columns"]].to_numpy(), sidecar["scalers"]["target"][i],
                                sidecar["transform"])]
        covariate_columns = model.schema_["covariate_columns"]
        if covariate_columns:
            scaler = sidecar["scalers"]["covariate"][i]
            parts.append((last[covariate_columns].to_numpy() - scaler["mean"]) / scaler["scale"])
        times = pd.DatetimeIndex(last[time_col])
        if sidecar["future_columns"]:
            parts.append(calendar_features(times, freq))
        futures.append(calendar_features(future_times(times[-1], freq, sidecar["horizon"]), freq))
        xs.append(np.concatenate(parts, axis=1))
    return np.stack(xs).astype(np.float32), np.stack(futures).astype(np.float32)
