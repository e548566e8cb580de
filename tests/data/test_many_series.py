"""LazyWindowDataset: the same windows as WindowDataset, O(series) memory, memory-mapped data, 10,000+ series."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grukit.data import window_index
from grukit.data.lazy_windows import LazyWindowDataset, open_series, save_series, stack_series
from grukit.data.torch_dataset import WindowDataset
from grukit.errors import DataError


def random_series(count: int, seed: int = 0, channels: int = 2, shortest: int = 3, longest: int = 30):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(int(n), channels)).astype(np.float32) for n in rng.integers(shortest, longest, count)]


def test_items_equal_window_dataset_over_the_same_series_and_ranges():
    inputs, targets = random_series(40, seed=1), random_series(40, seed=1, channels=1)
    future = [a[:, :1] * 2 for a in inputs]
    rng = np.random.default_rng(2)
    ranges = np.array([sorted(rng.integers(0, len(a) + 1, 2)) for a in inputs])  # some too short for a window
    stacked, offsets = stack_series(inputs)
    lazy = LazyWindowDataset(stacked, offsets, lookback=4, horizon=2, targets=stack_series(targets)[0],
                             known_future=stack_series(future)[0], stride=2, ranges=ranges)
    index = window_index([tuple(r) for r in ranges], lookback=4, horizon=2, stride=2)
    eager = WindowDataset(inputs, targets, index, lookback=4, horizon=2, known_future=future)
    assert len(lazy) == len(eager) > 0
    for i in range(len(eager)):
        for ours, theirs in zip(lazy[i], eager[i]):
            assert ours.dtype == torch.float32
            torch.testing.assert_close(ours, theirs, rtol=0, atol=0)


def test_the_dataset_holds_16_bytes_a_series_however_many_windows():
    """10,000 series: ten times the windows, the same index bytes; nothing like a window is materialised."""
    sizes = {}
    for length in (20, 200):
        values = np.zeros((10_000 * length, 1), dtype=np.float32)
        offsets = np.arange(0, 10_001, dtype=np.int64) * length
        dataset = LazyWindowDataset(values, offsets, lookback=8, horizon=2)
        assert len(dataset) == 10_000 * (length - 10 + 1)
        assert dataset.inputs is values  # the caller's array, not a copy
        sizes[length] = dataset.index_nbytes
        owned = [v.nbytes for v in vars(dataset).values() if isinstance(v, np.ndarray) and v is not values]
        assert sum(owned) == dataset.index_nbytes
    assert sizes[20] == sizes[200] == 16 * 10_000


def test_memory_mapped_series_are_read_only_when_a_window_is_drawn(tmp_path):
    values, offsets = stack_series(random_series(200, seed=3))
    save_series(tmp_path / "series", values, offsets)
    mapped, mapped_offsets = open_series(tmp_path / "series")
    lazy = LazyWindowDataset(mapped, mapped_offsets, lookback=3, horizon=1, stride=3)
    in_memory = LazyWindowDataset(values, offsets, lookback=3, horizon=1, stride=3)
    assert isinstance(lazy.inputs, np.memmap) and not lazy.inputs.flags.writeable
    for i in (0, 17, len(lazy) - 1):
        for ours, theirs in zip(lazy[i], in_memory[i]):
            torch.testing.assert_close(ours, theirs, rtol=0, atol=0)


def test_an_epoch_over_10000_series_trains():
    from grukit.models import GRURegressor
    from grukit.train import TrainConfig, fit, seed_everything

    count, length = 10_000, 12  # 10,000 short sines with random phases, 4 windows each
    phase = np.random.default_rng(0).uniform(0, 2 * np.pi, count)
    steps = np.arange(length)
    values = np.sin(phase[:, None] + steps / 2.0).astype(np.float32).reshape(-1, 1)  # (count * length, 1)
    dataset = LazyWindowDataset(values, np.arange(count + 1) * length, lookback=8, horizon=1, stride=1)
    assert len(dataset) == 40_000

    def loss_fn(model, batch):
        x, y = batch  # (B, 8, 1), (B, 1, 1)
        return torch.nn.functional.mse_loss(model(x), y[:, 0])

    seed_everything(0)
    model = GRURegressor(input_size=1, hidden_size=8)
    result = fit(model, loss_fn, dataset, None, TrainConfig(epochs=2, batch_size=1000, lr=0.03, progress=False,
                                                            num_threads=1))
    assert result.history[1]["train_loss"] < 0.5 * result.history[0]["train_loss"]


def test_bad_offsets_and_ranges_are_one_line_errors():
    values = np.zeros((10, 1))
    with pytest.raises(DataError) as error:
        LazyWindowDataset(values, np.array([0, 5, 9]), lookback=2, horizon=1)
    assert str(error.value) == ("LazyWindowDataset: offsets must be S + 1 non-decreasing integers from 0 to the 10 "
                                "rows; got [0, 5, 9] (length 3); build them with stack_series.")
    with pytest.raises(DataError) as error:
        LazyWindowDataset(values, np.array([0, 5, 10]), lookback=2, horizon=1, ranges=np.array([[0, 5], [2, 6]]))
    assert str(error.value) == ("LazyWindowDataset: series 1 has rows [0, 5) but its range is [2, 6); "
                                "give 0 <= lo <= hi <= its length.")
    with pytest.raises(DataError, match=r"targets has 9 rows but inputs have 10"):
        LazyWindowDataset(values, np.array([0, 10]), lookback=2, horizon=1, targets=np.zeros((9, 1)))
    with pytest.raises(IndexError, match="window 9 is out of range; there are 9 windows"):
        LazyWindowDataset(values, np.array([0, 10]), lookback=1, horizon=1)[9]
