"""Run exported ONNX graphs in onnxruntime: ``OnnxGraph`` once on whole inputs, ``OnnxStream`` chunk by chunk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from grukit.errors import ConfigError, ModelFileError
from grukit.export.writers import sidecar_path


class OnnxGraph:
    """Run an exported graph once: ``(x[, future][, h]) -> (y, h_next)``, checking x against its sidecar.

    ``h`` defaults to the initial state (zeros, or a learned one), so ``graph(window)`` of a
    forecast graph reproduces ``predict`` on that (scaled) window. For a segment model the time
    axis of x must be a multiple of ``segment_length``; anything else is refused with a one-line
    error instead of onnxruntime's reshape failure.

    Example:
        >>> graph = OnnxGraph("air.onnx")
        >>> y, h_next = graph(x_window)        # x_window (B, 24, 1) -> y (B, 12, 1, 1), h_next (1, B, 32)
    """

    def __init__(self, path: str | Path) -> None:
        import onnxruntime

        self.path = Path(path)
        meta = sidecar_path(self.path)
        if not self.path.is_file() or not meta.is_file():
            raise ModelFileError(f"{self.path} or its description {meta.name} is missing; export the model again "
                                 f"with grukit.export or `grukit export`.")
        self.meta = json.loads(meta.read_text())
        self.session = onnxruntime.InferenceSession(str(self.path), providers=["CPUExecutionProvider"])
        self.dtype = np.float64 if self.session.get_inputs()[0].type == "tensor(double)" else np.float32

    def initial_state(self, batch: int = 1) -> np.ndarray:
        """The state that starts ``batch`` rows of x: (L, S, H), zeros unless the GRU learned one."""
        state = self.meta["state"]
        shape = (state["layers"], batch * state["sequences_per_row"], state["hidden_size"])
        if state["initial"] == "zeros":
            return np.zeros(shape, dtype=self.dtype)
        initial = np.asarray(state["initial"], dtype=self.dtype)[:, None, :]  # (L, 1, H), the same for every row
        return np.ascontiguousarray(np.broadcast_to(initial, shape))

    def __call__(self, x: np.ndarray, future: np.ndarray | None = None,
                 h: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """x (the graph's layout), future (B, K, F) when the graph takes it, h (default: initial) -> (y, h_next)."""
        x = np.asarray(x, dtype=self.dtype)
        self._check_window(x)
        batch = x.shape[0] if self.meta.get("batch_first", True) else x.shape[1]
        feeds = {"x": x, "h": self.initial_state(batch) if h is None else np.asarray(h, dtype=self.dtype)}
        if "future" in self.meta["inputs"]:
            if future is None:
                raise ConfigError("this forecast graph takes future, the (B, K, F) calendar features of the "
                                  "forecast steps; pass them as the second argument.")
            feeds["future"] = np.asarray(future, dtype=self.dtype)
        y, h_next = self.session.run(["y", "h_next"], feeds)
        return y, h_next

    def _check_window(self, x: np.ndarray) -> None:
        w = self.meta.get("segment_length", 0)
        if w and x.ndim == 3 and x.shape[1] % w:
            raise ConfigError(f"{self.path.name} reads x in segments of {w} rows (segment_length={w}); got "
                              f"{x.shape[1]} rows, a remainder of {x.shape[1] % w}. Pass a multiple of {w} "
                              f"rows: the last lookback={self.meta['lookback']} rows reproduce predict.")


class OnnxStream:
    """Feed new rows to an exported ONNX graph and keep ``h`` between calls.

    Each call runs ``(x, h[, future]) -> (y, h_next)`` once and stores ``h_next`` as the next
    ``h``; ``reset`` starts again from the initial state (zeros, or a learned one). A stream of
    chunks equals one call on their concatenation, so new observations never re-run the history.
    Refused: bidirectional GRUs (their reverse direction needs the whole sequence) and "window"
    forecast graphs (RevIN or segments: they need the whole window; run them with ``OnnxGraph``).

    Example:
        >>> stream = OnnxStream("gru.onnx", batch=4)
        >>> for x_t in rows:                  # each (4, 1, I)
        ...     y_t = stream(x_t)             # (4, 1, H); stream.h is (L, 4, H)
    """

    def __init__(self, path: str | Path, batch: int = 1) -> None:
        self.graph = OnnxGraph(path)
        self.meta = self.graph.meta
        if not self.meta.get("streamable", False):
            raise ConfigError(_not_streamable(self.graph.path.name, self.meta))
        self.reset(batch)

    def reset(self, batch: int = 1) -> None:
        """Start every sequence again from the initial state; ``batch`` rows of x per call."""
        self.h = self.graph.initial_state(batch)

    def __call__(self, x: np.ndarray, future: np.ndarray | None = None) -> np.ndarray:
        """Run x (the graph's layout) from the carried state; returns y and keeps h_next."""
        y, self.h = self.graph(x, future, self.h)
        return y


def _not_streamable(name: str, meta: dict) -> str:
    """Why a graph cannot be fed in chunks, and what to do instead, in one line."""
    if meta.get("graph") != "window":
        return (f"{name} is a bidirectional GRU, whose reverse direction starts at the end of each chunk; "
                f"streaming runs forward in time only. Run it on whole sequences (call reset() before each) "
                f"or export a unidirectional GRU.")
    reasons = []
    if meta.get("revin"):
        reasons.append("normalizes each window by its own mean and spread (revin=True)")
    if meta.get("segment_length"):
        reasons.append(f"reads x in segments of {meta['segment_length']} rows "
                       f"(segment_length={meta['segment_length']})")
    return (f"{name} is a window graph: the model {' and '.join(reasons)}, so chunks carrying h do not equal "
            f"one call on the window. Run it on whole windows of the last lookback={meta['lookback']} rows "
            f"with grukit.export.OnnxGraph, or retrain with revin=False and segment_length=0 to stream.")
