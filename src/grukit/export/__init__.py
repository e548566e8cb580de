"""Export GRUs and forecast models as graphs that take their state and return the next one.

Every exported graph computes ``(x, h) -> (y, h_next)`` (plus ``future`` for forecast models
with calendar inputs), with dynamic batch and time axes, so the recurrent state lives outside
it: zeros start a sequence, and passing ``h_next`` back with the next rows streams it. Forecast
models with RevIN or segments export as "window" graphs: x is a whole lookback window, run with
``OnnxGraph``, not streamed (the sidecar's ``graph`` says which kind a file is). Formats:
ONNX (runs in onnxruntime and other ONNX runtimes) and TorchScript (``torch.jit.load``). A JSON
sidecar (``model.onnx.json``) beside each file records shapes, options, column order and, for
forecast models, the scalers that map y back to the data's units.

Example:
    >>> from grukit.export import OnnxStream, export_gru
    >>> export_gru(grukit.nn.GRU(3, 16, batch_first=True), "gru.onnx")
    >>> stream = OnnxStream("gru.onnx")
    >>> y = stream(x_chunk)   # (1, T, 16); the state is carried to the next call
"""

from grukit.export.api import export_forecaster, export_gru, export_model_dir
from grukit.export.runtime import OnnxGraph, OnnxStream
from grukit.export.stateful_gru import StatefulGRU
from grukit.export.writers import FORMATS

__all__ = ["FORMATS", "OnnxGraph", "OnnxStream", "StatefulGRU", "export_forecaster", "export_gru", "export_model_dir"]
