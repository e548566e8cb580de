"""The model against the baselines: a plain-text table and one self-contained HTML report.

The ``metrics`` dict both functions read has the shape::

    {"horizon": K, "split": {...},
     "model": {"mae": ..., "rmse": ..., "mse": ..., "mape": ..., "smape": ..., "mase": ...},
     "baselines": {"naive": {...}, "seasonal_naive": {...}, "drift": {...}, "mean": {...}},
     "scaled": {"model": {...}, "baselines": {...}}}          # "scaled" is optional

Numbers are shown with 4 significant digits; NaN (e.g. MAPE when every actual is 0) shows as "n/a".
Lower is better in every column.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from grukit.evaluate.html import escape, figures, png_data_uri, write_page
from grukit.evaluate.plots import plot_forecast, plot_loss

__all__ = ["format_metrics_table", "interval_line", "write_report", "plot_forecast", "plot_loss"]

# (key in the metrics dicts, column header)
COLUMNS = (("mae", "MAE"), ("rmse", "RMSE"), ("mse", "MSE"), ("mape", "MAPE %"), ("smape", "sMAPE %"), ("mase", "MASE"))
NUMBER_WIDTH = 9
VERDICT_HEADER = "beats on MAE"


def format_metrics_table(metrics: Mapping) -> str:
    """The model and each baseline as a fixed-width text table, for the end of a training run.

    The last column says, for each baseline row, whether the model's MAE is lower ("yes"), higher
    ("no") or equal ("tie"); a final line counts the baselines the model beats.

    Example:
        >>> row = {"mae": 1.0, "rmse": 2.0, "mse": 4.0, "mape": 10.0, "smape": 9.5, "mase": 0.8}
        >>> print(format_metrics_table({"model": row, "baselines": {"naive": dict(row, mae=2.0)}}))
        Test metrics (original scale)
                    MAE      RMSE       MSE    MAPE %   sMAPE %      MASE  beats on MAE
        model         1         2         4        10       9.5       0.8
        naive         2         2         4        10       9.5       0.8  yes
        The model beats 1 of 1 baselines on MAE.
    """
    rows = _rows(metrics, "metrics")
    name_width = max(len(name) for name, _ in rows)
    horizon = f", horizon {metrics['horizon']}" if "horizon" in metrics else ""
    lines = [f"Test metrics (original scale{horizon})"]
    header = " " * name_width + "".join(f" {title:>{NUMBER_WIDTH}}" for _, title in COLUMNS)
    lines.append(f"{header}  {VERDICT_HEADER}")
    model_mae = rows[0][1]["mae"]
    wins = 0
    for i, (name, values) in enumerate(rows):
        cells = "".join(f" {format_number(values[key]):>{NUMBER_WIDTH}}" for key, _ in COLUMNS)
        verdict = "" if i == 0 else _verdict(model_mae, values["mae"])
        wins += verdict == "yes"
        lines.append(f"{name:<{name_width}}{cells}  {verdict}".rstrip())
    if len(rows) > 1:
        lines.append(f"The model beats {wins} of {len(rows) - 1} baselines on MAE.")
    if "intervals" in metrics:
        lines.append(interval_line(metrics["intervals"]))
    return "\n".join(lines)


def interval_line(intervals: Mapping) -> str:
    """One sentence on interval coverage against its nominal level.

    Example:
        >>> interval_line({"lower_quantile": 0.1, "upper_quantile": 0.9, "nominal": 0.8, "coverage": 0.74})
        'Interval q0.1-q0.9: 74% of the actual values inside it (nominal 80%).'
    """
    return (f"Interval q{intervals['lower_quantile']:g}-q{intervals['upper_quantile']:g}: "
            f"{intervals['coverage']:.0%} of the actual values inside it (nominal {intervals['nominal']:.0%}).")


def write_report(
    path: Path,
    metrics: Mapping,
    plots: Mapping[str, Path],
    title: str,
    details: Mapping,
    tables: Mapping | None = None,
    unscored: str = "Not scored.",
) -> Path:
    """Write one self-contained HTML file: title, metrics tables, the plots, then the details.

    The PNGs in ``plots`` (caption -> file) are embedded as base64 data URIs and the CSS is
    inline, so the file opens anywhere on its own: no external resource. ``tables`` (caption ->
    pandas DataFrame) are shown after the metrics, in the order given; clicking a column header
    sorts them (a few lines of inline script, only when there is such a table). With empty
    ``metrics`` the accuracy tables are left out and ``unscored`` says why.
    Sections: the model and each baseline (best value per column in bold), the same in the scaled
    space when ``metrics["scaled"]`` exists, ``details`` (nested dicts flattened to "a.b" keys, plus
    ``metrics["split"]`` when details has no "split") as a key-value table after the plots.
    All text is escaped. Returns ``path``.
    """
    images = {caption: png_data_uri(Path(file)) for caption, file in plots.items()}
    sections = [f"<h1>{escape(title)}</h1>"]
    if metrics:
        sections.append(_intro(metrics))
        sections.append("<h2>Forecast accuracy (original scale)</h2>")
        sections.append(_html_table(_rows(metrics, "metrics")))
    else:
        sections.append(f"<p>{escape(unscored)}</p>")
    if "intervals" in metrics:
        sections.append(f"<p>{escape(interval_line(metrics['intervals']))}</p>")
    if "scaled" in metrics:
        sections.append("<h2>Forecast accuracy (scaled, as the model was trained)</h2>")
        sections.append(_html_table(_rows(metrics["scaled"], 'metrics["scaled"]')))
    for caption, frame in (tables or {}).items():
        sections.append(f"<h2>{escape(caption)}</h2>")
        sections.append(_sortable_table(frame))
    if tables:
        sections.append(SORT_SCRIPT)
    sections += figures(images)
    facts = dict(details or {})
    if "split" in metrics and "split" not in facts:
        facts["split"] = metrics["split"]
    return write_page(path, title, sections, facts)


def format_number(value: object) -> str:
    """4 significant digits; "n/a" for None or NaN."""
    number = _as_float(value)
    return "n/a" if math.isnan(number) else f"{number:.4g}"


def _rows(block: Mapping, where: str) -> list[tuple[str, Mapping]]:
    """[("model", {...}), (baseline, {...}), ...], checking that every row has every metric."""
    if not isinstance(block, Mapping) or not isinstance(block.get("model"), Mapping):
        raise ValueError(f'{where} must hold a "model" dict of metrics (as evaluate_all returns); '
                         f"got keys {sorted(block) if isinstance(block, Mapping) else type(block).__name__}.")
    rows = [("model", block["model"])] + list(dict(block.get("baselines") or {}).items())
    expected = [key for key, _ in COLUMNS]
    for name, values in rows:
        missing = [key for key in expected if key not in values]
        if missing:
            raise ValueError(f"{where}: the row {name!r} lacks {', '.join(missing)}; every row needs "
                             f"{', '.join(expected)} (as evaluate_all returns).")
    return rows


def _verdict(model_mae: object, baseline_mae: object) -> str:
    model, baseline = _as_float(model_mae), _as_float(baseline_mae)
    if math.isnan(model) or math.isnan(baseline):
        return "n/a"
    return "yes" if model < baseline else "tie" if model == baseline else "no"


def _as_float(value: object) -> float:
    return math.nan if value is None else float(value)


def _best(rows: list[tuple[str, Mapping]], key: str) -> float:
    """The lowest non-NaN value in a column (NaN when there is none)."""
    values = [v for v in (_as_float(row[key]) for _, row in rows) if not math.isnan(v)]
    return min(values) if values else math.nan


def _html_table(rows: list[tuple[str, Mapping]]) -> str:
    best = {key: _best(rows, key) for key, _ in COLUMNS}
    head = "".join(f"<th>{escape(title)}</th>" for _, title in COLUMNS)
    body = []
    for i, (name, values) in enumerate(rows):
        cells = []
        for key, _ in COLUMNS:
            text = escape(format_number(values[key]))
            is_best = _as_float(values[key]) == best[key]  # NaN never equals, so it is never bold
            cells.append(f"<td><strong>{text}</strong></td>" if is_best else f"<td>{text}</td>")
        css = ' class="model"' if i == 0 else ""
        body.append(f'<tr{css}><th scope="row">{escape(name)}</th>{"".join(cells)}</tr>')
    rows_html = "\n".join(body)
    return f'<table class="metrics"><thead><tr><th></th>{head}</tr></thead><tbody>\n{rows_html}\n</tbody></table>'


def _sortable_table(frame) -> str:
    """A DataFrame as an HTML table whose columns sort on a click (numbers as numbers)."""
    head = "".join(f"<th>{escape(name)}</th>" for name in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<td data-value="{_as_float(value)}">{escape(format_number(value))}</td>')
            else:
                cells.append(f"<td>{escape(value)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    rows_html = "\n".join(body)
    return f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>\n{rows_html}\n</tbody></table>'


# Click a header to sort by that column (again to reverse); cells with data-value sort as numbers.
SORT_SCRIPT = """<script>
document.querySelectorAll("table.sortable th").forEach(function (th, column) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], down = th.dataset.down !== "1";
    var key = function (row) { var c = row.cells[column]; return c.dataset.value !== undefined ? parseFloat(c.dataset.value) : c.textContent; };
    Array.from(body.rows).sort(function (a, b) { var x = key(a), y = key(b); return (x > y ? 1 : x < y ? -1 : 0) * (down ? -1 : 1); })
      .forEach(function (row) { body.appendChild(row); });
    th.dataset.down = down ? "1" : "0";
  });
});
</script>"""






def _intro(metrics: Mapping) -> str:
    horizon = f"Forecast horizon: {escape(metrics['horizon'])} steps. " if "horizon" in metrics else ""
    if "windows" in metrics:  # cross-validation: forecasts from the rows before each cutoff, a model per cutoff set
        horizon += (f"Scored by cross-validation over {escape(metrics['windows'])} forecast windows (each series' "
                    f"last horizon, and earlier ones), models trained on the rows before each cutoff. ")
    return f"<p>{horizon}Lower is better in every column; the best value of each column is in bold.</p>"








