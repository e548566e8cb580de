"""MusicModel: it learns a chord progression, samples consistently with its own probabilities, saves and loads."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from grukit.errors import ConfigError, DataError, ModelFileError
from grukit.music import MusicModel, PianoRollNet, rolls_from_notes, sample_roll, shift_right

CHORDS = [[60, 64, 67], [65, 69, 72], [67, 71, 74]]  # C, F, G: each chord decides the next one


def progression(count: int, seed: int) -> list[list[list[int]]]:
    """``count`` sequences of 6-12 steps cycling C -> F -> G -> C, each from a random chord."""
    rng = np.random.default_rng(seed)
    return [[CHORDS[(start + t) % 3] for t in range(length)]
            for start, length in zip(rng.integers(0, 3, count), rng.integers(6, 13, count))]


def _data(seed=0):
    return {split: rolls_from_notes(progression(n, seed + i))
            for i, (split, n) in enumerate([("train", 24), ("valid", 8), ("test", 8)])}


@pytest.fixture(scope="module")
def fitted():
    return MusicModel(hidden_size=16, dropout=0.0, epochs=40, batch_size=4, lr=5e-2, schedule="constant",
                      patience=0, progress=False, num_threads=1).fit(_data())


def test_it_learns_the_progression_far_below_knowing_only_the_note_frequencies(fitted):
    score = fitted.score(_data(), "test")
    rolls = np.concatenate(_data()["train"]).astype(float)  # the unigram model: each key's training frequency
    p = rolls.mean(0).clip(1e-6, 1 - 1e-6)
    test = np.concatenate(_data()["test"]).astype(float)
    unigram = -(test * np.log(p) + (1 - test) * np.log(1 - p)).sum(1).mean()
    assert unigram > 5.0
    assert score["nll"] < 1.5  # only the first step (one of three chords, ln 3 = 1.1 at best) is uncertain
    assert score["nll_after_first_step"] < 0.2
    assert score["steps"] == sum(len(s) for s in progression(8, 2)) and score["sequences"] == 8


def test_sampling_falls_into_the_learned_progression_and_is_seeded(fitted):
    # The first frame is drawn key by key (independent sigmoids cannot pick one whole chord of three),
    # so a piece may open with part of a chord; from then on it must cycle C -> F -> G.
    for seed in range(5):
        roll = fitted.sample(steps=12, temperature=0.5, seed=seed)
        assert roll.shape == (12, 88) and roll.dtype == np.uint8
        chords = [sorted(int(k) + 21 for k in np.flatnonzero(frame)) for frame in roll]
        start = CHORDS.index(chords[4])
        assert chords[4:] == [CHORDS[(start + t) % 3] for t in range(8)], chords
        np.testing.assert_array_equal(fitted.sample(steps=12, temperature=0.5, seed=seed), roll)


@torch.no_grad()
def test_the_step_by_step_probabilities_of_sampling_are_the_forward_pass_of_training():
    torch.manual_seed(0)
    net = PianoRollNet(12, num_layers=2, dropout=0.3, zoneout=0.1).eval()
    roll = torch.from_numpy(sample_roll(net, steps=10, seed=0).astype(np.float32))  # (10, 88)
    logits, _ = net(shift_right(roll[None]))  # (1, 10, 88)
    frame, h = torch.zeros(1, 88), None
    for t in range(10):
        step_logits, h = net.step(frame, h)
        torch.testing.assert_close(step_logits, logits[:, t], rtol=1e-5, atol=1e-5)
        frame = roll[t:t + 1]


@pytest.mark.parametrize("steps, temperature, message", [
    (0, 1.0, "steps must be an integer >= 1, the number of frames to sample; got 0."),
    (-3, 1.0, "steps must be an integer >= 1, the number of frames to sample; got -3."),
    (5, 0.0, "temperature must be a finite number > 0 (1 samples the model as trained); got 0.0."),
    (5, math.inf, "temperature must be a finite number > 0 (1 samples the model as trained); got inf."),
])
def test_bad_sampling_options_are_config_errors(fitted, steps, temperature, message):
    with pytest.raises(ConfigError) as caught:
        fitted.sample(steps, temperature)
    assert str(caught.value) == message


def test_save_and_load_give_the_same_scores_and_samples(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    loaded = MusicModel.load(tmp_path / "m")
    assert loaded.score(_data(), "test") == fitted.score(_data(), "test")
    np.testing.assert_array_equal(loaded.sample(20, seed=1), fitted.sample(20, seed=1))
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["format"] == "grukit.music" and config["parameters"] == fitted.n_parameters_
    assert fitted.n_parameters_ == 3 * (16 * 88 + 16 * 16 + 2 * 16) + 16 * 88 + 88  # GRU + linear layer
    with pytest.raises(ModelFileError, match="does not exist; pass the --out folder of a training run"):
        MusicModel.load(tmp_path / "nowhere")


def test_arrays_are_checked_like_files_and_the_public_names_exist():
    import grukit.music

    with pytest.raises(DataError, match=r"^piano roll valid\[1\] must have shape \(T, 88\) with T >= 1; got \(0, 88\)\.$"):
        MusicModel().fit({"train": [np.zeros((3, 88))], "valid": [np.zeros((3, 88)), np.zeros((0, 88))]})
    with pytest.raises(DataError, match=r"^piano roll train\[0\] must hold only 0 and 1"):
        MusicModel().fit({"train": [np.full((3, 88), 0.5)], "valid": [np.zeros((3, 88))]})
    assert all(hasattr(grukit.music, name) for name in grukit.music.__all__)


def test_options_are_checked_and_an_unfitted_model_says_so():
    _, train = MusicModel(epochs=3).configs()
    assert (train.lr, train.batch_size, train.epochs, train.patience) == (1e-2, 4, 3, 20)  # music's defaults, then ours
    with pytest.raises(ConfigError, match=r"^unknown option 'hiden_size' \(did you mean 'hidden_size'\?\); "
                                          r"valid options: hidden_size, num_layers"):
        MusicModel(hiden_size=8).fit(_data())
    with pytest.raises(ConfigError, match=r"^MusicConfig: dropout must be in \[0, 1\); got 1.5\.$"):
        MusicModel(dropout=1.5).fit(_data())
    with pytest.raises(ConfigError, match=r"^this MusicModel is not fitted yet; call fit\(data\)"):
        MusicModel().sample(4)
