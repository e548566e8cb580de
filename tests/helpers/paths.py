"""Where the tests' own files are, for test modules in any folder of tests/."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]  # tests/
ROOT = TESTS.parent  # the repository
FIXTURES = TESTS / "fixtures"  # small data files the tests read (fsdd/, nab_results/)
