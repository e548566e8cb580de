"""Argument checks shared by the recurrent modules.

Every message says which argument was wrong, what was expected, what was received and, where
there is one, how to fix it. The tests compare these texts exactly.
"""

from __future__ import annotations

import numbers

import torch

RESET_FORMS = ("after", "before")


def check_positive_int(owner: str, name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer; got {value!r}.")
    return int(value)


def check_probability(owner: str, name: str, value: object) -> float:
    """A drop/zone probability p in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value < 1.0:
        raise ValueError(
            f"{owner}: {name} must be a number in [0, 1); got {value!r}. "
            f"Use 0 to switch it off and a value below 1 (e.g. 0.1) to switch it on."
        )
    return float(value)


def check_reset(owner: str, reset: object) -> str:
    if reset not in RESET_FORMS:
        raise ValueError(
            f"{owner}: reset must be 'after' (PyTorch/cuDNN form) or 'before' "
            f"(Cho et al. 2014 form); got {reset!r}."
        )
    return str(reset)


def check_float_tensor(owner: str, name: str, value: object, dtype: torch.dtype) -> None:
    """A floating tensor whose dtype matches the module's parameters."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{owner}: {name} must be a torch.Tensor; got {type(value).__name__}.")
    if not value.is_floating_point():
        raise TypeError(
            f"{owner}: {name} must be a floating-point tensor; got dtype {value.dtype}. "
            f"Convert it first, e.g. {name}.to({dtype})."
        )
    if value.dtype != dtype:
        raise TypeError(
            f"{owner}: {name} has dtype {value.dtype} but the parameters are {dtype}; "
            f"cast one to match, e.g. {name}.to({dtype}) or module.to({value.dtype})."
        )


def check_rank(owner: str, name: str, value: torch.Tensor, ranks: tuple[int, ...], expected: str) -> None:
    """``expected`` spells out the accepted layouts, e.g. "3-D (T, B, I) or 2-D (T, I) unbatched"."""
    if value.dim() not in ranks:
        raise ValueError(
            f"{owner}: {name} must be {expected}; got a {value.dim()}-D tensor of shape {tuple(value.shape)}."
        )


def check_feature_size(owner: str, name: str, value: torch.Tensor, input_size: int) -> None:
    if value.size(-1) != input_size:
        raise ValueError(
            f"{owner}: {name} must have input_size={input_size} features in its last dimension; "
            f"got {value.size(-1)} (shape {tuple(value.shape)}). Reshape the data or build the "
            f"module with input_size={value.size(-1)}."
        )


def check_state_shape(owner: str, name: str, value: torch.Tensor, expected: tuple[int, ...], legend: str) -> None:
    if tuple(value.shape) != expected:
        raise ValueError(
            f"{owner}: {name} must have shape {legend} = {expected}; got {tuple(value.shape)}."
        )


def check_lengths(owner: str, lengths: object, batch: int, steps: int) -> torch.Tensor:
    """Valid lengths of a padded batch: a 1-D integer tensor of size B with values in [1, T]."""
    if not isinstance(lengths, torch.Tensor):
        lengths = torch.as_tensor(lengths)
    if lengths.dim() != 1 or lengths.numel() != batch:
        raise ValueError(
            f"{owner}: lengths must be a 1-D tensor with one length per sequence (batch={batch}); "
            f"got shape {tuple(lengths.shape)}."
        )
    if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
        raise TypeError(f"{owner}: lengths must hold integers; got dtype {lengths.dtype}.")
    low, high = int(lengths.min()), int(lengths.max())
    if low < 1 or high > steps:
        raise ValueError(
            f"{owner}: lengths must lie in [1, T] with T={steps} steps; got min {low} and max {high}. "
            f"Pad the input to the longest sequence and give each sequence's true length."
        )
    return lengths.to(torch.int64)


def initial_state(
    owner: str, hx: torch.Tensor | None, num_states: int, batch: int, hidden_size: int, unbatched: bool,
    like: torch.Tensor, states_legend: str,
) -> torch.Tensor:
    """The (L*D, B, H) initial state of a stack of L*D recurrences (L for a MinGRU): hx checked and batched, or zeros.

    ``states_legend`` names L*D in messages, e.g. "num_layers * num_directions".
    """
    if hx is None:
        return torch.zeros(num_states, batch, hidden_size, dtype=like.dtype, device=like.device)
    check_float_tensor(owner, "hx", hx, like.dtype)
    if unbatched:
        check_state_shape(owner, "hx", hx, (num_states, hidden_size),
                          f"({states_legend}, hidden_size) for unbatched input")
        return hx.unsqueeze(1)
    check_state_shape(owner, "hx", hx, (num_states, batch, hidden_size), f"({states_legend}, batch, hidden_size)")
    return hx


def non_default_repr(module: object, defaults: dict[str, object]) -> str:
    """``extra_repr`` text: input and hidden sizes, then every option that differs from its default."""
    text = f"{module.input_size}, {module.hidden_size}"
    for key, default in defaults.items():
        value = getattr(module, key)
        if value != default:
            text += f", {key}={value!r}"
    return text
