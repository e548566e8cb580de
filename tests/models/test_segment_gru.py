"""SegmentGRU and ForecastNet(segment_length=w): shapes, the equations step by step, errors, learning."""

from __future__ import annotations

import itertools

import pytest
import torch

from grukit.models import ForecastNet
from grukit.models.segment import SegmentGRU

OPTIONS = list(itertools.product([False, True], [False, True], [(), (0.1, 0.5, 0.9)], [0, 2]))


@pytest.mark.parametrize("channel_independent,revin,quantiles,future_size", OPTIONS)
def test_forecast_net_segment_shapes(channel_independent, revin, quantiles, future_size):
    torch.manual_seed(0)
    net = ForecastNet(3 + future_size, 3, 5, future_size=future_size, hidden_size=8, segment_length=4,
                      channel_independent=channel_independent, revin=revin, quantiles=quantiles)
    x, future = torch.randn(6, 12, 3 + future_size), torch.randn(6, 5, future_size) if future_size else None
    assert net(x, future).shape == (6, 5, 3, max(1, len(quantiles)))  # K = 5 is cut from M = 2 segments of 4


def test_segment_gru_equals_its_equations_step_by_step():
    torch.manual_seed(0)
    seg = SegmentGRU(2, 3, horizon=5, segment_length=3, hidden_size=6, num_layers=2, num_channels=4,
                     future_size=1).double().eval()
    x, future = torch.randn(4, 9, 2, dtype=torch.float64), torch.randn(4, 5, 1, dtype=torch.float64)
    channel = torch.tensor([0, 1, 2, 3])
    h = None
    for j in range(3):  # e_j = ReLU(W_e vec(segment j)), h_j = GRU(e_j, h_{j-1})
        h = seg.gru.step(seg.embed(x[:, 3 * j : 3 * j + 3].reshape(4, 6)), h)  # (layers, S, H)
    padded = torch.cat([future, torch.zeros(4, 1, 1, dtype=torch.float64)], dim=1)  # (S, M*w, F)
    expected = []
    for m in range(2):  # every output segment from h_N, with [p_m ; c_s] + W_f vec(f_m)
        d = torch.cat([seg.position[m].expand(4, -1), seg.channel[channel]], dim=-1)
        d = d + seg.future(padded[:, 3 * m : 3 * m + 3].reshape(4, 3))
        g = seg.gru.step(d, h)[-1]  # (S, H)
        expected.append(seg.head(g).reshape(4, 3, 3))  # (S, w, outputs)
    expected = torch.cat(expected, dim=1)[:, :5]  # (S, K, outputs)
    assert torch.allclose(seg(x, future, channel), expected, atol=1e-12)


def test_segment_channels_do_not_mix():
    torch.manual_seed(0)
    net = ForecastNet(3, 3, 4, hidden_size=8, segment_length=5, channel_independent=True).eval()
    x = torch.randn(2, 10, 3)
    x2 = x.clone()
    x2[..., 2] += 5.0  # change channel 2 only
    assert torch.allclose(net(x)[:, :, :2], net(x2)[:, :, :2])
    assert not torch.allclose(net(x)[:, :, 2], net(x2)[:, :, 2])


def test_segment_revin_passes_a_level_shift_through():
    torch.manual_seed(0)
    net = ForecastNet(2, 2, 6, hidden_size=8, segment_length=4, channel_independent=True, revin=True).eval()
    base = torch.randn(3, 12, 2)
    assert torch.allclose(net(base + 100.0), net(base) + 100.0, atol=1e-3)


def test_segment_lookback_must_be_a_multiple_of_the_segment_length():
    net = ForecastNet(1, 1, 4, hidden_size=8, segment_length=5)
    with pytest.raises(ValueError, match=r"^SegmentGRU: the lookback \(12 steps\) must be a multiple of "
                                         r"segment_length \(5\); got a remainder of 2\. Choose a segment_length "
                                         r"that divides it\.$"):
        net(torch.randn(2, 12, 1))


def test_segment_needs_the_direct_strategy():
    with pytest.raises(ValueError, match=r"^ForecastNet: segment_length=4 decodes the horizon in parallel, which "
                                         r"needs strategy='direct'; got 'recursive'\. Use strategy='direct' or "
                                         r"segment_length=0\.$"):
        ForecastNet(1, 1, 4, segment_length=4, strategy="recursive")


def test_segment_length_must_not_be_negative():
    with pytest.raises(ValueError, match=r"^ForecastNet: segment_length must be 0 \(off\) or a positive step "
                                         r"count; got -1\.$"):
        ForecastNet(1, 1, 4, segment_length=-1)


def test_segment_net_learns_a_sine():
    torch.manual_seed(0)
    series = torch.sin(torch.arange(0, 400, dtype=torch.float32) / 5)
    windows = series.unfold(0, 24 + 6, 1)  # (N, 30), views
    x, y = windows[:, :24, None], windows[:, 24:, None]
    net = ForecastNet(1, 1, 6, hidden_size=16, segment_length=6)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(150):
        loss = torch.nn.functional.mse_loss(net(x)[..., 0], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-3
