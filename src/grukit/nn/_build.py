"""What a build of the fused kernel is made of, for both places that build it: ``setup.py`` at install time
(one library per ISA in ``_prebuilt/``) and :mod:`grukit.nn._kernel` at first use (the cache).

Standard library only: ``setup.py`` loads this file by its path, without importing grukit or torch.

A prebuilt library ``_prebuilt/fused_gru_<isa>.<suffix>`` has a record beside it,
``_prebuilt/fused_gru_<isa>.json``: the library's file name, the flags, and the SHA-256 of the
sources it was built from and of the library itself. The loader uses a prebuilt library only when
both digests still hold, so a library left behind by an older install (or a source edited since)
is never loaded; the kernel is then compiled at first use as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCE_DIR = Path(__file__).parent / "csrc"
PREBUILT_DIR = Path(__file__).parent / "_prebuilt"
SOURCES = ("fused_gru.c", "gru_vec.h", "gru_gemm.h", "gru_rows.h", "gru_forward.h", "gru_backward.h", "gru_lanes.h",
           "gru_entry.h", "mingru_kernel.h", "mingru_layer.h")
COMMON_FLAGS = ["-O3", "-std=gnu11", "-fPIC", "-shared", "-fno-math-errno"]  # every build's, besides the ISA's
COMPILE_TIMEOUT_S = 120


def sources_digest(source_dir: Path = SOURCE_DIR) -> str:
    """The SHA-256 of the kernel's sources, in the order of SOURCES."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((source_dir / name).read_bytes())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def find_compiler() -> str | None:
    """The C compiler: ``$CC``, else ``cc``, ``gcc`` or ``clang``, the first found; None when there is none."""
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def compile_command(compiler: str, flags: list[str], target: Path | str, source_dir: Path = SOURCE_DIR) -> list[str]:
    """The command that compiles the kernel's library into ``target``."""
    return [compiler, *flags, "-o", str(target), str(source_dir / "fused_gru.c"), "-lm"]


def compile_library(compiler: str, flags: list[str], target: Path, source_dir: Path = SOURCE_DIR) -> str | None:
    """Compile the kernel into a temporary file beside ``target``, then move it into place (atomic);
    an error text, or None when ``target`` is there."""
    fd, tmp = tempfile.mkstemp(prefix=target.stem, suffix=target.suffix, dir=target.parent)
    os.close(fd)
    command = compile_command(compiler, flags, tmp, source_dir)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
        if done.returncode != 0:
            return (done.stderr or done.stdout).strip()[-400:] or f"exit status {done.returncode}"
        os.replace(tmp, target)
        return None
    except (OSError, subprocess.SubprocessError) as err:
        return str(err)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def record_path(isa: str, folder: Path = PREBUILT_DIR) -> Path:
    return folder / f"fused_gru_{isa}.json"


def write_record(library: Path, isa: str, flags: list[str], source_dir: Path = SOURCE_DIR) -> None:
    """The record of a prebuilt library (see the module docstring), written beside it."""
    record = {"library": library.name, "isa": isa, "flags": flags, "sources": sources_digest(source_dir),
              "sha256": file_digest(library)}
    record_path(isa, library.parent).write_text(json.dumps(record, indent=1) + "\n")


def prebuilt_library(isa: str, folder: Path = PREBUILT_DIR) -> tuple[Path, list[str]] | None:
    """The library built at install time for ``isa`` and its flags, if there and made from these sources."""
    try:
        record = json.loads(record_path(isa, folder).read_text())
        library = folder / record["library"]
        if record["sources"] == sources_digest() and file_digest(library) == record["sha256"]:
            return library, list(record["flags"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None
