"""Helpers for tests that run the grukit command through ``grukit.cli.main``."""

from __future__ import annotations

from grukit.cli import main


def run(capsys, argv):
    """Run the CLI; returns (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(err: str) -> str:
    """The message of a one-line ``grukit: error: ...`` with no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("grukit: error: ")
    return lines[0][len("grukit: error: "):]
