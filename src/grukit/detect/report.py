"""The scores plot (flagged stretches shaded, label windows drawn) and the self-contained HTML report.

Plots use grukit.evaluate's Agg figures (no pyplot, no window) and are written atomically; the
report embeds them as base64 PNGs with inline CSS, as the forecasting report does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from grukit.detect.window_metrics import flagged_stretches
from grukit.evaluate.html import escape, figures, png_data_uri, write_page
from grukit.evaluate.plots import figure, save_png
from grukit.evaluate.report import format_number

__all__ = ["plot_scores", "write_detect_report"]

FLAG_COLOR, WINDOW_COLOR = "tab:red", "tab:green"


def plot_scores(
    path: Path,
    time: Sequence | None,
    values: np.ndarray,
    scores: np.ndarray,
    threshold: float,
    flags: np.ndarray,
    windows: Sequence[tuple[int, int]] | None = None,
    title: str = "",
    alarms: np.ndarray | None = None,
    clean_rows: int = 0,
) -> Path:
    """Draw the series over its anomaly score: flagged stretches shaded red, label windows green.

    Args:
        path: the PNG file to write.
        time: N timestamps, or None for steps 0..N-1.
        values: (N,) or (N, C) the series (only the first channel is drawn).
        scores: (N,) anomaly scores, NaN where undefined; drawn on a log axis when all are positive.
        threshold: the flagging threshold, drawn as a dashed line.
        flags: (N,) bool flags.
        windows: optional label windows as inclusive row ranges.
        title: the figure's title.
        alarms: optional (N,) bool alarms, marked with triangles on the series.
        clean_rows: the clean stretch the model learned from, rows [0, clean_rows), shaded grey.

    Returns ``path``.
    """
    values = np.asarray(values, dtype=np.float64).reshape(len(scores), -1)[:, 0]  # (N,)
    x = np.arange(len(scores)) if time is None else np.asarray(time)
    fig, (top, bottom) = figure(2, width=11.0, height_each=2.8)
    top.plot(x, values, color="0.25", lw=0.6, label="value")
    bottom.plot(x, scores, color="tab:blue", lw=0.6, label="anomaly score")
    bottom.axhline(threshold, color=FLAG_COLOR, ls="--", lw=1.0, label=f"threshold {format_number(threshold)}")
    finite = scores[np.isfinite(scores)]
    if finite.size and finite.min() > 0 and threshold > 0:
        bottom.set_yscale("log")
    if clean_rows > 0:
        for ax in (top, bottom):
            ax.axvspan(x[0], x[min(clean_rows, len(x)) - 1], color="0.5", alpha=0.12, lw=0,
                       label="clean stretch (training)")
    if alarms is not None and np.any(alarms):
        rows = np.flatnonzero(alarms)
        top.scatter(x[rows], values[rows], marker="v", s=30, color=FLAG_COLOR, zorder=3, label="alarm")
    for k, (a, b) in enumerate(windows or ()):
        for ax in (top, bottom):
            ax.axvspan(x[a], x[b], color=WINDOW_COLOR, alpha=0.15, lw=0, label="label window" if k == 0 else None)
    for k, (a, b) in enumerate(flagged_stretches(np.asarray(flags, dtype=bool))):
        for ax in (top, bottom):
            ax.axvspan(x[a], x[min(b + 1, len(x) - 1)], color=FLAG_COLOR, alpha=0.35, lw=0,
                       label="flagged" if k == 0 else None)
    for ax in (top, bottom):
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    if title:
        fig.suptitle(title)
    return save_png(fig, path)


def write_detect_report(path: Path, metrics: Mapping, plots: Mapping[str, Path], title: str,
                        details: Mapping) -> Path:
    """One self-contained HTML file: the detection summary, window metrics and NAB scores, plots, details."""
    sections = [f"<h1>{escape(title)}</h1>", "<h2>Detection</h2>", _table(_summary(metrics))]
    if "windows" in metrics:
        w = metrics["windows"]
        sections += ["<h2>Against the label windows</h2>", _table([
            ("detected windows", f"{w['detected_windows']} of {w['windows']}"),
            ("false-alarm stretches", w["false_stretches"]),
            ("precision / recall / F1", " / ".join(format_number(w[k]) for k in ("precision", "recall", "f1"))),
        ])]
        nab = metrics["nab"]["standard"]
        sections += ["<h2>NAB score (standard profile, raw)</h2>", _table([
            (f"alarms (rest period {metrics['flagged']['rest_period']} steps)", format_number(nab["alarms"])),
            ("every flagged step", format_number(nab["every_flagged_step"])),
            ("null detector / perfect detector", f"{format_number(nab['null'])} / {format_number(nab['perfect'])}"),
            ("unscored probationary rows", nab["probationary_rows"]),
        ])]
    sections += figures({caption: png_data_uri(Path(file)) for caption, file in plots.items()})
    return write_page(path, title, sections, details)


def _summary(metrics: Mapping) -> list[tuple[str, object]]:
    flagged = metrics["flagged"]
    return [
        ("method", metrics["method"]),
        ("threshold", f"{format_number(metrics['threshold'])} ({metrics['validation']['threshold_rule']})"),
        ("clean stretch", f"{metrics['clean_stretch']['rows']} rows: {metrics['clean_stretch']['rule']}"),
        ("flagged after it",
         f"{flagged['steps']} steps in {flagged['stretches']} stretches, {flagged['alarms']} alarms"),
    ]


def _table(rows: list[tuple[str, object]]) -> str:
    body = "\n".join(f"<tr><th>{escape(key)}</th><td>{escape(value)}</td></tr>" for key, value in rows)
    return f'<table class="details"><tbody>\n{body}\n</tbody></table>'
