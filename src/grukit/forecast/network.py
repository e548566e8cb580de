"""The forecasting network a ``ForecastConfig`` describes: built for training and rebuilt at load."""

from __future__ import annotations

from grukit.forecast.config import ForecastConfig
from grukit.forecast.defaults import member_lookback

__all__ = ["build_net"]


def build_net(config: ForecastConfig, input_size: int, target_size: int, future_size: int, member: int | None = None):
    """The network of ``config``: one ForecastNet, or a MedianEnsemble of ``config.ensemble`` of them.

    ``member=k`` builds member k alone (the ensemble trains its members one at a time); member k
    reads the last ``member_lookback(config, k)`` rows of each window.
    """
    from grukit.models import ForecastNet, MedianEnsemble

    def one(k: int):
        reads = member_lookback(config, k)
        return ForecastNet(
            input_size, target_size, config.horizon, future_size, config.hidden_size, config.num_layers,
            config.dropout, reset=config.reset, layer_norm=config.layer_norm, zoneout=config.zoneout,
            recurrent_dropout=config.recurrent_dropout, strategy=config.strategy, quantiles=tuple(config.quantiles),
            revin=config.revin, channel_independent=config.channel_independent,
            segment_length=config.segment_length, window_norm=config.scaler == "window", observed=config.pad,
            reads=0 if reads == config.lookback else reads,
        )

    if member is not None:
        return one(member)
    if config.ensemble == 1:
        return one(0)
    return MedianEnsemble([one(k) for k in range(config.ensemble)])
