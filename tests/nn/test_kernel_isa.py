"""GRUKIT_ISA: every instruction set this CPU has builds, says which it is and matches torch.nn.GRU;
a value that cannot run here is refused in one line, before anything is compiled or loaded."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import warnings

import pytest

from grukit.nn import GRU, _build, _fused, _isa, _kernel
from helpers.paths import TESTS

VECTOR_BITS = {"avx512": 512, "avx2": 256, "portable": 128}
V3 = frozenset(_isa.CPU_FLAGS["avx2"])  # an AVX2-only CPU
V4 = frozenset(_isa.CPU_FLAGS["avx512"])
UNKNOWN = "GRUKIT_ISA='sse9' is not one of native, avx512, avx2, portable (set one of those, or unset it for native)"


@pytest.fixture
def fresh_kernel_state(monkeypatch):
    """A process that has not loaded the kernel yet and has not warned yet."""
    monkeypatch.setattr(_kernel, "_state", {})
    monkeypatch.setattr(_fused, "_warned", set())


def _cannot_build(isa: str) -> str | None:
    if _kernel._find_compiler() is None:
        return "no C compiler was found"
    return _isa.isa_problem(isa, platform.machine(), _isa.cpu_flags())


@pytest.mark.parametrize("isa", ["avx512", "avx2", "portable"])
@pytest.mark.parametrize("source", ["compiled at first use", "built at install time"])
def test_each_isa_builds_reports_itself_and_matches_torch(isa, source, tmp_path):
    """In a fresh process and an empty cache: forward and backward parity on a few shapes, and
    the kernel names the ISA asked for, with that ISA's vector width. Compiled at first use into
    the cache (GRUKIT_PREBUILT=0), or the library setup.py built, with nothing compiled."""
    reason = _cannot_build(isa)
    prebuilt = source == "built at install time"
    if prebuilt and _build.prebuilt_library(isa) is None:
        reason = f"no {isa} library was built at install time"
    if reason:
        pytest.skip(reason)
    env = {**os.environ, "GRUKIT_ISA": isa, "GRUKIT_CACHE_DIR": str(tmp_path),
           "GRUKIT_PREBUILT": "1" if prebuilt else "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    env.pop("GRUKIT_FUSED", None)
    done = subprocess.run([sys.executable, "-m", "helpers.isa_parity"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    isa_line, described = done.stdout.splitlines()[-2:]
    assert isa_line == f"{isa} {VECTOR_BITS[isa]}"
    assert described.startswith(f"C kernel, ISA {isa} ({VECTOR_BITS[isa]}-bit vectors), ")
    built = sorted(p.name.split("_")[2] for p in tmp_path.glob("*.so"))
    assert built == ([] if prebuilt else [isa])
    assert (str(_build.PREBUILT_DIR) in described) == prebuilt


def test_native_takes_the_widest_prebuilt_isa_this_cpu_runs(fresh_kernel_state, monkeypatch):
    """An AVX2-only CPU gets the avx2 library (never the avx512 one: SIGILL), one without AVX2 the portable one."""
    if _build.prebuilt_library("avx2") is None or _build.prebuilt_library("portable") is None:
        pytest.skip("the x86-64 libraries were not built at install time")
    monkeypatch.delenv("GRUKIT_ISA", raising=False)
    monkeypatch.setenv("GRUKIT_PREBUILT", "1")
    monkeypatch.setattr(_kernel, "_compile", lambda *args: pytest.fail("nothing should be compiled"))
    monkeypatch.setattr(_kernel.platform, "machine", lambda: "x86_64")
    for flags, isa in ((V3, "avx2"), (frozenset({"sse2"}), "portable")):
        monkeypatch.setattr(_kernel, "cpu_flags", lambda flags=flags: flags)
        _kernel._state.clear()
        assert _kernel.load().isa == isa


def test_a_stale_prebuilt_library_is_not_loaded(tmp_path, monkeypatch):
    """A record whose sources digest is not the sources' (an edit since the install) is ignored."""
    if _build.prebuilt_library("portable") is None:
        pytest.skip("no portable library was built at install time")
    library, _ = _build.prebuilt_library("portable")
    copy = tmp_path / library.name
    copy.write_bytes(library.read_bytes())
    _build.write_record(copy, "portable", ["-O3"])
    assert _build.prebuilt_library("portable", tmp_path) == (copy, ["-O3"])
    record = _build.record_path("portable", tmp_path)
    record.write_text(record.read_text().replace(_build.sources_digest(), "0" * 64))
    assert _build.prebuilt_library("portable", tmp_path) is None


def test_an_unknown_isa_is_refused_in_one_line(fresh_kernel_state, monkeypatch):
    monkeypatch.setenv("GRUKIT_ISA", "sse9")
    monkeypatch.setattr(_kernel, "_compile", lambda *args: pytest.fail("nothing should be compiled"))
    assert _kernel.load() is None
    assert _kernel.unavailable_reason() == UNKNOWN
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fused = GRU(3, 4, backend="fused")
        assert [fused.backend_in_use for _ in range(2)] == ["torch", "torch"]  # asked twice, warned once
    assert [str(w.message) for w in caught] == [
        f"GRU: backend='fused' is unavailable because {UNKNOWN}; running backend='torch' instead. Set "
        f"backend='auto' to choose silently."]


def test_an_isa_the_cpu_lacks_is_refused_before_building(fresh_kernel_state, monkeypatch):
    """No build for AVX-512 on an AVX2-only CPU: loading it would end the process with SIGILL."""
    monkeypatch.setenv("GRUKIT_ISA", "avx512")
    monkeypatch.setattr(_kernel, "cpu_flags", lambda: V3)
    monkeypatch.setattr(_kernel, "_compile", lambda *args: pytest.fail("nothing should be compiled"))
    assert _kernel.load() is None
    assert _kernel.unavailable_reason() == (
        "GRUKIT_ISA=avx512 needs CPU features this CPU lacks (avx512f, avx512bw, avx512cd, avx512dq, avx512vl) "
        "(unset GRUKIT_ISA, or set it to native, avx2 or portable)")


@pytest.mark.parametrize("isa, machine, flags, reason", [
    ("avx2", "x86_64", frozenset({"avx", "avx2", "fma", "sse2"}),
     "GRUKIT_ISA=avx2 needs CPU features this CPU lacks (bmi1, bmi2, f16c, abm, movbe) (unset GRUKIT_ISA, or set "
     "it to native or portable)"),
    ("avx2", "aarch64", frozenset({"fp", "asimd"}),
     "GRUKIT_ISA=avx2 is an x86-64 instruction set and this CPU is aarch64 (unset GRUKIT_ISA, or set it to native "
     "or portable)"),
    ("avx512", "x86_64", None,
     "GRUKIT_ISA=avx512 cannot be checked against this CPU (/proc/cpuinfo lists no flags), so it is not built "
     "(unset GRUKIT_ISA, or set it to native or portable)"),
    ("portable", "x86_64", V4, None), ("AVX2", "x86_64", V3, None), ("avx512", "AMD64", V4, None),
    ("native", "aarch64", frozenset({"asimd"}), None), ("portable", "aarch64", None, None),
    ("native", "ppc64le", None, None),
])
def test_which_isa_may_run_where(isa, machine, flags, reason):
    assert _isa.isa_problem(isa, machine, flags) == reason


@pytest.mark.parametrize("requested, march, bits, machine, flags, name", [
    ("avx2", "-march=x86-64-v3", 256, "x86_64", V4, "avx2"),
    ("portable", None, 128, "aarch64", None, "portable"),
    ("native", "-march=native", 512, "x86_64", V4, "avx512"),
    ("native", "-march=native", 256, "x86_64", V3, "avx2"),
    ("native", "-march=native", 256, "x86_64", frozenset({"avx"}), "avx"),
    ("native", "-march=native", 128, "x86_64", frozenset({"sse2"}), "sse"),
    ("native", "-march=native", 128, "aarch64", frozenset({"asimd"}), "neon"),
    ("native", None, 128, "x86_64", V4, "portable"),  # -march=native failed: the baseline build runs
])
def test_the_isa_in_use_is_named_from_the_build(requested, march, bits, machine, flags, name):
    build_flags = ["-O3", *([march] if march else []), "-fopenmp"]
    assert _isa.isa_in_use(requested, build_flags, bits, machine, flags) == name


def test_each_isa_has_its_flags_file_name_and_build_key():
    assert _isa.flag_sets("native") == [["-march=native", "-fopenmp"], ["-fopenmp"],
                                           ["-march=native", "-fopenmp-simd"], ["-fopenmp-simd"]]
    assert _isa.flag_sets("avx2") == [["-march=x86-64-v3", "-fopenmp"], ["-march=x86-64-v3", "-fopenmp-simd"]]
    assert _isa.flag_sets("portable") == [["-fopenmp"], ["-fopenmp-simd"]]
    keys = {_kernel._build_key("gcc 12", ["-O3"], isa) for isa in _isa.ISAS}
    assert len(keys) == len(_isa.ISAS)


def test_the_kernel_in_use_names_its_isa():
    kernel = _kernel.load()
    if kernel is None:
        pytest.skip(f"no kernel here: {_kernel.unavailable_reason()}")
    assert kernel.path.name.startswith((f"fused_gru_{kernel.requested_isa}_", f"fused_gru_{kernel.requested_isa}."))
    assert f"ISA {kernel.isa} ({kernel.vector_bits}-bit vectors" in kernel.describe()


# The fused backend's parity grid: every test of these modules that runs the fused kernel.
PARITY_GRID = ["nn/test_fused_parity.py", "nn/test_fused_variants.py", "nn/test_fused_buffers.py",
               "nn/test_gru_parity.py", "nn/test_gru_variants.py", "nn/test_mingru_kernel.py"]


@pytest.mark.parametrize("isa", ["avx512", "avx2", "portable"])
def test_the_whole_parity_grid_passes_on_each_isa(isa, tmp_path):
    """The parity grid against torch.nn.GRU and the reference, in a process that runs ``isa`` (the main run
    covers the ISA this CPU takes by default)."""
    reason = _cannot_build(isa)
    if reason:
        pytest.skip(reason)
    if _kernel.load() is not None and _kernel.load().isa == isa:
        pytest.skip(f"the rest of this run already runs the grid on {isa}")
    env = {**os.environ, "GRUKIT_ISA": isa, "GRUKIT_CACHE_DIR": str(tmp_path)}
    env.pop("GRUKIT_FUSED", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "fused or mingru_kernel",
               *PARITY_GRID]
    done = subprocess.run(command, cwd=TESTS, env=env, capture_output=True, text=True, timeout=600)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-2000:]
    assert done.returncode == 0, f"GRUKIT_ISA={isa}: {summary}\n{done.stdout[-3000:]}"
    assert " passed" in summary and "failed" not in summary
