"""The classification report: a confusion-matrix PNG and one self-contained HTML page.

The page follows :mod:`grukit.evaluate.report`'s style and is built from :mod:`grukit.evaluate.html`
(page frame and CSS, escaping, details table, PNGs embedded as base64 data URIs): no external
resource, no JavaScript.
matplotlib is imported only when a plot is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from grukit.evaluate.html import escape, figures, png_data_uri, write_page
from grukit.evaluate.plots import figure, save_png

__all__ = ["plot_confusion", "write_classification_report"]

MAX_ANNOTATED = 20  # classes up to which every cell shows its count


def plot_confusion(path: Path, matrix, classes: Sequence, title: str = "") -> Path:
    """Draw the (J, J) confusion matrix as a heat map: true class in rows, predicted class in columns.

    Each row is shaded by its share of the row's sequences (recall on the diagonal) and every
    cell shows its count when J <= 20. Returns ``path``.
    """
    counts = np.asarray(matrix, dtype=np.int64)
    k = len(classes)
    if counts.shape != (k, k):
        raise ValueError(f"plot_confusion: matrix must have shape ({k}, {k}), one row and column per class; "
                         f"got {counts.shape}.")
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)  # (J, J) row-normalised
    size = min(12.0, 3.0 + 0.45 * k)
    fig, (ax,) = figure(1, width=size + 1.2, height_each=size)
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, label="share of the true class")
    names = [str(c) for c in classes]
    ax.set_xticks(range(k), names, rotation=45 if k > 6 else 0, ha="right" if k > 6 else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if k <= MAX_ANNOTATED:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=9,
                        color="white" if shares[i, j] > 0.5 else "black")
    if title:
        ax.set_title(title)
    return save_png(fig, path)


def write_classification_report(path: Path, metrics: Mapping, plots: Mapping[str, Path], title: str,
                                details: Mapping) -> Path:
    """Write one self-contained HTML file: accuracy and macro F1 beside the baselines (when ``metrics``
    has them), the plots (the confusion matrix), the per-class table, then the details.

    ``metrics`` is :func:`grukit.classify.evaluation.classification_metrics`' dict; ``plots`` maps a
    caption to a PNG file; ``details`` (nested dicts flattened to "a.b") go in a key-value table.
    All text is escaped. Returns ``path``.
    """
    images = {caption: png_data_uri(Path(file)) for caption, file in plots.items()}
    part = escape(metrics.get("part", "test"))
    sections = [
        f"<h1>{escape(title)}</h1>",
        f"<p>Scored on the {part} part: {metrics['n']} sequences, {metrics['correct']} classified correctly.</p>",
        '<table class="metrics"><tbody>',
        f'<tr class="model"><th scope="row">accuracy</th><td>{metrics["accuracy"]:.4f}</td></tr>',
        f'<tr><th scope="row">macro F1</th><td>{metrics["macro_f1"]:.4f}</td></tr>',
        *(f'<tr><th scope="row">accuracy of {escape(name)} (baseline)</th><td>{value:.4f}</td></tr>'
          for name, value in metrics.get("baselines", {}).items()),
        "</tbody></table>",
    ]
    sections += figures(images)  # the confusion matrix first: what a person looks at before the details
    sections += ["<h2>Per class</h2>", _per_class_table(metrics["per_class"])]
    return write_page(path, title, sections, details)


def _per_class_table(per_class: Mapping) -> str:
    head = "".join(f"<th>{name}</th>" for name in ("precision", "recall", "F1", "support"))
    rows = "\n".join(
        f'<tr><th scope="row">{escape(name)}</th><td>{row["precision"]:.4f}</td><td>{row["recall"]:.4f}</td>'
        f'<td>{row["f1"]:.4f}</td><td>{row["support"]}</td></tr>'
        for name, row in per_class.items())
    return f'<table class="metrics"><thead><tr><th>class</th>{head}</tr></thead><tbody>\n{rows}\n</tbody></table>'
