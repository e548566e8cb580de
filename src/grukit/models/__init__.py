"""Models around the GRU core: a recurrent encoder with a task head."""

from grukit.models.regressor import GRURegressor

__all__ = ["GRURegressor"]
