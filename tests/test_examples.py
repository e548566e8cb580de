"""The example scripts run (the quick ones end to end, the long ones compile)."""

from __future__ import annotations

import os
import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("script,expected", [("sine.py", "GRU   one-step test MSE:"),
                                             ("air_passengers.py", "Test metrics (original scale, horizon 12)")])
def test_quick_examples_run(script, expected, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, str(EXAMPLES / script), "--epochs", "2"], capture_output=True,
                            text=True, cwd=tmp_path, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    assert list(tmp_path.iterdir()) == []  # examples write nothing unless asked


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_every_example_compiles_and_is_short(script, tmp_path):
    py_compile.compile(str(EXAMPLES / script), cfile=str(tmp_path / "x.pyc"), doraise=True)
    assert len((EXAMPLES / script).read_text().splitlines()) < 60
