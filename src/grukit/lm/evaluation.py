"""Scoring a language model on a whole text: nats and bits per character, with the state carried throughout."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from grukit.errors import DataError
from grukit.lm.model import CharLM
from grukit.lm.vocab import Vocabulary

__all__ = ["stream_loss", "evaluate_text"]


def stream_loss(model: CharLM, tokens: np.ndarray, lanes: int = 16, chunk_length: int = 256) -> tuple[float, int]:
    """(sum of -ln p over the scored tokens, their count), reading ``lanes`` parts of the stream in parallel.

    The stream is cut into B lanes of n = (N - 1) // B tokens; each lane is read from a zero state
    in chunks of T (the last may be shorter), carrying the state, so every token but the first of
    a lane is predicted from all of the lane before it. B * n tokens are scored.

    Shapes (legend of :mod:`grukit.nn.functional`): tokens (N,) -> x, y (B, n).

    Example:
        >>> total, count = stream_loss(model, vocab.encode(val_text))
        >>> total / count   # nats per token
    """
    tokens = torch.as_tensor(np.asarray(tokens, dtype=np.int64))
    lane_length = (len(tokens) - 1) // lanes  # n
    if lane_length < 1:
        raise DataError(f"the text has {len(tokens)} tokens; scoring with {lanes} lanes needs at least {lanes + 1}.")
    device = next(model.parameters()).device
    x = tokens[: lanes * lane_length].reshape(lanes, lane_length).to(device)  # (B, n)
    y = tokens[1 : lanes * lane_length + 1].reshape(lanes, lane_length).to(device)  # (B, n)
    model.eval()
    total, state = torch.zeros((), dtype=torch.float64, device=device), None
    with torch.no_grad():
        for start in range(0, lane_length, chunk_length):
            logits, state = model(x[:, start : start + chunk_length], state)  # (B, T, V)
            target = y[:, start : start + chunk_length].reshape(-1)  # (B*T,)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target, reduction="sum").double()
    return total.item(), lanes * lane_length


def evaluate_text(model: CharLM, vocab: Vocabulary, text: str, lanes: int = 16, chunk_length: int = 256) -> dict:
    """``{"nats_per_token", "bits_per_char", "tokens", "chars"}`` of ``text`` (see :func:`stream_loss`).

    bits/char = (total nats) / (characters scored) / ln 2; with a character vocabulary a token is a
    character, with a byte vocabulary the characters are counted in the bytes scored.

    Example:
        >>> evaluate_text(model, vocab, val_text)["bits_per_char"]
    """
    tokens = vocab.encode(text)
    total, count = stream_loss(model, tokens, lanes, chunk_length)
    chars = count
    if vocab.kind == "byte":  # count the characters whose bytes were scored (continuation bytes are not)
        scored = np.asarray(tokens[1 : count + 1])  # the targets of the B lanes, which tile this range
        chars = int(np.sum((scored & 0xC0) != 0x80))
    nats = total / count
    return {"nats_per_token": nats, "bits_per_char": total / max(chars, 1) / math.log(2), "tokens": count,
            "chars": chars}

