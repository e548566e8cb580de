"""The pieces of a classification fit: the stratified validation split, class weights, tensors, the loss.

Shapes use the legend of :mod:`grukit.nn.functional`.
"""

from __future__ import annotations

import numpy as np

from grukit.classify.data import SequenceSet, pad_sequences
from grukit.errors import DataError

__all__ = ["stratified_split", "balanced_class_weights", "tensor_dataset", "cross_entropy_loss", "check_trainable"]


def stratified_split(codes: np.ndarray, val_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Hold out about ``val_size`` of each class for validation: (train indices, validation indices), sorted.

    Class k with n_k sequences gives round(val_size * n_k) of them, at least 1 when n_k >= 2 and
    val_size > 0, and never all of them; the pick is a seeded shuffle within the class.

    Example:
        >>> train, val = stratified_split(np.array([0, 0, 0, 0, 1, 1, 1, 1, 1]), 0.25, seed=0)
        >>> len(train), len(val), np.bincount(np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])[val]).tolist()
        (7, 2, [1, 1])
    """
    rng = np.random.default_rng(seed)
    held = []
    for k in np.unique(codes):
        members = np.flatnonzero(codes == k)
        count = 0 if val_size == 0 else min(len(members) - 1, max(1, round(val_size * len(members))))
        held.extend(rng.permutation(members)[:count].tolist())
    val = np.sort(np.asarray(held, dtype=np.int64))
    train = np.setdiff1d(np.arange(len(codes)), val)
    return train, val


def balanced_class_weights(codes: np.ndarray, num_classes: int) -> np.ndarray:
    """w_k = N / (J n_k): each class weighs as much in the loss as the others (scikit-learn's "balanced").

    A class absent from ``codes`` gets weight 0 (it contributes no term anyway).

    Example:
        >>> balanced_class_weights(np.array([0, 0, 0, 1]), 2).tolist()
        [0.6666666666666666, 2.0]
    """
    counts = np.bincount(codes, minlength=num_classes).astype(np.float64)
    return np.divide(len(codes), num_classes * counts, out=np.zeros_like(counts), where=counts > 0)


def tensor_dataset(ss: SequenceSet, codes: np.ndarray | None, scaler=None):
    """A ``TensorDataset`` of (x (N, T_max, C) zero-padded, lengths (N,), codes (N,)) — codes left out when None."""
    import torch

    sequences = ss.sequences if scaler is None else [scaler.transform(s) for s in ss.sequences]
    x, lengths = pad_sequences(sequences)
    tensors = [torch.from_numpy(x), torch.from_numpy(lengths)]
    if codes is not None:
        tensors.append(torch.from_numpy(np.asarray(codes, dtype=np.int64)))
    return torch.utils.data.TensorDataset(*tensors)


def cross_entropy_loss(class_weights: np.ndarray | None, jitter: float = 0.0):
    """``loss_fn(model, batch)`` for :func:`grukit.train.fit`: (weighted) cross-entropy of the logits::

        loss = sum_i w_{y_i} (-log softmax(logits_i)[y_i]) / sum_i w_{y_i}      (w = 1 without weights)

    In training mode with ``jitter`` = sigma > 0 each input is augmented first, x' = x + sigma eps with
    eps ~ N(0, I) drawn anew for every batch (validation batches, in eval mode, stay as they are).
    """
    import torch
    import torch.nn.functional as F

    weight = None if class_weights is None else torch.as_tensor(class_weights, dtype=torch.float32)

    def loss_fn(model, batch):
        x, lengths, y = batch  # (B, T, C), (B,), (B,)
        if jitter > 0 and model.training:
            x = x + jitter * torch.randn_like(x)  # (B, T, C); the net zeroes the padded steps itself
        logits = model(x, lengths)  # (B, J)
        return F.cross_entropy(logits, y, weight=None if weight is None else weight.to(logits.device))

    return loss_fn


def check_trainable(ss: SequenceSet, classes: list) -> None:
    """Training needs at least two classes."""
    if len(classes) < 2:
        raise DataError(f"{ss.name} holds a single class ({str(classes[0])!r}); a classifier needs at least two "
                        f"classes to tell apart.")
