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


def as_predicted(values: np.ndarray, back: np.ndarray, sidecar, frame, point: int = 0) -> np.ndarray:
    """What ``predict`` gives from the graph's unscaled forecasts (S, K, C, Q), by the sidecar's usage.

    ``back``: the same (S, K, C, Q) from each series' window ending K rows before its end. With
    combine 'theta', every quantile moves by (1 - w) (Theta - the point forecast), Theta from each
    series' last 2 x lookback rows with the coefficient that forecast its last K rows best, w from
    both methods' errors on those rows.
    """
    if sidecar["combine"] != "theta":
        return values
    from grukit.evaluate.theta import theta

    groups = dict(list(frame.groupby("unique_id"))) if "unique_id" in frame else {sidecar["series_ids"][0]: frame}
    k, rows, season = sidecar["horizon"], 2 * sidecar["lookback"], sidecar["season_length"]
    targets = [groups[sid][sidecar["target_columns"]].to_numpy(dtype=np.float64) for sid in sidecar["series_ids"]]

    def last(arrays):  # (S, rows, C), NaN before a short series' start
        out = np.full((len(arrays), rows, arrays[0].shape[1]), np.nan)
        for i, a in enumerate(arrays):
            out[i, rows - len(a[-rows:]) :] = a[-rows:]
        return out

    actual = np.stack([t[-k:] for t in targets])  # (S, K, C); every series here is long enough to backtest
    coefficients = sidecar["theta_coefficients"]
    backs = np.stack([theta(last([t[:-k] for t in targets]), k, season, c) for c in coefficients])  # (F, S, K, C)
    errors = np.abs(backs - actual).mean(axis=2)  # (F, S, C)
    best = errors.argmin(axis=0)  # (S, C): np.argmin takes the first on a tie, as predict does
    afters = np.stack([theta(last(targets), k, season, c) for c in coefficients])
    theta_back = np.take_along_axis(backs, best[None, :, None, :], axis=0)[0]  # (S, K, C)
    theta_after = np.take_along_axis(afters, best[None, :, None, :], axis=0)[0]
    e_net = np.abs(back[..., point] - actual).mean(axis=1)
    e_theta = np.abs(theta_back - actual).mean(axis=1)
    w = e_theta / (e_net + e_theta)  # (S, C)
    shift = (1 - w[:, None, :]) * (theta_after - values[..., point])  # (S, K, C)
    return values + shift[..., None]


def without_last(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    """Each series of ``frame`` without its last ``rows`` rows (long frames by unique_id, else one series)."""
    if "unique_id" in frame:
        return frame[frame.groupby("unique_id").cumcount(ascending=False) >= rows]
    return frame.iloc[:-rows]
