"""The documentation runs and links as written: README.md and docs/*.md.

Each file's code blocks fenced as ``python`` run from top to bottom in one namespace of their own
(blocks fenced as ``py`` are shown, not run). Every relative link points to a file that exists,
and a link with an anchor into a markdown file to one of its headings.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```|~~~)", re.M)
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _check_readme(namespace: dict) -> None:
    assert namespace["output"].shape == (16, 50, 32)
    assert list(namespace["forecast"].columns) == ["series", "Date", "Passengers"]
    assert len(namespace["forecast"]) == 12


def _check_gru(namespace: dict) -> None:
    assert namespace["output"].shape == (4, 1024, 64)   # the MinGRU example, the file's last output


# What a file's examples must have computed, beyond running without an error.
EXPECTED = {"README.md": _check_readme, "docs/gru.md": _check_gru}


def _without_code(text: str) -> str:
    """The text outside fenced blocks and inline code spans."""
    prose, inside = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            prose.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(prose)


def github_anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation other than '-' and '_' dropped, spaces to '-'."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a markdown file's headings, with GitHub's -1, -2, ... for repeats."""
    seen: dict[str, int] = {}
    found = set()
    inside = False
    for line in path.read_text().splitlines():
        if FENCE.match(line):
            inside = not inside
            continue
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if inside or not match:
            continue
        anchor = github_anchor(match.group(1))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(anchor if count == 0 else f"{anchor}-{count}")
    return found


@pytest.mark.parametrize("path", DOCS, ids=_name)
def test_python_blocks_run(path):
    blocks = PYTHON_BLOCK.findall(path.read_text())
    if _name(path) in EXPECTED:
        assert blocks, f"{_name(path)} lost its python examples"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(path), "exec"), namespace)
    if _name(path) in EXPECTED:
        EXPECTED[_name(path)](namespace)


def relative_links(path: Path) -> list[str]:
    return [target for target in LINK.findall(_without_code(path.read_text()))
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I)]   # http:, https:, mailto:, ...


@pytest.mark.parametrize("path", DOCS, ids=_name)
def test_relative_links_resolve(path):
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: no file {linked.relative_to(ROOT) if linked.is_relative_to(ROOT) else linked}")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading with the anchor #{anchor} in {_name(linked)}")
    assert not broken, f"{_name(path)}: broken links:\n" + "\n".join(broken)


def test_docs_are_all_linked_from_the_readme():
    linked = {(ROOT / unquote(t.partition("#")[0])).resolve() for t in relative_links(ROOT / "README.md")}
    missing = [_name(p) for p in DOCS[1:] if p.resolve() not in linked]
    assert not missing, f"README.md does not link {missing}"


def test_github_anchor_rules():
    assert github_anchor("Fused CPU GRU kernel against torch.nn.GRU") == "fused-cpu-gru-kernel-against-torchnngru"
    assert github_anchor("Crash safety: kill -9 during training, then --resume") == \
        "crash-safety-kill--9-during-training-then---resume"
    assert github_anchor("Character language model: tiny-shakespeare (`grukit lm`)") == \
        "character-language-model-tiny-shakespeare-grukit-lm"
    assert github_anchor("M3 (3,003 series)") == "m3-3003-series"
