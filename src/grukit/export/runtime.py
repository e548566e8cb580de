"""``OnnxStream``: run an exported graph in onnxruntime chunk by chunk, carrying its state outside."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from grukit.errors import ConfigError, ModelFileError
from grukit.export.writers import sidecar_path


class OnnxStream:
    """Feed new rows to an exported ONNX graph and keep ``h`` between calls.

    Each call runs ``(x, h[, future]) -> (y, h_next)`` once and stores ``h_next`` as the next
    ``h``; ``reset`` starts again from the initial state (zeros, or a learned one). A stream of
    chunks equals one call on their concatenation, so new observations never re-run the history.
    Bidirectional graphs are refused: their reverse direction needs the whole sequence.

    Example:
        >>> stream = OnnxStream("gru.onnx", batch=4)
        >>> for x_t in rows:                  # each (4, 1, I)
        ...     y_t = stream(x_t)             # (4, 1, H); stream.h is (L, 4, H)
    """

    def __init__(self, path: str | Path, batch: int = 1) -> None:
        import onnxruntime

        path = Path(path)
        meta = sidecar_path(path)
        if not path.is_file() or not meta.is_file():
            raise ModelFileError(f"{path} or its description {meta.name} is missing; export the model again "
                                 f"with grukit.export or `grukit export`.")
        self.meta = json.loads(meta.read_text())
        if not self.meta.get("streamable", False):
            raise ConfigError(f"{path.name} is a bidirectional GRU, whose reverse direction starts at the end of "
                              f"each chunk; streaming runs forward in time only. Run it on whole sequences "
                              f"(call reset() before each) or export a unidirectional GRU.")
        self.session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        self.dtype = np.float64 if self.session.get_inputs()[0].type == "tensor(double)" else np.float32
        self.reset(batch)

    def reset(self, batch: int = 1) -> None:
        """Start every sequence again from the initial state; ``batch`` rows of x per call."""
        state = self.meta["state"]
        shape = (state["layers"], batch * state["sequences_per_row"], state["hidden_size"])
        if state["initial"] == "zeros":
            self.h = np.zeros(shape, dtype=self.dtype)
        else:  # a learned initial state (L*D, H), the same for every sequence
            initial = np.asarray(state["initial"], dtype=self.dtype)[:, None, :]  # (L, 1, H)
            self.h = np.ascontiguousarray(np.broadcast_to(initial, shape))

    def __call__(self, x: np.ndarray, future: np.ndarray | None = None) -> np.ndarray:
        """Run x (the graph's layout) from the carried state; returns y and keeps h_next."""
        feeds = {"x": np.asarray(x, dtype=self.dtype), "h": self.h}
        if "future" in self.meta["inputs"]:
            if future is None:
                raise ConfigError("this forecast graph takes future, the (B, K, F) calendar features of the "
                                  "forecast steps; pass them as the second argument.")
            feeds["future"] = np.asarray(future, dtype=self.dtype)
        y, self.h = self.session.run(["y", "h_next"], feeds)
        return y
