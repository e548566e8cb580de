"""Builds the fused GRU kernel at install time, once per instruction set this platform may run.

Everything else about the package is in pyproject.toml. The kernel is plain C loaded with ctypes
(grukit/nn/_kernel.py), not a Python extension module; each ISA's library is declared as an
extension only so that setuptools builds it (in place for an editable install, into the wheel
otherwise) and the wheel is marked as platform-specific. At load time grukit takes the widest ISA
the CPU runs. A failed build never fails the install: grukit then compiles the kernel at first
use, as a source install without a compiler at build time does.
"""

from __future__ import annotations

import importlib.util
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

NN = Path(__file__).resolve().parent / "src" / "grukit" / "nn"


def _module(name: str):
    """grukit/nn/<name>.py loaded by its path: standard library only, no grukit or torch import."""
    spec = importlib.util.spec_from_file_location(f"_grukit_setup_{name}", NN / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_build, _isa = _module("_build"), _module("_isa")
ISAS = _isa.prebuilt_isas(platform.machine())


class BuildKernels(build_ext):
    """Compile every ISA's library side by side; say what failed and go on."""

    def build_extensions(self) -> None:
        compiler = _build.find_compiler()  # as grukit.nn._kernel looks for one
        if compiler is None:
            self._skip("no C compiler was found")
            return
        builds = [(ext.name.rsplit("_", 1)[-1], Path(self.get_ext_fullpath(ext.name))) for ext in self.extensions]
        first = [self._start(compiler, isa, target, 0) for isa, target in builds]  # side by side
        for (isa, target), (flags, job) in zip(builds, first):
            errors = []
            for attempt in range(len(_isa.flag_sets(isa))):  # OpenMP threads, else its SIMD pragmas only
                if attempt:
                    flags, job = self._start(compiler, isa, target, attempt)
                try:
                    error = job.communicate(timeout=_build.COMPILE_TIMEOUT_S)[1]
                except subprocess.TimeoutExpired:
                    job.kill()
                    error = f"no result after {_build.COMPILE_TIMEOUT_S} s"
                if job.returncode == 0:
                    _build.write_record(target, isa, flags, NN / "csrc")
                    break
                errors.append(error.strip()[-300:] or f"exit status {job.returncode}")
            else:
                self._skip(f"{isa}: {errors[-1]}")

    def copy_extensions_to_source(self) -> None:
        """An editable install builds in a temporary folder, then copies the libraries into the source
        tree: those that were built, each with its record."""
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            isa, package = ext.name.rsplit("_", 1)[-1], ext.name.rsplit(".", 1)[0]
            library = Path(self.build_lib, self.get_ext_filename(ext.name))
            record = _build.record_path(isa, library.parent)
            if library.is_file() and record.is_file():
                destination = Path(build_py.get_package_dir(package))
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(library, destination / library.name)
                shutil.copyfile(record, destination / record.name)

    @staticmethod
    def _start(compiler: str, isa: str, target: Path, attempt: int):
        """Start compiling ``isa``'s library with its flag set number ``attempt``: (flags, process)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        flags = _build.COMMON_FLAGS + _isa.flag_sets(isa)[attempt]
        command = _build.compile_command(compiler, flags, target, NN / "csrc")
        return flags, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    @staticmethod
    def _skip(why: str) -> None:
        print(f"grukit: the fused GRU kernel was not built at install time ({why}); it will be compiled at "
              f"first use instead.", file=sys.stderr)


setup(ext_modules=[Extension(f"grukit.nn._prebuilt.fused_gru_{isa}", sources=[]) for isa in ISAS],
      cmdclass={"build_ext": BuildKernels})
