"""``CharLM``: embedding -> recurrent layers -> linear head, with a ``step`` for streaming."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from grukit.lm.config import LMConfig
from grukit.nn import GRU, MinGRU

__all__ = ["CharLM"]


class CharLM(nn.Module):
    """A character (or byte) language model: p(x_{t+1} | x_1..x_t) = softmax(W h_t + b).

        e_t = dropout(E[x_t]),   h_t = RNN(e_t, h_{t-1}),   logits_t = W dropout(h_t^{(L)}) + b

    The RNN is ``grukit.nn.GRU`` with every option of the config, or ``grukit.nn.MinGRU``
    (residual). With ``tie_weights`` the head's W is the embedding matrix E (Press & Wolf 2017).

    Shapes (the legend of :mod:`grukit.nn.functional`): tokens (B, T) int64 -> logits (B, T, V);
    state (L, B, H).

    Example:
        >>> model = CharLM(65, LMConfig(hidden_size=32, num_layers=2))
        >>> logits, h = model(torch.randint(0, 65, (4, 10)))   # (4, 10, 65), (2, 4, 32)
        >>> logits_t, h = model.step(torch.tensor([3, 1, 4, 1]), h)   # (4, 65), (2, 4, 32)
    """

    def __init__(self, vocab_size: int, config: LMConfig) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.config = config
        embedding_size = config.embedding_size or config.hidden_size
        self.embedding = nn.Embedding(vocab_size, embedding_size)
        if config.cell == "gru":
            self.rnn = GRU(embedding_size, config.hidden_size, config.num_layers, batch_first=True,
                           dropout=config.dropout if config.num_layers > 1 else 0.0, reset=config.reset,
                           layer_norm=config.layer_norm, zoneout=config.zoneout,
                           recurrent_dropout=config.recurrent_dropout, backend=config.backend)
        else:
            self.rnn = MinGRU(embedding_size, config.hidden_size, config.num_layers, batch_first=True,
                              residual=True, dropout=config.dropout)
        self.head = nn.Linear(config.hidden_size, vocab_size)
        if config.tie_weights:
            self.head.weight = self.embedding.weight

    def forward(self, tokens: Tensor, state: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Logits for every position and the final state; ``state`` None starts from zeros."""
        e = F.dropout(self.embedding(tokens), self.config.dropout, self.training)  # (B, T, E)
        output, state = self.rnn(e, state)  # (B, T, H), (L, B, H)
        return self.head(F.dropout(output, self.config.dropout, self.training)), state  # (B, T, V)

    def step(self, token: Tensor, state: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """One token per sequence in, the next token's logits out: (B,) -> (B, V), state (L, B, H).

        A loop of ``step`` gives the logits of ``forward`` (in eval mode).
        """
        e = self.embedding(token)  # (B, E)
        if isinstance(self.rnn, MinGRU):
            output, state = self.rnn.step_with_output(e, state)  # (B, H), (L, B, H)
        else:
            state = self.rnn.step(e, state)  # (L, B, H)
            output = state[-1]  # (B, H)
        return self.head(output), state

    def weights_to_save(self) -> dict[str, Tensor]:
        """The state_dict, without the head's weight when it is the embedding's (safetensors refuses shared memory)."""
        state = self.state_dict()
        if self.config.tie_weights:
            del state["head.weight"]
        return state

    def load_saved_weights(self, state: dict[str, Tensor]) -> None:
        """Load what :meth:`weights_to_save` returned (strict: every other key must match)."""
        if self.config.tie_weights:
            state = {**state, "head.weight": state["embedding.weight"]}
        self.load_state_dict(state)
