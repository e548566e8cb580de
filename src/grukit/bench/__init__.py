"""Benchmarks of grukit's recurrent layers against PyTorch, run in one process.

``grukit bench gru`` on the command line; :func:`bench_shape` and :func:`format_table` from Python.
"""

from grukit.bench.gru import DEFAULT_GRID, MODES, Result, Shape, bench_shape, format_table

__all__ = ["DEFAULT_GRID", "MODES", "Result", "Shape", "bench_shape", "format_table"]
