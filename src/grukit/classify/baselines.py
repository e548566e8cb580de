"""The baselines a classification score is read against: the majority class and 1-nearest-neighbour.

    majority class   every sequence gets the class most frequent in the training data (ties: the
                     first in class order); its accuracy is that class's share of the scored data.
    1-NN Euclidean   every sequence gets the class of the closest training sequence, by the
                     Euclidean distance sqrt(sum_t,c (x_tc - x'_tc)^2) after both are resampled to
                     the training data's median length by linear interpolation in time (so
                     sequences of different lengths compare; equal lengths stay as they are).

Both read the training data exactly as the model was given it (same channels, no scaling of their
own), and the scored sequences are never used to fit them. Shapes use the legend of
:mod:`grukit.nn.functional`; resampled sequences share one length T.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["majority_class", "nearest_neighbour", "resample"]

CHUNK = 512  # scored sequences per distance block (bounds memory at CHUNK x N_train floats)


def majority_class(train_codes: np.ndarray, n: int) -> np.ndarray:
    """(n,) predictions: the most frequent training class code.

    Example:
        >>> majority_class(np.array([0, 2, 2, 1]), 3).tolist()
        [2, 2, 2]
    """
    counts = np.bincount(np.asarray(train_codes, dtype=np.int64))
    return np.full(n, int(np.argmax(counts)), dtype=np.int64)


def resample(sequence: np.ndarray, length: int) -> np.ndarray:
    """A (T, C) sequence linearly interpolated to (length, C) over the same span of time.

    Example:
        >>> resample(np.array([[0.0], [2.0]]), 3)[:, 0].tolist()
        [0.0, 1.0, 2.0]
    """
    x = np.asarray(sequence, dtype=np.float64)
    if len(x) == length:
        return x
    if len(x) == 1:
        return np.repeat(x, length, axis=0)
    old = np.linspace(0.0, 1.0, len(x))
    new = np.linspace(0.0, 1.0, length)
    return np.stack([np.interp(new, old, x[:, c]) for c in range(x.shape[1])], axis=1)


def nearest_neighbour(train: Sequence[np.ndarray], train_codes: np.ndarray,
                      scored: Sequence[np.ndarray]) -> np.ndarray:
    """(N,) predictions of 1-NN with the Euclidean distance on sequences resampled to one length.

    Example:
        >>> train = [np.array([[0.0], [0.0]]), np.array([[5.0], [5.0]])]
        >>> nearest_neighbour(train, np.array([0, 1]), [np.array([[4.0], [6.0], [5.0]])]).tolist()
        [1]
    """
    length = int(np.median([len(s) for s in train]))
    reference = np.stack([resample(s, length).ravel() for s in train])  # (N_train, T*C)
    reference = np.nan_to_num(reference)
    norms = (reference ** 2).sum(axis=1)  # (N_train,)
    codes = np.asarray(train_codes)
    out = np.empty(len(scored), dtype=np.int64)
    for start in range(0, len(scored), CHUNK):
        block = np.nan_to_num(np.stack([resample(s, length).ravel() for s in scored[start:start + CHUNK]]))
        # |a - b|^2 = |a|^2 - 2 a.b + |b|^2; |a|^2 is the same for every b, so it does not change the argmin
        distances = norms[None, :] - 2.0 * block @ reference.T  # (chunk, N_train)
        out[start:start + len(block)] = codes[np.argmin(distances, axis=1)]
    return out
