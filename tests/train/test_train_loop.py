"""fit: learning, early stopping with best weights restored, clipping, seeds, progress, callbacks, errors."""

from __future__ import annotations

import copy

import pytest
import torch
from torch.utils.data import TensorDataset

from grukit.errors import ConfigError, DataError
from grukit.train import STOP, TrainConfig, fit, seed_everything


def mse(model, batch):
    x, y = batch
    return torch.nn.functional.mse_loss(model(x), y)


def line_data(n: int = 64, seed: int = 0) -> TensorDataset:
    """y = 3 x0 - 2 x1 + 1 plus a little noise."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=g)
    y = x @ torch.tensor([[3.0], [-2.0]]) + 1.0 + 0.01 * torch.randn(n, 1, generator=g)
    return TensorDataset(x, y)


def small_net(seed: int = 0) -> torch.nn.Module:
    seed_everything(seed)
    return torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Dropout(0.2), torch.nn.Linear(8, 1))


def quiet(**options) -> TrainConfig:
    return TrainConfig(**{"progress": False, "batch_size": 16, "num_threads": 1, **options})


def test_training_loss_falls_on_a_toy_regression():
    result = fit(torch.nn.Linear(2, 1), mse, line_data(), None, quiet(epochs=30, lr=0.1))
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < 0.01 * losses[0]
    assert result.best_val_loss is None and result.epochs_run == 30 and not result.stopped_early


def test_a_grukit_regressor_learns_sine_windows():
    from grukit.models import GRURegressor

    wave = torch.sin(torch.linspace(0, 20, 240))
    windows = wave.unfold(0, 13, 1)  # (228, 13)
    data = TensorDataset(windows[:, :12, None], windows[:, 12:])  # (B, 12, 1), (B, 1)
    seed_everything(0)
    model = GRURegressor(input_size=1, hidden_size=8)
    result = fit(model, mse, data, data, quiet(epochs=6, lr=0.02, batch_size=32))
    assert result.history[-1]["val_loss"] < 0.5 * result.history[0]["val_loss"]


def drifting_setup():
    """w starts at 0 and training pulls it to 2; the validation target 0.5 x is best near w = 0.5."""
    x = torch.linspace(-1, 1, 32)[:, None]
    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    return model, TensorDataset(x, 2 * x), TensorDataset(x, 0.5 * x)


def test_early_stopping_stops_and_restores_the_best_weights():
    model, train, val = drifting_setup()
    weights = {}

    def remember(event, state):
        if event == "epoch_end":
            weights[state["epoch"]] = state["model"].weight.detach().clone()

    config = quiet(epochs=100, lr=0.05, schedule="constant", weight_decay=0.0, patience=3, batch_size=32)
    result = fit(model, mse, train, val, config, callbacks=[remember])
    val_losses = [row["val_loss"] for row in result.history]
    best = min(range(len(val_losses)), key=val_losses.__getitem__) + 1
    assert result.stopped_early
    assert result.best_epoch == best and result.best_val_loss == val_losses[best - 1]
    assert result.epochs_run == best + 3 == len(result.history)
    assert all(a < b for a, b in zip(val_losses[best - 1:], val_losses[best:]))  # it got worse after the best
    assert not torch.equal(weights[result.epochs_run], weights[best])
    assert torch.equal(model.weight, weights[best])  # the returned model holds the best epoch's weights
    assert not model.training


def test_patience_zero_runs_every_epoch_but_still_returns_the_best_weights():
    model, train, val = drifting_setup()
    config = quiet(epochs=20, lr=0.05, schedule="constant", weight_decay=0.0, patience=0, batch_size=32)
    result = fit(model, mse, train, val, config)
    assert result.epochs_run == 20 and not result.stopped_early
    assert result.best_epoch < 20


def huge_gradient_setup():
    """One batch whose gradient norm is in the millions."""
    seed_everything(0)
    model = torch.nn.Linear(1, 1)
    x = torch.full((4, 1), 1000.0)
    return model, TensorDataset(x, -x)


def raw_gradient_norm(model, data) -> float:
    probe = copy.deepcopy(model)
    mse(probe, data.tensors).backward()
    return torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in probe.parameters()])).item()


def applied_gradients(config, model, data) -> list[torch.Tensor]:
    """Run one step; read the gradient AdamW received back from its state: exp_avg_sq = (1 - beta2) g^2."""
    seen = []

    def grab(event, state):
        if event == "epoch_end":
            optimizer = state["optimizer"]
            beta2 = optimizer.param_groups[0]["betas"][1]
            seen.extend((s["exp_avg_sq"] / (1 - beta2)).sqrt() for s in optimizer.state.values())

    result = fit(model, mse, data, None, config, callbacks=[grab])
    return seen, result.history[0]


def test_clip_by_norm_logs_the_pre_clip_norm_and_applies_the_clipped_gradient():
    model, data = huge_gradient_setup()
    expected = raw_gradient_norm(model, data)
    grads, row = applied_gradients(quiet(epochs=1, clip="norm", clip_value=1.0), model, data)
    assert row["grad_norm"] == pytest.approx(expected, rel=1e-5) and row["grad_norm"] > 1e5
    assert row["grad_norm_max"] == row["grad_norm"]
    applied = torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item()
    assert applied == pytest.approx(1.0, rel=1e-3)


def test_clip_by_value_logs_the_pre_clip_norm_and_caps_each_element():
    model, data = huge_gradient_setup()
    expected = raw_gradient_norm(model, data)
    grads, row = applied_gradients(quiet(epochs=1, clip="value", clip_value=0.5), model, data)
    assert row["grad_norm"] == pytest.approx(expected, rel=1e-5)
    assert all(g.abs().max().item() == pytest.approx(0.5, rel=1e-3) for g in grads)


def test_clip_none_applies_the_raw_gradient():
    model, data = huge_gradient_setup()
    expected = raw_gradient_norm(model, data)
    grads, row = applied_gradients(quiet(epochs=1, clip="none"), model, data)
    applied = torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item()
    assert row["grad_norm"] == pytest.approx(expected, rel=1e-5) and applied == pytest.approx(expected, rel=1e-3)


def test_history_lr_follows_the_schedule():
    constant = fit(small_net(), mse, line_data(), None, quiet(epochs=3, schedule="constant", lr=0.01))
    assert [row["lr"] for row in constant.history] == [0.01, 0.01, 0.01]
    onecycle = fit(small_net(), mse, line_data(), None, quiet(epochs=5, lr=0.01))
    lrs = [row["lr"] for row in onecycle.history]
    assert all(a > b for a, b in zip(lrs, lrs[1:])) and max(lrs) <= 0.01


def strip_seconds(history):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


def test_the_same_seed_gives_bit_identical_parameters():
    results, models = [], []
    for _ in range(2):
        model = small_net(seed=0)
        results.append(fit(model, mse, line_data(), line_data(seed=1), quiet(epochs=4, seed=7)))
        models.append(model)
    for (name, a), b in zip(models[0].state_dict().items(), models[1].state_dict().values()):
        assert torch.equal(a, b), name
    assert strip_seconds(results[0].history) == strip_seconds(results[1].history)
    other = small_net(seed=0)
    fit(other, mse, line_data(), line_data(seed=1), quiet(epochs=4, seed=8))
    assert not torch.equal(other[0].weight, models[0][0].weight)  # the seed drives shuffling and dropout


def test_nothing_is_written_without_out_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fit(small_net(), mse, line_data(), line_data(seed=1), quiet(epochs=2))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("progress", [None, False])
def test_progress_is_quiet_when_not_a_terminal_or_off(capsys, progress):
    fit(small_net(), mse, line_data(), line_data(seed=1), quiet(epochs=2, progress=progress))
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_progress_bar_shows_loss_val_loss_and_lr(capsys):
    fit(small_net(), mse, line_data(), line_data(seed=1), quiet(epochs=2, progress=True))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "fit" in captured.err and "loss=" in captured.err and "val_loss=" in captured.err and "lr=" in captured.err


def test_callbacks_see_every_epoch_and_can_stop_training():
    events = []

    def record(event, state):
        events.append((event, state["epoch"]))
        if event == "epoch_end":
            assert state["metrics"] is state["history"][-1]
        return STOP if event == "epoch_end" and state["epoch"] == 2 else None

    result = fit(small_net(), mse, line_data(), line_data(seed=1), quiet(epochs=5), callbacks=[record])
    assert events == [("epoch_end", 1), ("epoch_end", 2), ("fit_end", 2)]
    assert result.epochs_run == 2 and result.stopped_early


def test_a_callback_returning_something_else_is_an_error():
    def chatty(event, state):
        return True

    with pytest.raises(ValueError) as info:
        fit(small_net(), mse, line_data(), None, quiet(epochs=2), callbacks=[chatty])
    assert str(info.value) == "fit: callback 'chatty' returned True; return None to go on or 'stop' to end training."


def test_cuda_without_cuda_is_a_config_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError) as info:
        fit(small_net(), mse, line_data(), None, quiet(epochs=1, device="cuda"))
    assert str(info.value) == "TrainConfig: device is 'cuda' but CUDA is not available; use --device cpu or auto."
    fit(small_net(), mse, line_data(), None, quiet(epochs=1, device="auto"))  # auto falls back to the CPU


def test_bad_inputs_have_clear_errors():
    with pytest.raises(ValueError) as info:
        fit(small_net(), lambda model, batch: model(batch[0]), line_data(), None, quiet(epochs=1))
    assert str(info.value) == ("fit: loss_fn(model, batch) must return a scalar tensor; got a tensor of shape "
                               "(16, 1). Reduce it, e.g. with .mean().")
    empty = TensorDataset(torch.zeros(0, 2), torch.zeros(0, 1))
    with pytest.raises(DataError) as info:
        fit(small_net(), mse, empty, None, quiet(epochs=1))
    assert str(info.value) == "fit: train_data is empty; pass a dataset with at least one sample."
    with pytest.raises(ConfigError) as info:
        fit(small_net(), mse, line_data(), None, quiet(epochs=1), resume=True)
    assert str(info.value) == "resume: resume=True needs out_dir, the folder of the run to continue; pass out_dir."
    with pytest.raises(TypeError) as info:
        fit(small_net(), mse, line_data(), None, {"epochs": 1})
    assert str(info.value) == "fit: config must be a TrainConfig; got dict."


def test_dict_batches_are_moved_and_weighted(monkeypatch):
    class DictData(torch.utils.data.Dataset):
        def __init__(self, base):
            self.base = base

        def __len__(self):
            return len(self.base)

        def __getitem__(self, i):
            x, y = self.base[i]
            return {"x": x, "y": y}

    def loss_fn(model, batch):
        return torch.nn.functional.mse_loss(model(batch["x"]), batch["y"])

    data = DictData(line_data(n=40))
    result = fit(small_net(), loss_fn, data, DictData(line_data(n=40, seed=1)), quiet(epochs=2, batch_size=16))
    assert len(result.history) == 2 and result.history[-1]["val_loss"] > 0


def test_validation_loss_is_the_batch_size_weighted_mean_in_eval_mode():
    val = line_data(n=40, seed=1)  # batches of 16, 16 and 8
    model = small_net()
    result = fit(model, mse, line_data(), val, quiet(epochs=3, batch_size=16))
    with torch.no_grad():
        whole = mse(model, val.tensors).item()  # the model holds best_epoch's weights and is in eval mode
    assert result.best_val_loss == pytest.approx(whole, rel=1e-6)


def test_num_threads_applies_during_fit_only():
    before = torch.get_num_threads()
    seen = []
    fit(small_net(), mse, line_data(), None, quiet(epochs=1, num_threads=1),
        callbacks=[lambda event, state: seen.append(torch.get_num_threads())])
    assert seen[0] == 1 and torch.get_num_threads() == before


def test_shuffle_false_keeps_the_training_data_in_order_every_epoch():
    seen = []

    def record(model, batch):
        (index,) = batch
        seen.append(index.tolist())
        return model(index[:, None].float()).sum() * 0.0

    data = TensorDataset(torch.arange(10))
    fit(torch.nn.Linear(1, 1), record, data, None, quiet(epochs=2, batch_size=4), shuffle=False)
    assert seen == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] * 2
    seen.clear()
    fit(torch.nn.Linear(1, 1), record, data, None, quiet(epochs=1, batch_size=10))
    assert seen[0] != list(range(10)) and sorted(seen[0]) == list(range(10))


def test_the_loop_keeps_nothing_per_step_so_memory_is_bounded_by_the_batch():
    """Live tensors at the end of an epoch do not grow with the number of steps it had."""
    import gc
    import warnings

    def live_tensors_at_epoch_end(n: int) -> int:
        counts = []

        def count(event, state):
            if event == "epoch_end":
                gc.collect()
                with warnings.catch_warnings():  # isinstance on torch.distributed's deprecated reduce_op warns
                    warnings.simplefilter("ignore", FutureWarning)
                    counts.append(sum(isinstance(o, torch.Tensor) for o in gc.get_objects()))

        fit(torch.nn.Linear(2, 1), mse, line_data(n=n), None, quiet(epochs=1, batch_size=4), callbacks=[count])
        return counts[0]

    assert live_tensors_at_epoch_end(16) == live_tensors_at_epoch_end(256)  # 4 steps against 64
