"""Column names of the forecast tables that ``predict`` and ``cross_validation`` return."""

from __future__ import annotations

__all__ = ["median_index", "quantile_column"]


def quantile_column(target: str, q: float | None) -> str:
    """The column of ``predict()``'s output holding quantile q of ``target`` (the median, or no quantile:
    the target's own name).

    Example:
        >>> quantile_column("sales", 0.9), quantile_column("sales", 0.5)
        ('sales_q0.9', 'sales')
    """
    return target if q in (None, 0.5) else f"{target}_q{q:g}"


def median_index(quantiles: list[float]) -> int:
    """The index along Q of the point forecast: the quantile nearest 0.5, or 0 without quantiles.

    Example:
        >>> median_index([0.1, 0.5, 0.9]), median_index([])
        (1, 0)
    """
    if not quantiles:
        return 0
    return min(range(len(quantiles)), key=lambda i: abs(quantiles[i] - 0.5))
