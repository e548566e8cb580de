"""Sampling: seeded runs repeat, top-k=1 is greedy, top-k limits the support, the prompt is fed once."""

from __future__ import annotations

import pytest
import torch

from grukit.errors import ConfigError, DataError
from grukit.lm import CharLM, LMConfig, Vocabulary, generate, next_token

TEXT = "the quick brown fox jumps over the lazy dog\n"


@pytest.fixture
def model_and_vocab():
    torch.manual_seed(0)
    vocab = Vocabulary.from_text(TEXT)
    return CharLM(vocab.size, LMConfig(hidden_size=16, num_layers=2)).eval(), vocab


def test_sampling_with_a_seed_repeats(model_and_vocab):
    model, vocab = model_and_vocab
    first = "".join(generate(model, vocab, "the ", 60, temperature=1.0, seed=3))
    again = "".join(generate(model, vocab, "the ", 60, temperature=1.0, seed=3))
    other = "".join(generate(model, vocab, "the ", 60, temperature=1.0, seed=4))
    assert first == again and len(first) == 60 and first != other


def test_top_k_1_is_greedy(model_and_vocab):
    model, vocab = model_and_vocab
    sampled = "".join(generate(model, vocab, "fox", 40, temperature=0.7, top_k=1, seed=0))
    # Greedy decoding by hand, re-running the whole sequence each time (no state carried).
    tokens = vocab.encode("fox").tolist()
    with torch.no_grad():
        for _ in range(40):
            logits, _ = model(torch.tensor([tokens]))
            tokens.append(int(logits[0, -1].argmax()))
    assert sampled == vocab.decode(tokens[3:])


def test_top_k_keeps_only_the_k_most_likely():
    logits = torch.tensor([[0.0, 3.0, 1.0, 2.0, -1.0]]).expand(2000, 5)
    drawn = next_token(logits, temperature=5.0, top_k=2, generator=torch.Generator().manual_seed(0))
    assert set(drawn.tolist()) == {1, 3}


def test_temperature_scales_the_logits():
    logits = torch.tensor([[0.0, 1.0]]).expand(20000, 2)
    generator = torch.Generator().manual_seed(0)
    share = next_token(logits, temperature=0.5, generator=generator).float().mean().item()
    expected = torch.softmax(torch.tensor([0.0, 2.0]), 0)[1].item()  # softmax(l / 0.5)
    assert share == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("temperature, top_k, message", [
    (0.0, None, "temperature must be > 0; got 0.0. Use a small value like 0.1 for nearly greedy sampling, "
                "or --top-k 1 for greedy."),
    (-1.0, None, "temperature must be > 0; got -1.0. Use a small value like 0.1 for nearly greedy sampling, "
                 "or --top-k 1 for greedy."),
    (1.0, 0, "top_k must be an integer >= 1; got 0. Use --top-k 1 for greedy sampling, or leave it out to "
             "sample from every token."),
])
def test_bad_sampling_options(model_and_vocab, temperature, top_k, message):
    model, vocab = model_and_vocab
    with pytest.raises(ConfigError) as err:
        next(generate(model, vocab, "the", 5, temperature=temperature, top_k=top_k))
    assert str(err.value) == message


def test_prompt_outside_the_vocabulary_names_the_characters(model_and_vocab):
    model, vocab = model_and_vocab
    with pytest.raises(DataError) as err:
        next(generate(model, vocab, "The QUICK fox", 5))
    assert str(err.value) == ("prompt has 6 character(s) outside the model's vocabulary: 'T', 'Q', 'U', 'I', "
                              "'C', 'K'; use only characters seen in training.")


def test_the_prompt_is_fed_once_then_one_step_per_character(model_and_vocab):
    model, vocab = model_and_vocab
    calls = {"forward": 0, "step": 0}
    forward, step = model.forward, model.step

    def counting_forward(*args, **kwargs):
        calls["forward"] += 1
        return forward(*args, **kwargs)

    def counting_step(*args, **kwargs):
        calls["step"] += 1
        return step(*args, **kwargs)

    model.forward, model.step = counting_forward, counting_step
    assert len(list(generate(model, vocab, "the lazy", 25, seed=0))) == 25
    assert calls == {"forward": 1, "step": 25}
