"""The NLL per time step: golden numbers, pooling over steps, and fit's epoch loss equal to the metric."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from grukit.music import MusicModel, PianoRollNet, pooled_nll, shift_right, step_nll
from grukit.music.batches import LengthGroups, collate_groups, nll_loss, split_step_nll


def test_step_nll_is_the_bernoulli_nll_summed_over_the_keys():
    assert step_nll(torch.zeros(1, 88), torch.zeros(1, 88)).item() == pytest.approx(88 * math.log(2))
    p = torch.tensor([[0.8, 0.1, 0.5]])
    x = torch.tensor([[1.0, 0.0, 1.0]])
    expected = -(math.log(0.8) + math.log(0.9) + math.log(0.5))
    assert step_nll(torch.logit(p), x).item() == pytest.approx(expected, rel=1e-6)
    rng = np.random.default_rng(0)
    logits, target = rng.normal(size=(4, 5, 88)), (rng.random((4, 5, 88)) < 0.3).astype(float)
    prob = 1 / (1 + np.exp(-logits))
    by_hand = -(target * np.log(prob) + (1 - target) * np.log(1 - prob)).sum(-1)  # (4, 5)
    np.testing.assert_allclose(step_nll(torch.tensor(logits), torch.tensor(target)).numpy(), by_hand, rtol=1e-10)


def test_pooled_nll_weighs_every_step_equally_not_every_sequence():
    short, long = torch.tensor([1.0]), torch.tensor([2.0, 3.0, 6.0])
    assert pooled_nll(torch.cat([short, long])) == 3.0  # 12 / 4; the mean of the sequence means would be 2.17
    with pytest.raises(ValueError, match="no steps to average"):
        pooled_nll(torch.tensor([]))
    with pytest.raises(ValueError, match=r"same shape; got \(1, 88\) and \(1, 87\)"):
        step_nll(torch.zeros(1, 88), torch.zeros(1, 87))


def _rolls(lengths, seed):
    rng = np.random.default_rng(seed)
    return [(rng.random((t, 88)) < 0.05).astype(np.uint8) for t in lengths]


@torch.no_grad()
def test_every_step_is_scored_the_first_from_a_zero_frame_and_padding_changes_nothing():
    torch.manual_seed(0)
    net = PianoRollNet(16).eval()
    rolls = _rolls([5, 2, 9], seed=1)
    values = split_step_nll(net, rolls, batch_size=2)  # batched and padded
    assert [len(v) for v in values] == [5, 2, 9]
    for roll, got in zip(rolls, values):
        x = torch.from_numpy(roll.astype(np.float32))[None]  # (1, T, 88), alone: no padding
        logits, _ = net(shift_right(x))
        np.testing.assert_allclose(got.numpy(), step_nll(logits, x)[0].double().numpy(), rtol=1e-5)
        first, _ = net.step(torch.zeros(1, 88))  # the first step is predicted from the zero frame
        assert got[0].item() == pytest.approx(step_nll(first, x[:, 0]).item(), rel=1e-5)


def test_the_training_loss_of_a_batch_is_the_mean_nll_of_its_real_steps():
    torch.manual_seed(0)
    net = PianoRollNet(8).eval()
    rolls = _rolls([3, 7], seed=2)
    batch = collate_groups([rolls])
    assert batch[0].shape == (10, 88)  # the first tensor counts the real steps: fit weighs by it
    expected = pooled_nll(torch.cat(split_step_nll(net, rolls)))
    assert nll_loss(net, batch).item() == pytest.approx(expected, rel=1e-5)
    groups = LengthGroups(_rolls([4, 1, 9, 2, 6], seed=3), group_size=2)
    assert [[len(r) for r in g] for g in groups] == [[1, 2], [4, 6], [9]]


def test_fits_validation_loss_is_exactly_the_pooled_nll_of_the_valid_split():
    data = {"train": _rolls([6, 11, 4, 8], seed=4), "valid": _rolls([3, 12, 5], seed=5)}
    model = MusicModel(hidden_size=8, epochs=1, batch_size=2, progress=False).fit(data)
    assert model.history_[0]["val_loss"] == pytest.approx(model.score(data, "valid")["nll"], rel=1e-6)
