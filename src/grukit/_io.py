"""Writing files so that a failure never leaves a half-written file or folder behind."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


def atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file atomically."""
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


@contextlib.contextmanager
def staged_directory(out: Path, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success its files move into ``out``.

    On an exception the temporary folder is removed and ``out`` is left as it was (a new ``out``
    is not created at all), so a failed run leaves no partial output behind. ``replace``: an
    existing ``out`` is removed at the end, just before the new folder takes its name, so no file
    of the old run stays mixed with the new ones. While the run lasts, ``.{name}.lock`` beside
    ``out`` is locked, so a second run on the same ``out`` fails at once with a ``ConfigError``
    instead of one silently replacing the other. The folder gets the user's usual permissions
    (the umask), not the 0700 of a temporary folder.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _run_lock(out):
        stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
        os.chmod(stage, 0o777 & ~_umask())
        try:
            yield stage
            _move_into(stage, out, replace)
        finally:
            shutil.rmtree(stage, ignore_errors=True)


def partial_folder(out: Path) -> Path:
    """Where a training run for ``out`` works until it ends: ``.{name}.partial`` beside ``out``."""
    out = Path(out)
    return out.parent / f".{out.name}.partial"


def resume_folder(out: Path) -> Path:
    """The folder a ``--resume`` of ``out`` continues in: the partial one of an unfinished run, else ``out``."""
    partial = partial_folder(out)
    return partial if partial.is_dir() else Path(out)


@contextlib.contextmanager
def run_folder(out: Path, replace: bool = False, resume: bool = False) -> Iterator[Path]:
    """The folder a training run writes into: all or nothing, and resumable after a kill.

    The run works inside ``.{name}.partial`` beside ``out`` (checkpoints, logs, then the artifacts);
    when it ends, that folder becomes ``out``, so ``out`` either holds a whole run or nothing new.

        a kill (or Ctrl-C)     leaves the partial folder with its checkpoints; ``resume`` continues
                               in it, and the run then ends as usual
        an error               removes the partial folder (a failed run leaves nothing behind)
        resume, no partial     a finished ``out`` is continued in place; with no ``out`` either, the
                               run starts (the training loop says so)
        a partial, no resume   a ``ConfigError`` that says to pass --resume, or --force to start over
        ``replace``            an old partial folder is discarded at the start and an old ``out`` at
                               the end, just before the new one takes its name

    ``out`` is locked for the run's duration, as in :func:`staged_directory`.
    """
    from grukit.errors import ConfigError

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _run_lock(out):
        partial = partial_folder(out)
        if resume and not partial.exists() and out.is_dir():
            yield out  # a finished run, continued where it is
            return
        if partial.exists() and not resume:
            if not replace:
                raise ConfigError(f"{out} has an unfinished run in {partial} (it was stopped before it ended); "
                                  f"pass --resume to continue it, or --force to start over.")
            shutil.rmtree(partial)
        partial.mkdir(exist_ok=True)
        os.chmod(partial, 0o777 & ~_umask())
        try:
            yield partial
        except Exception:  # not KeyboardInterrupt: a run stopped by hand can be resumed
            shutil.rmtree(partial, ignore_errors=True)
            raise
        try:
            _move_into(partial, out, replace)
        finally:
            shutil.rmtree(partial, ignore_errors=True)


def _move_into(stage: Path, out: Path, replace: bool) -> None:
    """``stage`` becomes ``out``: renamed when ``out`` is new (or replaced), else its files moved in."""
    if replace and out.is_dir():
        shutil.rmtree(out)
    if not out.exists():
        os.replace(stage, out)
        return
    for item in sorted(stage.rglob("*"), key=lambda p: len(p.parts)):
        target = out / item.relative_to(stage)
        if item.is_dir():
            target.mkdir(exist_ok=True)
        else:
            os.replace(item, target)


@contextlib.contextmanager
def _run_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``.{out.name}.lock`` beside ``out`` (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; runs are still staged
        yield
        return
    from grukit.errors import ConfigError

    path = out.parent / f".{out.name}.lock"
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"another grukit run is writing {out} (it holds {path}); wait for it to finish, "
                              f"or pass another --out.") from None
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_toml_table(path: Path, what: str) -> dict:
    """The table of the TOML file at ``path``; ``what`` names the file in errors ("config file", ...)."""
    from grukit.errors import ConfigError

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} not found; pass the path of a TOML file.") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{what} {path} is not valid TOML: {err}.") from None
