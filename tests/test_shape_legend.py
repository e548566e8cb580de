"""One shape legend for the whole package: the module docstring of ``grukit.nn.functional``.

Every other module refers to it ("Shapes use the legend of :mod:`grukit.nn.functional`") instead of
defining its letters again, so that a letter cannot drift to another meaning in one file.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "grukit"
LEGEND_MODULE = PACKAGE / "nn" / "functional.py"

# A local legend: "Shape legend: ...", "Shapes (B batch, T time, ...)", three letter definitions in a
# row such as "(B batch, T rows, C targets, ..." or two such as "T = lookback, K = horizon".
_DEFINITION = r"[A-Z]\w?\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){0,3}"
LOCAL_LEGEND = [
    re.compile(r"shape legend", re.IGNORECASE),
    re.compile(r"\bShapes?\s*\(\s*[A-Z]\w?\s+[a-z]"),
    re.compile(rf"\b{_DEFINITION},\s+{_DEFINITION}(?:,\s+|,?\s+and\s+)[A-Z]\w?\s+[a-z]"),
    re.compile(r"\b[A-Z]\w? = [a-z]\w*,?\s+(?:and\s+)?[A-Z]\w? = [a-z]"),
]



def local_legends() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if path == LEGEND_MODULE:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(pattern.search(line) for pattern in LOCAL_LEGEND):
                found.append(f"{name}:{number}: {line.strip()}")
    return found


def test_the_legend_lives_in_nn_functional():
    assert "Shape legend" in LEGEND_MODULE.read_text(encoding="utf-8")


def test_no_module_defines_its_own_shape_legend():
    offenders = local_legends()
    assert not offenders, (
        "these lines define shape letters locally; use the legend of grukit.nn.functional instead "
        "(write 'Shapes use the legend of :mod:`grukit.nn.functional`.'):\n" + "\n".join(offenders)
    )
