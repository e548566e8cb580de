"""The minGRU's recurrence as a parallel scan in log space, in small pure functions.

Shape legend (used in every shape comment): B batch, T time, I input features, H hidden units,
L layers. Time is always dimension 0 here, so a sequence is (T, ...) and a state is (...).

The minGRU (Feng et al. 2024, "Were RNNs All We Needed?") is the linear recurrence

    h_t = a_t * h_{t-1} + b_t,    a_t = 1 - z_t in (0, 1),    b_t = z_t * h~_t > 0

whose coefficients depend on the input only, so all h_t follow from cumulative sums
(Heinsen 2023, the paper's appendix):

    a*_t = sum_{s<=t} log a_s
    h_t  = exp(a*_t) * h_0 + exp(a*_t + logcumsumexp_t(log b - a*))

The second term is positive and computed in log space; the first, the initial state's share,
is added by linearity, so h_0 may have any sign (its log is never taken).

In float32 ``a*_t`` grows like t and the sum ``a*_t + logcumsumexp_t`` cancels digits, so
:func:`scan_log` runs the log-space scan on chunks of ``chunk_size`` steps and passes the state
from each chunk's end to the next; that keeps ``|a*|`` small and the result close to the
step-by-step loop (at T = 1024 in float32: ~8e-5 off as one chunk, ~4e-6 in chunks of 32).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

SCAN_CHUNK_SIZE = 32


def log_sigmoid(x: Tensor) -> Tensor:
    """log sigmoid(x) = -softplus(-x), stable for every x in float32 and float64.

    log sigmoid(x) = min(x, 0) - log(1 + exp(-|x|))

    ``torch.minimum`` splits the gradient at x = 0, which gives the exact 1/2 there.
    (``F.softplus`` turns linear past |x| = 20, off by ~2e-9 in float64, and torch's CPU
    ``logsigmoid`` starts its thread pool even for tiny tensors.)
    Shapes: any; the result has x's shape.

    Example:
        >>> log_sigmoid(torch.tensor([-100.0, 0.0, 5.0]))
        tensor([-1.0000e+02, -6.9315e-01, -6.7153e-03])
    """
    return torch.minimum(x, torch.zeros((), dtype=x.dtype, device=x.device)) - torch.log1p(torch.exp(-x.abs()))


def g(x: Tensor) -> Tensor:
    """The minGRU's candidate activation, positive everywhere so that its log exists.

    g(x) = x + 1/2      for x >= 0
    g(x) = sigmoid(x)   for x < 0

    Shapes: any; the result has x's shape.

    Example:
        >>> g(torch.tensor([-1.0, 0.0, 2.0]))
        tensor([0.2689, 0.5000, 2.5000])
    """
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g(x: Tensor) -> Tensor:
    """log g(x), computed without forming g(x).

    log g(x) = log(relu(x) + 1/2)   for x >= 0
    log g(x) = -softplus(-x)        for x < 0      (= log sigmoid(x))

    Both branches are finite for every x, so ``torch.where`` passes clean gradients.
    Shapes: any; the result has x's shape.

    Example:
        >>> log_g(torch.tensor([-1.0, 0.0, 2.0])).exp()
        tensor([0.2689, 0.5000, 2.5000])
    """
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), log_sigmoid(x))


def mingru_log_coefficients(k: Tensor, p: Tensor) -> tuple[Tensor, Tensor]:
    """log a and log b of the minGRU's recurrence h_t = a_t h_{t-1} + b_t.

    z     = sigmoid(k),   h~ = g(p)
    log a = log(1 - z)    = -softplus(k)
    log b = log(z * h~)   = -softplus(-k) + log g(p)

    (computed as log_sigmoid(-k) and log_sigmoid(k), see :func:`log_sigmoid`.)

    Args:
        k: (..., H) update-gate pre-activation, W_z x + b_z.
        p: (..., H) candidate pre-activation, W_h x + b_h.

    Returns (log_a, log_b), each (..., H).

    Example:
        >>> log_a, log_b = mingru_log_coefficients(torch.zeros(3), torch.zeros(3))
        >>> log_a.exp(), log_b.exp()
        (tensor([0.5000, 0.5000, 0.5000]), tensor([0.2500, 0.2500, 0.2500]))
    """
    return log_sigmoid(-k), log_sigmoid(k) + log_g(p)


def parallel_scan_log(log_a: Tensor, log_b: Tensor) -> Tensor:
    """Heinsen's scan: every h_t of h_t = a_t h_{t-1} + b_t with h_0 = 0, from log a and log b.

    a*_t = sum_{s<=t} log a_s
    h_t  = exp(a*_t + logcumsumexp_t(log b - a*))  = sum_{s<=t} (prod_{s<r<=t} a_r) b_s

    Shapes: log_a, log_b (T, ...) -> h (T, ...), time along dimension 0.

    Example:
        >>> h = parallel_scan_log(torch.full((4, 2), 0.5).log(), torch.ones(4, 2).log())
        >>> h[:, 0]
        tensor([1.0000, 1.5000, 1.7500, 1.8750])
    """
    a_star = torch.cumsum(log_a, dim=0)  # (T, ...)
    return torch.exp(a_star + torch.logcumsumexp(log_b - a_star, dim=0))


def initial_state_term(log_a: Tensor, h0: Tensor) -> Tensor:
    """The initial state's share of every h_t, for h0 of any sign.

    term_t = exp(sum_{s<=t} log a_s) * h_0  = (prod_{s<=t} a_s) h_0

    Shapes: log_a (T, ...), h0 (...) -> (T, ...).

    Example:
        >>> initial_state_term(torch.full((3, 1), 0.5).log(), torch.tensor([-8.0]))[:, 0]
        tensor([-4., -2., -1.])
    """
    return torch.exp(torch.cumsum(log_a, dim=0)) * h0


def scan_log(log_a: Tensor, log_b: Tensor, h0: Tensor, chunk_size: int = SCAN_CHUNK_SIZE) -> Tensor:
    """Every h_t of h_t = a_t h_{t-1} + b_t from log a, log b and a real h0, chunk by chunk.

    For each chunk C of ``chunk_size`` steps, with c the state before it (h0 for the first):

        h_C = parallel_scan_log(log a_C, log b_C) + initial_state_term(log a_C, c)
        c   = h_C[-1]

    One chunk as long as the sequence is the plain Heinsen scan; shorter chunks lose fewer
    digits in float32 (see the module docstring) at the cost of T / chunk_size sequential steps.

    Shapes: log_a, log_b (T, ...), h0 (...) -> h (T, ...).

    Example:
        >>> log_a, log_b = torch.full((100, 2), 0.9).log(), torch.full((100, 2), 0.1).log()
        >>> h = scan_log(log_a, log_b, torch.tensor([-1.0, 0.0]), chunk_size=16)   # (100, 2)
    """
    chunks = []
    state = h0
    for chunk_log_a, chunk_log_b in zip(log_a.split(chunk_size), log_b.split(chunk_size)):
        h = parallel_scan_log(chunk_log_a, chunk_log_b) + initial_state_term(chunk_log_a, state)
        chunks.append(h)
        state = h[-1]
    return torch.cat(chunks)  # (T, ...)


def sequential_scan(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """The plain step-by-step loop, the reference the parallel scans are tested against.

    h_t = a_t * h_{t-1} + b_t,   t = 1..T

    Shapes: a, b (T, ...), h0 (...) -> h (T, ...).

    Example:
        >>> sequential_scan(torch.full((3, 1), 0.5), torch.ones(3, 1), torch.zeros(1))[:, 0]
        tensor([1.0000, 1.5000, 1.7500])
    """
    states = []
    h = h0
    for a_t, b_t in zip(a, b):
        h = a_t * h + b_t
        states.append(h)
    return torch.stack(states)  # (T, ...)
