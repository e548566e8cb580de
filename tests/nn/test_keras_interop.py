"""Weights move between a real Keras GRU layer (on its torch backend) and grukit.nn.GRU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grukit.nn import GRU

keras = pytest.importorskip("keras")


def _keras_layer(units, input_size, reset_after, use_bias):
    layer = keras.layers.GRU(units, reset_after=reset_after, use_bias=use_bias, return_sequences=True,
                             return_state=True)
    layer.build((None, None, input_size))
    rng = np.random.default_rng(0)
    layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32") for w in layer.get_weights()])
    return layer


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("use_bias", [True, False])
def test_from_keras_weights_matches_keras_outputs(reset_after, use_bias):
    layer = _keras_layer(5, 3, reset_after, use_bias)
    x = np.random.default_rng(1).normal(size=(4, 7, 3)).astype("float32")
    h0 = np.random.default_rng(2).normal(size=(4, 5)).astype("float32")
    keras_seq, keras_state = (np.asarray(keras.ops.convert_to_numpy(t)) for t in layer(x, initial_state=[h0]))

    gru = GRU.from_keras_weights(*layer.get_weights(), reset_after=reset_after, batch_first=True)
    assert gru.reset == ("after" if reset_after else "before") and gru.bias == use_bias
    out, h_n = gru(torch.from_numpy(x), torch.from_numpy(h0)[None])
    assert np.abs(out.detach().numpy() - keras_seq).max() <= 1e-5
    assert np.abs(h_n[0].detach().numpy() - keras_state).max() <= 1e-5


@pytest.mark.parametrize("reset", ["after", "before"])
def test_to_keras_weights_loads_into_keras_and_matches(reset):
    torch.manual_seed(0)
    gru = GRU(3, 5, batch_first=True, reset=reset)
    layer = _keras_layer(5, 3, reset == "after", True)
    layer.set_weights(gru.to_keras_weights())
    x = torch.randn(4, 7, 3)
    keras_seq = np.asarray(keras.ops.convert_to_numpy(layer(x.numpy())[0]))
    assert np.abs(gru(x)[0].detach().numpy() - keras_seq).max() <= 1e-5


def test_round_trip_keeps_weights():
    torch.manual_seed(0)
    gru = GRU(3, 5, reset="after")
    back = GRU.from_keras_weights(*gru.to_keras_weights(), reset_after=True)
    for name, p in gru.state_dict().items():
        assert torch.equal(p, back.state_dict()[name]), name


def test_to_keras_weights_needs_one_plain_layer():
    with pytest.raises(ValueError, match=r"^GRU\.to_keras_weights: a Keras GRU layer holds one layer in one "
                                         r"direction without layer norm; got num_layers=2"):
        GRU(3, 5, num_layers=2).to_keras_weights()


def test_from_keras_weights_rejects_a_bias_of_the_wrong_form():
    kernel, recurrent = np.zeros((3, 15)), np.zeros((5, 15))
    with pytest.raises(ValueError, match=r"^GRU\.from_keras_weights: bias must have shape \(2, 15\) for "
                                         r"reset_after=True; got \(15,\)\."):
        GRU.from_keras_weights(kernel, recurrent, np.zeros(15), reset_after=True)
