"""Column names of the forecast tables that ``predict`` and ``cross_validation`` return."""

from __future__ import annotations

__all__ = ["quantile_column"]


def quantile_column(target: str, q: float | None) -> str:
    """The column of ``predict()``'s output holding quantile q of ``target`` (the median, or no quantile:
    the target's own name).

    Example:
        >>> quantile_column("sales", 0.9), quantile_column("sales", 0.5)
        ('sales_q0.9', 'sales')
    """
    return target if q in (None, 0.5) else f"{target}_q{q:g}"
