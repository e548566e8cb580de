r"""``GRUAutoencoder``: a GRU sequence autoencoder (encoder GRU -> final state -> decoder GRU -> the window).

For a window x_1 .. x_T (after Malhotra et al. 2016, "LSTM-based Encoder-Decoder for Multi-sensor
Anomaly Detection", with GRUs and a non-autoregressive decoder)::

    h_T        = GRU_enc(x_1 .. x_T)[T]                   the code: the encoder's final state (per layer)
    d_1 .. d_T = GRU_dec(c, c, ..., c; initial state h_T)  c = h_T of the last layer, fed at every step
    x^_{T+1-k} = W d_k + b                                 k = 1 .. T: the newest step first

Decoding in reverse order means the decoder starts from the step the code saw last. The
reconstruction error of step t is e_t = mean_c (x_tc - x^_tc)^2 (``reconstruction_error``); a window
unlike the training windows reconstructs badly, which is what an anomaly score reads.
"""

from __future__ import annotations

from torch import Tensor, nn

from grukit.models.revin import RevIN
from grukit.nn import GRU

__all__ = ["GRUAutoencoder", "reconstruction_error"]


class GRUAutoencoder(nn.Module):
    """Reconstruct windows (B, T, C) through a GRU code of ``hidden_size`` units.

    Args:
        input_size: C, channels per step.
        hidden_size: H, units of both GRUs; the code is the encoder's final state.
        num_layers, dropout, reset: as in :class:`grukit.nn.GRU`, for both GRUs.
        revin: normalize each window by its own mean and std first (:class:`grukit.models.RevIN`) and
            map the reconstruction back, so the code describes the window's shape, not its level.

    Shapes: x (B, T, C) -> reconstruction (B, T, C), in x's time order.

    Example:
        >>> model = GRUAutoencoder(input_size=1, hidden_size=16)
        >>> x = torch.randn(8, 48, 1)
        >>> reconstruction_error(x, model(x)).shape     # per step: (8, 48)
        torch.Size([8, 48])
    """

    def __init__(self, input_size: int, hidden_size: int = 32, num_layers: int = 1, dropout: float = 0.0,
                 *, reset: str = "after", revin: bool = False) -> None:
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"GRUAutoencoder: {name} must be a positive integer; got {value!r}.")
        self.input_size, self.hidden_size = input_size, hidden_size
        self.encoder = GRU(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout, reset=reset)
        self.decoder = GRU(hidden_size, hidden_size, num_layers, batch_first=True, dropout=dropout, reset=reset)
        self.head = nn.Linear(hidden_size, input_size)
        self.revin = RevIN(input_size) if revin else None

    def forward(self, x: Tensor) -> Tensor:
        """x (B, T, C) -> its reconstruction (B, T, C)."""
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            raise ValueError(f"GRUAutoencoder: expected input of shape (B, T, {self.input_size}); "
                             f"got {tuple(x.shape)}.")
        stats = None
        if self.revin is not None:
            x, stats = self.revin.normalize(x)  # each window by its own mean and std
        _, h_n = self.encoder(x)  # (L, B, H)
        code = h_n[-1].unsqueeze(1).expand(-1, x.shape[1], -1)  # (B, T, H): the code at every step
        decoded, _ = self.decoder(code, h_n)  # (B, T, H), newest step first
        reconstruction = self.head(decoded).flip(1)  # (B, T, C), back in x's time order
        return reconstruction if stats is None else self.revin.denormalize(reconstruction, stats)


def reconstruction_error(x: Tensor, reconstruction: Tensor) -> Tensor:
    """Per-step squared error averaged over channels: e_t = mean_c (x_tc - x^_tc)^2.

    Shapes: x, reconstruction (B, T, C) -> (B, T).
    """
    if x.shape != reconstruction.shape:
        raise ValueError(f"reconstruction_error: x and reconstruction must have the same shape (B, T, C); "
                         f"got {tuple(x.shape)} and {tuple(reconstruction.shape)}.")
    return (x - reconstruction).pow(2).mean(dim=-1)
