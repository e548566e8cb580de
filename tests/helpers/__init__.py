"""Helpers shared by the test modules (no test module imports another): running the CLI
(``cli``), writing small data files (``files``), the GRU parity grid (``parity``), fused-kernel
checks (``kernel``), a parity check run under one GRUKIT_ISA in a subprocess (``isa_parity``) and
export inputs built from a sidecar (``export``)."""
