"""The fused kernel as the custom op grukit::gru_layer: torch.library.opcheck (schema, fake tensors, autograd
registration, AOT dispatch), gradcheck in float64, and torch.compile / torch.export giving what eager gives."""

from __future__ import annotations

import pytest
import torch

from grukit.nn import GRU, _fused
from helpers.kernel import requires_kernel, train_step

pytestmark = requires_kernel

OPTIONS = {  # name: (GRU options, with lengths)
    "reset after": ({}, False),
    "reset before, bidirectional, lengths": ({"reset": "before", "bidirectional": True}, True),
    "layer norm": ({"layer_norm": True}, False),
}


def _layer_args(options: dict, lengths: bool, dtype=torch.float64) -> tuple:
    """The arguments of grukit::gru_layer for one layer of a GRU with these options (T 4, B 3, I 2, H 5)."""
    torch.manual_seed(0)
    gru = GRU(2, 5, dtype=dtype, backend="fused", **options)
    directions = 2 if gru.bidirectional else 1
    params = []
    for name in _fused.PARAMS:  # each (D, 3H, ...) for two directions, (3H, ...) for one, as fused_gru passes them
        found = [p.detach() for n, p in gru.named_parameters() if n.startswith(name)]
        stacked = None if not found else found[0] if directions == 1 else torch.stack(found)
        params.append(None if stacked is None else stacked.clone().requires_grad_())
    x = torch.randn(4, 3, 2, dtype=dtype, requires_grad=True)
    h0 = torch.randn(directions, 3, 5, dtype=dtype, requires_grad=True)
    spec_lengths = torch.tensor([4, 2, 3]) if lengths else None
    return (x, h0, *params, spec_lengths, None, None, options.get("reset", "after") == "after", 0.0, False, False, 0,
            True)


@pytest.mark.parametrize("name", OPTIONS)
def test_the_op_passes_opcheck(name):
    args = _layer_args(*OPTIONS[name])
    torch.library.opcheck(torch.ops.grukit.gru_layer.default, args)


def test_the_backward_op_passes_opcheck():
    args = _layer_args({}, False)
    out, h_n, *saved = torch.ops.grukit.gru_layer(*args)
    backward_args = (torch.randn_like(out), torch.randn_like(h_n), *[a.detach() if isinstance(a, torch.Tensor) else a
                                                                     for a in args[:11]],
                     out.detach(), [s.detach() for s in saved], True, 0.0, False, False, 0, [True] * 8)
    torch.library.opcheck(torch.ops.grukit.gru_layer_backward.default, backward_args,
                          test_utils=("test_schema", "test_faketensor"))


@pytest.mark.parametrize("name", OPTIONS)
def test_the_op_passes_gradcheck_in_float64(name):
    args = _layer_args(*OPTIONS[name])
    inputs = [a for a in args[:8] if a is not None]

    def layer(*tensors):
        it = iter(tensors)
        given = [next(it) if a is not None else None for a in args[:8]]
        return tuple(torch.ops.grukit.gru_layer(*given, *args[8:])[:2])

    assert torch.autograd.gradcheck(layer, inputs, eps=1e-6, atol=1e-7)


class _Model(torch.nn.Module):
    def __init__(self, **options):
        super().__init__()
        self.gru = GRU(3, 20, 2, backend="fused", **options)  # H 20: the lanes layout between layers on AVX-512
        self.head = torch.nn.Linear(20 * (2 if options.get("bidirectional") else 1), 1)

    def forward(self, x, h0):
        out, h_n = self.gru(x, h0)
        return self.head(out), h_n


@pytest.mark.parametrize("backend", ["aot_eager", "inductor"])
@pytest.mark.parametrize("options", [{}, {"reset": "before", "bidirectional": True, "layer_norm": True}],
                         ids=["plain", "before-bidirectional-layer-norm"])
def test_a_compiled_model_equals_eager(backend, options):
    torch.manual_seed(0)
    model = _Model(**options)
    directions = 2 if options.get("bidirectional") else 1
    x, h0 = torch.randn(5, 150, 3), torch.randn(2 * directions, 150, 20)
    compiled = torch.compile(model, backend=backend, fullgraph=True)
    expected, got = train_step(model, x, h0), train_step(compiled, x, h0)
    for a, b in zip(expected, got):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-5)


def test_export_sees_one_op_per_layer_and_runs_it():
    torch.manual_seed(0)
    model = _Model().eval()
    x, h0 = torch.randn(5, 7, 3), torch.randn(2, 7, 20)
    exported = torch.export.export(model, (x, h0))
    calls = [n for n in exported.graph.nodes if n.op == "call_function" and "grukit.gru_layer" in str(n.target)]
    assert len(calls) == 2
    with torch.no_grad():
        for a, b in zip(exported.module()(x, h0), model(x, h0)):
            assert torch.equal(a, b)


def test_a_layer_without_gradients_skips_the_dispatcher():
    """Eager inference calls the kernel directly (no op overhead); its values equal the op's."""
    args = _layer_args({}, False, dtype=torch.float32)
    with torch.no_grad():
        direct = _fused._forward(args[0], args[1], args[2:8], _fused.LayerSpec(True, None, None, 0.0, None), False)
        op = _fused.layer_op(args[0], args[1], args[2:8], _fused.LayerSpec(True, None, None, 0.0, None), False)
    assert torch.equal(direct[0], op[0]) and torch.equal(direct[1], op[1])


def test_importing_grukit_nn_leaves_torch_compile_unloaded():
    """Registering the ops and marking the lanes query for torch.compile import no torch._dynamo (1.4 s)."""
    import subprocess
    import sys

    code = "import sys, grukit.nn; print('torch._dynamo' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr[-2000:]
