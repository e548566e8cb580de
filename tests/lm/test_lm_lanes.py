"""The lanes layout of truncated BPTT, and the hidden state carried from chunk to chunk."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from grukit.errors import DataError
from grukit.lm import CarriedStateLoss, CharLM, LMConfig, lane_dataset, lane_layout


def test_lane_layout_formula_and_shapes():
    tokens = np.arange(103)
    x, y, chunk = lane_layout(tokens, lanes=4, chunk_length=5)
    lane_length = 102 // 4 // 5 * 5  # S = 25
    assert x.shape == y.shape == (4 * 5, 5) and chunk.shape == (20,)
    for k in range(5):
        for b in range(4):
            start = b * lane_length + k * 5
            assert x[k * 4 + b].tolist() == list(range(start, start + 5))
            assert y[k * 4 + b].tolist() == list(range(start + 1, start + 6))
            assert chunk[k * 4 + b] == k


def test_chunk_k_plus_1_of_a_lane_starts_where_chunk_k_ended():
    x, y, _ = lane_layout(np.random.default_rng(0).integers(0, 9, 1000), lanes=3, chunk_length=7)
    rows = x.reshape(-1, 3, 7)  # (K, B, T)
    targets = y.reshape(-1, 3, 7)
    for k in range(rows.shape[0] - 1):
        for b in range(3):
            assert rows[k + 1, b, 0] == targets[k, b, -1]  # the next input is the last target of chunk k


def test_batches_of_lanes_rows_in_order_are_one_chunk_each():
    data = lane_dataset(np.arange(200), lanes=4, chunk_length=6)
    for k, (x, y, chunk) in enumerate(DataLoader(data, batch_size=4, shuffle=False)):
        assert chunk.tolist() == [k] * 4
        assert x[:, 0].tolist() == [b * 48 + 6 * k for b in range(4)]  # S = 199 // 4 // 6 * 6 = 48


def test_too_short_a_text_says_what_it_needs():
    with pytest.raises(DataError) as err:
        lane_layout(np.arange(40), lanes=8, chunk_length=5)
    assert str(err.value) == (
        "the text has 40 tokens, fewer than batch_size * chunk_length + 1 = 41 that one step of truncated BPTT "
        "needs; use a longer text or lower --batch-size (the lanes) or --chunk-length.")


@pytest.mark.parametrize("cell", ["gru", "mingru"])
def test_carried_state_over_two_chunks_equals_one_pass_over_both(cell):
    torch.manual_seed(0)
    model = CharLM(11, LMConfig(cell=cell, hidden_size=12, num_layers=2, dropout=0.0)).double()
    tokens = np.random.default_rng(1).integers(0, 11, 3 * 16 + 1)
    short = lane_dataset(tokens, lanes=3, chunk_length=8)  # 2 chunks per lane
    long = lane_dataset(tokens, lanes=3, chunk_length=16)  # 1 chunk per lane: the two chunks joined
    loss_fn = CarriedStateLoss()
    batches = list(DataLoader(short, batch_size=3, shuffle=False))
    two = (loss_fn(model, batches[0]) + loss_fn(model, batches[1])) / 2
    (one,) = [CarriedStateLoss()(model, batch) for batch in DataLoader(long, batch_size=3, shuffle=False)]
    torch.testing.assert_close(two, one, rtol=1e-12, atol=1e-12)
    # Without the carried state the second chunk starts from zeros, and the loss differs.
    fresh = (CarriedStateLoss()(model, batches[0]) + CarriedStateLoss()(model, batches[1])) / 2
    assert abs(fresh.item() - one.item()) > 1e-6


def test_state_is_detached_and_reset_at_chunk_zero():
    torch.manual_seed(0)
    model = CharLM(5, LMConfig(hidden_size=8, num_layers=1, dropout=0.0))
    batches = list(DataLoader(lane_dataset(np.arange(100) % 5, 2, 4), batch_size=2, shuffle=False))
    loss_fn = CarriedStateLoss()
    first = loss_fn(model, batches[0])
    assert loss_fn.state is not None and not loss_fn.state.requires_grad
    loss_fn(model, batches[1])
    again = loss_fn(model, batches[0])  # chunk 0 again (a new epoch, or validation): starts from zeros
    torch.testing.assert_close(again, first)


def test_gradient_stops_at_the_chunk_boundary():
    torch.manual_seed(0)
    model = CharLM(5, LMConfig(hidden_size=8, num_layers=1, dropout=0.0))
    batches = list(DataLoader(lane_dataset(np.arange(100) % 5, 2, 4), batch_size=2, shuffle=False))
    loss_fn = CarriedStateLoss()
    loss_fn(model, batches[0])
    carried = loss_fn.state.clone().requires_grad_(True)
    loss_fn.state = carried
    loss_fn(model, batches[1]).backward()
    assert carried.grad is not None  # the loss of chunk 1 depends on the carried state ...
    assert loss_fn.state.grad_fn is None  # ... but what is carried on holds no graph


def test_cross_entropy_of_the_loss_is_the_mean_over_lanes_and_steps():
    torch.manual_seed(0)
    model = CharLM(7, LMConfig(hidden_size=6, num_layers=1, dropout=0.0))
    (batch,) = list(DataLoader(lane_dataset(np.arange(13) % 7, 2, 6), batch_size=2, shuffle=False))
    logits, _ = model(batch[0])
    expected = -F.log_softmax(logits, -1).gather(-1, batch[1].unsqueeze(-1)).mean()
    torch.testing.assert_close(CarriedStateLoss()(model, batch), expected)
