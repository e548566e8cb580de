"""LanguageModel: the estimator around train_lm that `grukit lm tune` fits; and `grukit lm tune` itself."""

from __future__ import annotations

import json

import pytest
import torch

from helpers.cli import run
from grukit.errors import ConfigError
from grukit.lm import LanguageModel, LMConfig, evaluate_text, lm_configs, load_lm, split_text, train_lm
from grukit.train import TrainConfig

TEXT = "abcdefgh" * 150 + "\n"  # a pattern a small GRU learns in a few epochs
FAST = {"hidden_size": 24, "num_layers": 1, "batch_size": 4, "chunk_length": 16, "progress": False,
        "num_threads": 1, "dropout": 0.0, "lr": 0.02}


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text(TEXT)
    return path


def test_fit_equals_train_lm_with_the_same_options(text_file):
    model = LanguageModel(**FAST, epochs=3).fit(text_file)
    config, train_config = lm_configs({**FAST, "epochs": 3})
    net, vocab, result = train_lm(TEXT, config, train_config)
    assert model.best_epoch_ == result.best_epoch and len(model.history_) == 3
    for name, value in net.state_dict().items():
        torch.testing.assert_close(model.net_.state_dict()[name], value, rtol=0, atol=0)
    assert model.score(text_file) == evaluate_text(net, vocab, split_text(TEXT, 0.1)[1])


def test_fit_learns_the_pattern_and_samples_it(text_file):
    model = LanguageModel(**FAST, epochs=8).fit(text_file)
    assert model.score(text_file)["nats_per_token"] < 0.1  # ln 9 = 2.2 for a uniform guess
    assert model.sample("abc", 13, top_k=1) == "defghabcdefgh"


def test_lm_defaults_fill_training_options_not_given():
    config, train_config = LanguageModel(hidden_size=64).configs()
    assert config == LMConfig(hidden_size=64)
    assert (train_config.epochs, train_config.lr, train_config.schedule, train_config.batch_size) == (12, 2e-3,
                                                                                                    "cosine", 32)
    assert LanguageModel(epochs=2, lr=0.1).configs()[1] == TrainConfig(**{**_defaults(), "epochs": 2, "lr": 0.1})


def _defaults() -> dict:
    from grukit.lm import LM_TRAIN_DEFAULTS

    return dict(LM_TRAIN_DEFAULTS)


def test_save_and_load_round_trip(text_file, tmp_path):
    model = LanguageModel(**FAST, epochs=2).fit(text_file)
    model.save(tmp_path / "saved")
    again = LanguageModel.load(tmp_path / "saved")
    assert again.config_ == model.config_ and again.train_config_ == model.train_config_
    assert again.score(text_file) == model.score(text_file)
    assert again.sample("ab", 20, seed=3) == model.sample("ab", 20, seed=3)
    net, vocab, document = load_lm(tmp_path / "saved")  # the folder `grukit lm sample --model` reads
    assert vocab.to_dict() == model.vocab_.to_dict() and document["train"]["epochs"] == 2


@pytest.mark.parametrize(("call", "message"), [
    (lambda: LanguageModel(hiden_size=8).configs(), "unknown option 'hiden_size' (did you mean 'hidden_size'?); "
                                                    "valid options: "),
    (lambda: LanguageModel().score(), "this LanguageModel is not fitted yet; call fit(text_file) or "
                                      "LanguageModel.load(folder) first."),
    (lambda: LanguageModel(**FAST).fit(["text"]), "language-model data must be the path of a UTF-8 text file, "
                                                   "or None for the bundled tiny-shakespeare; got list."),
])
def test_errors_say_what_to_do(call, message):
    with pytest.raises(ConfigError) as caught:
        call()
    assert str(caught.value).startswith(message)


def test_score_rejects_an_unknown_split(text_file):
    model = LanguageModel(**FAST, epochs=1).fit(text_file)
    with pytest.raises(ConfigError, match=r"^split must be 'val' or 'all'; got 'test'\.$"):
        model.score(text_file, split="test")


def test_lm_tune_writes_a_best_toml_that_lm_train_accepts(text_file, tmp_path, capsys):
    pytest.importorskip("optuna")
    space = tmp_path / "space.toml"
    space.write_text("hidden_size = { low = 8, high = 24, log = true }\nlr = { low = 5e-3, high = 3e-2, log = true }\n")
    fixed = tmp_path / "fixed.toml"
    fixed.write_text("epochs = 2\nnum_threads = 1\nbatch_size = 4\nchunk_length = 16\nnum_layers = 1\n"
                     "dropout = 0.0\nreset = \"after\"\nlayer_norm = false\nzoneout = 0.0\nrecurrent_dropout = 0.0\n")
    code, stdout, err = run(capsys, ["lm", "tune", text_file, "--out", tmp_path / "search", "--trials", "2",
                                     "--config", fixed, "--space", space])
    assert code == 0, err
    assert "study 'grukit-lm'" in stdout and "2 trials (2 complete)" in stdout
    best = (tmp_path / "search" / "best.toml").read_text()
    assert "hidden_size = " in best and "lr = " in best and "epochs = 2" in best
    rows = (tmp_path / "search" / "trials.csv").read_text().splitlines()
    assert len(rows) == 3  # a header and the 2 trials
    document = json.loads((tmp_path / "search" / "best_model" / "config.json").read_text())
    assert document["format"] == "grukit.lm" and document["train"]["epochs"] == 2
    code, stdout, err = run(capsys, ["lm", "train", "--text", text_file, "--config", tmp_path / "search" / "best.toml",
                                     "--no-progress", "--out", tmp_path / "again"])
    assert code == 0, err
    assert json.loads((tmp_path / "again" / "config.json").read_text())["lm"] == document["lm"]
