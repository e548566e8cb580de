"""The README's promises that are not code: the make targets it names exist, and the M3 line leads.

Its Python examples run in tests/test_docs.py, with those of docs/*.md.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def test_readme_make_targets_exist():
    named = set(re.findall(r"^make (\w+)", README.read_text(), flags=re.M))
    assert {"demo", "test"} <= named
    targets = set(re.findall(r"^([\w.-]+):", (ROOT / "Makefile").read_text(), flags=re.M))
    assert named <= targets, f"README names make targets the Makefile lacks: {sorted(named - targets)}"


def test_readme_opens_with_the_m3_result_that_benchmarks_records():
    top = README.read_text().split("\n## ", 1)[0]
    assert "**M3, all 3,003 series, defaults only**" in top
    headline = next(line for line in (ROOT / "BENCHMARKS.md").read_text().splitlines()
                    if line.startswith("| **grukit defaults"))  # the M3 table's row of the product's defaults
    smape, mase = re.findall(r"\*\*([\d.]+)\*\* / \*\*([\d.]+)\*\*", headline)[-1]  # the overall column
    assert f"sMAPE {smape}, MASE {mase}" in top
