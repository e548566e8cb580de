"""Each package's public names: ``__all__`` lists names that exist and are public, and no module reaches into
another package's private modules or names (``grukit.<package>._x``, ``from grukit.<package> import _x``)."""

from __future__ import annotations

import ast
import importlib

import pytest

from helpers.paths import ROOT

SRC = ROOT / "src" / "grukit"
PACKAGES = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").is_file())


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_lists_its_public_names(package):
    module = importlib.import_module(f"grukit.{package}")
    names = getattr(module, "__all__", None)
    assert isinstance(names, list) and names, f"grukit.{package} has no __all__"
    assert [n for n in names if n.startswith("_")] == [], f"grukit.{package}.__all__ lists private names"
    assert [n for n in names if not hasattr(module, n)] == [], f"grukit.{package}.__all__ lists missing names"
    assert len(set(names)) == len(names)


def _imports(path):
    """(module, names) of every ``from grukit... import ...`` in a file, also inside functions."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("grukit"):
            yield node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            yield from ((alias.name, []) for alias in node.names if alias.name.startswith("grukit"))


def test_no_module_uses_another_packages_private_parts():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        own = path.relative_to(SRC).parts[0]  # the package (or top-level module) the file belongs to
        for module, names in _imports(path):
            parts = module.split(".")
            if len(parts) < 2 or parts[1] == own.removesuffix(".py") or not (SRC / parts[1]).is_dir():
                continue  # its own package, or a top-level module of grukit (grukit._io: shared by all)
            private = [p for p in parts[2:] if p.startswith("_")] + [n for n in names if n.startswith("_")]
            if private:
                found.append(f"{path.relative_to(SRC)}: {module} {private}")
    assert found == []
