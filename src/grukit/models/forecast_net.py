"""``ForecastNet``: a GRU encoder with a direct multi-horizon head or a recursive one-step head."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from grukit.models.revin import RevIN
from grukit.models import window_norm as wn
from grukit.models.segment import SegmentGRU
from grukit.nn import GRU

STRATEGIES = ("direct", "recursive")


class ForecastNet(nn.Module):
    """Forecast K steps of C target channels from T past steps.

    Shapes use the legend of :mod:`grukit.nn.functional`; the GRU reads S = B sequences, or B*C
    with independent channels, whose C' is 1 (else C). Input layout: x (B, T, I) holds, in this
    order, the C target channels (scaled), P past covariates and F calendar features of the past
    steps; ``future`` (B, K, F) holds the calendar features of the K forecast steps (known in
    advance). Output (B, K, C, Q): Q quantiles per value, Q = 1 for a point forecast.

    Strategies:
        direct     y = Linear([h_T ; future]) gives all K steps in one pass from the encoder's
                   last state h_T.
        recursive  a one-step model: y_{t+1} = Linear(h_t). Training feeds the true values (teacher
                   forcing: one pass over the lookback and the horizon); forecasting feeds each
                   prediction back and carries the GRU state with ``GRU.step``, so the lookback is
                   encoded once. Needs every input known in the future, so no past covariates.

    Options:
        revin: reversible instance normalization of the target channels per window.
        channel_independent: every target channel is its own sequence through shared weights
            (with the covariates and calendar features beside it), as in PatchTST/SegRNN.
        quantiles: e.g. (0.1, 0.5, 0.9), trained with the pinball loss; empty for a point forecast.
        segment_length: w > 0 reads the lookback as segments of w steps and decodes the horizon as
            segments in parallel (:class:`grukit.models.segment.SegmentGRU`, after SegRNN); the
            lookback must be a multiple of w. Direct strategy only. 0 (default): step-wise GRU.
        window_norm: centre each window's targets on their last value and divide by their spread
            (:mod:`grukit.models.window_norm`); the head starts at zero, so an untrained net
            forecasts the naive "no change".
        observed: input channel C (right after the targets) is the observed mask, 1 for a real row
            and 0 for left padding of a short series; padded rows are zeroed before the GRU.
        reads: 0 reads the whole window; r > 0 reads only its last r rows (ensemble members that
            look back less than the window).

    Example:
        >>> net = ForecastNet(input_size=7, target_size=7, horizon=24, hidden_size=64,
        ...                   channel_independent=True, revin=True)
        >>> y = net(torch.randn(32, 96, 7))   # (32, 24, 7, 1)
    """

    def __init__(
        self,
        input_size: int,
        target_size: int,
        horizon: int,
        future_size: int = 0,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        *,
        reset: str = "after",
        layer_norm: bool = False,
        zoneout: float = 0.0,
        recurrent_dropout: float = 0.0,
        strategy: str = "direct",
        quantiles: tuple[float, ...] = (),
        revin: bool = False,
        channel_independent: bool = False,
        segment_length: int = 0,
        window_norm: bool = False,
        observed: bool = False,
        reads: int = 0,
    ) -> None:
        super().__init__()
        if strategy not in STRATEGIES:
            raise ValueError(f"ForecastNet: strategy must be 'direct' or 'recursive'; got {strategy!r}.")
        covariates = input_size - target_size - future_size
        if covariates < 0:
            raise ValueError(f"ForecastNet: input_size={input_size} must hold target_size={target_size} and "
                             f"future_size={future_size} channels.")
        if strategy == "recursive" and covariates > 0:
            raise ValueError(f"ForecastNet: the recursive strategy feeds its forecasts back, so every input must be "
                             f"known in the future; got {covariates} past covariates. Use strategy='direct'.")
        if segment_length < 0:
            raise ValueError(f"ForecastNet: segment_length must be 0 (off) or a positive step count; "
                             f"got {segment_length}.")
        if segment_length and strategy != "direct":
            raise ValueError(f"ForecastNet: segment_length={segment_length} decodes the horizon in parallel, which "
                             f"needs strategy='direct'; got {strategy!r}. Use strategy='direct' or segment_length=0.")
        self.input_size, self.target_size, self.horizon, self.future_size = input_size, target_size, horizon, future_size
        self.strategy, self.channel_independent, self.segment_length = strategy, channel_independent, segment_length
        self.window_norm, self.observed, self.reads = window_norm, observed, reads
        self.register_buffer("quantiles", torch.tensor(quantiles, dtype=torch.float32), persistent=False)
        self.num_quantiles = max(1, len(quantiles))
        series_targets = 1 if channel_independent else target_size  # C' targets per sequence
        self.revin = RevIN(target_size) if revin else None
        if segment_length:
            self.segment = SegmentGRU(
                series_targets + covariates + future_size, series_targets * self.num_quantiles, horizon,
                segment_length, hidden_size, num_layers, dropout, future_size=future_size,
                num_channels=target_size if channel_independent else 0, reset=reset, layer_norm=layer_norm,
                zoneout=zoneout, recurrent_dropout=recurrent_dropout)
            return
        self.gru = GRU(series_targets + covariates + future_size, hidden_size, num_layers, batch_first=True,
                       dropout=dropout, reset=reset, layer_norm=layer_norm, zoneout=zoneout,
                       recurrent_dropout=recurrent_dropout)
        outputs = series_targets * self.num_quantiles
        if strategy == "direct":
            self.head = nn.Linear(hidden_size + horizon * future_size, horizon * outputs)
        else:
            self.head = nn.Linear(hidden_size, outputs)
        if window_norm:  # start from the naive forecast: y' = 0 is "the last value, unchanged"
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    # ----------------------------------------------------------------- layout helpers
    def _sequence_inputs(self, targets: Tensor, others: Tensor) -> Tensor:
        """Targets (B, T, C) and the other inputs (B, T, P+F) -> GRU input (S, T, C'+P+F)."""
        if not self.channel_independent:
            return torch.cat([targets, others], dim=-1)
        channels = targets.shape[-1]
        per_channel = targets.transpose(1, 2).unsqueeze(-1)  # (B, C, T, 1)
        others = others.unsqueeze(1).expand(-1, channels, -1, -1)  # (B, C, T, P+F)
        return torch.cat([per_channel, others], dim=-1).flatten(0, 1)  # (B*C, T, 1+P+F)

    def _from_sequences(self, y: Tensor, batch: int) -> Tensor:
        """Head output (S, K, C'*Q) -> (B, K, C, Q)."""
        if not self.channel_independent:
            return y.unflatten(-1, (self.target_size, self.num_quantiles))
        y = y.unflatten(0, (batch, self.target_size))  # (B, C, K, Q)
        return y.transpose(1, 2)  # (B, K, C, Q)

    def _point(self, y: Tensor) -> Tensor:
        """(..., Q) -> (...): the median quantile, or the only value."""
        if self.num_quantiles == 1:
            return y[..., 0]
        return y[..., int(torch.argmin((self.quantiles - 0.5).abs()))]

    def window_scale(self, x: Tensor) -> Tensor | None:
        """The per-window scale (B, 1, C) that ``window_norm`` divides by, or None without it.

        Training losses divide errors by it, so every window weighs the same whatever its units.
        """
        if not self.window_norm:
            return None
        if self.reads:
            x = x[:, -self.reads :]
        mask = x[..., self.target_size : self.target_size + 1] if self.observed else None
        return wn.window_stats(x[..., : self.target_size], mask)[1]

    def window_step(self, x: Tensor) -> Tensor:
        """The mean absolute one-step change of each window's targets (B, 1, C), as the member reads it."""
        if self.reads:
            x = x[:, -self.reads :]
        mask = x[..., self.target_size : self.target_size + 1] if self.observed else None
        return wn.mean_step(x[..., : self.target_size], mask)

    # ----------------------------------------------------------------- forward
    def forward(self, x: Tensor, future: Tensor | None = None, y: Tensor | None = None) -> Tensor:
        """x (B, T, I), future (B, K, F), y (B, K, C) true values for teacher forcing -> (B, K, C, Q).

        ``y`` is used only by the recursive strategy in training mode.
        """
        batch = x.shape[0]
        if self.reads:
            x = x[:, -self.reads :]  # (B, r, I): the last r rows
        targets, others = x[..., : self.target_size], x[..., self.target_size :]  # (B, T, C), (B, T, P+F)
        mask = others[..., :1] if self.observed else None  # (B, T, 1) observed rows
        window = None
        if self.window_norm:
            window = wn.window_stats(targets, mask)  # (level, scale), each (B, 1, C)
            targets = wn.normalize(targets, *window, mask)
            if y is not None:
                y = wn.normalize(y, *window)
        elif mask is not None:
            targets = targets * mask
        stats = None
        if self.revin is not None:
            targets, stats = self.revin.normalize(targets)
        if self.segment_length:
            out = self._segments(targets, others, future, batch)
        elif self.strategy == "direct":
            out = self._direct(targets, others, future, batch)
        elif self.training and y is not None:
            if self.revin is not None:
                y = (y - stats[0]) / stats[1] * self.revin.gamma + self.revin.beta
            out = self._teacher_forced(targets, others, future, y, batch)
        else:
            out = self._rollout(targets, others, future, batch)
        if self.revin is not None:
            out = self.revin.denormalize(out, stats)
        return out if window is None else wn.denormalize(out, *window)

    def _direct(self, targets: Tensor, others: Tensor, future: Tensor | None, batch: int) -> Tensor:
        _, h_n = self.gru(self._sequence_inputs(targets, others))  # h_n (L, S, H)
        features = h_n[-1]
        if self.future_size:
            flat_future = future.flatten(1)  # (B, K*F)
            if self.channel_independent:
                flat_future = flat_future.repeat_interleave(self.target_size, dim=0)  # (B*C, K*F)
            features = torch.cat([features, flat_future], dim=-1)
        y = self.head(features).unflatten(-1, (self.horizon, -1))  # (S, K, C'*Q)
        return self._from_sequences(y, batch)

    def _segments(self, targets: Tensor, others: Tensor, future: Tensor | None, batch: int) -> Tensor:
        channel = None
        if self.channel_independent:
            channel = torch.arange(self.target_size, device=targets.device).repeat(batch)  # (B*C,) channel ids
            if future is not None:
                future = future.repeat_interleave(self.target_size, dim=0)  # (B*C, K, F)
        y = self.segment(self._sequence_inputs(targets, others), future, channel)  # (S, K, C'*Q)
        return self._from_sequences(y, batch)

    def _teacher_forced(self, targets: Tensor, others: Tensor, future: Tensor | None, y: Tensor, batch: int) -> Tensor:
        """One pass over lookback + the first K-1 true future values; the last K outputs predict y."""
        fed = torch.cat([targets, y[:, :-1]], dim=1)  # (B, T+K-1, C)
        calendar = fed[..., :0] if future is None else torch.cat([others, future[:, :-1]], dim=1)  # (B, T+K-1, F)
        output, _ = self.gru(self._sequence_inputs(fed, calendar))  # (S, T+K-1, H)
        return self._from_sequences(self.head(output[:, -self.horizon :]), batch)  # (B, K, C, Q)

    def _rollout(self, targets: Tensor, others: Tensor, future: Tensor | None, batch: int) -> Tensor:
        """Encode the lookback once, then feed each forecast back, carrying the GRU state."""
        output, h = self.gru(self._sequence_inputs(targets, others))  # (S, T, H), (L, S, H)
        step_out = output[:, -1]  # (S, H)
        predictions = []
        for k in range(self.horizon):
            y_k = self._from_sequences(self.head(step_out).unsqueeze(1), batch)  # (B, 1, C, Q)
            predictions.append(y_k)
            if k + 1 < self.horizon:
                fed = self._point(y_k)  # (B, 1, C)
                calendar = future[:, k : k + 1] if self.future_size else fed[..., :0]  # (B, 1, F)
                h = self.gru.step(self._sequence_inputs(fed, calendar)[:, 0], h)
                step_out = h[-1]
        return torch.cat(predictions, dim=1)  # (B, K, C, Q)
