"""A segment-wise GRU encoder with a parallel multi-step decoder, after SegRNN (Lin et al. 2023).

A point-wise GRU takes T steps to read a lookback of T values and one step per forecast value
when it decodes; both are slow and the many steps blur long-range structure. Here the lookback is
cut into G = T / w segments of w steps each, so the GRU runs G steps instead of T, and the
horizon is decoded as U = ceil(K / w) segments, all in parallel from the encoder's last state.

Shapes use the legend of :mod:`grukit.nn.functional` (S = B, or B*C when channels are independent).

Encoder, for segment j of sequence s (its w steps of I features flattened)::

    e_j = ReLU(W_e vec(x_{(j-1)w+1 .. jw}) + b_e)        e_j in R^H
    h_j = GRU(e_j, h_{j-1}),  h_0 = 0                      h_G: the summary of the lookback

Decoder, for output segment m (m = 1 .. U), every m at once::

    d_m = [p_m ; c_s]            learned position embedding p_m (H - H_c) and channel embedding c_s (H_c)
                                 (H_c = H / 2 with independent channels, else 0: d_m = p_m)
    d_m = d_m + W_f vec(f_m)     plus the known-future features of the segment's steps, when there are any
    g_m = GRU(d_m, h_G)          one step of the same GRU from the encoder's state
    y_m = W_y Dropout(g_m) + b_y    in R^{w * outputs}; the U segments are joined and cut to K steps

Where this differs from the paper: SegRNN is channel-independent only and has no covariates or
known-future inputs; here all channels may share one sequence, each segment's covariates are
part of its embedding, and the decoder may add known-future (calendar) features. SegRNN
normalizes by subtracting the last value; ForecastNet's RevIN plays that role.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from grukit.nn import GRU


class SegmentGRU(nn.Module):
    """Encode (S, T, I) sequences segment-wise and decode K steps of ``outputs`` values in parallel.

    Args:
        input_size: I, features per time step (target channels of the sequence, covariates, calendar).
        outputs: values per forecast step (target channels of the sequence times quantiles).
        horizon: K, forecast steps.
        segment_length: w, time steps per segment; the lookback must be a multiple of it.
        hidden_size: H, the segment embedding and GRU width.
        num_layers, dropout, reset, layer_norm, zoneout, recurrent_dropout: the GRU's options;
            ``dropout`` also applies to the decoder's GRU outputs before the segment head.
        num_channels: C, the channels whose sequences share the weights; C > 1 gives each a
            learned embedding, 0 or 1 none.
        future_size: F, known-future features per forecast step (0: none).

    Shapes: x (S, T, I), future (S, K, F) or None, channel (S,) channel ids or None -> (S, K, outputs).

    Example:
        >>> seg = SegmentGRU(input_size=1, outputs=1, horizon=96, segment_length=48, hidden_size=64,
        ...                  num_channels=7)
        >>> y = seg(torch.randn(14, 96, 1), channel=torch.arange(7).repeat(2))   # (14, 96, 1)
    """

    def __init__(
        self,
        input_size: int,
        outputs: int,
        horizon: int,
        segment_length: int,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        *,
        num_channels: int = 0,
        future_size: int = 0,
        reset: str = "after",
        layer_norm: bool = False,
        zoneout: float = 0.0,
        recurrent_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if segment_length < 1:
            raise ValueError(f"SegmentGRU: segment_length must be at least 1; got {segment_length}.")
        channel_size = hidden_size // 2 if num_channels > 1 else 0
        if hidden_size - channel_size < 1:
            raise ValueError(f"SegmentGRU: hidden_size must be at least 2 with a channel embedding; got {hidden_size}.")
        self.segment_length, self.horizon, self.outputs = segment_length, horizon, outputs
        self.num_segments_out = math.ceil(horizon / segment_length)  # U
        self.embed = nn.Sequential(nn.Linear(segment_length * input_size, hidden_size), nn.ReLU())
        self.gru = GRU(hidden_size, hidden_size, num_layers, batch_first=True, dropout=dropout, reset=reset,
                       layer_norm=layer_norm, zoneout=zoneout, recurrent_dropout=recurrent_dropout)
        self.position = nn.Parameter(torch.randn(self.num_segments_out, hidden_size - channel_size))  # (U, H - H_c)
        self.channel = nn.Parameter(torch.randn(num_channels, channel_size)) if channel_size else None  # (C, H_c)
        self.future = nn.Linear(segment_length * future_size, hidden_size) if future_size else None
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden_size, segment_length * outputs))

    def forward(self, x: Tensor, future: Tensor | None = None, channel: Tensor | None = None) -> Tensor:
        sequences, lookback, features = x.shape
        w, m = self.segment_length, self.num_segments_out
        if lookback % w:
            raise ValueError(f"SegmentGRU: the lookback ({lookback} steps) must be a multiple of segment_length "
                             f"({w}); got a remainder of {lookback % w}. Choose a segment_length that divides it.")
        segments = x.reshape(sequences, lookback // w, w * features)  # (S, G, w*I)
        _, h_n = self.gru(self.embed(segments))  # (L, S, H)
        decoder_in = self._decoder_inputs(sequences, future, channel)  # (S, U, H)
        h_0 = h_n.repeat_interleave(m, dim=1)  # (L, S*U, H)
        g, _ = self.gru(decoder_in.reshape(sequences * m, 1, -1), h_0)  # (S*U, 1, H)
        y = self.head(g[:, 0]).reshape(sequences, m * w, self.outputs)  # (S, U*w, outputs)
        return y[:, : self.horizon]  # (S, K, outputs)

    def _decoder_inputs(self, sequences: int, future: Tensor | None, channel: Tensor | None) -> Tensor:
        """[position ; channel] embeddings (+ the projected known-future features): (S, U, H)."""
        m = self.num_segments_out
        parts = [self.position.expand(sequences, -1, -1)]  # (S, U, H - H_c)
        if self.channel is not None:
            if channel is None:
                raise ValueError("SegmentGRU: this model has channel embeddings; pass channel, the (S,) channel ids.")
            parts.append(self.channel[channel].unsqueeze(1).expand(-1, m, -1))  # (S, U, H_c)
        decoder_in = torch.cat(parts, dim=-1)  # (S, U, H)
        if self.future is not None:
            if future is None:
                raise ValueError("SegmentGRU: this model was built with future_size > 0; pass future (S, K, F).")
            pad = m * self.segment_length - future.shape[1]
            future = nn.functional.pad(future, (0, 0, 0, pad))  # (S, U*w, F), zeros past the horizon
            decoder_in = decoder_in + self.future(future.reshape(sequences, m, -1))  # (S, U, H)
        return decoder_in
