"""Training a :class:`CharLM` with truncated BPTT through :func:`grukit.train.fit`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import torch
import torch.nn.functional as F

from grukit.lm.config import LMConfig
from grukit.lm.lanes import lane_dataset
from grukit.lm.model import CharLM
from grukit.lm.vocab import Vocabulary, split_text
from grukit.train import TrainConfig, TrainResult, fit, seed_everything
from grukit.train.checkpoint import digest

__all__ = ["CarriedStateLoss", "train_lm"]


class CarriedStateLoss:
    """``loss_fn`` for :func:`grukit.train.fit` that carries the hidden state from chunk k to chunk k+1.

        loss = mean over B lanes and T steps of -log p(y_{b,t} | x_{b,1..t}, h_carried)

    Batches are (x, y, chunk) of one chunk index for all B lanes (see :func:`lane_dataset`). The
    state of chunk k, detached (truncated BPTT: gradients stop at the chunk boundary), starts
    chunk k+1; a batch of chunk 0 (each epoch's start, and validation's) starts from zeros.

    Example:
        >>> loss_fn = CarriedStateLoss()
        >>> fit(model, loss_fn, lane_dataset(train, 64, 128), lane_dataset(val, 64, 128),
        ...     TrainConfig(batch_size=64), shuffle=False)
    """

    def __init__(self) -> None:
        self.state: torch.Tensor | None = None  # (L, B, H), detached

    def __call__(self, model: CharLM, batch) -> torch.Tensor:
        x, y, chunk = batch  # (B, T), (B, T), (B,)
        if chunk[0].item() == 0 or self.state is None or self.state.shape[1] != x.shape[0]:
            self.state = None  # a new pass over a stream starts from zeros
        logits, state = model(x, self.state)  # (B, T, V), (L, B, H)
        self.state = state.detach()  # truncate: no gradient flows into the previous chunk
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))  # (B*T, V) vs (B*T,)


def train_lm(text: str, config: LMConfig, train_config: TrainConfig, *, out_dir=None, resume: bool = False,
             callbacks: Iterable = ()) -> tuple[CharLM, Vocabulary, TrainResult]:
    """Build the vocabulary, split the text 90/10 (``val_fraction``), lay both parts out in lanes and train.

    ``train_config.batch_size`` is the number of lanes B. The model comes back in eval mode with
    the weights of the epoch with the lowest validation loss. ``out_dir`` and ``resume`` are
    :func:`grukit.train.fit`'s (metrics.csv and a checkpoint per epoch; continue from it).

    Example:
        >>> model, vocab, result = train_lm(text, LMConfig(hidden_size=256), TrainConfig(epochs=10, batch_size=64))
        >>> result.best_val_loss   # nats per token, state carried across the chunks of each lane
    """
    vocab = Vocabulary.from_text(text, config.vocab)
    train_text, val_text = split_text(text, config.val_fraction)
    lanes, chunk = train_config.batch_size, config.chunk_length
    train_data = lane_dataset(vocab.encode(train_text), lanes, chunk)
    val_data = lane_dataset(vocab.encode(val_text), lanes, chunk)
    seed_everything(train_config.seed)  # the initial weights follow the seed
    model = CharLM(vocab.size, config)
    fingerprint = {"data": digest(text), "options": dataclasses.asdict(config)}
    result = fit(model, CarriedStateLoss(), train_data, val_data, train_config, out_dir=out_dir,
                 resume=resume, callbacks=callbacks, shuffle=False, fingerprint=fingerprint)
    return model, vocab, result
