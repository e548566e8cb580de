"""The ctypes mirrors of the kernel's argument structs are checked against the compiled structs at load."""

from __future__ import annotations

import ctypes

import pytest

from grukit.nn import _kernel
from grukit.nn._kernel import GruArgs, LayoutMismatch, MinGruArgs, check_layout
from helpers.kernel import requires_kernel

pytestmark = requires_kernel


def _struct(fields):
    return type("Mirror", (ctypes.Structure,), {"_fields_": fields})


@pytest.mark.parametrize("prefix, structure", [("gru_args", GruArgs), ("mingru_args", MinGruArgs)])
def test_the_mirrors_match_the_compiled_structs(prefix, structure):
    check_layout(_kernel.load().library, prefix, structure)  # raises on any difference


def test_a_moved_a_missing_and_a_retyped_field_are_named():
    library, fields = _kernel.load().library, list(GruArgs._fields_)
    swapped = fields[:3] + [fields[4], fields[3]] + fields[5:]
    retyped = [("zoneout_p", ctypes.c_float) if name == "zoneout_p" else (name, kind) for name, kind in fields]
    cases = [(swapped, "Mirror lists ['D'] where the compiled struct has ['H'] (field 3)"),
             (fields[:-1], "Mirror lists no field where the compiled struct has ['out_lanes'] (field 42)"),
             (retyped, "Mirror's field 'zoneout_p' has another offset or size")]
    for mirror, message in cases:
        with pytest.raises(LayoutMismatch) as error:
            check_layout(library, "gru_args", _struct(mirror))
        assert str(error.value) == message


def test_a_wrong_mirror_makes_the_kernel_unavailable_with_the_reason(monkeypatch):
    monkeypatch.setattr(_kernel, "_state", {})
    monkeypatch.setattr(_kernel, "GruArgs", _struct(list(GruArgs._fields_)[:-1]))
    assert _kernel.load() is None
    assert _kernel.unavailable_reason() == (
        "its argument layout is out of date: Mirror lists no field where the compiled struct has ['out_lanes'] "
        "(field 42); update the mirror in grukit/nn/_kernel.py")
