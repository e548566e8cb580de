"""CharLM: step equals forward, weight tying, save/load, scoring in nats and bits, the vocabulary."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grukit.errors import ConfigError, ModelFileError
from grukit.lm import CharLM, LMConfig, Vocabulary, bundled_text, evaluate_text, load_lm, save_lm, stream_loss
import grukit.lm


@pytest.mark.parametrize("config", [
    LMConfig(hidden_size=16, num_layers=2),
    LMConfig(hidden_size=16, num_layers=3, reset="before", layer_norm=True, zoneout=0.1),
    LMConfig(hidden_size=16, num_layers=2, tie_weights=True),
    LMConfig(cell="mingru", hidden_size=16, num_layers=2),
], ids=["gru", "gru-options", "tied", "mingru"])
def test_step_by_step_logits_equal_the_full_sequence_forward(config):
    torch.manual_seed(0)
    model = CharLM(9, config).double().eval()
    tokens = torch.randint(0, 9, (3, 20))
    full, h_full = model(tokens)  # (3, 20, 9)
    state, steps = None, []
    for t in range(20):
        logits, state = model.step(tokens[:, t], state)
        steps.append(logits)
    torch.testing.assert_close(torch.stack(steps, 1), full, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(state, h_full, rtol=1e-10, atol=1e-10)


def test_tied_weights_share_one_matrix_and_count_once():
    tied = CharLM(20, LMConfig(hidden_size=8, num_layers=1, tie_weights=True))
    untied = CharLM(20, LMConfig(hidden_size=8, num_layers=1))
    assert tied.head.weight is tied.embedding.weight
    assert sum(p.numel() for p in untied.parameters()) - sum(p.numel() for p in tied.parameters()) == 20 * 8


def test_tying_needs_equal_sizes():
    with pytest.raises(ConfigError) as err:
        CharLM(5, LMConfig(hidden_size=8, embedding_size=4, tie_weights=True))
    assert str(err.value) == ("LMConfig: tie_weights needs embedding_size == hidden_size; got embedding_size=4, "
                              "hidden_size=8. Set embedding_size to 0.")


@pytest.mark.parametrize("tie", [False, True])
def test_save_and_load_give_the_same_logits(tmp_path, tie):
    torch.manual_seed(0)
    vocab = Vocabulary.from_text("hello world")
    model = CharLM(vocab.size, LMConfig(hidden_size=8, num_layers=2, tie_weights=tie)).eval()
    save_lm(tmp_path / "m", model, vocab, {"note": 1})
    loaded, loaded_vocab, document = load_lm(tmp_path / "m")
    assert loaded_vocab == vocab and document["note"] == 1 and not loaded.training
    tokens = torch.as_tensor(vocab.encode("hello")).unsqueeze(0)
    torch.testing.assert_close(loaded(tokens)[0], model(tokens)[0], rtol=0, atol=0)
    assert (loaded.head.weight is loaded.embedding.weight) == tie


def test_loading_a_folder_that_is_not_an_lm_model(tmp_path):
    with pytest.raises(ModelFileError) as err:
        load_lm(tmp_path / "nothing")
    assert str(err.value) == (f"model folder {tmp_path / 'nothing'} does not exist; pass the --out folder of a "
                              f"training run.")


def test_stream_loss_is_the_mean_cross_entropy_with_the_state_carried_through_each_lane():
    torch.manual_seed(0)
    model = CharLM(6, LMConfig(hidden_size=8, num_layers=2)).double().eval()
    tokens = np.random.default_rng(0).integers(0, 6, 83)
    total, count = stream_loss(model, tokens, lanes=2, chunk_length=7)  # S = 41, the last chunk shorter
    x = torch.as_tensor(tokens[:82]).reshape(2, 41)
    y = torch.as_tensor(tokens[1:83]).reshape(2, 41)
    logits, _ = model(x)  # one pass over each whole lane
    expected = F.cross_entropy(logits.reshape(-1, 6), y.reshape(-1), reduction="sum").item()
    assert count == 82 and total == pytest.approx(expected, rel=1e-12)


def test_bits_per_char_is_nats_over_ln2_and_bytes_count_characters():
    torch.manual_seed(0)
    text = "abcab" * 20
    vocab = Vocabulary.from_text(text)
    model = CharLM(vocab.size, LMConfig(hidden_size=4, num_layers=1)).eval()
    scores = evaluate_text(model, vocab, text, lanes=1)
    assert scores["bits_per_char"] == pytest.approx(scores["nats_per_token"] / math.log(2), rel=1e-12)
    assert scores["tokens"] == scores["chars"] == 99
    byte_vocab = Vocabulary.from_text("", "byte")
    model = CharLM(256, LMConfig(vocab="byte", hidden_size=4, num_layers=1)).eval()
    scores = evaluate_text(model, byte_vocab, "aé" * 10, lanes=1)  # 30 bytes, 20 characters
    assert scores["tokens"] == 29 and scores["chars"] == 19  # the 29 targets hold 19 character starts
    total_nats = scores["nats_per_token"] * 29
    assert scores["bits_per_char"] == pytest.approx(total_nats / 19 / math.log(2), rel=1e-12)


def test_vocabulary_round_trip_and_byte_decoder():
    vocab = Vocabulary.from_text("to be or not")
    assert vocab.chars == " benort" and vocab.size == 7
    assert vocab.decode(vocab.encode("not to be")) == "not to be"
    byte = Vocabulary("byte")
    assert byte.size == 256 and byte.unknown("ünïcode") == []
    decoder = byte.decoder()
    next(decoder)
    assert "".join(decoder.send(b) for b in "Grüße".encode()) == "Grüße"


def test_the_bundled_text_is_tiny_shakespeare_byte_for_byte():
    data = bundled_text().read_bytes()
    assert hashlib.sha256(data).hexdigest() == "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
    assert Vocabulary.from_text(data.decode()).size == 65


def test_public_names():
    assert sorted(grukit.lm.__all__) == sorted([
        "LanguageModel", "LMConfig", "LM_TRAIN_DEFAULTS", "lm_configs", "CharLM", "Vocabulary", "bundled_text",
        "read_text", "split_text",
        "lane_layout", "lane_dataset", "CarriedStateLoss", "train_lm", "stream_loss", "evaluate_text",
        "next_token", "generate", "check_sampling", "check_prompt", "start_prompt", "save_lm", "load_lm"])
    for name in grukit.lm.__all__:
        assert getattr(grukit.lm, name).__doc__ or name == "LM_TRAIN_DEFAULTS"
