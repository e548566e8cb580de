"""The classification network a ``ClassifyConfig`` describes: built for training and rebuilt at load."""

from __future__ import annotations

from grukit.classify.config import ClassifyConfig

__all__ = ["build_net"]


def build_net(config: ClassifyConfig, input_size: int, num_classes: int):
    """A ClassifierNet for ``input_size`` channels and ``num_classes`` classes."""
    from grukit.models.classifier_net import ClassifierNet

    return ClassifierNet(
        input_size, num_classes, config.hidden_size, config.num_layers, config.dropout,
        bidirectional=config.bidirectional, pooling=config.pooling, segment_length=config.segment_length,
        reset=config.reset, layer_norm=config.layer_norm, zoneout=config.zoneout,
        recurrent_dropout=config.recurrent_dropout,
    )
