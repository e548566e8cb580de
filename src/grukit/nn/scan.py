"""The minGRU's recurrence h_t = a_t h_{t-1} + b_t as parallel scans, in small pure functions.

Shapes use the legend of :mod:`grukit.nn.functional`. Time is always dimension 0 here, so a
sequence is (T, ...) and a state is (...).

The minGRU (Feng et al. 2024, "Were RNNs All We Needed?") is the linear recurrence

    h_t = a_t * h_{t-1} + b_t,    a_t = 1 - z_t in (0, 1),    b_t = z_t * h~_t > 0

whose coefficients depend on the input only, so the T steps need not run one after another.
Two scans are here:

- :func:`scan_linear` (what ``grukit.nn.MinGRU`` runs with ``backend="torch"``: on a GPU, without
  its C kernel, or by choice): time is cut into chunks that all run at once, and the state is
  passed from chunk to chunk by the same scan over the chunks. It only multiplies and adds, in
  the loop's own arithmetic, so it is as exact as the loop for every sign of a, b and h_0, and a
  product of a's that underflows only drops what the loop drops.
  Its adjoint :func:`scan_linear_adjoint` (the same scan, backwards in time) is the backward pass.
- :func:`scan_log`, Heinsen's (2023) log-space scan from the paper's appendix:

      a*_t = sum_{s<=t} log a_s
      h_t  = exp(a*_t) * h_0 + exp(a*_t + logcumsumexp_t(log b - a*))

  The second term is positive and computed in log space; the first, the initial state's share,
  is added by linearity, so h_0 may have any sign (its log is never taken). In float32 ``a*_t``
  grows like t and ``a*_t + logcumsumexp_t`` cancels digits, so it too runs in chunks (at
  T = 1024 in float32: ~8e-5 off as one chunk, ~4e-6 in chunks of 32). It needs a_t > 0 and
  b_t > 0 and costs logs and exps per value and step: forward plus backward on the CPU it is
  about 40 times slower than :func:`scan_linear` (T = 2048, B * H = 2048,
  ``benchmarks/bench_mingru.py --scans``). It stays as the paper's reference.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

SCAN_CHUNK_SIZE = 16  # steps per chunk, chosen with benchmarks/bench_mingru.py --scans and --pieces


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


def mingru_coefficients(k: Tensor, p: Tensor, out: tuple[Tensor, Tensor] | None = None,
                        scratch: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """a and b of the minGRU's recurrence h_t = a_t h_{t-1} + b_t, in linear space.

    a = 1 - z = sigmoid(-k)
    b = z g(p) = g(p) - a g(p),    g(p) = sigmoid(min(p, 0)) + max(p, 0)   (= :func:`g`, exactly)

    ``out`` (a, b) and ``scratch`` are buffers to write into (any strides; a may be k itself,
    overwritten), so that a caller looping over pieces of a sequence allocates nothing; fresh
    tensors when None.

    Args:
        k: (..., H) update-gate pre-activation, W_z x + b_z.
        p: (..., H) candidate pre-activation, W_h x + b_h.

    Returns (a, b), each (..., H).

    Example:
        >>> a, b = mingru_coefficients(torch.zeros(3), torch.zeros(3))
        >>> a, b
        (tensor([0.5000, 0.5000, 0.5000]), tensor([0.2500, 0.2500, 0.2500]))
    """
    a, b = (torch.empty_like(k), torch.empty_like(p)) if out is None else out
    scratch = torch.empty_like(p) if scratch is None else scratch
    torch.neg(k, out=a).sigmoid_()
    torch.clamp(p, max=0, out=b).sigmoid_().add_(torch.clamp(p, min=0, out=scratch))  # g(p)
    b.addcmul_(a, b, value=-1)
    return a, b


def mingru_coefficient_grads(grad_b: Tensor, a: Tensor, p: Tensor, h_prev: Tensor,
                             out: tuple[Tensor, Tensor] | None = None,
                             scratch: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
    """The gradients in k and p of the minGRU's step, from lambda = dL/db (:func:`scan_linear_adjoint`).

    With a = sigmoid(-k), b = (1 - a) g(p) and dL/da = lambda h_{t-1}:

        dL/dk = lambda a (1 - a) (g(p) - h_{t-1})
        dL/dp = lambda (1 - a) g'(p),   g'(p) = 1 for p >= 0,  s (1 - s) for p < 0,  s = sigmoid(p)

    g'(p) is computed as s (1 - s) + 3/4 [p >= 0] with s = sigmoid(min(p, 0)) (s (1 - s) = 1/4 at
    p >= 0), the derivative autograd gives :func:`g`, 1 at p = 0 included. ``out`` (dk, dp) and
    ``scratch`` are buffers to write into; fresh tensors when None.

    Shapes: grad_b, a, p, h_prev (..., H) -> dL/dk, dL/dp each (..., H).

    Example:
        >>> dk, dp = mingru_coefficient_grads(torch.ones(2), torch.full((2,), 0.5), torch.zeros(2), torch.zeros(2))
        >>> dk, dp
        (tensor([0.1250, 0.1250]), tensor([0.5000, 0.5000]))
    """
    dk, dp = (torch.empty_like(p), torch.empty_like(p)) if out is None else out
    s, tmp = (torch.empty_like(p), torch.empty_like(p)) if scratch is None else scratch
    torch.clamp(p, max=0, out=s).sigmoid_()  # s = sigmoid(min(p, 0))
    torch.clamp(p, min=0, out=tmp).add_(s).sub_(h_prev).mul_(grad_b).mul_(a)  # lambda a (g(p) - h_{t-1})
    torch.addcmul(tmp, tmp, a, value=-1, out=dk)
    s.addcmul_(s, s, value=-1).add_(torch.ge(p, 0, out=tmp), alpha=0.75)  # g'(p)
    torch.addcmul(grad_b, grad_b, a, value=-1, out=tmp)  # lambda (1 - a)
    torch.mul(tmp, s, out=dp)
    return dk, dp


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

    For each chunk u of ``chunk_size`` steps, with c the state before it (h0 for the first):

        h_u = parallel_scan_log(log a_u, log b_u) + initial_state_term(log a_u, c)
        c   = h_u[-1]

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


def scan_linear(a: Tensor, b: Tensor, h0: Tensor, chunk_size: int = SCAN_CHUNK_SIZE, reverse: bool = False,
                out: Tensor | None = None) -> Tensor:
    """Every h_t of h_t = a_t h_{t-1} + b_t for any real a, b, h0, in linear space, chunk by chunk.

    Time is cut into chunks of n = ``chunk_size`` steps, and all chunks run at once:

        1. each chunk's scan from zero, and its decay:   l_j = a_j l_{j-1} + b_j,  l_0 = 0;   q = prod_j a_j
        2. the state entering chunk k:                   s_k = q_k s_{k-1} + l_n^(k),  s_0 = h0
           (the same recurrence over the T / n chunks, scanned the same way)
        3. every state from its chunk's entering state:  h_j = a_j h_{j-1} + b_j,  h_0 = s_{k-1}

    Step 1's l runs n steps over (T / n, ...) slices and q is one product per chunk; step 3 runs
    n steps again, so a sequence costs about 2n + 2T / n tensor operations (step 2 recursing on
    T / n steps) instead of the loop's T, for about twice the loop's memory traffic. The
    arithmetic is the loop's, regrouped at chunk boundaries: nothing is divided and no log is
    taken, so any sign of a, b and h0 is exact to rounding, and a decay q that underflows to 0
    only drops contributions below float32's 1.2e-38 times the state, as the loop's own products
    do. Steps left over after the last whole chunk run as a loop.

    With ``reverse=True`` time runs backwards: h_t = a_t h_{t+1} + b_t, and h0 follows the last step.
    ``out`` (T, ...) receives h when given (it may be a view).

    Shapes: a, b (T, ...), h0 (...) -> h (T, ...), time along dimension 0.

    Example:
        >>> a, b = torch.full((100, 2), 0.9), torch.full((100, 2), 0.1)
        >>> h = scan_linear(a, b, torch.tensor([-1.0, 0.0]), chunk_size=16)   # (100, 2)
        >>> torch.allclose(h, sequential_scan(a, b, torch.tensor([-1.0, 0.0])))
        True
    """
    out = torch.empty_like(b) if out is None else out
    steps = a.shape[0]
    chunks = steps // chunk_size
    if chunk_size < 2 or chunks < 2:
        return _loop(a, b, h0, reverse, out)
    span = chunks * chunk_size  # steps in whole chunks; the rest run as a loop afterwards
    start = steps - span if reverse else 0
    a_c, b_c, out_c = (v[start:start + span].unflatten(0, (chunks, chunk_size)) for v in (a, b, out))  # (T / n, n, ...)
    decay = a_c.prod(dim=1)  # (T / n, ...): step 1
    a_c, b_c, out_c = a_c.unbind(1), b_c.unbind(1), out_c.unbind(1)  # n slices (T / n, ...) each
    order = range(chunk_size - 1, -1, -1) if reverse else range(chunk_size)  # positions in a chunk, in scan order
    first, *rest = order
    local = b_c[first].clone()  # (T / n, ...)
    for j in rest:
        torch.addcmul(b_c[j], a_c[j], local, out=local)
    ends = scan_linear(decay, local, h0, chunk_size, reverse)  # (T / n, ...): step 2, each chunk's last state
    initial = h0.expand_as(ends[0]).unsqueeze(0)
    state = torch.cat([ends[1:], initial] if reverse else [initial, ends[:-1]])  # (T / n, ...) entering states
    for j in order:  # step 3
        torch.addcmul(b_c[j], a_c[j], state, out=out_c[j])
        state = out_c[j]
    left = slice(0, start) if reverse else slice(span, steps)
    _loop(a[left], b[left], ends[0] if reverse else ends[-1], reverse, out[left])
    return out


def scan_linear_adjoint(a: Tensor, grad_h: Tensor, carry: Tensor | None = None,
                        chunk_size: int = SCAN_CHUNK_SIZE, out: Tensor | None = None) -> Tensor:
    """The backward pass of h = scan_linear(a, b, h0): lambda_t, the full gradient of the loss in h_t.

    lambda_t = grad_t + a_{t+1} lambda_{t+1},   lambda_{T-1} = grad_{T-1} + carry
    dL/db_t  = lambda_t,   dL/da_t = lambda_t h_{t-1},   dL/dh0 = a_0 lambda_0

    ``carry`` is a_T lambda_T from the steps after these when a sequence is done in pieces (None: 0);
    the piece before takes a_0 lambda_0 as its carry. This is :func:`scan_linear` backwards in
    time with the a's shifted by one step, so it is as fast and as exact.

    Shapes: a, grad_h (T, ...), carry (...) -> lambda (T, ...), written into ``out`` when given.

    Example:
        >>> a = torch.full((3, 1), 0.5)
        >>> scan_linear_adjoint(a, torch.ones(3, 1))[:, 0]   # d(h_0 + h_1 + h_2)/db_t
        tensor([1.7500, 1.5000, 1.0000])
    """
    out = torch.empty_like(grad_h) if out is None else out
    if carry is None:
        out[-1] = grad_h[-1]
    else:
        torch.add(grad_h[-1], carry, out=out[-1])
    if len(a) > 1:
        scan_linear(a[1:], grad_h[:-1], out[-1], chunk_size, reverse=True, out=out[:-1])
    return out


def _loop(a: Tensor, b: Tensor, h0: Tensor, reverse: bool, out: Tensor) -> Tensor:
    """out_t = a_t out_{t-1} + b_t one step at a time (out_{t+1} when reverse); h0 enters first."""
    a_t, b_t, out_t = a.unbind(0), b.unbind(0), out.unbind(0)
    state = h0
    for t in (range(len(a_t) - 1, -1, -1) if reverse else range(len(a_t))):
        torch.addcmul(b_t[t], a_t[t], state, out=out_t[t])
        state = out_t[t]
    return out


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
