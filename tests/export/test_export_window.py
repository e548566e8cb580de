"""RevIN and segment forecast models as window graphs: onnxruntime and TorchScript equal PyTorch and predict."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import torch
from helpers.cli import run

from grukit.errors import ConfigError
from grukit.export import OnnxGraph, OnnxStream, export_forecaster
from grukit.forecast import GRUForecaster
from helpers.export import as_predicted, inputs as _inputs, scale_targets as _scale_targets, without_last

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")

TOL = 1e-5
FAST = dict(epochs=2, hidden_size=8, num_layers=2, batch_size=32, progress=False, num_threads=1,
            scaler="standard", pad=False, ensemble=1)


def _long(n=120):
    rows = []
    for k, sid in enumerate(("a", "b")):
        t = pd.date_range("2020-01-01", periods=n, freq="h")
        rows.append(pd.DataFrame({"unique_id": sid, "ds": t, "y": np.sin(np.arange(n) / 4 + k) + 2 + k,
                                  "x": np.cos(np.arange(n) / 3 + k)}))
    return pd.concat(rows, ignore_index=True)


def _wide(n=120):
    return pd.DataFrame({"date": pd.date_range("2021-01-01", periods=n, freq="D"),
                         "load": np.sin(np.arange(n) / 5.0) + 2.0, "temp": np.cos(np.arange(n) / 7.0) + 3.0})


MODELS = {
    "revin-direct-covariates-log": (_long, dict(covariates=["x"], revin=True, transform="log", reset="before")),
    "revin-recursive": (_wide, dict(target=["load", "temp"], revin=True, strategy="recursive")),
    "segment-quantiles-calendar": (_long, dict(covariates=["x"], segment_length=8, quantiles=[0.1, 0.5, 0.9],
                                               calendar=True)),
    "revin-segment-channel-independent-log": (_wide, dict(target=["load", "temp"], revin=True, transform="log",
                                                          channel_independent=True, segment_length=4)),
}





def _unscale(y: np.ndarray, scaler: dict, transform: str) -> np.ndarray:
    """A scaled forecast (K, C) -> data units: v = y * scale + mean, then exp for transform='log'."""
    values = y * np.asarray(scaler["scale"]) + np.asarray(scaler["mean"])
    return np.exp(values) if transform == "log" else values





def _encoder_state(net, x: torch.Tensor) -> torch.Tensor:
    """The PyTorch encoder's final state (L, S, H) for the window x, from h = 0."""
    targets, others = x[..., : net.target_size], x[..., net.target_size :]
    if net.revin is not None:
        targets, _ = net.revin.normalize(targets)
    sequences = net._sequence_inputs(targets, others)  # (S, T, I)
    if not net.segment_length:
        return net.gru(sequences)[1]
    segments = sequences.reshape(sequences.shape[0], -1, net.segment_length * sequences.shape[2])  # (S, N, w*I)
    return net.segment.gru(net.segment.embed(segments))[1]


def _check_against_predict(path, y, sidecar, model, frame):
    """Every quantile of the unscaled graph forecast, moved as the sidecar's combine says, equals
    predict()'s column for it."""
    predicted = model.predict()
    quantiles, scalers = sidecar["quantiles"], sidecar["scalers"]["target"]

    def unscaled(y):  # (S, K, C, Q) in data units
        per_series = [np.stack([_unscale(y[b, :, :, q], scaler, sidecar["transform"]) for q in range(len(quantiles))],
                               axis=-1) for b, scaler in enumerate(scalers)]
        return np.stack(per_series).astype(np.float64)

    x_back, future_back = _inputs(sidecar, without_last(frame, sidecar["horizon"]), model)
    y_back, _ = OnnxGraph(path)(x_back, future_back if "future" in sidecar["inputs"] else None)
    want = as_predicted(unscaled(y), unscaled(y_back), sidecar, frame, point=quantiles.index(0.5))
    for b, sid in enumerate(sidecar["series_ids"]):
        rows = predicted[predicted.iloc[:, 0] == sid]
        for q_index, q in enumerate(quantiles):
            columns = [name if q == 0.5 else f"{name}_q{q:g}" for name in sidecar["target_columns"]]
            np.testing.assert_allclose(want[b, :, :, q_index], rows[columns].to_numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_window_graphs_equal_pytorch_and_predict_in_onnx_and_torchscript(tmp_path, name):
    make, options = MODELS[name]
    frame = make()
    model = GRUForecaster(lookback=16, horizon=5, **options, **FAST).fit(frame)
    path = export_forecaster(model, tmp_path / "f.onnx")
    sidecar = json.loads((tmp_path / "f.onnx.json").read_text())
    assert (sidecar["graph"], sidecar["streamable"]) == ("window", False)
    assert sidecar["transform"] == options.get("transform", "none")
    x, future = _inputs(sidecar, frame, model)
    has_future = "future" in sidecar["inputs"]
    y, h_next = OnnxGraph(path)(x, future if has_future else None)  # from h = 0
    with torch.no_grad():
        want = model.net_(torch.tensor(x), torch.tensor(future) if has_future else None).numpy()
        want_h = _encoder_state(model.net_, torch.tensor(x)).numpy()
    assert y.shape == want.shape and np.abs(y - want).max() <= TOL
    assert h_next.shape == want_h.shape and np.abs(h_next - want_h).max() <= TOL
    _check_against_predict(path, y, sidecar, model, frame)

    scripted = torch.jit.load(str(export_forecaster(model, tmp_path / "f.pt", "torchscript")))
    inputs = (torch.tensor(x), torch.zeros(h_next.shape)) + ((torch.tensor(future),) if has_future else ())
    with torch.no_grad():
        y_script, h_script = scripted(*inputs)
    assert np.abs(y_script.numpy() - want).max() <= TOL and np.abs(h_script.numpy() - want_h).max() <= TOL
    assert json.loads((tmp_path / "f.pt.json").read_text())["graph"] == "window"
    with pytest.raises(ConfigError, match="is a window graph"):
        OnnxStream(path)


def test_segment_windows_must_be_a_multiple_of_segment_length(tmp_path):
    model = GRUForecaster(lookback=16, horizon=5, segment_length=8, calendar=False, **FAST).fit(_wide())
    path = export_forecaster(model, tmp_path / "seg.onnx")
    graph = OnnxGraph(path)
    x = np.random.default_rng(0).normal(size=(3, 8, 2)).astype(np.float32)  # a shorter window: one segment
    y, _ = graph(x)
    with torch.no_grad():
        assert np.abs(y - model.net_(torch.tensor(x)).numpy()).max() <= TOL
    with pytest.raises(ConfigError, match=re.escape(
            "seg.onnx reads x in segments of 8 rows (segment_length=8); got 15 rows, a remainder of 7. Pass a "
            "multiple of 8 rows: the last lookback=16 rows reproduce predict.")):
        graph(np.zeros((3, 15, 2), np.float32))


def test_cli_exports_the_air_passengers_preset_model_with_the_log_transform_in_both_formats(tmp_path, capsys):
    model = GRUForecaster(dataset="air_passengers", transform="log", epochs=2, progress=False, num_threads=1).fit()
    assert (model.config_.revin, model.config_.segment_length, model.config_.transform) == (True, 12, "log")
    model.save(tmp_path / "air")
    code, stdout, _ = run(capsys, ["export", "--model", tmp_path / "air", "--format", "onnx"])
    path = tmp_path / "air" / "model.onnx"
    assert code == 0 and stdout == f"onnx: {path} (described in model.onnx.json)\n"
    code, _, _ = run(capsys, ["export", "--model", tmp_path / "air", "--format", "torchscript"])
    assert code == 0
    sidecar = json.loads((tmp_path / "air" / "model.onnx.json").read_text())
    assert (sidecar["graph"], sidecar["transform"], sidecar["lookback"]) == ("window", "log", 24)
    assert sidecar["scalers"]["target"][0]["transform"] == "log"

    passengers = model.prepared_.series_set.series[0].target[-24:]  # (24, 1), data units
    x = _scale_targets(passengers, sidecar["scalers"]["target"][0], "log")[None].astype(np.float32)  # (1, 24, 1)
    y, h_next = OnnxGraph(path)(x)
    want = model.predict()[sidecar["target_columns"]].to_numpy()  # (12, 1), passengers
    np.testing.assert_allclose(_unscale(y[0, :, :, 0], sidecar["scalers"]["target"][0], "log"), want, rtol=1e-5)
    with torch.no_grad():
        y_script, _ = torch.jit.load(str(tmp_path / "air" / "model.pt"))(torch.tensor(x), torch.zeros(h_next.shape))
    assert np.abs(y_script.numpy() - y).max() <= TOL
    with pytest.raises(ConfigError, match=re.escape(
            "model.onnx is a window graph: the model normalizes each window by its own mean and spread "
            "(revin=True) and reads x in segments of 12 rows (segment_length=12), so chunks carrying h do not "
            "equal one call on the window. Run it on whole windows of the last lookback=24 rows with "
            "grukit.export.OnnxGraph, or retrain with revin=False and segment_length=0 to stream.")):
        OnnxStream(path)
