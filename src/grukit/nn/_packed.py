"""Moving between PackedSequence and a padded batch with lengths."""

from __future__ import annotations

from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


def unpack(packed: PackedSequence) -> tuple[Tensor, Tensor]:
    """PackedSequence -> padded (T, B, *) in the caller's batch order and lengths (B,)."""
    padded, lengths = pad_packed_sequence(packed)
    return padded, lengths


def repack_like(padded: Tensor, lengths: Tensor, like: PackedSequence) -> PackedSequence:
    """Pack a padded (T, B, *) output with exactly the batch layout of ``like``."""
    if like.sorted_indices is not None:
        padded = padded.index_select(1, like.sorted_indices.to(padded.device))
        lengths = lengths.index_select(0, like.sorted_indices.to(lengths.device))
    data = pack_padded_sequence(padded, lengths.cpu(), enforce_sorted=True).data
    return PackedSequence(data, like.batch_sizes, like.sorted_indices, like.unsorted_indices)


def pack(padded: Tensor, lengths: Tensor) -> PackedSequence:
    """Padded (T, B, *) with lengths (B,) -> PackedSequence in any length order."""
    return pack_padded_sequence(padded, lengths.cpu(), enforce_sorted=False)


def pad(packed: PackedSequence, total_length: int) -> Tensor:
    """PackedSequence -> padded (total_length, B, *), zeros past each sequence's end."""
    return pad_packed_sequence(packed, total_length=total_length)[0]
