"""``ClassifierNet``: many-to-one classification, a GRU encoder pooled over time and a linear head.

Shapes use the legend of :mod:`grukit.nn.functional` (T counts the padded steps, and G =
ceil(T / w) the segments of w steps, G = T when w = 1).

For a batch of padded sequences x (B, T, C) with valid lengths l (B,)::

    e_s   = ReLU(W_e vec(x_{(s-1)w+1 .. sw}) + b_e)   segment embedding, when w > 1 (else e_t = x_t)
    o, h  = GRU(e, lengths=ceil(l / w))               o (B, G, D*H); h the final states
    z     = pool(o, h)                                "last", "mean" or "attention", valid steps only
    logits = W_y Dropout(z) + b_y                     (B, J)

Padding never reaches the result: the input is zeroed past each sequence's length, the GRU
stops at the length, and the pools weigh only the valid steps.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from grukit.nn import GRU

__all__ = ["ClassifierNet", "POOLINGS", "masked_mean", "attention_pool", "last_state", "valid_mask"]

POOLINGS = ("last", "mean", "attention")


# --------------------------------------------------------------------------- pooling math
def valid_mask(lengths: Tensor, steps: int) -> Tensor:
    """m[b, t] = 1[t < l_b] as a (B, T) bool tensor."""
    return torch.arange(steps, device=lengths.device)[None, :] < lengths[:, None]  # (B, T)


def masked_mean(output: Tensor, mask: Tensor) -> Tensor:
    """The mean of the valid steps: z_b = sum_t m_bt o_bt / sum_t m_bt.

    Shapes: output (B, T, D*H), mask (B, T) bool -> (B, D*H).
    """
    weights = mask.to(output.dtype).unsqueeze(-1)  # (B, T, 1)
    return (output * weights).sum(dim=1) / weights.sum(dim=1).clamp_min(1.0)  # (B, D*H)


def attention_pool(output: Tensor, scores: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
    """Softmax attention over the valid steps (Yang et al. 2016, "Hierarchical Attention Networks")::

        alpha_bt = exp(s_bt) m_bt / sum_u exp(s_bu) m_bu        z_b = sum_t alpha_bt o_bt

    with ``scores`` s_bt = v^T tanh(W o_bt + b) computed by the caller.

    Shapes: output (B, T, D*H), scores (B, T), mask (B, T) bool -> z (B, D*H), alpha (B, T).
    """
    scores = scores.masked_fill(~mask, float("-inf"))  # (B, T)
    alpha = torch.softmax(scores, dim=1)  # (B, T); every row has a valid step, so no NaN
    return (alpha.unsqueeze(-1) * output).sum(dim=1), alpha  # (B, D*H), (B, T)


def last_state(h_n: Tensor, num_directions: int) -> Tensor:
    """The last layer's final state of each direction, concatenated: z = [h_fwd ; h_bwd].

    The forward state is taken at each sequence's last valid step; the backward one at step 0,
    after it has read the whole sequence. Shapes: h_n (L*D, B, H) -> (B, D*H).
    """
    top = h_n[-num_directions:]  # (D, B, H)
    return top.transpose(0, 1).reshape(h_n.shape[1], -1)  # (B, D*H)


# --------------------------------------------------------------------------- the module
class ClassifierNet(nn.Module):
    """A GRU over (optionally segmented) sequences, pooled over valid steps, then a linear head.

    Args:
        input_size: C, channels per time step.
        num_classes: J, the logits per sequence.
        hidden_size, num_layers, dropout: the GRU's; ``dropout`` also applies before the head.
        bidirectional: read each sequence both ways (D = 2).
        pooling: "last" (the final states), "mean" (over valid steps) or "attention" (a learned
            score per valid step, softmax-weighted sum); see the module docstring.
        segment_length: w; w > 1 reads the sequence as segments of w steps, each embedded by a
            linear layer with ReLU, so the GRU runs ceil(T / w) steps (faster, and long-range
            structure survives). 1: the GRU reads the steps themselves.
        reset, layer_norm, zoneout, recurrent_dropout: the GRU's options (see :class:`grukit.nn.GRU`).

    Shapes: x (B, T, C), lengths (B,) valid steps or None (all T) -> logits (B, J).

    Example:
        >>> net = ClassifierNet(input_size=3, num_classes=4, hidden_size=16, bidirectional=True,
        ...                     pooling="attention")
        >>> net(torch.randn(8, 20, 3), lengths=torch.randint(2, 21, (8,))).shape
        torch.Size([8, 4])
    """

    def __init__(
        self,
        input_size: int,
        num_classes: int,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        *,
        bidirectional: bool = False,
        pooling: str = "last",
        segment_length: int = 1,
        reset: str = "after",
        layer_norm: bool = False,
        zoneout: float = 0.0,
        recurrent_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"ClassifierNet: pooling must be one of {', '.join(map(repr, POOLINGS))}; "
                             f"got {pooling!r}.")
        for name, value in (("input_size", input_size), ("num_classes", num_classes),
                            ("segment_length", segment_length)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"ClassifierNet: {name} must be an integer >= 1; got {value!r}.")
        self.input_size, self.num_classes, self.pooling = input_size, num_classes, pooling
        self.segment_length = segment_length
        gru_input = input_size
        self.embed = None
        if segment_length > 1:
            self.embed = nn.Sequential(nn.Linear(segment_length * input_size, hidden_size), nn.ReLU())
            gru_input = hidden_size
        self.gru = GRU(gru_input, hidden_size, num_layers, batch_first=True, dropout=dropout,
                       bidirectional=bidirectional, reset=reset, layer_norm=layer_norm, zoneout=zoneout,
                       recurrent_dropout=recurrent_dropout)
        features = self.gru.num_directions * hidden_size  # D*H
        self.score = (nn.Sequential(nn.Linear(features, hidden_size), nn.Tanh(), nn.Linear(hidden_size, 1, bias=False))
                      if pooling == "attention" else None)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(features, num_classes))

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(f"ClassifierNet: expected x of shape (B, T, {self.input_size}); got {tuple(x.shape)}.")
        batch, steps, _ = x.shape
        if lengths is None:
            lengths = torch.full((batch,), steps, dtype=torch.int64, device=x.device)
        lengths = lengths.to(device=x.device, dtype=torch.int64)
        x = x * valid_mask(lengths, steps).unsqueeze(-1).to(x.dtype)  # (B, T, C), zero past each length
        x, lengths = self._segments(x, lengths)  # (B, G, C or H), (B,)
        output, h_n = self.gru(x, lengths=lengths.cpu())  # (B, G, D*H), (L*D, B, H)
        return self.head(self.pool(output, h_n, lengths))  # (B, J)

    def _segments(self, x: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """Embed segments of w steps (the last one zero-padded): (B, T, C) -> (B, G, H), lengths ceil(l / w)."""
        w = self.segment_length
        if self.embed is None:
            return x, lengths
        batch, steps, channels = x.shape
        pad = -steps % w
        x = nn.functional.pad(x, (0, 0, 0, pad))  # (B, G*w, C)
        segments = x.reshape(batch, (steps + pad) // w, w * channels)  # (B, G, w*C)
        return self.embed(segments), (lengths + w - 1) // w

    def pool(self, output: Tensor, h_n: Tensor, lengths: Tensor) -> Tensor:
        """One (B, D*H) vector per sequence from the GRU's output (B, G, D*H) and final states."""
        if self.pooling == "last":
            return last_state(h_n, self.gru.num_directions)
        mask = valid_mask(lengths, output.shape[1])  # (B, G)
        if self.pooling == "mean":
            return masked_mean(output, mask)
        return attention_pool(output, self.score(output).squeeze(-1), mask)[0]
