"""``SegmentForecast``: a ``SegmentGRU`` (after SegRNN) in eval mode with its encoder state outside.

The math of :class:`grukit.models.segment.SegmentGRU`, with the encoder's initial state an input
(zeros reproduce the model) and its final state an output (shapes use the legend of
:mod:`grukit.nn.functional`, segments of w rows)::

    e_j = ReLU(W_e vec(x_{(j-1)w+1 .. jw}) + b_e)         j = 1 .. G
    h_j = GRU(e_j, h_{j-1}),  h_0 = h                       h_next = h_G
    g_m = GRU([p_m ; c_s] + W_f vec(f_m), h_G)              m = 1 .. U, all at once
    y_m = W_y g_m + b_y                                     joined and cut to K steps

The segments' rows come from x's time axis, so T must be a multiple of w (``OnnxGraph`` checks
it before running); dropout is off, as in eval mode.
"""

from __future__ import annotations

import copy
from typing import Tuple

import torch
from torch import Tensor, nn

from grukit.export.sequences import from_sequences, per_sequence, sequence_inputs
from grukit.export.stateful_gru import StatefulGRU


def _frozen(module: nn.Module | None) -> nn.Module | None:
    return None if module is None else copy.deepcopy(module).cpu().eval().requires_grad_(False)


class SegmentForecast(nn.Module):
    """A ForecastNet's segment core: (targets, others, h, future) -> (y (B, K, C, Q), h_next (L, S, H))."""

    __constants__ = ["target_size", "horizon", "num_quantiles", "channel_independent", "segment_length",
                     "num_segments_out", "outputs", "future_pad"]

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        segment = net.segment
        self.target_size, self.horizon, self.num_quantiles = net.target_size, net.horizon, net.num_quantiles
        self.channel_independent = bool(net.channel_independent)
        self.segment_length, self.num_segments_out = segment.segment_length, segment.num_segments_out  # w, U
        self.outputs = segment.outputs
        self.future_pad = segment.num_segments_out * segment.segment_length - net.horizon  # U*w - K
        self.encoder = StatefulGRU(segment.gru, batch_first=True)
        self.embed = _frozen(segment.embed)  # Linear(w*I, H), ReLU
        self.position = nn.Parameter(segment.position.detach().clone().cpu(), False)  # (U, H - H_c)
        self.channel = (None if segment.channel is None
                        else nn.Parameter(segment.channel.detach().clone().cpu(), False))  # (C, H_c)
        self.future = _frozen(segment.future)  # Linear(w*F, H) or None
        self.head = _frozen(segment.head[1])  # Linear(H, w*outputs); the Dropout before it is off in eval

    def forward(self, targets: Tensor, others: Tensor, h: Tensor, future: Tensor) -> Tuple[Tensor, Tensor]:
        x = sequence_inputs(targets, others, self.channel_independent)  # (S, T, I)
        sequences, w, m = x.shape[0], self.segment_length, self.num_segments_out
        segments = x.reshape(sequences, -1, w * x.shape[2])  # (S, G, w*I)
        _, h_next = self.encoder(self.embed(segments), h)  # (L, S, H)
        decoder_in = self._decoder_inputs(targets.shape[0], sequences, future)  # (S, U, H)
        layers, hidden = h_next.shape[0], h_next.shape[2]
        h_0 = h_next.unsqueeze(2).expand(-1, -1, m, -1).reshape(layers, sequences * m, hidden)  # (L, S*U, H)
        g, _ = self.encoder(decoder_in.reshape(sequences * m, 1, hidden), h_0)  # (S*U, 1, H)
        y = self.head(g[:, 0]).reshape(sequences, m * w, self.outputs)  # (S, U*w, C'*Q)
        y = from_sequences(y[:, : self.horizon], self.target_size, self.num_quantiles, self.channel_independent)
        return y, h_next  # (B, K, C, Q), (L, S, H)

    def _decoder_inputs(self, batch: int, sequences: int, future: Tensor) -> Tensor:
        """[position ; channel] embeddings (+ the projected known-future features): (S, U, H)."""
        m = self.num_segments_out
        decoder_in = self.position.unsqueeze(0).expand(sequences, -1, -1)  # (S, U, H - H_c)
        channel = self.channel
        if channel is not None:  # sequence b*C + c is channel c
            per_row = channel.unsqueeze(0).expand(batch, -1, -1).reshape(sequences, -1)  # (S, H_c)
            decoder_in = torch.cat([decoder_in, per_row.unsqueeze(1).expand(-1, m, -1)], dim=-1)  # (S, U, H)
        if self.future is not None:
            steps = per_sequence(future, self.target_size, self.channel_independent)  # (S, K, F)
            if self.future_pad > 0:
                zeros = torch.zeros(sequences, self.future_pad, steps.shape[2], dtype=steps.dtype, device=steps.device)
                steps = torch.cat([steps, zeros], dim=1)  # (S, U*w, F), zeros past K (as F.pad, without its Slice)
            decoder_in = decoder_in + self.future(steps.reshape(sequences, m, -1))  # (S, U, H)
        return decoder_in
