"""Forecast models exported as (x, h[, future]) -> (y, h_next): onnxruntime equals PyTorch and predict; the CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from helpers.cli import one_line_error, run

from grukit.export import OnnxStream, export_forecaster
from grukit.forecast import GRUForecaster

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from helpers.export import as_predicted, inputs as _inputs, without_last  # noqa: E402  (from the sidecar alone)

TOL = 1e-5
FAST = dict(epochs=2, hidden_size=8, num_layers=2, batch_size=32, progress=False, num_threads=1,
            scaler="standard", pad=False, ensemble=1)


def _long(n=120):
    rows = []
    for k, sid in enumerate(("a", "b")):
        t = pd.date_range("2020-01-01", periods=n, freq="h")
        rows.append(pd.DataFrame({"unique_id": sid, "ds": t, "y": np.sin(np.arange(n) / 4 + k) + 2,
                                  "x": np.cos(np.arange(n) / 3 + k)}))
    return pd.concat(rows, ignore_index=True)


def _wide(n=120):
    return pd.DataFrame({"date": pd.date_range("2021-01-01", periods=n, freq="D"),
                         "load": np.sin(np.arange(n) / 5.0) + 2.0, "temp": np.cos(np.arange(n) / 7.0)})


MODELS = {
    "direct-covariates-quantiles-before": (_long, dict(covariates=["x"], quantiles=[0.1, 0.9], reset="before")),
    "recursive-channel-independent-after": (_wide, dict(target=["load", "temp"], strategy="recursive",
                                                         channel_independent=True, layer_norm=True, zoneout=0.1)),
}


@pytest.mark.parametrize("name", MODELS)
def test_onnx_forecast_equals_pytorch_and_predict_whole_and_streamed(tmp_path, name):
    make, options = MODELS[name]
    frame = make()
    model = GRUForecaster(lookback=16, horizon=5, **options, **FAST).fit(frame)
    path = export_forecaster(model, tmp_path / "f.onnx")
    sidecar = json.loads((tmp_path / "f.onnx.json").read_text())
    assert (sidecar["graph"], sidecar["streamable"], sidecar["transform"]) == ("stateful", True, "none")
    x, future = _inputs(sidecar, frame, model)
    batch = x.shape[0]
    feeds = {"x": x, "h": np.zeros((2, batch * sidecar["state"]["sequences_per_row"], 8), np.float32)}
    if "future" in sidecar["inputs"]:
        feeds["future"] = future
    y, h_next = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(["y", "h_next"], feeds)
    with torch.no_grad():
        want = model.net_(torch.tensor(x), torch.tensor(future) if "future" in feeds else None).numpy()
    assert y.shape == want.shape and np.abs(y - want).max() <= TOL

    stream = OnnxStream(path, batch=batch)  # one row at a time, the state carried outside the graph
    for t in range(x.shape[1]):
        streamed = stream(x[:, t : t + 1], future if "future" in feeds else None)
    assert np.abs(streamed - y).max() <= TOL and np.abs(stream.h - h_next).max() <= TOL

    median = sidecar["quantiles"].index(0.5)
    predicted = model.predict()
    scalers = sidecar["scalers"]["target"]

    def unscaled(y):  # (S, K, C, 1): the point forecast in data units
        values = [y[b, :, :, median] * s["scale"] + np.asarray(s["mean"]) for b, s in enumerate(scalers)]
        return np.stack(values)[..., None]

    x_back, future_back = _inputs(sidecar, without_last(frame, 5), model)  # each window 5 rows (K) earlier
    y_back, _ = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        ["y", "h_next"], {**feeds, "x": x_back, **({"future": future_back} if "future" in feeds else {})})
    want = as_predicted(unscaled(y), unscaled(y_back), sidecar, frame)[..., 0]  # (S, K, C)
    for b, sid in enumerate(sidecar["series_ids"]):
        rows = predicted[predicted.iloc[:, 0] == sid]
        np.testing.assert_allclose(want[b], rows[sidecar["target_columns"]].to_numpy(), rtol=1e-5, atol=1e-5)


def test_cli_exports_a_trained_model_dir_in_both_formats(tmp_path, capsys):
    model = GRUForecaster(lookback=16, horizon=5, covariates=["x"], calendar=True, **FAST).fit(_long())
    model.save(tmp_path / "run")
    out = tmp_path / "exported" / "model.onnx"
    code, stdout, _ = run(capsys, ["export", "--model", tmp_path / "run", "--format", "onnx", "--out", out])
    assert code == 0 and stdout == f"onnx: {out} (described in model.onnx.json)\n"
    x = np.random.default_rng(0).normal(size=(3, 7, 8)).astype(np.float32)  # y, x and six calendar features
    h = np.zeros((2, 3, 8), np.float32)
    future = np.zeros((3, 5, 6), np.float32)
    y, _ = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(
        ["y", "h_next"], {"x": x, "h": h, "future": future})
    with torch.no_grad():
        want = model.net_(torch.tensor(x), torch.tensor(future)).numpy()
    assert np.abs(y - want).max() <= TOL

    code, stdout, _ = run(capsys, ["export", "--model", tmp_path / "run", "--format", "torchscript"])
    assert code == 0 and (tmp_path / "run" / "model.pt").is_file() and (tmp_path / "run" / "model.pt.json").is_file()


@pytest.mark.parametrize("case", ["missing", "format", "classify"])
def test_cli_errors_are_one_line(tmp_path, capsys, case):
    folder, out = tmp_path / "run", tmp_path / "out.onnx"
    args = ["export", "--model", folder, "--out", out]
    if case == "classify":
        folder.mkdir()
        (folder / "config.json").write_text('{"format": "grukit.classify"}')
    elif case == "format":
        args += ["--format", "tflite"]
    code, _, err = run(capsys, args)
    expected = {
        "missing": (1, f"model folder {folder} does not exist; pass the --out folder of a training run."),
        "classify": (2, f"{folder} holds a 'classify' model; export supports forecast model folders, and "
                        f"grukit.nn.GRU modules through grukit.export.export_gru."),
    }
    if case == "format":
        assert code == 2 and "Invalid value for '--format': 'tflite' is not one of 'onnx', 'torchscript'." in err
    else:
        assert (code, one_line_error(err)) == expected[case]
    assert not out.exists() and not (tmp_path / "out.onnx.json").exists()


def _raw_windows(sidecar, frame) -> np.ndarray:
    """Each series' last lookback values and an observed column, left-padded with zero rows: (S, L, 2)."""
    lookback, xs = sidecar["lookback"], []
    for sid in sidecar["series_ids"]:
        y = frame.loc[frame["unique_id"] == sid, "y"].to_numpy()[-lookback:]
        rows = np.stack([y, np.ones_like(y)], axis=1)  # (n, 2): value, observed
        xs.append(np.concatenate([np.zeros((lookback - len(y), 2)), rows]))  # left-padded to the lookback
    return np.stack(xs).astype(np.float32)


@pytest.mark.parametrize("ensemble", [1, 3])
def test_a_default_model_with_a_padded_short_series_exports_and_equals_predict(tmp_path, ensemble):
    """Window scaling, the observed mask and the ensemble's median run inside the graph: raw values in."""
    frame = _long()
    frame = frame[(frame["unique_id"] == "a") | (frame["ds"] >= frame["ds"].iloc[-10])]  # series b: 10 rows
    model = GRUForecaster(lookback=16, horizon=5, **{**FAST, "scaler": "window", "pad": True, "ensemble": ensemble}
                          ).fit(frame.drop(columns="x"))
    path = export_forecaster(model, tmp_path / "f.onnx")
    sidecar = json.loads((tmp_path / "f.onnx.json").read_text())
    assert sidecar["graph"] == "window" and sidecar["window_scaling"] and sidecar["input_columns"] == ["y", "observed"]
    assert sidecar["ensemble"] == ensemble and sidecar["state"]["layers"] == 2 * ensemble
    x = _raw_windows(sidecar, frame)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    y, _ = session.run(["y", "h_next"], {"x": x, "h": np.zeros((2 * ensemble, 2, 8), np.float32)})
    assert sidecar["combine"] == "theta"  # the generic default: predict weighs the graph's y with Theta
    y_back, _ = session.run(["y", "h_next"], {"x": _raw_windows(sidecar, without_last(frame, 5)),
                                              "h": np.zeros((2 * ensemble, 2, 8), np.float32)})
    want = as_predicted(y.astype(np.float64), y_back.astype(np.float64), sidecar, frame.drop(columns="x"))
    np.testing.assert_allclose(want.ravel(), model.predict()["y"], rtol=1e-5, atol=1e-5)
    scripted = torch.jit.load(str(export_forecaster(model, tmp_path / "f.pt", format="torchscript")))
    with torch.no_grad():
        y_ts, _ = scripted(torch.tensor(x), torch.zeros(2 * ensemble, 2, 8))
    np.testing.assert_allclose(y_ts.numpy(), y, rtol=1e-5, atol=1e-5)
