"""grukit lm train | sample | eval through the command line: a run that learns, and every bad input as one line."""

from __future__ import annotations

import json

import pytest

from helpers.cli import one_line_error, run
from helpers.files import LM_TEXT as TEXT

FAST = ["--hidden-size", "24", "--num-layers", "1", "--batch-size", "4", "--chunk-length", "16", "--no-progress",
        "--num-threads", "1", "--dropout", "0"]



@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One training run shared by the tests below: (run folder, text file)."""
    from grukit.cli import main

    folder = tmp_path_factory.mktemp("lm")
    text = folder / "text.txt"
    text.write_text(TEXT)
    out = folder / "run"
    code = main([*map(str, ["lm", "train", "--text", text, "--out", out, "--epochs", "8", "--lr", "0.02", *FAST])])
    assert code == 0
    return out, text


def test_train_learns_and_writes_the_run_folder(trained):
    out, _ = trained
    names = {p.name for p in out.iterdir()}
    assert {"model.safetensors", "config.json", "metrics.json", "metrics.csv", "plots", "sample.txt",
            "checkpoint"} <= names
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["val_nats_per_char"] < 0.1  # ln 9 = 2.2 for a uniform guess over the 9 characters
    assert metrics["val_bits_per_char"] == pytest.approx(metrics["val_nats_per_char"] / 0.6931471805599453)
    assert len(metrics["history"]) == 8 and metrics["history"][-1]["val_loss"] < metrics["history"][0]["val_loss"]
    config = json.loads((out / "config.json").read_text())
    assert config["format"] == "grukit.lm" and config["vocab"]["chars"] == "\nabcdefgh"
    assert config["train"]["batch_size"] == 4 and config["lm"]["chunk_length"] == 16


def test_sample_continues_the_pattern_and_repeats_with_a_seed(trained, capsys):
    out, _ = trained
    code, stdout, err = run(capsys, ["lm", "sample", "--model", out, "--prompt", "abc", "--top-k", "1",
                                     "--length", "21"])
    assert code == 0 and err == ""
    assert stdout == "abc" + "defghabcdefghabcdefgha"[:21] + "\n"
    argv = ["lm", "sample", "--model", out, "--prompt", "ab", "--temperature", "2", "--length", "30", "--seed", "7"]
    first, second = run(capsys, argv)[1], run(capsys, argv)[1]
    assert first == second and len(first) == 2 + 30 + 1


def test_eval_prints_nats_and_bits(trained, capsys):
    out, text = trained
    code, stdout, _ = run(capsys, ["lm", "eval", "--model", out, "--text", text, "--split", "all", "--lanes", "2"])
    assert code == 0
    line = stdout.strip()
    assert line.startswith("all of text.txt: ") and line.endswith("bits/char (1,200 characters)")
    nats = float(line.split(": ")[1].split(" ")[0])
    bits = float(line.split(", ")[1].split(" ")[0])
    assert nats < 0.1 and bits == pytest.approx(nats / 0.6931471805599453, abs=1e-3)


# ------------------------------------------------------------------------- bad inputs: one line, no folder left
def _train_error(capsys, tmp_path, text_path, *extra):
    out = tmp_path / "out"
    code, stdout, err = run(capsys, ["lm", "train", "--text", text_path, "--out", out, "--epochs", "1", *FAST,
                                     *extra])
    assert not out.exists() and list(tmp_path.glob(".out*")) == []  # nothing half-written
    return code, one_line_error(err)


def test_empty_text_file(capsys, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("")
    assert _train_error(capsys, tmp_path, path) == (
        1, f"text file {path} is empty; pass a UTF-8 text file with the text to learn.")


def test_text_file_with_nul_bytes(capsys, tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"hello\x00world" * 10)
    assert _train_error(capsys, tmp_path, path) == (
        1, f"text file {path} is binary: it has a NUL byte at byte offset 5; pass a UTF-8 text file.")


def test_text_file_that_is_not_utf8(capsys, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("caf\u00e9 ".encode("latin-1") * 50)
    assert _train_error(capsys, tmp_path, path) == (
        1, f"text file {path} is not UTF-8 text: byte 0xe9 at offset 3 cannot be decoded; pass a UTF-8 text "
           f"file (convert it with `iconv -t UTF-8`).")


def test_text_too_short_for_the_lanes(capsys, tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("to be or not to be" * 3)
    assert _train_error(capsys, tmp_path, path) == (
        1, "the text has 48 tokens, fewer than batch_size * chunk_length + 1 = 65 that one step of truncated "
           "BPTT needs; use a longer text or lower --batch-size (the lanes) or --chunk-length.")


def test_bad_option_is_a_usage_error(capsys, tmp_path):
    path = tmp_path / "t.txt"
    path.write_text(TEXT)
    assert _train_error(capsys, tmp_path, path, "--cell", "lstm") == (
        2, "LMConfig: cell must be one of 'gru', 'mingru'; got 'lstm'.")


def test_prompt_with_characters_outside_the_vocabulary(trained, capsys):
    out, _ = trained
    code, stdout, err = run(capsys, ["lm", "sample", "--model", out, "--prompt", "abXcZ", "--length", "5"])
    assert (code, stdout) == (1, "")
    assert one_line_error(err) == ("prompt has 2 character(s) outside the model's vocabulary: 'X', 'Z'; use only "
                                   "characters seen in training.")


@pytest.mark.parametrize("option, value, message", [
    ("--temperature", "0", "temperature must be > 0; got 0.0. Use a small value like 0.1 for nearly greedy "
                           "sampling, or --top-k 1 for greedy."),
    ("--temperature", "-0.5", "temperature must be > 0; got -0.5. Use a small value like 0.1 for nearly greedy "
                              "sampling, or --top-k 1 for greedy."),
    ("--top-k", "0", "top_k must be an integer >= 1; got 0. Use --top-k 1 for greedy sampling, or leave it out "
                     "to sample from every token."),
])
def test_bad_sampling_options(trained, capsys, option, value, message):
    out, _ = trained
    code, stdout, err = run(capsys, ["lm", "sample", "--model", out, option, value])
    assert (code, stdout) == (2, "")
    assert one_line_error(err) == message


def test_bad_model_folder(capsys, tmp_path):
    code, stdout, err = run(capsys, ["lm", "sample", "--model", tmp_path / "missing"])
    assert (code, stdout) == (1, "")
    assert one_line_error(err) == (f"model folder {tmp_path / 'missing'} does not exist; pass the --out folder "
                                   f"of a training run.")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    code, _, err = run(capsys, ["lm", "eval", "--model", tmp_path / "half"])
    assert code == 1
    assert one_line_error(err) == (f"{tmp_path / 'half' / 'model.safetensors'} is missing; a model folder holds "
                                   f"config.json and model.safetensors as written by training. Retrain or restore "
                                   f"the file.")


def test_a_forecast_model_is_not_an_lm_model(trained, capsys, tmp_path):
    out, _ = trained
    import shutil

    other = tmp_path / "other"
    shutil.copytree(out, other)
    config = json.loads((other / "config.json").read_text())
    (other / "config.json").write_text(json.dumps({**config, "format": "grukit.forecast"}))
    code, _, err = run(capsys, ["lm", "sample", "--model", other])
    assert code == 1
    assert one_line_error(err) == (f"{other / 'config.json'} describes 'grukit.forecast', not a grukit lm model; "
                                   f"pass the folder of a 'lm' training run.")



def test_resume_after_a_crash_gives_the_weights_of_an_uninterrupted_run(tmp_path):
    import torch

    from grukit.lm import LMConfig, train_lm
    from grukit.train import TrainConfig

    config = LMConfig(hidden_size=12, num_layers=2, chunk_length=16, dropout=0.1)
    train_config = TrainConfig(epochs=3, batch_size=4, lr=0.01, progress=False, num_threads=1)
    whole, _, _ = train_lm(TEXT, config, train_config, out_dir=tmp_path / "whole")

    def crash_in_epoch_2(event, state):
        if event == "epoch_end" and state["epoch"] == 2:
            raise KeyboardInterrupt  # before epoch 2's checkpoint is written
    with pytest.raises(KeyboardInterrupt):
        train_lm(TEXT, config, train_config, out_dir=tmp_path / "part", callbacks=[crash_in_epoch_2])
    resumed, _, result = train_lm(TEXT, config, train_config, out_dir=tmp_path / "part", resume=True)
    assert [row["epoch"] for row in result.history] == [1, 2, 3]
    for name, value in whole.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[name], value, rtol=0, atol=0)


def test_resume_needs_out(capsys):
    code, _, err = run(capsys, ["lm", "train", "--resume", "--epochs", "1"])
    assert code == 2 and "grukit: error: --resume needs --out, the folder of the run to continue.\n" == err


def test_a_text_without_newlines_trains_samples_and_starts_from_its_first_character(tmp_path, capsys):
    text = tmp_path / "one_line.txt"
    text.write_text("abcdefgh" * 150)  # no newline, so the default prompt cannot be one
    code, _, err = run(capsys, ["lm", "train", "--text", text, "--out", tmp_path / "run", "--epochs", "1", *FAST])
    assert code == 0, err
    assert set((tmp_path / "run" / "sample.txt").read_text().rstrip("\n")) <= set("abcdefgh")
    code, stdout, err = run(capsys, ["lm", "sample", "--model", tmp_path / "run", "--length", "5", "--seed", "0"])
    assert code == 0, err
    assert stdout.startswith("a") and len(stdout) == 1 + 5 + 1
