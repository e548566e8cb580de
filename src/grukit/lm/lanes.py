"""The lanes layout of one long token stream for truncated back-propagation through time.

The stream is cut into B equal lanes; lane b is read in consecutive chunks of T tokens, so chunk
k+1 of a lane starts where chunk k ended and the hidden state can be carried from one to the next.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import TensorDataset

from grukit.errors import DataError

__all__ = ["lane_layout", "lane_dataset"]


def lane_layout(tokens: np.ndarray, lanes: int, chunk_length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs, targets and chunk index of every (chunk, lane) pair, chunk-major.

    With N tokens, n = ((N - 1) // B // T) * T tokens per lane and u = n / T chunks:

        x[k*B + b, t] = tokens[b*n + k*T + t],   y[k*B + b, t] = tokens[b*n + k*T + t + 1],   chunk[k*B + b] = k

    so rows k*B .. k*B + B-1 are chunk k of lanes 0 .. B-1, and a batch of B rows in order is one
    step of truncated BPTT. The last (N - 1) - B*n tokens are not used.

    Shapes (legend of :mod:`grukit.nn.functional`): tokens (N,) -> x, y (u*B, T) int64, chunk (u*B,) int64.

    Example:
        >>> x, y, k = lane_layout(np.arange(13), lanes=2, chunk_length=3)
        >>> x.tolist(), k.tolist()
        ([[0, 1, 2], [6, 7, 8], [3, 4, 5], [9, 10, 11]], [0, 0, 1, 1])
    """
    tokens = np.asarray(tokens, dtype=np.int64)
    lane_length = (len(tokens) - 1) // lanes // chunk_length * chunk_length  # n
    if lane_length == 0:
        raise DataError(f"the text has {len(tokens)} tokens, fewer than batch_size * chunk_length + 1 = "
                        f"{lanes * chunk_length + 1} that one step of truncated BPTT needs; use a longer text "
                        f"or lower --batch-size (the lanes) or --chunk-length.")
    chunks = lane_length // chunk_length  # u
    used = lanes * lane_length
    x = tokens[:used].reshape(lanes, chunks, chunk_length)  # (B, u, T)
    y = tokens[1 : used + 1].reshape(lanes, chunks, chunk_length)  # (B, u, T)
    x = x.transpose(1, 0, 2).reshape(chunks * lanes, chunk_length)  # (u*B, T), chunk-major
    y = y.transpose(1, 0, 2).reshape(chunks * lanes, chunk_length)  # (u*B, T)
    chunk = np.repeat(np.arange(chunks, dtype=np.int64), lanes)  # (u*B,)
    return x, y, chunk


def lane_dataset(tokens: np.ndarray, lanes: int, chunk_length: int) -> TensorDataset:
    """:func:`lane_layout` as a TensorDataset of (x, y, chunk); batches of ``lanes`` rows, unshuffled, keep lanes.

    Example:
        >>> data = lane_dataset(np.arange(13), lanes=2, chunk_length=3)
        >>> len(data), data[2][0].tolist()
        (4, [3, 4, 5])
    """
    x, y, chunk = lane_layout(tokens, lanes, chunk_length)
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(chunk))
