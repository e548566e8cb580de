"""grukit.export.export_gru: the ONNX and TorchScript graphs equal the PyTorch GRU, whole and streamed."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from grukit.errors import ConfigError
from grukit.export import OnnxStream, StatefulGRU, export_gru
from grukit.nn import GRU, _kernel

TOL = 1e-5


def _gru(**options) -> GRU:
    torch.manual_seed(0)
    options = {"num_layers": 2, "batch_first": True, **options}
    return GRU(3, 8, backend="reference", **options).eval()


def _needs_onnx():
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")


def _onnx(path, x, h):
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["y", "h_next"], {"x": x.numpy(), "h": h.numpy()})


def _stream(path, x, batch):
    """Feed x (B, T, I) one step at a time through OnnxStream; returns the outputs (B, T, H) and h."""
    stream = OnnxStream(path, batch=batch)
    steps = [stream(x[:, t : t + 1].numpy()) for t in range(x.shape[1])]
    return np.concatenate(steps, axis=1), stream.h


VARIANTS = {
    "after": {"reset": "after"},
    "before": {"reset": "before"},
    "before-layer-norm-zoneout": {"reset": "before", "layer_norm": True, "zoneout": 0.25, "dropout": 0.3,
                                  "recurrent_dropout": 0.2},
    "after-no-bias": {"reset": "after", "bias": False, "layer_norm": True},
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_onnx_matches_pytorch_whole_windows_and_step_by_step(tmp_path, variant):
    _needs_onnx()
    gru = _gru(**VARIANTS[variant])
    path = export_gru(gru, tmp_path / "gru.onnx")
    x, h = torch.randn(4, 9, 3), torch.randn(2, 4, 8)  # batch and time differ from the export's example
    with torch.no_grad():
        want_y, want_h = gru(x, h)
        zero_y, zero_h = gru(x)
    y, h_next = _onnx(path, x, h)
    assert np.abs(y - want_y.numpy()).max() <= TOL and np.abs(h_next - want_h.numpy()).max() <= TOL
    streamed_y, streamed_h = _stream(path, x, batch=4)
    assert np.abs(streamed_y - zero_y.numpy()).max() <= TOL
    assert np.abs(streamed_h - zero_h.numpy()).max() <= TOL


@pytest.mark.skipif(_kernel.load() is None, reason="the fused GRU kernel is unavailable")
@pytest.mark.parametrize("reset", ["after", "before"])
def test_weights_trained_with_the_fused_backend_export_exactly(tmp_path, reset):
    _needs_onnx()
    torch.manual_seed(1)
    gru = GRU(3, 8, num_layers=2, batch_first=True, reset=reset, backend="fused")
    optimizer = torch.optim.AdamW(gru.parameters(), lr=0.05)
    x, target = torch.randn(6, 12, 3), torch.randn(6, 12, 8)
    for _ in range(5):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(gru(x)[0], target).backward()
        optimizer.step()
    gru.eval()
    assert gru.backend_in_use == "fused"
    path = export_gru(gru, tmp_path / "fused.onnx")
    h = torch.randn(2, 6, 8)
    with torch.no_grad():
        want_y, want_h = gru(x, h)
    y, h_next = _onnx(path, x, h)
    assert np.abs(y - want_y.numpy()).max() <= TOL and np.abs(h_next - want_h.numpy()).max() <= TOL
    streamed_y, _ = _stream(path, x, batch=6)
    with torch.no_grad():
        assert np.abs(streamed_y - gru(x)[0].numpy()).max() <= TOL


def test_bidirectional_whole_windows_match_and_streaming_is_refused(tmp_path):
    _needs_onnx()
    gru = _gru(bidirectional=True, batch_first=False)
    path = export_gru(gru, tmp_path / "bi.onnx")
    x, h = torch.randn(7, 3, 3), torch.randn(4, 3, 8)  # (T, B, I), (L*D, B, H)
    with torch.no_grad():
        want_y, want_h = gru(x, h)
    y, h_next = _onnx(path, x, h)
    assert y.shape == (7, 3, 16)
    assert np.abs(y - want_y.numpy()).max() <= TOL and np.abs(h_next - want_h.numpy()).max() <= TOL
    with pytest.raises(ConfigError, match=re.escape(
            "bi.onnx is a bidirectional GRU, whose reverse direction starts at the end of each chunk; streaming "
            "runs forward in time only. Run it on whole sequences (call reset() before each) or export a "
            "unidirectional GRU.")):
        OnnxStream(path)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_torchscript_matches_and_streams(tmp_path):
    gru = _gru(reset="before", layer_norm=True)
    path = export_gru(gru, tmp_path / "gru.pt", "torchscript")
    loaded = torch.jit.load(str(path))
    x = torch.randn(2, 6, 3)
    h = torch.zeros(2, 2, 8)
    with torch.no_grad():
        want_y, want_h = gru(x)
        y, h_next = loaded(x, h)
        steps = []
        for t in range(6):
            y_t, h = loaded(x[:, t : t + 1], h)
            steps.append(y_t)
    assert (y - want_y).abs().max() <= TOL and (h_next - want_h).abs().max() <= TOL
    assert (torch.cat(steps, dim=1) - want_y).abs().max() <= TOL and (h - want_h).abs().max() <= TOL


def test_learned_initial_state_and_torch_gru(tmp_path):
    _needs_onnx()
    gru = _gru(learn_init=True)
    with torch.no_grad():
        gru.initial_state.normal_()
        want_y, _ = gru(torch.ones(1, 5, 3))
    path = export_gru(gru, tmp_path / "init.onnx")
    assert json.loads((tmp_path / "init.onnx.json").read_text())["state"]["shape"] == [2, "batch", 8]
    streamed_y, _ = _stream(path, torch.ones(1, 5, 3), batch=1)
    assert np.abs(streamed_y - want_y.numpy()).max() <= TOL

    torch_gru = torch.nn.GRU(3, 8, num_layers=2).eval()
    path = export_gru(torch_gru, tmp_path / "torch.onnx")
    x, h = torch.randn(5, 2, 3), torch.randn(2, 2, 8)
    with torch.no_grad():
        want_y, want_h = torch_gru(x, h)
    y, h_next = _onnx(path, x, h)
    assert np.abs(y - want_y.numpy()).max() <= TOL and np.abs(h_next - want_h.numpy()).max() <= TOL


def test_stateful_gru_equals_the_reference_backend_in_eval_mode():
    gru = _gru(reset="before", zoneout=0.5, layer_norm=True, bidirectional=True)
    x, h = torch.randn(3, 4, 3), torch.randn(4, 3, 8)
    with torch.no_grad():
        want_y, want_h = gru(x, h)
        y, h_next = StatefulGRU(gru)(x, h)
    assert (y - want_y).abs().max() <= TOL and (h_next - want_h).abs().max() <= TOL


def test_unknown_format_and_wrong_module():
    with pytest.raises(ConfigError, match=re.escape("unknown export format 'tflite'; expected one of: onnx, "
                                                    "torchscript.")):
        export_gru(_gru(), "gru.tflite", "tflite")
    with pytest.raises(TypeError, match=re.escape("StatefulGRU: expected a grukit.nn.GRU or torch.nn.GRU; "
                                                  "got LSTM.")):
        StatefulGRU(torch.nn.LSTM(3, 8))


def test_the_graph_and_its_sidecar_are_written_as_a_pair(tmp_path, monkeypatch):
    from grukit.export import writers

    path = export_gru(_gru(), tmp_path / "gru.pt", "torchscript")  # an earlier export of the same name
    real_replace = writers.os.replace

    def failing_replace(src, dst):
        if str(dst).endswith(".json"):
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(writers.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        export_gru(_gru(reset="before"), path, "torchscript")
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no new graph beside the old sidecar, no temp files
    monkeypatch.setattr(writers.os, "replace", real_replace)

    with pytest.raises(TypeError, match="not JSON serializable"):  # a sidecar that cannot be written: no files
        writers.write(StatefulGRU(_gru()), path, "torchscript", (), ["x", "h"], ["y", "h_next"], {},
                      {"bad": object()})
    assert sorted(p.name for p in tmp_path.iterdir()) == []
