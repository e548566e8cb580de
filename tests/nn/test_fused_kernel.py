"""The fused kernel's build cache and fallbacks, backend="auto"'s rule, and ``grukit bench gru``."""

from __future__ import annotations

import json
import warnings

import pytest
import torch
from click.testing import CliRunner

from grukit.bench import Shape, bench_shape, format_table
from grukit.cli.bench import bench
from grukit.nn import GRU, _auto, _fused, _kernel
from helpers.kernel import assert_matches_torch, requires_kernel

CPU = torch.device("cpu")


@pytest.fixture
def fresh_kernel_state(monkeypatch):
    """A process that has not loaded the kernel yet and has not warned yet, and that compiles it (the
    libraries built at install time are left aside: these tests are about the compile at first use)."""
    monkeypatch.setattr(_kernel, "_state", {})
    monkeypatch.setattr(_fused, "_warned", set())
    monkeypatch.setenv("GRUKIT_PREBUILT", "0")


@requires_kernel
def test_a_cached_build_is_loaded_without_compiling(fresh_kernel_state, monkeypatch, tmp_path):
    def no_compile(*args):
        raise AssertionError("the cached build should have been used")

    monkeypatch.setenv("GRUKIT_CACHE_DIR", str(tmp_path))
    assert _kernel.load() is not None  # the first use compiles into the empty cache
    _kernel._state.clear()  # a new process
    monkeypatch.setattr(_kernel, "_compile", no_compile)
    kernel = _kernel.load()
    assert kernel is not None and kernel.path.parent == _kernel.cache_dir()
    assert kernel.path.name.startswith("fused_gru_") and "-fopenmp" in " ".join(kernel.flags)
    assert _kernel.unavailable_reason() is None


def test_the_build_key_changes_with_flags_and_compiler():
    a = _kernel._build_key("gcc 12", ["-O3"])
    assert a == _kernel._build_key("gcc 12", ["-O3"])
    assert a != _kernel._build_key("gcc 13", ["-O3"]) and a != _kernel._build_key("gcc 12", ["-O2"])


def test_switched_off_by_the_environment(fresh_kernel_state, monkeypatch):
    monkeypatch.setenv("GRUKIT_FUSED", "0")
    assert _kernel.load() is None
    assert _kernel.unavailable_reason() == "switched off by the environment variable GRUKIT_FUSED=0"


def test_no_compiler(fresh_kernel_state, monkeypatch):
    monkeypatch.setattr(_kernel, "_find_compiler", lambda: None)
    assert _kernel.load() is None
    assert _kernel.unavailable_reason() == "no C compiler was found (set CC, or install gcc or clang)"


def test_a_failing_compiler(fresh_kernel_state, monkeypatch, tmp_path):
    monkeypatch.setenv("GRUKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_kernel, "_find_compiler", lambda: "/bin/false")
    assert _kernel.load() is None
    assert _kernel.unavailable_reason().startswith("compiling it with /bin/false failed (")
    assert list(tmp_path.iterdir()) == []  # no half-written library left behind


def test_fused_falls_back_with_one_warning_and_auto_never_picks_it(fresh_kernel_state, monkeypatch):
    monkeypatch.setenv("GRUKIT_FUSED", "0")
    torch.manual_seed(0)
    plain = GRU(3, 4, backend="torch")
    fused = GRU(3, 4, backend="fused")
    fused.load_state_dict(plain.state_dict())
    x = torch.randn(9, 2, 3)
    with pytest.warns(RuntimeWarning) as caught:
        out = fused(x)[0]
    assert [str(w.message) for w in caught] == [
        "GRU: backend='fused' is unavailable because switched off by the environment variable GRUKIT_FUSED=0; "
        "running backend='torch' instead. Set backend='auto' to choose silently."]
    assert torch.equal(out, plain(x)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once: no second warning
        assert fused.backend_in_use == "torch"
        assert GRU(3, 4, reset="before", backend="fused").backend_in_use == "reference"
        assert GRU(3, 4).backend_in_use == "torch"
        assert GRU(3, 4, zoneout=0.1).backend_in_use == "reference"


@requires_kernel
def test_fused_falls_back_for_dtypes_it_does_not_support(fresh_kernel_state):
    gru = GRU(3, 4, backend="fused", dtype=torch.bfloat16)
    with pytest.warns(RuntimeWarning, match="it supports float32 and float64 only and the parameters are "
                                            "torch.bfloat16; running backend='torch' instead"):
        assert gru.backend_in_use == "torch"


@requires_kernel
@pytest.mark.parametrize("steps,hidden,torch_can_run,expected", [
    (None, 64, True, "fused"), (8, 1024, True, "fused"), (96, 20, False, "fused"),
    (7, 64, True, "torch"), (1, 1024, True, "torch"),
    (4, 64, False, "fused"), (1, 255, False, "fused"), (1, 256, False, "reference"),
])
def test_auto_rule_on_the_cpu(steps, hidden, torch_can_run, expected):
    assert _auto.choose_backend(CPU, torch.float32, hidden, torch_can_run, steps) == expected


def test_auto_rule_off_the_cpu_and_for_other_dtypes():
    assert _auto.choose_backend(torch.device("meta"), torch.float32, 64, True, 100) == "torch"
    assert _auto.choose_backend(torch.device("meta"), torch.float32, 64, False, 100) == "reference"
    assert _auto.choose_backend(CPU, torch.float16, 64, True, 100) == "torch"


@requires_kernel
def test_auto_runs_fused_for_long_sequences_and_torch_for_short_ones(monkeypatch):
    ran = []
    monkeypatch.setattr("grukit.nn.gru.fused_gru", lambda *args: ran.append("fused") or (None, None))
    monkeypatch.setattr("grukit.nn.gru.torch_gru", lambda *args: ran.append("torch") or (None, None))
    gru = GRU(3, 4)
    assert gru.backend_in_use == "fused"
    gru._run_padded(torch.randn(8, 2, 3), torch.zeros(1, 2, 4), None)
    gru._run_padded(torch.randn(7, 2, 3), torch.zeros(1, 2, 4), None)
    assert ran == ["fused", "torch"]


def test_shapes_parse_and_count_flops():
    shape = Shape.parse("800, 50,1,20,2")
    assert shape == Shape(800, 50, 1, 20, 2) and str(shape) == "800,50,1,20,2"
    assert shape.flops("forward") == 800 * 50 * (2 * 60 * 21 + 2 * 60 * 40)
    assert shape.flops("train") == 3 * shape.flops("forward")
    with pytest.raises(ValueError, match=r"^a shape is five positive integers B,T,I,H,L .*got '8,5,0,2'\.$"):
        Shape.parse("8,5,0,2")


def test_bench_shape_times_every_backend_against_torch():
    results = bench_shape(Shape(3, 9, 2, 5, 1), ["fused", "reference"], repeats=1, memory=False)
    names = {(r.mode, r.backend) for r in results}
    assert {mode for mode, _ in names} == {"forward", "train"}
    assert {name for _, name in names} >= {"torch.nn.GRU", "reference"}
    assert all(r.seconds > 0 and r.ratio > 0 for r in results)
    assert [r.ratio for r in results if r.backend == "torch.nn.GRU"] == [1.0, 1.0]
    table = format_table(results)
    assert table.splitlines()[0].split() == ["shape", "B,T,I,H,L", "mode", "backend", "threads", "ms", "ratio",
                                             "GFLOP/s", "us/step", "peak", "MB"]


def test_cli_bench_gru(tmp_path):
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(bench, ["gru", "--shape", "2,9,3,4,1", "--repeats", "1", "--mode", "train",
                                        "--threads", "1", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "torch.nn.GRU" in result.output and "2,9,3,4,1" in result.output
    rows = json.loads(out.read_text())
    assert {row["backend"] for row in rows} >= {"torch.nn.GRU"} and all(row["mode"] == "train" for row in rows)


def test_cli_bench_gru_bad_shape():
    result = CliRunner().invoke(bench, ["gru", "--shape", "2,9,3"])
    assert result.exit_code == 2
    assert "Invalid value for --shape: a shape is five positive integers B,T,I,H,L" in result.output


def test_bench_public_names():
    import grukit.bench

    assert sorted(grukit.bench.__all__) == ["DEFAULT_GRID", "MODES", "Result", "Shape", "bench_shape", "format_table"]
    assert all(hasattr(grukit.bench, name) for name in grukit.bench.__all__)



# ----------------------------------------------------------------- the lanes layout (csrc/gru_lanes.h)
LANES_BATCH = 150  # blocks of 64 lanes in float32 with AVX-512 (16 with AVX2), the last one partial


def _lanes_block(gru: GRU, x: torch.Tensor) -> int:
    """The block of batch rows the kernel uses for gru's first layer on x (T, B, I); 0: the row layout."""
    opts = gru._options()
    h0 = torch.zeros(gru.num_directions, x.shape[1], gru.hidden_size, dtype=x.dtype)
    spec = _fused._layer_spec(opts, h0, x.shape[0], None)
    ws = gru._direction_weights()[: gru.num_directions]
    params = tuple(_fused._stack([getattr(w, name) for w in ws]) for name in _fused.PARAMS)
    return _kernel.load().lanes(_fused.DTYPES[x.dtype], _fused._kernel_args(x, h0, params, spec))


# Blocks of lanes at H = 20 (float32, float64) by vector width: 4 (AVX-512) or 2 vectors of lanes; float64 with
# AVX2 has 4 lanes per vector, and 20 units are 5 whole vectors: the row layout has no padding there.
BLOCKS = {512: (64, 32), 256: (16, 0)}


@requires_kernel
def test_the_lanes_layout_runs_plain_layers_with_a_small_odd_hidden_size():
    bits = _kernel.load().vector_bits
    if bits not in BLOCKS:
        pytest.skip("the lanes layout is used with 256-bit vectors (AVX2) or wider")
    f32, f64 = BLOCKS[bits]
    x = torch.randn(5, LANES_BATCH, 3)
    assert _lanes_block(GRU(3, 20), x) == f32
    assert _lanes_block(GRU(3, 20, dtype=torch.float64), x.double()) == f64
    assert _lanes_block(GRU(3, 20), x[:, : 2 * f32 - 1]) == 0  # a batch of fewer than two blocks
    assert _lanes_block(GRU(3, 12), x) == f32
    assert _lanes_block(GRU(3, 32), x) == 0  # whole vectors: the row layout has no padding
    assert _lanes_block(GRU(3, 40), x) == 0  # above LANES_MAX_H
    assert _lanes_block(GRU(3, 20, reset="before"), x) == 0
    assert _lanes_block(GRU(3, 20, layer_norm=True), x) == 0
    assert _lanes_block(GRU(3, 20, zoneout=0.1).train(), x) == 0


@requires_kernel
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("input_size,layers,bidirectional,threads", [
    (1, 2, False, 1),  # seed 001's layer 0: dW_ih summed in the lanes
    (5, 2, True, 2),  # dW_ih from rows of x; several work items per direction
    (20, 1, False, 3),
])
def test_the_lanes_layout_matches_torch_gru(dtype, input_size, layers, bidirectional, threads):
    torch.manual_seed(0)
    theirs = torch.nn.GRU(input_size, 20, layers, bidirectional=bidirectional, dtype=dtype)
    ours = GRU(input_size, 20, layers, bidirectional=bidirectional, dtype=dtype, backend="fused")
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(7, LANES_BATCH, input_size, dtype=dtype)
    h0 = torch.randn(layers * (2 if bidirectional else 1), LANES_BATCH, 20, dtype=dtype)
    assert_matches_torch(theirs, ours, x, h0, threads)
