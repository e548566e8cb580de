"""The grid of GRU options beyond torch.nn.GRU that the variant tests run: reset form, layer norm,
zoneout, recurrent dropout and a learned initial state, each on and off."""

from __future__ import annotations

import itertools

VARIANTS = [
    dict(reset=reset, layer_norm=ln, zoneout=zo, recurrent_dropout=rd, learn_init=li)
    for reset, ln, zo, rd, li in itertools.product(["after", "before"], [False, True], [0.0, 0.3], [0.0, 0.25], [False, True])
]


def variant_id(v):
    """A test id for variant ``v``: key=value pairs."""
    return "-".join(f"{k}={val}" for k, val in v.items())
