"""The kernel's first build is made under a file lock: processes that start together compile once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from grukit.nn import _kernel

pytestmark = pytest.mark.skipif(_kernel.fcntl is None, reason="no fcntl here (Windows): builds are not locked")

# Each process waits until all have started (a file each in `ready`), so the loads begin together.
LOAD_TOGETHER = """
import sys, time
from pathlib import Path
from grukit.nn import _kernel
ready, count = Path(sys.argv[1]), int(sys.argv[2])
(ready / sys.argv[3]).touch()
deadline = time.monotonic() + 120
while len(list(ready.iterdir())) < count and time.monotonic() < deadline:
    time.sleep(0.01)
kernel = _kernel.load()
print(kernel.path if kernel else _kernel.unavailable_reason())
"""


def _counting_compiler(folder: Path, real: str) -> tuple[Path, Path]:
    """A compiler that appends a line to a log for every compile (not for --version), then runs ``real``."""
    log, script = folder / "compiles.log", folder / "cc"
    script.write_text(f'#!/bin/sh\ncase "$1" in --version) ;; *) echo "$$" >> "{log}" ;; esac\nexec "{real}" "$@"\n')
    script.chmod(0o755)
    return script, log


def _fake_build(library: Path) -> None:
    """What a finished build leaves: the library and its digest."""
    library.write_bytes(b"\x7fELF built elsewhere")
    _kernel._digest_file(library).write_text(_kernel._library_digest(library) + "\n")


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "kernels"
    folder.mkdir(mode=0o755)
    return folder / "fused_gru_native_test.so"


def test_processes_starting_together_compile_once(tmp_path):
    real = _kernel._find_compiler()
    if real is None or not shutil.which("sh"):
        pytest.skip("no C compiler (or no sh) was found")
    compiler, log = _counting_compiler(tmp_path, real)
    ready, cache = tmp_path / "ready", tmp_path / "cache"
    ready.mkdir()
    env = {**os.environ, "CC": str(compiler), "GRUKIT_CACHE_DIR": str(cache), "GRUKIT_PREBUILT": "0"}
    for name in ("GRUKIT_FUSED", "GRUKIT_ISA"):
        env.pop(name, None)
    processes = [subprocess.Popen([sys.executable, "-c", LOAD_TOGETHER, str(ready), "2", str(i)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outputs = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err[-2000:] for _, err in outputs]
    paths = {out.strip() for out, _ in outputs}
    assert len(paths) == 1 and Path(paths.pop()).is_file(), outputs  # both loaded the one build
    assert len(log.read_text().splitlines()) == 1  # ... which was compiled once
    assert not list(cache.glob("*.lock"))  # the holder removed its lock file


def test_a_build_made_while_waiting_for_the_lock_is_not_made_again(library, monkeypatch):
    compiles = []
    monkeypatch.setattr(_kernel, "_compile", lambda compiler, flags, target: compiles.append(target) or None)
    errors = []
    with _kernel._build_lock(library):  # another process is building
        waiter = threading.Thread(target=lambda: errors.append(_kernel._ensure_built("cc", ["-O3"], library)))
        waiter.start()
        waiter.join(0.3)
        assert waiter.is_alive()  # it waits for the lock
        _fake_build(library)
    waiter.join(10)
    assert errors == [None] and compiles == []  # it found the build when it got the lock
    assert not _kernel._lock_file(library).exists()


def test_a_changed_library_is_rebuilt_under_the_lock(library, monkeypatch):
    _fake_build(library)
    library.write_bytes(b"\x7fELF changed since")
    held = []

    def compile_(compiler, flags, target):
        held.append(_kernel._lock_file(target).exists())
        _fake_build(target)

    monkeypatch.setattr(_kernel, "_compile", compile_)
    assert _kernel._ensure_built("cc", ["-O3"], library) is None
    assert held == [True] and _kernel._built(library)
    assert not _kernel._lock_file(library).exists()


def test_a_lock_held_too_long_is_given_up_and_left_to_its_holder(library):
    with _kernel._build_lock(library):
        with _kernel._build_lock(library, timeout_s=0.2):  # builds unlocked rather than wait forever
            pass
        assert _kernel._lock_file(library).exists()  # still the first holder's


def test_without_fcntl_the_build_goes_ahead_unlocked(library, monkeypatch):
    monkeypatch.setattr(_kernel, "fcntl", None)
    monkeypatch.setattr(_kernel, "_compile", lambda compiler, flags, target: _fake_build(target))
    assert _kernel._ensure_built("cc", ["-O3"], library) is None
    assert sorted(p.name for p in library.parent.iterdir()) == [library.name, library.name + ".sha256"]
