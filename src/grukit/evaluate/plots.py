"""PNG plots of a forecast and of the training curves.

matplotlib is imported inside the functions that draw, and figures are drawn on their own Agg
canvas (no pyplot), so importing grukit.evaluate stays light and the plots never touch the
caller's matplotlib backend or open a window. Every file is written atomically.

Shapes use the legend of :mod:`grukit.nn.functional`; T counts the history steps drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from grukit._io import atomic_write

__all__ = ["figure", "plot_forecast", "plot_loss", "plot_series_grid", "save_png"]

MAX_CHANNELS = 4  # subplots in one forecast figure
GRID_COLUMNS = 3  # panels per row of a series grid
DPI = 100


def plot_forecast(
    path: Path,
    history_time: Sequence,
    history_values: object,
    future_time: Sequence,
    actual: object,
    forecast: object,
    lower: object = None,
    upper: object = None,
    title: str = "",
    channel_names: Sequence[str] | None = None,
) -> Path:
    """Draw the last stretch of history, the actual future and the forecast, one subplot per channel.

    Args:
        path: the PNG file to write.
        history_time, future_time: T and K time stamps (numbers or datetimes).
        history_values: (T, C) or (T,) observed values before the forecast.
        actual: (K, C) or (K,) values that came true, or None when they are not known.
        forecast: (K, C) or (K,) the point forecast.
        lower, upper: optional (K, C) or (K,) P10 and P90, drawn as a shaded band labelled "P10-P90";
            both or neither.
        title: the figure's title.
        channel_names: C names for the subplot titles; default "channel 0", "channel 1", ...

    Only the first 4 channels are drawn; the title says so when there are more.
    Returns ``path``.
    """
    history = _as_columns("history_values", history_values, len(history_time), "history_time")
    channels = history.shape[1]
    k = len(future_time)
    prediction = _as_columns("forecast", forecast, k, "future_time", channels)
    truth = None if actual is None else _as_columns("actual", actual, k, "future_time", channels)
    if (lower is None) != (upper is None):
        raise ValueError("plot_forecast: pass both lower and upper for a band, or neither.")
    band = None
    if lower is not None:
        band = (_as_columns("lower", lower, k, "future_time", channels),
                _as_columns("upper", upper, k, "future_time", channels))
    names = _channel_names(channel_names, channels)

    shown = min(channels, MAX_CHANNELS)
    fig, axes = figure(shown, width=9.0, height_each=2.6)
    for c, ax in enumerate(axes):
        ax.plot(history_time, history[:, c], color="0.35", label="history")
        if truth is not None:
            ax.plot(future_time, truth[:, c], color="black", marker=".", label="actual")
        if band is not None:
            ax.fill_between(future_time, band[0][:, c], band[1][:, c], color="tab:blue", alpha=0.2,
                            label="P10-P90")
        ax.plot(future_time, prediction[:, c], color="tab:blue", marker=".", label="forecast")
        ax.set_title(names[c], fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="best", fontsize=8)
    note = f" (first {MAX_CHANNELS} of {channels} channels)" if channels > MAX_CHANNELS else ""
    if title or note:
        fig.suptitle(f"{title}{note}".strip())
    return save_png(fig, path)


def plot_series_grid(path: Path, panels: Sequence[Mapping], title: str = "") -> Path:
    """Small multiples: one panel per series with the end of its history and its forecast.

    Each panel is a mapping with "title", "history_time" (T,), "history" (T,), "future_time" (K,),
    "forecast" (K,) and optionally "lower" and "upper" (K,) for a band. Panels fill rows of 3.
    Returns ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not panels:
        raise ValueError("plot_series_grid: pass at least one panel.")
    rows = math.ceil(len(panels) / GRID_COLUMNS)
    fig = Figure(figsize=(3.3 * GRID_COLUMNS, 2.2 * rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, GRID_COLUMNS, squeeze=False).ravel()
    for ax, panel in zip(axes, panels):
        ax.plot(panel["history_time"], panel["history"], color="0.35", linewidth=1)
        if panel.get("lower") is not None:
            ax.fill_between(panel["future_time"], panel["lower"], panel["upper"], color="tab:blue", alpha=0.2)
        ax.plot(panel["future_time"], panel["forecast"], color="tab:blue", linewidth=1.5)
        ax.set_title(str(panel["title"]), fontsize=9)
        if np.issubdtype(np.asarray(panel["history_time"]).dtype, np.datetime64):
            from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

            locator = AutoDateLocator(maxticks=4)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11)
    return save_png(fig, path)


def plot_loss(path: Path, history: Sequence[Mapping[str, float]]) -> Path:
    """Draw the training and validation loss per epoch.

    Args:
        path: the PNG file to write.
        history: one dict per epoch with keys "epoch", "train_loss" and "val_loss" (the last may
            be missing or None when there is no validation set). The best validation epoch is marked.

    The loss axis is logarithmic when every loss is positive. Returns ``path``.
    """
    if not history:
        raise ValueError("plot_loss: history is empty; pass one dict per epoch with keys epoch, train_loss, val_loss.")
    epochs, train, val = [], [], []
    for i, row in enumerate(history):
        if not isinstance(row, Mapping) or "epoch" not in row or "train_loss" not in row:
            raise ValueError(f"plot_loss: history[{i}] must be a dict with keys epoch, train_loss and val_loss; "
                             f"got {row!r}.")
        epochs.append(row["epoch"])
        train.append(float(row["train_loss"]))
        val.append(math.nan if row.get("val_loss") is None else float(row["val_loss"]))

    fig, (ax,) = figure(1, width=7.0, height_each=4.0)
    ax.plot(epochs, train, marker=".", label="train loss")
    has_val = not all(math.isnan(v) for v in val)
    if has_val:
        ax.plot(epochs, val, marker=".", label="validation loss")
        best = int(np.nanargmin(val))
        ax.scatter([epochs[best]], [val[best]], s=80, facecolors="none", edgecolors="tab:red", zorder=3,
                   label=f"best validation (epoch {epochs[best]})")
    finite = [v for v in train + val if not math.isnan(v)]
    if finite and min(finite) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return save_png(fig, path)


def _as_columns(name: str, value: object, steps: int, time_name: str, channels: int | None = None) -> np.ndarray:
    """``value`` as a float array (steps, C); a 1-D array is one channel."""
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]  # (steps, 1)
    expected = f"({steps}, {channels})" if channels is not None else f"({steps}, C)"
    if array.ndim != 2 or array.shape[0] != steps or (channels is not None and array.shape[1] != channels):
        raise ValueError(
            f"plot_forecast: {name} must have shape {expected}, one row per {time_name} entry"
            f"{'' if channels is None else ' and one column per channel of history_values'}; got {array.shape}."
        )
    return array


def _channel_names(names: Sequence[str] | None, channels: int) -> list[str]:
    if names is None:
        return [f"channel {c}" for c in range(channels)]
    names = [str(n) for n in names]
    if len(names) != channels:
        raise ValueError(f"plot_forecast: channel_names must hold {channels} names, one per channel; got {len(names)}.")
    return names


def figure(rows: int, width: float, height_each: float):
    """A figure on its own Agg canvas (no pyplot, no global backend) and its ``rows`` axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height_each * rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return fig, list(axes)


def save_png(fig, path: Path) -> Path:
    """Write ``fig`` as a PNG to ``path`` (temp file and rename); returns the path."""
    path = Path(path)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI))
    return path
