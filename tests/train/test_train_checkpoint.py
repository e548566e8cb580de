"""Checkpoints, resume == uninterrupted, metrics.csv and the optional TensorBoard log."""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
import types

import numpy as np
import pytest
import torch
from safetensors import safe_open
from torch.utils.data import TensorDataset

from grukit.errors import ConfigError, ModelFileError
from grukit.train import TrainConfig, fit, seed_everything

COLUMNS = ["epoch", "train_loss", "val_loss", "lr", "grad_norm", "grad_norm_max", "seconds"]


def mse(model, batch):
    x, y = batch
    return torch.nn.functional.mse_loss(model(x), y)


def data(n: int, seed: int) -> TensorDataset:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    return TensorDataset(x, x.sum(dim=1, keepdim=True) ** 2 + 0.1 * torch.randn(n, 1, generator=g))


def net(seed: int) -> torch.nn.Module:
    """Dropout makes the global RNG matter; the shuffled batches make the shuffling generator matter."""
    seed_everything(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(16, 1))


CONFIG = TrainConfig(epochs=4, batch_size=8, lr=0.01, progress=False, patience=0, num_threads=1)


class Interrupted(Exception):
    """Stands in for a crash or Ctrl-C."""


def crash_at(epoch: int):
    def callback(event, state):
        if event == "epoch_end" and state["epoch"] == epoch:
            raise Interrupted

    return callback


def without_seconds(history):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


def test_resume_equals_an_uninterrupted_run(tmp_path):
    train, val = data(40, 0), data(16, 1)
    whole = net(0)
    expected = fit(whole, mse, train, val, CONFIG, out_dir=tmp_path / "whole")

    with pytest.raises(Interrupted):  # the epoch-3 callback dies before epoch 3's checkpoint is written
        fit(net(0), mse, train, val, CONFIG, out_dir=tmp_path / "split", callbacks=[crash_at(3)])
    assert json.loads((tmp_path / "split/checkpoint/last.json").read_text())["epoch"] == 2

    resumed = net(123)  # other initial weights: everything must come from the checkpoint
    result = fit(resumed, mse, train, val, CONFIG, out_dir=tmp_path / "split", resume=True)

    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name
    assert without_seconds(result.history) == without_seconds(expected.history)
    assert (result.best_epoch, result.best_val_loss, result.epochs_run, result.stopped_early) == \
        (expected.best_epoch, expected.best_val_loss, expected.epochs_run, expected.stopped_early)
    with open(tmp_path / "split/metrics.csv") as f:
        assert [int(row["epoch"]) for row in csv.DictReader(f)] == [1, 2, 3, 4]


def test_resume_after_early_stopping_restores_best_weights_without_training(tmp_path):
    train, val = data(40, 0), data(16, 1)
    config = TrainConfig(epochs=30, batch_size=8, lr=0.05, schedule="constant", patience=2, progress=False)
    first = net(0)
    expected = fit(first, mse, train, val, config, out_dir=tmp_path)
    assert expected.stopped_early
    events = []
    again = net(5)
    result = fit(again, mse, train, val, config, out_dir=tmp_path, resume=True,
                 callbacks=[lambda event, state: events.append(event)])
    assert events == ["fit_end"]  # no epoch was run
    assert without_seconds(result.history) == without_seconds(expected.history)
    assert result.stopped_early and result.best_epoch == expected.best_epoch
    for a, b in zip(first.parameters(), again.parameters()):
        assert torch.equal(a, b)


def test_checkpoint_layout_is_safetensors_and_json(tmp_path):
    fit(net(0), mse, data(40, 0), data(16, 1), CONFIG, out_dir=tmp_path)
    assert sorted(p.name for p in (tmp_path / "checkpoint").iterdir()) == ["last.json", "last.safetensors"]
    document = json.loads((tmp_path / "checkpoint/last.json").read_text())
    assert document["format"] == "grukit.train.checkpoint" and document["version"] == 1
    assert document["epoch"] == 4 and document["finished"] and not document["stopped_early"]
    assert document["config"]["epochs"] == 4 and len(document["history"]) == 4
    assert document["optimizer"]["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert document["scheduler"]["last_epoch"] == 4 * 5
    with safe_open(str(tmp_path / "checkpoint/last.safetensors"), framework="pt") as f:
        keys = set(f.keys())
        assert json.loads(f.metadata()["grukit.train"]) == document
    model_keys = {"0.weight", "0.bias", "3.weight", "3.bias"}
    assert {k for k in keys if k.startswith("model/")} == {f"model/{k}" for k in model_keys}
    assert {k for k in keys if k.startswith("best/")} == {f"best/{k}" for k in model_keys}
    assert {f"optimizer/{i}/{name}" for i in range(4) for name in ("step", "exp_avg", "exp_avg_sq")} <= keys
    assert {"rng/torch", "rng/shuffle"} <= keys


def test_resume_without_a_checkpoint_starts_and_says_so(tmp_path):
    with pytest.warns(UserWarning, match=f"^resume: no checkpoint in {tmp_path / 'a'} yet, so training starts from the "
                                         f"first epoch\\.$"):
        resumed = fit(net(0), mse, data(40, 0), None, CONFIG, out_dir=tmp_path / "a", resume=True)
    fresh = fit(net(0), mse, data(40, 0), None, CONFIG, out_dir=tmp_path / "b")
    assert [r["train_loss"] for r in resumed.history] == [r["train_loss"] for r in fresh.history]


def test_resume_with_other_options_is_a_config_error(tmp_path):
    fit(net(0), mse, data(40, 0), None, CONFIG, out_dir=tmp_path)
    changed = TrainConfig(epochs=6, batch_size=8, lr=0.02, progress=True, patience=0, num_threads=1)  # progress may
    with pytest.raises(ConfigError) as info:
        fit(net(0), mse, data(40, 0), None, changed, out_dir=tmp_path, resume=True)
    path = tmp_path / "checkpoint" / "last.safetensors"
    assert str(info.value) == (f"resume: {path} was written with other training options (epochs: 4 -> 6; "
                               "lr: 0.01 -> 0.02); resume with the same TrainConfig, or train into a new out_dir.")


def test_a_damaged_checkpoint_is_a_model_file_error(tmp_path):
    (tmp_path / "checkpoint").mkdir()
    (tmp_path / "checkpoint/last.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelFileError, match="cannot be read .*; delete the checkpoint folder to start over"):
        fit(net(0), mse, data(40, 0), None, CONFIG, out_dir=tmp_path, resume=True)


def test_metrics_csv_has_one_row_per_epoch(tmp_path):
    result = fit(net(0), mse, data(40, 0), None, CONFIG, out_dir=tmp_path)
    with open(tmp_path / "metrics.csv") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == COLUMNS
    assert len(rows) == result.epochs_run == 4
    assert [row["val_loss"] for row in rows] == [""] * 4  # no val_data
    assert [float(row["train_loss"]) for row in rows] == [row["train_loss"] for row in result.history]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint", "metrics.csv"]  # no temporary files left


def test_tensorboard_absent_is_silent(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # makes the import fail
    fit(net(0), mse, data(40, 0), data(16, 1), CONFIG, out_dir=tmp_path)
    assert not (tmp_path / "tensorboard").exists()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_tensorboard_gets_every_metric_when_installed(tmp_path, monkeypatch):
    calls = []

    class FakeWriter:
        def __init__(self, log_dir):
            calls.append(("init", log_dir))

        def add_scalar(self, tag, value, global_step):
            calls.append((tag, global_step))

        def flush(self):
            pass

        def close(self):
            calls.append(("close",))

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", types.SimpleNamespace(SummaryWriter=FakeWriter))
    fit(net(0), mse, data(40, 0), data(16, 1), CONFIG, out_dir=tmp_path)
    assert calls[0] == ("init", str(tmp_path / "tensorboard"))
    assert calls[-1] == ("close",)
    scalars = calls[1:-1]
    assert scalars == [(name, epoch) for epoch in range(1, 5) for name in COLUMNS[1:]]


def test_a_changed_thread_count_is_refused(tmp_path):
    fit(net(0), mse, data(40, 0), None, CONFIG, out_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"\(num_threads: 1 -> 2\)"):
        fit(net(0), mse, data(40, 0), None, dataclasses.replace(CONFIG, num_threads=2), out_dir=tmp_path, resume=True)


def test_a_flipped_bit_in_the_checkpoint_fails_its_checksum(tmp_path):
    from safetensors.torch import load_file, save_file

    from grukit.errors import ModelFileError

    fit(net(0), mse, data(40, 0), None, CONFIG, out_dir=tmp_path)
    path = tmp_path / "checkpoint" / "last.safetensors"
    with safe_open(str(path), framework="pt") as f:
        metadata = f.metadata()
    tensors = load_file(path)
    name = next(k for k in tensors if k.startswith("model/"))
    bits = tensors[name].view(torch.int32)
    bits.view(-1)[0] ^= 1 << 30  # an exponent bit: the weight becomes huge
    save_file(tensors, path, metadata=metadata)
    with pytest.raises(ModelFileError, match=r"is damaged \(its tensors do not match the checksum written with them\)"):
        fit(net(0), mse, data(40, 0), None, CONFIG, out_dir=tmp_path, resume=True)


def test_other_data_or_another_model_is_named(tmp_path):
    from grukit.train.checkpoint import digest

    fit(net(0), mse, data(40, 0), None, CONFIG, out_dir=tmp_path, fingerprint={"data": digest(np.zeros(3))})
    with pytest.raises(ConfigError, match=r"was trained on something else \(data: sha256 [0-9a-f]{12}\.\.\. -> "
                                          r"[0-9a-f]{12}\.\.\.\)"):
        fit(net(0), mse, data(40, 0), None, CONFIG, out_dir=tmp_path, resume=True,
            fingerprint={"data": digest(np.ones(3))})
