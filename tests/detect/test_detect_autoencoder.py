"""GRUAutoencoder: shapes, the per-step error, eager argument checks, and that it learns."""

from __future__ import annotations

import pytest
import torch

from grukit.models.autoencoder import GRUAutoencoder, reconstruction_error


def test_shapes_and_time_order():
    torch.manual_seed(0)
    model = GRUAutoencoder(input_size=3, hidden_size=8, num_layers=2)
    x = torch.randn(5, 12, 3)
    y = model(x)
    assert y.shape == (5, 12, 3)
    assert reconstruction_error(x, y).shape == (5, 12)
    # the decoder emits the newest step first and the output is flipped back: the head of step k is at T-1-k
    code = model.encoder(x)[1]
    decoded, _ = model.decoder(code[-1].unsqueeze(1).expand(-1, 12, -1), code)
    assert torch.allclose(y[:, -1], model.head(decoded[:, 0]), atol=1e-6)


def test_revin_makes_the_reconstruction_level_free():
    torch.manual_seed(0)
    model = GRUAutoencoder(input_size=1, hidden_size=8, revin=True)
    x = torch.randn(2, 10, 1)
    assert torch.allclose(model(x + 100.0), model(x) + 100.0, atol=1e-3)


def test_reconstruction_error_equation():
    x, y = torch.zeros(1, 2, 2), torch.tensor([[[1.0, 3.0], [2.0, 0.0]]])
    assert reconstruction_error(x, y).tolist() == [[5.0, 2.0]]  # mean over channels of the squared error


def test_it_learns_to_reconstruct_windows():
    torch.manual_seed(0)
    t = torch.arange(40.0)
    windows = torch.stack([torch.sin((t[:12] + s) / 3) for s in range(16)]).unsqueeze(-1)  # (16, 12, 1)
    model = GRUAutoencoder(1, 8)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-2)
    first = torch.nn.functional.mse_loss(model(windows), windows).item()
    for _ in range(60):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(windows), windows)
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 10


def test_arguments_are_checked_eagerly():
    with pytest.raises(ValueError, match=r"^GRUAutoencoder: hidden_size must be a positive integer; got 0\.$"):
        GRUAutoencoder(1, 0)
    with pytest.raises(ValueError, match=r"^GRUAutoencoder: expected input of shape \(B, T, 2\); got \(4, 2\)\.$"):
        GRUAutoencoder(2, 4)(torch.zeros(4, 2))
    with pytest.raises(ValueError, match=r"^reconstruction_error: x and reconstruction must have the same shape"):
        reconstruction_error(torch.zeros(1, 2, 1), torch.zeros(1, 3, 1))
