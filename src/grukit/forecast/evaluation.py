"""Score a trained ForecastNet on the test windows, next to the baselines, on both scales."""

from __future__ import annotations

import numpy as np

from grukit.evaluate import compare_with_baselines
from grukit.forecast.columns import median_index
from grukit.forecast.config import ForecastConfig
from grukit.forecast.pipeline import PreparedData, forecast_rows, original_windows, window_dataset


def predict_windows(net, dataset, batch_size: int = 256) -> np.ndarray:
    """The network's scaled forecasts for every window of ``dataset``: (W, K, C, Q)."""
    import torch

    device = next(net.parameters()).device
    net.eval()
    outputs = []
    with torch.no_grad():
        for batch in torch.utils.data.DataLoader(dataset, batch_size=batch_size):
            x = batch[0].to(device)
            future = batch[2].to(device) if len(batch) > 2 else None
            outputs.append(net(x, future).cpu().numpy())
    return np.concatenate(outputs).astype(np.float64)


def _per_series(prepared: PreparedData, part: str, values: np.ndarray, inverse: bool) -> np.ndarray:
    """Apply each window's own series scaler to (W, ..., C) values."""
    out = np.empty_like(values)
    for row, (series, _) in enumerate(prepared.index[part]):
        scaler = prepared.target_scalers[series]
        out[row] = scaler.inverse_transform(values[row]) if inverse else scaler.transform(values[row])
    return out


def report_scalers(prepared: PreparedData, config: ForecastConfig, train: list[np.ndarray]) -> list:
    """The scalers of the "scaled" metrics: the model's own z-scores, or with another scaler (window,
    none, a log transform) a z-score per series fitted on its train rows (the ETT convention)."""
    from grukit.data import StandardScaler

    if config.scaler == "standard" and config.transform == "none":
        return prepared.target_scalers
    return [StandardScaler().fit(t) for t in train]


def _z(scalers: list, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """z-score each window's values (W, ..., C) with its series' scaler."""
    return np.stack([scalers[s].transform(v) for s, v in zip(rows, values)])


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actual values inside [lower, upper]: sum 1[lower <= y <= upper] / n."""
    return float(np.mean((actual >= lower) & (actual <= upper)))


def evaluate_test(net, prepared: PreparedData, config: ForecastConfig, part: str = "test") -> dict:
    """metrics.json's content: the model and the baselines on the original and the scaled scale."""
    scaled_pred = predict_windows(net, window_dataset(prepared, part, config))  # (W, K, C, Q)
    median = scaled_pred[..., median_index(config.quantiles)]  # (W, K, C)
    # the baselines see at least one season of history, so seasonal naive repeats a real season
    length = max(config.lookback, prepared.season_length)
    history, actual = original_windows(prepared, part, config, length)  # (W, T, C), (W, K, C)
    prediction = _per_series(prepared, part, median, inverse=True)
    shift = _theta_shift(net, prepared, part, config, prediction)  # (W, K, C): moves the forecast and quantiles
    prediction = prediction + shift
    series_index = prepared.index[part][:, 0]
    train = prepared.train_targets()
    metrics = compare_with_baselines(history, actual, prediction, train, prepared.season_length,
                                     series_index=series_index)
    zscores = report_scalers(prepared, config, train)
    scaled_train = [sc.transform(t) for sc, t in zip(zscores, train)]
    rows = prepared.index[part][:, 0]
    scaled = compare_with_baselines(_z(zscores, rows, history), _z(zscores, rows, actual), _z(zscores, rows, prediction),
                                    scaled_train, prepared.season_length, series_index=series_index)
    metrics["scaled"] = {"model": scaled["model"], "baselines": scaled["baselines"]}
    if len(config.quantiles) > 1:
        low, high = min(config.quantiles), max(config.quantiles)
        lower = _per_series(prepared, part, scaled_pred[..., config.quantiles.index(low)], inverse=True) + shift
        upper = _per_series(prepared, part, scaled_pred[..., config.quantiles.index(high)], inverse=True) + shift
        metrics["intervals"] = {"lower_quantile": low, "upper_quantile": high, "nominal": high - low,
                                "coverage": coverage(actual, lower, upper)}
    metrics["split"] = split_summary(prepared, config)
    return metrics


def _theta_shift(net, prepared: PreparedData, part: str, config: ForecastConfig, prediction: np.ndarray
                 ) -> np.ndarray:
    """What ``combine="theta"`` adds to each window's point forecast (W, K, C); zeros with ``combine="none"``.

    As :func:`grukit.forecast.combine.theta_combined` does after a series' end, for every window:
    the backtest is the same window one horizon earlier, scored on the K rows before the forecast.
    """
    if config.combine != "theta":
        return np.zeros_like(prediction)
    from grukit.data import WindowDataset
    from grukit.forecast.combine import chosen_theta, network_weight, with_theta
    from grukit.forecast.defaults import theta_rows

    k, rows, a = config.horizon, theta_rows(config), prepared.arrays
    index = prepared.index[part]
    back = index.copy()
    back[:, 1] -= k
    usable = (back[:, 1] >= 0) & (back[:, 1] + config.lookback - prepared.pad >= forecast_rows(config))  # (W,)
    back[~usable] = index[~usable]  # scored, then weighted 1/2
    dataset = WindowDataset(a.inputs, a.targets, back, config.lookback, k, known_future=a.known_future)
    point = predict_windows(net, dataset)[..., median_index(config.quantiles)]  # (W, K, C), scaled
    net_back = _per_series(prepared, part, point, inverse=True)
    history_back, actual_back = original_windows(prepared, part, config, rows, fill=np.nan, index=back)
    history, _ = original_windows(prepared, part, config, rows, fill=np.nan)  # (W, T, C)
    thetas = chosen_theta(np.concatenate([history, history_back]), actual_back, usable, k, prepared.season_length,
                          config.theta_coefficients)  # (2W, K, C): after each window's end, then its backtest
    w = len(history)
    weight = network_weight(net_back, thetas[w:], actual_back, usable)  # (W, C)
    combined = with_theta(prediction[..., None], thetas[:w], weight)[..., 0]
    return combined - prediction


def split_summary(prepared: PreparedData, config: ForecastConfig) -> dict:
    """The split protocol in words and numbers, for metrics.json and the report."""
    first = prepared.ranges[0]
    return {
        "kind": config.split,
        "protocol": "chronological per series; val/test windows start lookback rows early; "
                    "scalers fitted on train rows only",
        "series": len(prepared.ranges),
        "rows_first_series": {part: list(rng) if rng else None for part, rng in first.items()},
        "windows": {part: int(len(index)) for part, index in prepared.index.items()},
        "lookback": config.lookback,
        "season_length": prepared.season_length,
    }
