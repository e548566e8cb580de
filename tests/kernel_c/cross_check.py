"""The fused kernel's C parity checks on aarch64 (NEON), from an x86-64 machine: cross-compile, then emulate.

gru_parity.c (the checks, with the kernel's source included) is compiled by Zig's C compiler (the
``ziglang`` wheel: clang with the libraries of every target, no system packages) into a static
aarch64 Linux binary, once per CPU below, and run under Qiling (the ``qiling`` wheel: a Linux user
space on the Unicorn CPU emulator), which plays the part ``qemu-user`` plays elsewhere. Exits 0 when
every build passes every case. Emulated, the checks prove results, not speed.

    pip install -e ".[cross]"
    python tests/kernel_c/cross_check.py

Zig is held at 0.13: the C library of later Zig versions takes its memory with an allocator whose
atomic instructions Unicorn does not run (a read fault before the first case).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE.parents[1] / "src" / "grukit" / "nn" / "csrc"
# -mcpu values: the aarch64 baseline (what "portable" builds), a Graviton 2 / Ampere core, Apple's M1.
CPUS = ("generic", "neoverse_n1", "apple_m1")
# grukit's own flags (grukit.nn._build.COMMON_FLAGS, less -shared and -fPIC), with OpenMP's SIMD pragmas
# only: Zig ships no OpenMP runtime, so the checks run on one thread.
FLAGS = ["-O3", "-std=gnu11", "-fno-math-errno", "-fopenmp-simd", "-static"]


def compile_for(cpu: str, folder: Path) -> Path:
    """The static aarch64 binary of the checks, built for ``cpu``."""
    target = folder / f"gru_parity_aarch64_{cpu}"
    command = [sys.executable, "-m", "ziglang", "cc", "-target", "aarch64-linux-musl", f"-mcpu={cpu}", *FLAGS,
               "-I", str(SOURCES), str(HERE / "gru_parity.c"), "-o", str(target), "-lm"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"cross-compiling for aarch64 ({cpu}) failed:\n{done.stderr[-3000:]}")
    return target


def emulate(binary: Path, folder: Path) -> int:
    """Run ``binary`` under Qiling in a child process (its output goes to this one's); the exit status."""
    code = ("import sys\nfrom qiling import Qiling\nfrom qiling.const import QL_VERBOSE\n"
            "ql = Qiling([sys.argv[1], '1'], sys.argv[2], verbose=QL_VERBOSE.DISABLED)\n"
            "ql.run()\nsys.exit(ql.os.exit_code)\n")
    return subprocess.run([sys.executable, "-c", code, str(binary), str(folder)]).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpus", default=",".join(CPUS), help=f"comma list of -mcpu values (default {','.join(CPUS)})")
    args = parser.parse_args()
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "rootfs").mkdir()  # the emulated file system: a static binary needs none of it
        for cpu in args.cpus.split(","):
            binary = compile_for(cpu, folder)
            print(f"aarch64, -mcpu={cpu}, emulated:", flush=True)
            if emulate(binary, folder / "rootfs") != 0:
                failed.append(cpu)
    print("aarch64: every build passed" if not failed else f"aarch64: FAILED for -mcpu={', '.join(failed)}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    os.environ.setdefault("ZIG_GLOBAL_CACHE_DIR", str(Path(tempfile.gettempdir()) / "grukit-zig-cache"))
    main()
