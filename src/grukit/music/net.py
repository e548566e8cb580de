"""``PianoRollNet``: a GRU over piano-roll frames with a sigmoid output per key for the next frame.

Shapes use the legend of :mod:`grukit.nn.functional`; a frame has 88 units, one per piano key.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from grukit.music.config import MusicConfig
from grukit.music.data import NUM_KEYS
from grukit.nn import GRU

__all__ = ["PianoRollNet", "build_net", "shift_right", "step_mask", "init_output_bias"]


def shift_right(rolls: Tensor) -> Tensor:
    r"""The inputs that predict every step: a zero frame, then the frames before the last.

    .. math::

        \mathrm{input}_1 = \mathbf{0}, \qquad \mathrm{input}_t = x_{t-1} \quad (t = 2, \dots, T)

    so the model scores all T steps of a sequence, the first one from the zero frame alone (a
    learned "how pieces start" distribution), as a generative model of the whole sequence does.

    Shapes: rolls (B, T, 88) -> (B, T, 88).

    Example:
        >>> shift_right(torch.tensor([[[1.0], [2.0], [3.0]]])).flatten().tolist()
        [0.0, 1.0, 2.0]
    """
    return torch.cat([torch.zeros_like(rolls[:, :1]), rolls[:, :-1]], dim=1)  # (B, T, 88)


def step_mask(lengths: Tensor, steps: int) -> Tensor:
    """True at the real (not padded) steps: (B,) lengths -> (B, T) bool.

    Example:
        >>> step_mask(torch.tensor([2, 1]), 3).tolist()
        [[True, True, False], [True, False, False]]
    """
    return torch.arange(steps, device=lengths.device)[None, :] < lengths[:, None]  # (B, T)


class PianoRollNet(nn.Module):
    r"""Next-frame logits of a piano roll: input dropout, ``grukit.nn.GRU``, dropout, a linear layer.

    .. math::

        h_t = \mathrm{GRU}(\mathrm{input}_t, h_{t-1}), \qquad
        p(x_{t,n} = 1 \mid x_{<t}) = \sigma(W h_t + b)_n

    with ``input_t`` from :func:`shift_right`. The outputs are logits; apply a sigmoid for
    probabilities.

    Args:
        hidden_size, num_layers, dropout: as in ``torch.nn.GRU``; ``dropout`` also drops the last
            layer's outputs before the linear layer.
        input_dropout: dropout on the input frame's units in training (a denoising regularizer).
        reset, zoneout, recurrent_dropout: passed to :class:`grukit.nn.GRU`.
        input_size: units per frame (88 piano keys).

    Shapes: inputs (B, T, 88), lengths (B,) or None, hx (L, B, H) -> logits (B, T, 88), h_n (L, B, H).

    Example:
        >>> net = PianoRollNet(hidden_size=32)
        >>> logits, h = net(torch.zeros(2, 5, 88), torch.tensor([5, 3]))   # (2, 5, 88), (1, 2, 32)
    """

    def __init__(self, hidden_size: int, num_layers: int = 1, dropout: float = 0.0, *, input_dropout: float = 0.0,
                 reset: str = "after", zoneout: float = 0.0, recurrent_dropout: float = 0.0,
                 input_size: int = NUM_KEYS) -> None:
        super().__init__()
        self.input_drop = nn.Dropout(input_dropout)
        self.gru = GRU(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout, reset=reset,
                       zoneout=zoneout, recurrent_dropout=recurrent_dropout)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, input_size)

    def forward(self, inputs: Tensor, lengths: Tensor | None = None, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, h_n = self.gru(self.input_drop(inputs), hx, lengths=lengths)  # (B, T, H), (L, B, H)
        return self.head(self.drop(output)), h_n  # (B, T, 88)

    @torch.no_grad()
    def step(self, frame: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """One step in eval mode: frame (B, 88), hx (L, B, H) or None -> next-frame logits (B, 88), h (L, B, H)."""
        h = self.gru.step(frame, hx)  # (L, B, H)
        return self.head(h[-1]), h


@torch.no_grad()
def init_output_bias(net: PianoRollNet, rolls, floor: float = 1e-4) -> None:
    r"""Start the linear layer's bias at the log-odds of each key's frequency in ``rolls`` (in place).

    .. math::

        b_n = \log \frac{f_n}{1 - f_n}, \qquad f_n = \mathrm{clip}\Big(\frac{1}{N} \sum_{t} x_{t,n},\,
        \epsilon,\, 1 - \epsilon\Big)

    over all N frames (epsilon = ``floor``), so training starts from the note-frequency model (JSB: about 11 nats per
    step instead of 61) and spends its first steps on the sequence, not on the keys never played.

    Example:
        >>> init_output_bias(net, [np.eye(88, dtype=np.uint8)])   # every key on 1 frame in 88  # doctest: +SKIP
    """
    import numpy as np

    frames = np.concatenate([np.asarray(r, dtype=np.float64) for r in rolls])  # (N, 88)
    freq = frames.mean(axis=0).clip(floor, 1 - floor)  # (88,)
    net.head.bias.copy_(torch.as_tensor(np.log(freq / (1 - freq)), dtype=net.head.bias.dtype))


def count_parameters(net: nn.Module) -> int:
    """The number of trainable parameters."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def build_net(config: MusicConfig) -> PianoRollNet:
    """The network a ``MusicConfig`` describes (built for training and rebuilt at load)."""
    return PianoRollNet(config.hidden_size, config.num_layers, config.dropout, input_dropout=config.input_dropout,
                        reset=config.reset, zoneout=config.zoneout, recurrent_dropout=config.recurrent_dropout)
