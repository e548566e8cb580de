"""ClassifierNet: shapes of every pooling, padding that never changes the result, and the pooling math."""

from __future__ import annotations

import doctest

import pytest
import torch

import grukit.models.classifier_net as net_module
from grukit.models.classifier_net import ClassifierNet, attention_pool, last_state, masked_mean, valid_mask

OPTIONS = [(pooling, bidirectional, w) for pooling in ("last", "mean", "attention")
           for bidirectional in (False, True) for w in (1, 3)]


def _net(pooling, bidirectional, w, **kw):
    torch.manual_seed(0)
    return ClassifierNet(2, 3, hidden_size=6, bidirectional=bidirectional, pooling=pooling, segment_length=w,
                         **kw).eval()


@pytest.mark.parametrize("pooling,bidirectional,w", OPTIONS)
def test_logits_shape(pooling, bidirectional, w):
    net = _net(pooling, bidirectional, w)
    assert net(torch.randn(4, 10, 2)).shape == (4, 3)
    assert net(torch.randn(4, 10, 2), torch.tensor([10, 2, 5, 7])).shape == (4, 3)


@pytest.mark.parametrize("pooling,bidirectional,w", OPTIONS)
def test_padding_never_changes_the_logits(pooling, bidirectional, w):
    """Each sequence alone equals it padded (with garbage) inside a batch of longer ones."""
    net = _net(pooling, bidirectional, w)
    torch.manual_seed(1)
    lengths = torch.tensor([9, 4, 2, 7])
    x = torch.randn(4, 12, 2) * 5  # the steps past each length are garbage, not zeros
    batched = net(x, lengths)
    for i, n in enumerate(lengths.tolist()):
        alone = net(x[i : i + 1, :n])
        torch.testing.assert_close(batched[i : i + 1], alone, atol=1e-5, rtol=1e-5)


def test_gru_options_beyond_torch_run_with_lengths():
    net = _net("attention", True, 1, layer_norm=True, reset="before")  # options torch.nn.GRU's kernel lacks
    x, lengths = torch.randn(3, 8, 2), torch.tensor([8, 3, 5])
    torch.testing.assert_close(net(x, lengths)[1:2], net(x[1:2, :3]), atol=1e-5, rtol=1e-5)


def test_masked_mean_and_attention_weigh_valid_steps_only():
    output = torch.arange(12.0).reshape(1, 4, 3).repeat(2, 1, 1)  # (2, 4, 3)
    mask = valid_mask(torch.tensor([4, 2]), 4)
    assert mask.tolist() == [[True] * 4, [True, True, False, False]]
    torch.testing.assert_close(masked_mean(output, mask), torch.tensor([[4.5, 5.5, 6.5], [1.5, 2.5, 3.5]]))
    scores = torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.0, 2.0, 100.0, 100.0]])
    z, alpha = attention_pool(output, scores, mask)
    e2 = torch.exp(torch.tensor(2.0))
    torch.testing.assert_close(alpha[1], torch.tensor([1 / (1 + e2), e2 / (1 + e2), 0.0, 0.0]))
    torch.testing.assert_close(z[0], output[0].mean(0))
    torch.testing.assert_close(alpha.sum(1), torch.ones(2))


def test_last_state_concatenates_the_top_layer_directions():
    h_n = torch.arange(4 * 3 * 2.0).reshape(4, 3, 2)  # (L*D = 4, B = 3, H = 2): 2 layers, 2 directions
    z = last_state(h_n, num_directions=2)
    assert z.shape == (3, 4)
    torch.testing.assert_close(z[1], torch.cat([h_n[2, 1], h_n[3, 1]]))


def test_last_pooling_is_the_final_gru_states():
    net = _net("last", True, 1)
    x = torch.randn(1, 6, 2)
    _, h_n = net.gru(x)
    torch.testing.assert_close(net(x), net.head(torch.cat([h_n[0], h_n[1]], dim=1)))


def test_constructor_errors():
    with pytest.raises(ValueError, match=r"^ClassifierNet: pooling must be one of 'last', 'mean', 'attention'; "
                                         r"got 'max'\.$"):
        ClassifierNet(1, 2, pooling="max")
    with pytest.raises(ValueError, match=r"^ClassifierNet: num_classes must be an integer >= 1; got 0\.$"):
        ClassifierNet(1, 0)
    with pytest.raises(ValueError, match=r"^ClassifierNet: expected x of shape \(B, T, 1\); got \(2, 5, 3\)\.$"):
        ClassifierNet(1, 2)(torch.randn(2, 5, 3))


def test_docstring_examples_run():
    assert doctest.testmod(net_module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_the_config_offers_exactly_the_network_s_poolings():
    import typing

    from grukit.classify.config import Pooling
    from grukit.models.classifier_net import POOLINGS

    assert typing.get_args(Pooling) == POOLINGS
