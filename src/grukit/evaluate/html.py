"""The pieces of grukit's self-contained HTML reports: the page frame and its CSS, escaping, a
details table and PNG plots embedded as data URIs (no external resource, no network).

The forecast, classification and detection reports are built from these.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from pathlib import Path

from grukit._io import atomic_write

__all__ = ["CSS", "details_table", "escape", "figures", "page", "png_data_uri", "write_page"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def escape(value: object) -> str:
    """``value`` as text safe inside HTML (quotes escaped too)."""
    return html.escape(str(value), quote=True)


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 60rem;
       padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.25rem 0.7rem; border-bottom: 1px solid #eee; }
table.metrics td, table.sortable td[data-value] { text-align: right; }
table.sortable th { cursor: pointer; }
table.metrics th[scope=row], table.details th { text-align: left; font-weight: normal; color: #555; }
tr.model { background: #eef4fb; }
tr.model th[scope=row] { font-weight: bold; color: #222; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9rem; }
"""


def page(title: str, body: str) -> str:
    """A whole HTML document: ``title`` (escaped) and ``body`` (HTML) in the reports' style."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def write_page(path: str | Path, title: str, sections: list[str], details: Mapping | None = None) -> Path:
    """Write a report: ``sections`` (HTML), then a "Details" table of ``details`` when there are any.

    One self-contained page, written atomically (a temporary file renamed into place, never half
    written). Returns the path.
    """
    if details:
        sections = [*sections, "<h2>Details</h2>", details_table(details)]
    document = page(title, "\n".join(sections))
    path = Path(path)
    atomic_write(path, lambda tmp: Path(tmp).write_bytes(document.encode("utf-8")))
    return path


def figures(images: Mapping[str, str]) -> list[str]:
    """The "Plots" section: its heading and one figure per caption -> image URI (:func:`png_data_uri`)."""
    if not images:
        return []
    return ["<h2>Plots</h2>", *(f'<figure><img alt="{escape(caption)}" src="{uri}"><figcaption>{escape(caption)}'
                                 f"</figcaption></figure>" for caption, uri in images.items())]


def details_table(facts: Mapping) -> str:
    """A two-column table of ``facts``; nested dicts become "outer.inner" rows."""
    rows = "\n".join(f"<tr><th>{escape(key)}</th><td>{escape(value)}</td></tr>" for key, value in _flatten(facts))
    return f'<table class="details"><tbody>\n{rows}\n</tbody></table>'


def _flatten(facts: Mapping, prefix: str = "") -> list[tuple[str, object]]:
    """Nested dicts as ("outer.inner", value) pairs, in insertion order."""
    pairs = []
    for key, value in facts.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            pairs.extend(_flatten(value, f"{name}."))
        else:
            pairs.append((name, value))
    return pairs


def png_data_uri(file: Path) -> str:
    """The PNG ``file`` as a data URI for an <img> (FileNotFoundError / ValueError say what is wrong)."""
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"write_report: the plot {str(file)!r} does not exist; write it first "
                                f"(plot_forecast, plot_loss) or leave it out of plots.") from None
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(f"write_report: the plot {str(file)!r} is not a PNG file; only PNG images can be embedded.")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
