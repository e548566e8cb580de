"""The kernel cache is trusted only when it is the user's own, unwritable by others, and unchanged since built."""

from __future__ import annotations

import os

import pytest

from grukit.nn import _build, _kernel


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "kernels"
    folder.mkdir(mode=0o755)
    path = folder / "fused_gru_test.so"
    path.write_bytes(b"\x7fELF built bytes")
    path.chmod(0o644)
    _kernel._digest_file(path).write_text(_kernel._library_digest(path) + "\n")
    return path


def test_a_library_built_here_is_trusted_and_matches_its_digest(library):
    assert _kernel._untrusted(library) is None
    assert _kernel._recorded_digest(library) == _kernel._library_digest(library)


def test_a_changed_library_no_longer_matches_its_digest(library):
    library.write_bytes(b"\x7fELF other bytes")
    assert _kernel._recorded_digest(library) != _kernel._library_digest(library)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")
@pytest.mark.parametrize("which", ["file", "folder"])
def test_a_cache_writable_by_others_is_not_loaded(library, which):
    item = library if which == "file" else library.parent
    item.chmod(0o666 if which == "file" else 0o777)
    assert _kernel._untrusted(library) == (
        f"the cached kernel {item} is writable by other users, so it is not loaded (chmod go-w it, or set "
        f"GRUKIT_CACHE_DIR)")


def test_the_kernel_in_use_was_checked(monkeypatch):
    """A compiled library sits in a cache only this user may write, with its digest; one built at install
    time has its record's digests (of the sources and of itself)."""
    kernel = _kernel.load()
    if kernel is None:
        pytest.skip(f"no kernel here: {_kernel.unavailable_reason()}")
    if kernel.path.parent == _build.PREBUILT_DIR:
        assert _build.prebuilt_library(kernel.isa) == (kernel.path, kernel.flags)
        return
    assert _kernel._untrusted(kernel.path) is None
    assert _kernel._recorded_digest(kernel.path) == _kernel._library_digest(kernel.path)
