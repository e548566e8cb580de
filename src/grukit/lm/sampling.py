"""Sampling text from a :class:`CharLM`, one token at a time, with temperature and top-k."""

from __future__ import annotations

from collections.abc import Iterator

import torch

from grukit.errors import ConfigError, DataError
from grukit.lm.model import CharLM
from grukit.lm.vocab import Vocabulary

__all__ = ["next_token", "generate", "check_sampling", "check_prompt", "start_prompt"]


def check_sampling(temperature: float, top_k: int | None) -> None:
    """ConfigError unless temperature > 0 and top_k is None or >= 1."""
    if not temperature > 0:
        raise ConfigError(f"temperature must be > 0; got {temperature!r}. Use a small value like 0.1 for "
                          f"nearly greedy sampling, or --top-k 1 for greedy.")
    if top_k is not None and top_k < 1:
        raise ConfigError(f"top_k must be an integer >= 1; got {top_k!r}. Use --top-k 1 for greedy sampling, "
                          f"or leave it out to sample from every token.")


def check_prompt(vocab: Vocabulary, prompt: str) -> None:
    """ConfigError for an empty prompt; DataError naming the prompt's characters that the vocabulary lacks."""
    if not prompt:
        raise ConfigError("prompt is empty; pass at least one character to start from, e.g. a newline.")
    missing = vocab.unknown(prompt)
    if missing:
        raise DataError(f"prompt has {len(missing)} character(s) outside the model's vocabulary: "
                        f"{', '.join(map(repr, missing[:10]))}; use only characters seen in training.")


def start_prompt(vocab: Vocabulary) -> str:
    """The prompt used when none is given: a newline when the vocabulary has one, else its first character.

    Example:
        >>> start_prompt(Vocabulary.from_text("abcabc"))
        'a'
    """
    return "\n" if not vocab.unknown("\n") else vocab.decode([0])


def next_token(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """Draw one token per row from softmax(logits / temperature), restricted to the top_k most likely.

        p_i ∝ exp(l_i / τ)  for l_i among the k largest logits,  0 otherwise

    Shapes: logits (B, V) -> tokens (B,) int64. ``top_k=1`` is greedy (argmax).

    Example:
        >>> next_token(torch.tensor([[0.0, 5.0, 1.0]]), temperature=0.8, top_k=1).tolist()
        [1]
    """
    check_sampling(temperature, top_k)
    logits = logits.float().cpu() / temperature  # sample on the CPU so a CPU generator works for any device
    if top_k is not None and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]  # (B, 1), the k-th largest
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)  # (B, V)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)  # (B,)


def generate(model: CharLM, vocab: Vocabulary, prompt: str, length: int, temperature: float = 1.0,
             top_k: int | None = None, seed: int | None = None) -> Iterator[str]:
    """Yield the text of each new token as it is drawn (the prompt itself is not yielded).

    The prompt is run once through ``forward``; after that each token costs one ``step`` of the
    carried state. A byte vocabulary yields "" for the leading bytes of a multi-byte character.

    Example:
        >>> for text in generate(model, vocab, "ROMEO:", 500, temperature=0.8, top_k=40, seed=0):
        ...     print(text, end="", flush=True)
    """
    check_sampling(temperature, top_k)
    check_prompt(vocab, prompt)
    generator = torch.Generator()
    if seed is not None:
        generator.manual_seed(seed)
    else:
        generator.seed()
    device = next(model.parameters()).device
    decoder = vocab.decoder()
    next(decoder)
    model.eval()
    with torch.no_grad():
        tokens = torch.as_tensor(vocab.encode(prompt), device=device).unsqueeze(0)  # (1, T), the prompt's T tokens
        logits, state = model(tokens)  # (1, T, V), (L, 1, H)
        logits = logits[:, -1]  # (1, V)
        for _ in range(length):
            token = next_token(logits, temperature, top_k, generator)  # (1,)
            yield decoder.send(int(token))
            logits, state = model.step(token.to(device), state)  # (1, V)
