"""Which instruction set the fused kernel is built for: ``GRUKIT_ISA``, the CPU's features, the flags.

    native    (the default) ``-march=native``: everything this CPU has (AVX-512, AVX2, NEON ...)
    avx512    ``-march=x86-64-v4``: AVX-512 (F, BW, CD, DQ, VL), 512-bit vectors
    avx2      ``-march=x86-64-v3``: AVX2 and FMA without AVX-512, 256-bit vectors
    portable  no ``-march``: the compiler's baseline (SSE2 on x86-64, NEON on aarch64), 128-bit vectors

An x86-64 ISA is built only when ``/proc/cpuinfo`` lists the features of its ``-march`` level (a
build for features the CPU lacks would stop the process with SIGILL); :func:`isa_problem` says
why not otherwise. :mod:`grukit.nn._kernel` builds, caches and loads the library.
"""

from __future__ import annotations

import functools
import os
import platform
from pathlib import Path

ISAS = ("native", "avx512", "avx2", "portable")  # the values of GRUKIT_ISA, the default first
MARCH = {"native": "-march=native", "avx512": "-march=x86-64-v4", "avx2": "-march=x86-64-v3", "portable": None}
_X86_64_V3 = ("avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe")  # abm: /proc/cpuinfo's name for lzcnt
# The /proc/cpuinfo flags an x86-64 ISA's build may use: its -march level's features.
CPU_FLAGS = {"avx2": _X86_64_V3, "avx512": _X86_64_V3 + ("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl")}
X86_64_MACHINES = ("x86_64", "amd64")


def requested_isa() -> str:
    """The value of ``GRUKIT_ISA`` as given (stripped); "native" when it is unset or empty."""
    return os.environ.get("GRUKIT_ISA", "").strip() or "native"


def isa_problem(isa: str, machine: str, flags: frozenset[str] | None) -> str | None:
    """Why a build for ``isa`` (a value of GRUKIT_ISA) must not be made or run on a CPU of this
    ``machine`` (platform.machine()) with these /proc/cpuinfo ``flags`` (None: unknown); None if it may."""
    if isa.lower() not in ISAS:
        return f"GRUKIT_ISA={isa!r} is not one of {', '.join(ISAS)} (set one of those, or unset it for native)"
    needed = CPU_FLAGS.get(isa.lower(), ())
    fix = f"unset GRUKIT_ISA, or set it to {_isas_that_run(machine, flags, besides=isa.lower())}"
    if needed and machine.lower() not in X86_64_MACHINES:
        return f"GRUKIT_ISA={isa} is an x86-64 instruction set and this CPU is {machine} ({fix})"
    if needed and flags is None:
        return (f"GRUKIT_ISA={isa} cannot be checked against this CPU (/proc/cpuinfo lists no flags), so it is "
                f"not built ({fix})")
    missing = [flag for flag in needed if flag not in flags]
    if missing:
        return f"GRUKIT_ISA={isa} needs CPU features this CPU lacks ({', '.join(missing)}) ({fix})"
    return None


def _isas_that_run(machine: str, flags: frozenset[str] | None, besides: str) -> str:
    """The values of GRUKIT_ISA but ``besides`` that this CPU can run, as words: "native, avx2 or portable"."""
    x86 = machine.lower() in X86_64_MACHINES and flags is not None
    names = [isa for isa in ISAS
             if isa != besides and (isa not in CPU_FLAGS or (x86 and flags >= set(CPU_FLAGS[isa])))]
    return " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def flag_sets(isa: str) -> list[list[str]]:
    """The flags tried in order until one set compiles: the ISA's -march with OpenMP threads, then
    with OpenMP's SIMD pragmas only; "native" falls back to no -march as well (an older compiler)."""
    march = [MARCH[isa]] if MARCH[isa] else []
    threads, simd = march + ["-fopenmp"], march + ["-fopenmp-simd"]
    return [threads, ["-fopenmp"], simd, ["-fopenmp-simd"]] if isa == "native" else [threads, simd]


def prebuilt_isas(machine: str) -> tuple[str, ...]:
    """The ISAs built at install time for a CPU of this ``machine`` (setup.py), the widest first:
    any x86-64 CPU runs one of them, chosen at load time; elsewhere the compiler's baseline (NEON on aarch64)."""
    return ("avx512", "avx2", "portable") if machine.lower() in X86_64_MACHINES else ("portable",)


def isa_in_use(requested: str, flags: list[str], vector_bits: int, machine: str, cpu: frozenset[str] | None) -> str:
    """The instruction set a build runs: the requested one, or for "native" the widest one its
    vectors (``vector_bits``, from the library) and the CPU's flags show; "portable" without -march."""
    if requested != "native":
        return requested
    if MARCH["native"] not in flags:
        return "portable"
    if vector_bits >= 512:
        return "avx512"
    if vector_bits == 256:
        return "avx2" if cpu and {"avx2", "fma"} <= cpu else "avx"
    return {"x86_64": "sse", "amd64": "sse", "aarch64": "neon", "arm64": "neon"}.get(machine.lower(), machine)


def cpu_flags() -> frozenset[str] | None:
    """The CPU's feature flags from /proc/cpuinfo ("flags" on x86, "Features" on ARM); None where
    it cannot be read or lists none (not Linux)."""
    for line in _cpuinfo_lines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return frozenset(value.split())
    return None


def cpu_identity() -> str:
    """The CPU model and feature flags, so that a -march=native build is never loaded elsewhere."""
    lines = _cpuinfo_lines()
    if not lines:
        return platform.processor() or platform.machine()
    return "\n".join(sorted({line for line in lines if line.startswith(("model name", "flags", "Features"))}))


@functools.cache
def _cpuinfo_lines() -> tuple[str, ...]:
    """The lines of /proc/cpuinfo, read once per process; empty where it cannot be read."""
    try:
        return tuple(Path("/proc/cpuinfo").read_text().splitlines())
    except OSError:
        return ()
