"""Bad input gets an error that names the argument, what was expected and what was received."""

from __future__ import annotations

import re

import pytest
import torch

from grukit.nn import GRU, GRUCell


def raises(kind, text):
    return pytest.raises(kind, match="^" + re.escape(text) + "$")


def test_wrong_input_rank():
    with raises(ValueError, "GRU: input must be 3-D (T, B, input_size) or 2-D (T, input_size) unbatched; "
                            "got a 4-D tensor of shape (2, 3, 4, 5)."):
        GRU(5, 8)(torch.randn(2, 3, 4, 5))


def test_wrong_input_rank_batch_first_names_the_layout():
    with raises(ValueError, "GRU: input must be 3-D (B, T, input_size) or 2-D (T, input_size) unbatched; "
                            "got a 1-D tensor of shape (5,)."):
        GRU(5, 8, batch_first=True)(torch.randn(5))


def test_wrong_feature_size():
    with raises(ValueError, "GRU: input must have input_size=5 features in its last dimension; got 3 "
                            "(shape (10, 4, 3)). Reshape the data or build the module with input_size=3."):
        GRU(5, 8)(torch.randn(10, 4, 3))


def test_hx_of_the_wrong_shape():
    with raises(ValueError, "GRU: hx must have shape (num_layers * num_directions, batch, hidden_size) = "
                            "(4, 4, 8); got (2, 4, 8)."):
        GRU(5, 8, num_layers=2, bidirectional=True)(torch.randn(10, 4, 5), torch.zeros(2, 4, 8))


def test_hx_of_the_wrong_shape_unbatched():
    with raises(ValueError, "GRU: hx must have shape (num_layers * num_directions, hidden_size) for unbatched "
                            "input = (1, 8); got (1, 1, 8)."):
        GRU(5, 8)(torch.randn(10, 5), torch.zeros(1, 1, 8))


def test_lengths_longer_than_t():
    with raises(ValueError, "GRU: lengths must lie in [1, T] with T=10 steps; got min 3 and max 12. "
                            "Pad the input to the longest sequence and give each sequence's true length."):
        GRU(5, 8)(torch.randn(10, 2, 5), lengths=torch.tensor([12, 3]))


def test_lengths_below_one():
    with raises(ValueError, "GRU: lengths must lie in [1, T] with T=10 steps; got min 0 and max 4. "
                            "Pad the input to the longest sequence and give each sequence's true length."):
        GRU(5, 8, backend="reference")(torch.randn(10, 2, 5), lengths=torch.tensor([0, 4]))


def test_lengths_of_the_wrong_size_and_type():
    with raises(ValueError, "GRU: lengths must be a 1-D tensor with one length per sequence (batch=2); got shape (3,)."):
        GRU(5, 8)(torch.randn(10, 2, 5), lengths=torch.tensor([1, 2, 3]))
    with raises(TypeError, "GRU: lengths must hold integers; got dtype torch.float32."):
        GRU(5, 8)(torch.randn(10, 2, 5), lengths=torch.tensor([1.0, 2.0]))


def test_integer_input():
    with raises(TypeError, "GRU: input must be a floating-point tensor; got dtype torch.int64. "
                           "Convert it first, e.g. input.to(torch.float32)."):
        GRU(5, 8)(torch.ones(10, 4, 5, dtype=torch.int64))


def test_dtype_mismatch():
    with raises(TypeError, "GRU: input has dtype torch.float64 but the parameters are torch.float32; cast one to "
                           "match, e.g. input.to(torch.float32) or module.to(torch.float64)."):
        GRU(5, 8)(torch.ones(10, 4, 5, dtype=torch.float64))


def test_reset_not_after_or_before():
    with raises(ValueError, "GRU: reset must be 'after' (PyTorch/cuDNN form) or 'before' (Cho et al. 2014 form); "
                            "got 'middle'."):
        GRU(5, 8, reset="middle")
    with raises(ValueError, "GRUCell: reset must be 'after' (PyTorch/cuDNN form) or 'before' (Cho et al. 2014 "
                            "form); got None."):
        GRUCell(5, 8, reset=None)


@pytest.mark.parametrize("value", [1.0, -0.1, 1.5, "0.2", True])
def test_dropout_outside_unit_interval(value):
    with raises(ValueError, f"GRU: dropout must be a number in [0, 1); got {value!r}. "
                            "Use 0 to switch it off and a value below 1 (e.g. 0.1) to switch it on."):
        GRU(5, 8, num_layers=2, dropout=value)


@pytest.mark.parametrize("name", ["zoneout", "recurrent_dropout"])
def test_other_probabilities(name):
    with raises(ValueError, f"GRU: {name} must be a number in [0, 1); got 1. "
                            "Use 0 to switch it off and a value below 1 (e.g. 0.1) to switch it on."):
        GRU(5, 8, **{name: 1})


def test_sizes_must_be_positive_integers():
    with raises(ValueError, "GRU: hidden_size must be a positive integer; got 0."):
        GRU(5, 0)
    with raises(ValueError, "GRU: num_layers must be a positive integer; got 1.5."):
        GRU(5, 8, num_layers=1.5)


def test_unknown_backend_and_torch_backend_with_unsupported_options():
    with raises(ValueError, "GRU: backend must be one of 'auto', 'torch', 'reference', 'fused'; got 'cuda'."):
        GRU(5, 8, backend="cuda")
    with raises(ValueError, "GRU: backend='torch' runs torch.nn.GRU, which has only reset='after' without "
                            "layer_norm, zoneout or recurrent_dropout; got reset='before', layer_norm=False, "
                            "zoneout=0.0, recurrent_dropout=0.0. Use backend='auto' or 'reference'."):
        GRU(5, 8, reset="before", backend="torch")


def test_step_errors():
    with raises(ValueError, "GRU.step: streaming runs forward in time only; got bidirectional=True. "
                            "Use forward() on the whole sequence instead."):
        GRU(5, 8, bidirectional=True).step(torch.randn(2, 5))
    with raises(ValueError, "GRU.step: the random masks of dropout, zoneout and recurrent_dropout span whole "
                            "sequences, so step() runs only in eval mode when they are on; call gru.eval() first."):
        GRU(5, 8, zoneout=0.1).step(torch.randn(2, 5))
    with raises(ValueError, "GRU: x_t must have input_size=5 features in its last dimension; got 4 (shape (2, 4)). "
                            "Reshape the data or build the module with input_size=4."):
        GRU(5, 8).step(torch.randn(2, 4))


def test_cell_errors():
    with raises(ValueError, "GRUCell: hx must have shape (batch, hidden_size) = (2, 8); got (3, 8)."):
        GRUCell(5, 8)(torch.randn(2, 5), torch.zeros(3, 8))
    with raises(ValueError, "GRUCell: input must be 2-D (B, input_size) or 1-D (input_size,) unbatched; "
                            "got a 3-D tensor of shape (1, 2, 5)."):
        GRUCell(5, 8)(torch.randn(1, 2, 5))


def test_lengths_with_packed_input():
    from torch.nn.utils.rnn import pack_padded_sequence

    packed = pack_padded_sequence(torch.randn(4, 2, 5), torch.tensor([4, 2]))
    with raises(ValueError, "GRU: lengths must be None when input is a PackedSequence, which carries its own lengths."):
        GRU(5, 8)(packed, lengths=torch.tensor([4, 2]))
