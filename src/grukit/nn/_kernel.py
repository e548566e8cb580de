"""The fused GRU's C kernel: compiled at first use, cached, loaded with ctypes.

The sources in ``csrc/`` are compiled once per machine with the C compiler found in ``$CC``,
``cc`` or ``gcc`` (``-O3 -march=native -fopenmp``, then plainer flags if those fail) into
``$GRUKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/grukit/kernels``, else ``~/.cache/grukit/kernels``.
A cached library is loaded only when the folder and the file belong to the user and nobody else may
write them, and when its bytes match the SHA-256 written beside it at build time (``.sha256``;
a changed file is rebuilt). The file name holds a hash of the sources, the flags, the compiler's
version and the CPU, so a changed source or a new machine builds anew, and an unchanged one
loads in milliseconds.

Without a working compiler :func:`load` returns None and :func:`unavailable_reason` says why;
``GRUKIT_FUSED=0`` turns the kernel off on purpose.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCE_DIR = Path(__file__).parent / "csrc"
SOURCES = ("fused_gru.c", "gru_vec.h", "gru_gemm.h", "gru_rows.h", "gru_forward.h", "gru_backward.h", "gru_lanes.h",
           "gru_entry.h", "mingru_kernel.h", "mingru_layer.h")
COMPILE_TIMEOUT_S = 120
_COMMON = ["-O3", "-std=gnu11", "-fPIC", "-shared", "-fno-math-errno"]
# Tried in order until one compiles: native vector width and OpenMP threads first.
FLAG_SETS = (
    ["-march=native", "-fopenmp"],
    ["-fopenmp"],
    ["-march=native", "-fopenmp-simd"],
    ["-fopenmp-simd"],
)


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
    """The loaded library: ``run("forward" | "backward", dtype, args)`` and ``lanes(dtype, args)``."""

    def __init__(self, library: ctypes.CDLL, path: Path, flags: list[str]) -> None:
        self.path, self.flags = path, flags
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
        self.vector_bits = 8 * library.gru_kernel_vector_bytes()
        self.openmp = bool(library.gru_kernel_has_openmp())

    def run(self, kind: str, suffix: str, args: GruArgs) -> None:
        if self._entry[kind, suffix](ctypes.byref(args)) != 0:
            raise MemoryError(f"GRU fused kernel: the {kind} pass could not allocate its work buffers.")

    def lanes(self, suffix: str, args: GruArgs) -> int:
        """The block of batch rows when the layer runs with the batch in the vector lanes
        (csrc/gru_lanes.h), whose saved values are (D, T, ceil(B / block), H, 4, block); else 0."""
        return int(self._entry["lanes", suffix](ctypes.byref(args)))

    def describe(self) -> str:
        threads = "OpenMP threads" if self.openmp else "one thread (no OpenMP)"
        return f"C kernel, {self.vector_bits}-bit vectors, {threads}; {self.path}"


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
    if os.environ.get("GRUKIT_FUSED", "1").strip().lower() in ("0", "false", "no", "off"):
        return None, "switched off by the environment variable GRUKIT_FUSED=0"
    if not all((SOURCE_DIR / name).is_file() for name in SOURCES):
        return None, f"its C sources are missing from {SOURCE_DIR} (an installation without package data)"
    compiler = _find_compiler()
    if compiler is None:
        return None, "no C compiler was found (set CC, or install gcc or clang)"
    identity = _compiler_identity(compiler)
    errors = []
    for extra in FLAG_SETS:
        flags = _COMMON + extra
        path = cache_dir() / f"fused_gru_{_build_key(identity, flags)}{_library_suffix()}"
        if path.is_file() and _library_digest(path) != _recorded_digest(path):  # changed since it was built
            path.unlink(missing_ok=True)
        if not path.is_file():
            error = _compile(compiler, flags, path)
            if error:
                errors.append(f"{' '.join(extra)}: {error}")
                continue
        untrusted = _untrusted(path)
        if untrusted:
            return None, untrusted
        try:
            return Kernel(ctypes.CDLL(str(path)), path, flags), None
        except (OSError, AttributeError) as err:
            errors.append(f"{' '.join(extra)}: loading {path.name} failed: {err}")
        except LayoutMismatch as err:
            return None, f"its argument layout is out of date: {err}; update the mirror in grukit/nn/_kernel.py"
    return None, f"compiling it with {compiler} failed ({'; '.join(errors)[-600:]})"


def _find_compiler() -> str | None:
    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def _compiler_identity(compiler: str) -> str:
    try:
        done = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=30)
        return done.stdout.splitlines()[0] if done.stdout else compiler
    except (OSError, subprocess.SubprocessError):
        return compiler


def _cpu_identity() -> str:
    """The CPU model and feature flags, so that a -march=native build is never loaded elsewhere."""
    try:
        text = Path("/proc/cpuinfo").read_text()
        wanted = [line for line in text.splitlines() if line.startswith(("model name", "flags", "Features"))]
        return "\n".join(sorted(set(wanted)))
    except OSError:
        return platform.processor() or platform.machine()


def _build_key(identity: str, flags: list[str]) -> str:
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((SOURCE_DIR / name).read_bytes())
    for part in (identity, " ".join(flags), platform.machine(), platform.system(), _cpu_identity()):
        digest.update(part.encode())
    return digest.hexdigest()[:20]


def _digest_file(library: Path) -> Path:
    """The SHA-256 of a built library, written beside it when it is built: ``NAME.so.sha256``."""
    return library.with_name(library.name + ".sha256")


def _library_digest(library: Path) -> str:
    return hashlib.sha256(library.read_bytes()).hexdigest()


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
    """Compile into a temporary file, then move it into place; returns an error text or None."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)  # never group- or world-writable
    except OSError as err:
        return f"cannot create the cache folder {target.parent}: {err}"
    fd, tmp = tempfile.mkstemp(prefix=target.stem, suffix=target.suffix, dir=target.parent)
    os.close(fd)
    command = [compiler, *flags, "-o", tmp, str(SOURCE_DIR / "fused_gru.c"), "-lm"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_S)
        if done.returncode != 0:
            return (done.stderr or done.stdout).strip()[-400:] or f"exit status {done.returncode}"
        digest = _library_digest(Path(tmp))
        os.replace(tmp, target)  # atomic: concurrent first uses never see half a file
        _digest_file(target).write_text(digest + "\n")
        return None
    except (OSError, subprocess.SubprocessError) as err:
        return str(err)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
