"""Export a ``grukit.nn.GRU`` or a saved forecast model as a graph with its state outside it."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from grukit.errors import ConfigError
from grukit.export.forecast_graph import EnsembleGraph, ForecastGraph, NoFutureGraph
from grukit.export.stateful_gru import StatefulGRU
from grukit.export.writers import check_format, write

_EXAMPLE_BATCH, _EXAMPLE_STEPS = 2, 3
_STATEFUL_USAGE = ("feed the last lookback rows of a series from h = 0 (zeros) to reproduce predict; the rows may "
                   "also come in chunks, passing each h_next back as h.")
_WINDOW_USAGE = ("feed the last lookback rows of a series in one call from h = 0 (zeros) to reproduce predict; "
                 "x must be the whole window (RevIN and window-scaling statistics are computed from x; a "
                 "segment model needs a multiple of segment_length rows), so chunks carrying h are not "
                 "equivalent. With an 'observed' column, a series shorter than lookback is left-padded with "
                 "zero rows whose observed value is 0.")
_THETA_USAGE = (" combine is 'theta': predict's forecast is y + (1 - w) * (Theta - y_point) on every quantile (y "
                "unscaled, y_point its 0.5 quantile), where Theta = grukit.evaluate.theta.theta(the series' last "
                "2 x lookback rows in original units, horizon, season_length, c) and w = e_theta / (e_net + "
                "e_theta): e_net and e_theta are the mean absolute errors on the series' last horizon rows of "
                "y_point and Theta made the same way horizon rows before its end (w = 1/2 when both are 0, or when "
                "fewer than lookback rows, 2 with an 'observed' column, come before that cutoff); c is the "
                "theta_coefficients entry whose Theta made there had the lowest such error (the first on a tie; 2, "
                "or the first entry, for a series too short for that backtest).")


def export_gru(gru: nn.Module, path: str | Path, format: str = "onnx", *, batch_first: bool | None = None) -> Path:
    """Write ``gru`` (a ``grukit.nn.GRU`` or ``torch.nn.GRU``) as ``(x, h) -> (y, h_next)``.

    The graph computes ``gru.eval()(x, h)`` with dynamic batch and time axes; the state ``h`` is
    a required input (zeros start a sequence; a ``learn_init`` GRU's learned start is in the
    sidecar). Streaming: call it on chunks, passing each ``h_next`` back as ``h``; for a
    unidirectional GRU that equals one call on the whole sequence. Beside ``path`` goes
    ``path + ".json"``, the shapes and options. Weights trained with any backend ("fused"
    included) are the same parameters.

    Shapes (legend of :mod:`grukit.nn.functional`): x (B, T, I) with batch_first, else (T, B, I);
    h and h_next (L*D, B, H); y like x with D*H features.

    Example:
        >>> gru = GRU(3, 16, num_layers=2, batch_first=True, reset="before")
        >>> export_gru(gru, "gru.onnx")                  # and gru.onnx.json
        >>> export_gru(gru, "gru.pt", "torchscript")     # torch.jit.load("gru.pt")(x, h)
    """
    check_format(format)
    stateful = StatefulGRU(gru, batch_first)
    time_axis, batch_axis = (1, 0) if stateful.batch_first else (0, 1)
    x_shape = [_EXAMPLE_STEPS, _EXAMPLE_STEPS]
    x_shape[batch_axis] = _EXAMPLE_BATCH
    states = stateful.num_layers * stateful.num_directions
    dtype = next(stateful.parameters()).dtype
    example = (torch.zeros(*x_shape, stateful.input_size, dtype=dtype),
               torch.zeros(states, _EXAMPLE_BATCH, stateful.hidden_size, dtype=dtype))
    axes = {batch_axis: "batch", time_axis: "time"}
    initial = getattr(gru, "initial_state", None)
    sidecar = {
        "kind": "gru",
        "graph": "stateful",
        "shapes": {"x": "(B, T, I)" if stateful.batch_first else "(T, B, I)", "h": "(L*D, B, H)",
                   "y": "(B, T, D*H)" if stateful.batch_first else "(T, B, D*H)", "h_next": "(L*D, B, H)"},
        "input_size": stateful.input_size, "hidden_size": stateful.hidden_size, "num_layers": stateful.num_layers,
        "bidirectional": stateful.num_directions == 2, "batch_first": stateful.batch_first,
        "reset": getattr(gru, "reset", "after"), "layer_norm": getattr(gru, "layer_norm", False),
        "zoneout": getattr(gru, "zoneout", 0.0),
        "state": _state_description(states, 1, stateful.hidden_size,
                                    None if initial is None else initial.detach().cpu().tolist()),
        "streamable": stateful.num_directions == 1,
    }
    return write(stateful, Path(path), format, example, ["x", "h"], ["y", "h_next"],
                 {"x": axes, "h": {1: "batch"}, "y": axes, "h_next": {1: "batch"}}, sidecar)


def export_forecaster(model, path: str | Path, format: str = "onnx") -> Path:
    """Write a fitted ``GRUForecaster``'s network as ``(x, h[, future]) -> (y, h_next)``.

    x holds scaled rows and y is the scaled forecast: ``path + ".json"`` carries the column
    order, the scalers of every training series, the target transform and how to unscale (see
    :mod:`grukit.export.forecast_graph` for the shapes). Feeding a window of ``lookback`` rows
    from ``h = 0`` reproduces ``predict``. The sidecar's ``graph`` says how x may be fed:
    "stateful" (step-wise GRU without RevIN) also takes the window in chunks carrying h;
    "window" (``revin=True`` or ``segment_length > 0``) needs the whole window in one call, with
    a multiple of ``segment_length`` rows for a segment model (:class:`OnnxGraph` checks it).
    A model fitted with ``combine="theta"`` forecasts a weighted mean of this graph's y (unscaled)
    and the Theta method's forecast (:func:`grukit.evaluate.theta.theta`), weighted by a backtest on
    each series' last horizon (:mod:`grukit.forecast.combine`); the sidecar's ``combine`` says so,
    and ``usage`` spells it out.

    Example:
        >>> export_forecaster(GRUForecaster.load("runs/air"), "air.onnx")
        >>> y, h_next = OnnxGraph("air.onnx")(x_window)   # x_window (B, 24, 1), scaled
    """
    from grukit.data.calendar import calendar_feature_names

    check_format(format)
    model._check_fitted()
    net = model.net_.eval()
    graph = EnsembleGraph(net) if hasattr(net, "members") else ForecastGraph(net)
    future_size, schema, config = net.future_size, model.schema_, model.config_
    window = graph.kind == "window"
    batch, steps = _EXAMPLE_BATCH, config.lookback if window else _EXAMPLE_STEPS
    example = (torch.zeros(batch, steps, net.input_size), torch.zeros(graph.state_shape(batch)))
    names, dynamic = ["x", "h"], {"x": {0: "batch", 1: "time"}, "h": {1: "sequences"}}
    if future_size:
        example += (torch.zeros(batch, net.horizon, future_size),)
        names.append("future")
        dynamic["future"] = {0: "batch"}
    dynamic.update({"y": {0: "batch"}, "h_next": {1: "sequences"}})
    per_row = net.target_size if net.channel_independent else 1
    encoder = graph.core.encoder
    past_columns = schema["covariate_columns"][: len(schema["covariate_columns"]) - len(config.future_covariates)]
    calendar = calendar_feature_names(schema["freq"]) if future_size > len(config.future_covariates) else []
    sidecar = {
        "kind": "forecast",
        "graph": graph.kind,
        "usage": (_WINDOW_USAGE if window else _STATEFUL_USAGE) + (_THETA_USAGE if config.combine == "theta" else ""),
        "shapes": {"x": "(B, T, C+P+F)", "h": "(L, S, H)", "future": "(B, K, F)", "y": "(B, K, C, Q)",
                   "h_next": "(L, S, H)", "S": "B * sequences_per_row"},
        "input_columns": [*schema["target_columns"], *(["observed"] if net.observed else []), *past_columns,
                          *calendar, *config.future_covariates],
        "target_columns": schema["target_columns"], "future_columns": [*calendar, *config.future_covariates],
        "window_scaling": bool(net.window_norm),
        "quantiles": list(config.quantiles) or [0.5], "lookback": config.lookback, "horizon": config.horizon,
        "strategy": config.strategy, "freq": schema["freq"], "revin": net.revin is not None,
        "segment_length": net.segment_length, "channel_independent": bool(net.channel_independent),
        "transform": config.transform,
        "state": _state_description(graph.state_shape(1)[0], per_row, encoder.hidden_size, None),
        "ensemble": getattr(graph, "count", 1),
        "combine": config.combine,
        "theta_coefficients": list(config.theta_coefficients),
        "season_length": model.season_length_,
        "streamable": not window,
        "scaled": ("x and y are in the model's scaled space: scale each row of a series with its scaler below "
                   "(targets: (v - mean) / scale, after log when transform is 'log'; covariates likewise), and "
                   "unscale y with v = y * scale + mean (then exp when transform is 'log')."),
        "series_ids": schema["series_ids"],
        "scalers": {"target": [s.to_dict() for s in model.target_scalers_],
                    "covariate": None if model.covariate_scalers_ is None
                    else [s.to_dict() for s in model.covariate_scalers_]},
    }
    module = graph if future_size else NoFutureGraph(graph)
    return write(module, Path(path), format, example, names, ["y", "h_next"], dynamic, sidecar)


def export_model_dir(model_dir: str | Path, path: str | Path, format: str = "onnx") -> Path:
    """Export the model saved in ``model_dir`` (a forecast model's ``--out`` folder); see :func:`export_forecaster`."""
    from grukit.forecast import GRUForecaster

    check_format(format)
    kind = _saved_kind(Path(model_dir))
    if kind is not None and kind != "grukit.forecast":
        raise ConfigError(f"{model_dir} holds a {kind.removeprefix('grukit.')!r} model; export supports forecast "
                          f"model folders, and grukit.nn.GRU modules through grukit.export.export_gru.")
    return export_forecaster(GRUForecaster.load(model_dir), path, format)


def _saved_kind(folder: Path) -> str | None:
    """The ``format`` in a model folder's config.json, or None where it cannot be read (load says why)."""
    try:
        return json.loads((folder / "config.json").read_text()).get("format")
    except (OSError, ValueError, AttributeError):
        return None


def _state_description(layers: int, sequences_per_row: int, hidden_size: int, initial: list | None) -> dict:
    return {"shape": [layers, "batch" if sequences_per_row == 1 else f"batch*{sequences_per_row}", hidden_size],
            "layers": layers, "sequences_per_row": sequences_per_row, "hidden_size": hidden_size,
            "initial": "zeros" if initial is None else initial}
