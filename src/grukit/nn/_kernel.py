"""The fused GRU's C kernel: built at install time, or compiled at first use and cached; loaded with ctypes.

An install builds one library per instruction set the platform may run (``setup.py``; on x86-64
avx512, avx2 and portable, elsewhere portable) into ``_prebuilt/``, and :func:`load` takes the
widest one this CPU runs (or the one ``GRUKIT_ISA`` names), with nothing to compile
(:mod:`grukit.nn._build` says when such a library is trusted). ``GRUKIT_PREBUILT=0`` skips them.

Without a prebuilt library (a source install without a compiler at build time, an edited source,
``GRUKIT_PREBUILT=0``), the sources in ``csrc/`` are compiled once per machine with the C compiler found in ``$CC``,
``cc`` or ``gcc`` (``-O3 -march=native -fopenmp``, then plainer flags if those fail; the
``-march`` follows ``GRUKIT_ISA``, below) into ``$GRUKIT_CACHE_DIR``, else
``$XDG_CACHE_HOME/grukit/kernels``, else ``~/.cache/grukit/kernels``. A cached library is loaded
only when the folder and the file belong to the user and nobody else may write them, and when
its bytes match the SHA-256 written beside it at build time (``.sha256``; a changed file is
rebuilt). The file name holds the ISA and a hash of the sources, the ISA and flags, the
compiler's version and the CPU, so a changed source or a new machine builds anew, and an
unchanged one loads in milliseconds.

Without a working compiler :func:`load` returns None and :func:`unavailable_reason` says why;
``GRUKIT_FUSED=0`` turns the kernel off on purpose.

``GRUKIT_ISA`` (native, the default, avx512, avx2 or portable; any case) chooses the instruction
set the kernel is built for and runs (:mod:`grukit.nn._isa`). An ISA this CPU cannot run, or an
unknown value, leaves the kernel unavailable, and :func:`unavailable_reason` says which value was
wrong and what to set instead. The ISA is part of the library's file name and build key, and
:meth:`Kernel.describe` names the one that runs, e.g. "ISA avx2 (256-bit vectors)".

Processes that start together (``torchrun --nproc-per-node 4``) compile once: the check of the
cache, the build and its digest happen under an exclusive ``fcntl.flock`` on ``NAME.lock`` in
the cache folder (one per build key, removed by its holder when done), and a process that
waited for the lock loads what the first one built. Without ``fcntl`` (Windows) builds are not
locked; the atomic rename still keeps a half-written library from ever being loaded.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grukit.nn._build import find_compiler as _find_compiler  # a module global: tests replace it
from grukit.nn._build import (
    COMMON_FLAGS,
    COMPILE_TIMEOUT_S,
    SOURCE_DIR,
    SOURCES,
    compile_library,
    file_digest,
    prebuilt_library,
    sources_digest,
)
from grukit.nn._isa import (
    MARCH,
    cpu_flags,
    cpu_identity,
    flag_sets,
    isa_in_use,
    isa_problem,
    prebuilt_isas,
    requested_isa,
)

try:
    import fcntl
except ImportError:  # Windows: builds are not locked
    fcntl = None

LOCK_TIMEOUT_S = 2 * COMPILE_TIMEOUT_S + 30  # longer than any one build; then build without the lock


class GruArgs(ctypes.Structure):
    """Mirror of ``gru_args`` in csrc/fused_gru.c (same field order and types)."""

    _fields_ = [(name, ctypes.c_int64) for name in (
        "T", "B", "I", "H", "D", "reset_after", "threads", "x_stride_t", "x_stride_b", "d_out_stride_t",
        "d_out_stride_b")] + [
        ("zoneout_p", ctypes.c_double)] + [(name, ctypes.c_void_p) for name in (
            "x", "h0", "weight_ih", "weight_hh", "bias_ih", "bias_hh", "ln_gain_ih", "ln_gain_hh", "rec_mask",
            "lengths", "zoneout_keep", "out", "h_n", "gates", "gh_n", "xhat_ih", "rstd_ih", "xhat_hh", "rstd_hh",
            "d_out", "d_h_n", "d_x", "d_h0", "d_weight_ih", "d_weight_hh", "d_bias_ih", "d_bias_hh",
            "d_ln_gain_ih", "d_ln_gain_hh")] + [
        ("x_lanes", ctypes.c_int64), ("out_lanes", ctypes.c_int64)]


class MinGruArgs(ctypes.Structure):
    """Mirror of ``mingru_args`` in csrc/mingru_kernel.h (same field order and types)."""

    _fields_ = [(name, ctypes.c_int64) for name in (
        "T", "B", "I", "H", "threads", "block_steps", "x_stride_t", "x_stride_b", "d_out_stride_t",
        "d_out_stride_b")] + [(name, ctypes.c_void_p) for name in (
            "x", "h0", "weight", "bias", "out", "saved", "d_out", "d_h_n", "d_x", "d_h0", "d_weight", "d_bias")]


class LayoutMismatch(Exception):
    """A ctypes mirror disagrees with the compiled struct it mirrors."""


def check_layout(library: ctypes.CDLL, prefix: str, structure: type[ctypes.Structure]) -> None:
    """Compare ``structure`` with the library's own account of the struct: ``{prefix}_fields`` names
    its fields, ``{prefix}_layout`` gives sizeof and each field's offset and size; raise
    LayoutMismatch naming the first difference (a field missing, added, moved or of another type)."""
    names_fn, layout_fn = getattr(library, f"{prefix}_fields"), getattr(library, f"{prefix}_layout")
    names_fn.argtypes, names_fn.restype = [], ctypes.c_char_p
    layout_fn.argtypes, layout_fn.restype = [ctypes.POINTER(ctypes.c_int64), ctypes.c_int64], ctypes.c_int64
    compiled_names = names_fn().decode("ascii").split()
    buffer = (ctypes.c_int64 * (2 * len(compiled_names) + 1))()
    size, *pairs = buffer[: layout_fn(buffer, len(buffer))]  # sizeof, then (offset, size) per field
    mirrored_names = [name for name, _ in structure._fields_]
    if mirrored_names != compiled_names:
        first = next(i for i, pair in enumerate(zip([*mirrored_names, None], [*compiled_names, None]))
                     if pair[0] != pair[1])
        raise LayoutMismatch(f"{structure.__name__} lists {mirrored_names[first:first + 1] or 'no field'} where the "
                             f"compiled struct has {compiled_names[first:first + 1] or 'no field'} (field {first})")
    fields = zip(compiled_names, pairs[0::2], pairs[1::2])
    moved = [name for name, offset, width in fields
             if (getattr(structure, name).offset, getattr(structure, name).size) != (offset, width)]
    if moved or ctypes.sizeof(structure) != size:
        raise LayoutMismatch(f"{structure.__name__}'s field {moved[0]!r} has another offset or size" if moved else
                             f"{structure.__name__} is {ctypes.sizeof(structure)} bytes, the compiled struct {size}")


class Kernel:
    """The loaded library: ``run("forward" | "backward", dtype, args)`` and ``lanes(dtype, args)``.

    ``isa`` names the instruction set that runs (see the module doc), ``vector_bits`` its width.
    """

    def __init__(self, library: ctypes.CDLL, path: Path, flags: list[str], requested_isa: str = "native") -> None:
        self.path, self.flags, self.requested_isa = path, flags, requested_isa
        self.library = library  # other entry points (grukit.nn._mingru_kernel) bind their own functions
        check_layout(library, "gru_args", GruArgs)  # the hand-written mirrors are checked, not trusted
        check_layout(library, "mingru_args", MinGruArgs)
        self._entry = {}
        for suffix in ("f32", "f64"):
            for kind in ("forward", "backward"):
                fn = getattr(library, f"gru_{kind}_{suffix}")
                fn.argtypes, fn.restype = [ctypes.POINTER(GruArgs)], ctypes.c_int
                self._entry[kind, suffix] = fn
        for suffix in ("f32", "f64"):
            fn = getattr(library, f"gru_lanes_{suffix}")
            fn.argtypes, fn.restype = [ctypes.POINTER(GruArgs)], ctypes.c_int
            self._entry["lanes", suffix] = fn
        self.vector_bits = 8 * library.gru_kernel_vector_bytes()  # VBYTES in csrc/fused_gru.c
        self.openmp = bool(library.gru_kernel_has_openmp())
        self.isa = isa_in_use(requested_isa, flags, self.vector_bits, platform.machine(), cpu_flags())

    def run(self, kind: str, suffix: str, args: GruArgs) -> None:
        if self._entry[kind, suffix](ctypes.byref(args)) != 0:
            raise MemoryError(f"GRU fused kernel: the {kind} pass could not allocate its work buffers.")

    def lanes(self, suffix: str, args: GruArgs) -> int:
        """The block of batch rows when the layer runs with the batch in the vector lanes
        (csrc/gru_lanes.h), whose saved values are (D, T, ceil(B / block), H, 4, block); else 0."""
        return int(self._entry["lanes", suffix](ctypes.byref(args)))

    def describe(self) -> str:
        """One line: the ISA and vector width that run, the threads and the library's path."""
        threads = "OpenMP threads" if self.openmp else "one thread (no OpenMP)"
        native = ", -march=native" if MARCH["native"] in self.flags else ""
        return f"C kernel, ISA {self.isa} ({self.vector_bits}-bit vectors{native}), {threads}; {self.path}"


_state: dict = {}  # "kernel": Kernel | None, "reason": str | None


def load() -> Kernel | None:
    """The kernel, compiled on the first call of the process if not cached; None if impossible."""
    if "kernel" not in _state:
        _state["kernel"], _state["reason"] = _build_and_load()
    return _state["kernel"]


def unavailable_reason() -> str | None:
    """Why :func:`load` returns None (None when the kernel is available)."""
    load()
    return _state["reason"]


def cache_dir() -> Path:
    if os.environ.get("GRUKIT_CACHE_DIR"):
        return Path(os.environ["GRUKIT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "grukit" / "kernels"


def _build_and_load() -> tuple[Kernel | None, str | None]:
    if _switched_off("GRUKIT_FUSED"):
        return None, "switched off by the environment variable GRUKIT_FUSED=0"
    isa = requested_isa()
    problem = isa_problem(isa, platform.machine(), cpu_flags())
    if problem:
        return None, problem
    isa = isa.lower()
    if not all((SOURCE_DIR / name).is_file() for name in SOURCES):
        return None, f"its C sources are missing from {SOURCE_DIR} (an installation without package data)"
    prebuilt = _load_prebuilt(isa)
    if prebuilt is not None:
        return prebuilt, None
    compiler = _find_compiler()
    if compiler is None:
        return None, "no C compiler was found (set CC, or install gcc or clang)"
    identity = _compiler_identity(compiler)
    errors = []
    for extra in flag_sets(isa):
        flags = COMMON_FLAGS + extra
        path = cache_dir() / f"fused_gru_{isa}_{_build_key(identity, flags, isa)}{_library_suffix()}"
        error = _ensure_built(compiler, flags, path)
        if error:
            errors.append(f"{' '.join(extra)}: {error}")
            continue
        untrusted = _untrusted(path)
        if untrusted:
            return None, untrusted
        try:
            return Kernel(ctypes.CDLL(str(path)), path, flags, isa), None
        except (OSError, AttributeError) as err:
            errors.append(f"{' '.join(extra)}: loading {path.name} failed: {err}")
        except LayoutMismatch as err:
            return None, f"its argument layout is out of date: {err}; update the mirror in grukit/nn/_kernel.py"
    return None, f"compiling it with {compiler} failed ({'; '.join(errors)[-600:]})"


def _switched_off(variable: str) -> bool:
    """Whether the environment variable is set to 0, false, no or off (any case)."""
    return os.environ.get(variable, "1").strip().lower() in ("0", "false", "no", "off")


def _load_prebuilt(isa: str) -> Kernel | None:
    """The library built at install time for ``isa`` ("native": the widest ISA this CPU runs), loaded;
    None when there is none (or it is stale, or GRUKIT_PREBUILT=0), and the kernel is compiled instead."""
    if _switched_off("GRUKIT_PREBUILT"):
        return None
    machine, flags = platform.machine(), cpu_flags()
    for name in [isa] if isa != "native" else prebuilt_isas(machine):
        found = prebuilt_library(name)
        if found is None or isa_problem(name, machine, flags):
            continue
        try:
            return Kernel(ctypes.CDLL(str(found[0])), found[0], found[1], name)
        except (OSError, AttributeError, LayoutMismatch):
            continue
    return None


def _built(library: Path) -> bool:
    """Whether ``library`` is there with the digest recorded when it was built."""
    return library.is_file() and _library_digest(library) == _recorded_digest(library)


def _ensure_built(compiler: str, flags: list[str], library: Path) -> str | None:
    """Build ``library`` unless it is already built; an error text, or None when it is there.

    The check, the build and its digest happen under the build's lock, so that of processes
    starting together one compiles and the others find its library when they get the lock.
    """
    if _built(library):  # the usual case: no lock needed to load a finished build
        return None
    with _build_lock(library):
        if _built(library):  # built by another process while this one waited
            return None
        library.unlink(missing_ok=True)  # changed since it was built (or no digest): build anew
        return _compile(compiler, flags, library)


def _lock_file(library: Path) -> Path:
    """The file locked while ``library`` is built: ``NAME.lock`` beside it (one per build key)."""
    return library.with_name(library.name + ".lock")


@contextmanager
def _build_lock(library: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold an exclusive flock on the library's lock file while building; the holder removes the
    file before it lets go, so no lock file stays in the cache.

    Without fcntl (Windows), when the lock file cannot be created or locked (a file system without
    flock), or after ``timeout_s``, the build goes ahead unlocked: at worst it compiles twice, and
    the atomic rename in :func:`_compile` keeps either result whole.
    """
    lock = _lock_file(library)
    descriptor = _locked_descriptor(lock, time.monotonic() + timeout_s) if fcntl is not None else None
    try:
        yield
    finally:
        if descriptor is not None:
            lock.unlink(missing_ok=True)  # still held: whoever waits on this file sees it gone and retries
            os.close(descriptor)  # closing releases the lock


def _locked_descriptor(lock: Path, deadline: float) -> int | None:
    """An open descriptor holding the exclusive flock of the file now at ``lock`` (created if
    missing), or None if none could be had by ``deadline`` (time.monotonic())."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    except OSError:
        return None
    while True:
        try:
            descriptor = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError:
            return None
        locked = _flock_by(descriptor, deadline)
        if locked and _is_file_at(descriptor, lock):
            return descriptor
        os.close(descriptor)
        if not locked or time.monotonic() >= deadline:
            return None  # else the holder we waited for removed the file when done: lock the one there now


def _flock_by(descriptor: int, deadline: float) -> bool:
    """Take the exclusive flock of an open file, waiting until ``deadline``; False if not had."""
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        except OSError:  # a file system without flock
            return False


def _is_file_at(descriptor: int, path: Path) -> bool:
    """Whether the open file is still the one at ``path`` (not removed or replaced meanwhile)."""
    try:
        held, there = os.fstat(descriptor), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)


def _compiler_identity(compiler: str) -> str:
    try:
        done = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=30)
        return done.stdout.splitlines()[0] if done.stdout else compiler
    except (OSError, subprocess.SubprocessError):
        return compiler


def _build_key(identity: str, flags: list[str], isa: str = "native") -> str:
    """A hash of the sources, the compiler, the flags, the ISA and the CPU: a build's identity."""
    digest = hashlib.sha256(sources_digest().encode())
    for part in (identity, " ".join(flags), isa, platform.machine(), platform.system(), cpu_identity()):
        digest.update(part.encode())
    return digest.hexdigest()[:20]


def _digest_file(library: Path) -> Path:
    """The SHA-256 of a built library, written beside it when it is built: ``NAME.so.sha256``."""
    return library.with_name(library.name + ".sha256")


def _library_digest(library: Path) -> str:
    return file_digest(library)


def _recorded_digest(library: Path) -> str | None:
    try:
        return _digest_file(library).read_text().strip()
    except OSError:
        return None


def _untrusted(library: Path) -> str | None:
    """Why a cached library must not be loaded (another owner, or writable by others), or None.

    Loading a shared library runs its code, so the cache folder and the file must belong to this
    user and be writable by nobody else (POSIX; elsewhere nothing is checked).
    """
    if not hasattr(os, "getuid"):
        return None
    for item in (library.parent, library):
        info = item.stat()
        if info.st_uid != os.getuid():
            return f"the cached kernel {item} belongs to another user, so it is not loaded (set GRUKIT_CACHE_DIR)"
        if info.st_mode & 0o022:
            return (f"the cached kernel {item} is writable by other users, so it is not loaded (chmod go-w it, or "
                    f"set GRUKIT_CACHE_DIR)")
    return None


def _library_suffix() -> str:
    return ".dylib" if platform.system() == "Darwin" else ".so"


def _compile(compiler: str, flags: list[str], target: Path) -> str | None:
    """Compile into a temporary file, then move it into place and record its digest; an error text or None."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)  # never group- or world-writable
    except OSError as err:
        return f"cannot create the cache folder {target.parent}: {err}"
    error = compile_library(compiler, flags, target)
    if error is None:
        _digest_file(target).write_text(_library_digest(target) + "\n")
    return error


