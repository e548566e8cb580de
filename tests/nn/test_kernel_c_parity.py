"""The fused kernel's C-level parity checks (tests/kernel_c/gru_parity.c), built for every instruction set this CPU
runs, with the flags grukit builds the kernel with: forward passes against a reference written from the
equations, gradients against central differences, float32 against float64. aarch64 is checked by
tests/kernel_c/cross_check.py (cross-compiled, run under an emulator)."""

from __future__ import annotations

import platform
import re
import subprocess

import pytest

from grukit.nn import _build, _isa, _kernel
from helpers.paths import TESTS

HARNESS = TESTS / "kernel_c" / "gru_parity.c"
CASES = 9  # the cases in the harness's main()


def _builds() -> list[str]:
    return [isa for isa in _isa.ISAS if _isa.isa_problem(isa, platform.machine(), _isa.cpu_flags()) is None]


@pytest.fixture(scope="module")
def binaries(tmp_path_factory) -> dict[str, Path]:
    """One harness binary per ISA, compiled side by side (each takes seconds)."""
    compiler = _kernel._find_compiler()
    if compiler is None:
        pytest.skip("no C compiler: the kernel falls back to torch, and there is nothing to check")
    folder = tmp_path_factory.mktemp("kernel_c")
    jobs = {}
    for isa in _builds():
        flags = [f for f in _build.COMMON_FLAGS if f not in ("-shared", "-fPIC")] + _isa.flag_sets(isa)[0]
        target = folder / f"parity_{isa}"
        command = [compiler, *flags, "-I", str(_build.SOURCE_DIR), str(HARNESS), "-o", str(target), "-lm"]
        jobs[isa] = (target, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    built = {}
    for isa, (target, job) in jobs.items():
        output = job.communicate(timeout=300)[0]
        assert job.returncode == 0, f"{isa}: the harness did not compile:\n{output[-2000:]}"
        built[isa] = target
    return built


@pytest.mark.parametrize("isa", _builds())
@pytest.mark.parametrize("threads", [1, 2])
def test_kernel_matches_the_reference_in_c(binaries, isa, threads):
    done = subprocess.run([str(binaries[isa]), str(threads)], capture_output=True, text=True, timeout=300)
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert done.returncode == 0 and not failed, f"{isa}, {threads} thread(s):\n{done.stdout}{done.stderr}"
    assert f"{CASES} of {CASES} cases passed" in done.stdout
    bits = int(re.search(r"(\d+)-bit vectors", done.stdout).group(1))
    assert bits == {"avx512": 512, "avx2": 256, "portable": 128}.get(isa, bits)  # the ISA asked for is the one built
