"""The GRU's math as small pure functions, each with its equation.

Shape legend for every shape comment in grukit: one capital, one meaning, package-wide (lowercase
letters, such as k stacked gates or w segment length, are local to the formula that defines them)::

    B batch           I input features     H hidden units      L layers         D directions (1 or 2)
    T time steps (a window's lookback; T_i of sequence i, T_max the longest)
    C channels        P past covariates    F known-future features              K horizon steps
    Q quantiles       W windows            M ensemble members  J classes        V vocabulary
    E embedding size  N rows of a whole series, or items of a set (sequences, clips, tokens)
    S series, or the sequences a net reads: B, or B*C with independent channels
    G = ceil(T / w) input and U = ceil(K / w) output segments of w steps

Gate order follows PyTorch: reset r, update z, candidate n, stacked in blocks of H rows, so
``weight_ih`` is (3H, I), ``weight_hh`` is (3H, H) and the biases are (3H,).

PyTorch's convention for the update gate is used throughout: ``h' = (1 - z) * n + z * h``, so z
is the share of the *old* state that is kept. The textbook form (Cho et al. 2014) writes
``h_t = (1 - z_t) * h_{t-1} + z_t * h~_t``; its z is our ``1 - z`` (the same model, with the
update gate's weights and bias negated).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

LAYER_NORM_EPS = 1e-5


def block_layer_norm(g: Tensor, gain: Tensor | None, hidden_size: int) -> Tensor:
    """Layer-normalize each gate block of H units on its own (Ba et al. 2016).

    LN(g_k) = (g_k - mean(g_k)) / sqrt(var(g_k) + eps) * gain_k    for every block k of H units

    Args:
        g: (..., k*H) pre-activations of k stacked gates.
        gain: (k*H,) gains, or None for no layer norm (g comes back unchanged).
    """
    if gain is None:
        return g
    blocks = g.unflatten(-1, (-1, hidden_size))  # (..., k, H)
    normed = F.layer_norm(blocks, (hidden_size,), eps=LAYER_NORM_EPS)
    return normed.flatten(-2) * gain  # (..., k*H)


def input_gates(x: Tensor, weight_ih: Tensor, bias_ih: Tensor | None, ln_gain_ih: Tensor | None) -> Tensor:
    """The input's share of all three gates, for any number of steps at once.

    gi = LN(W_ih x) + b_ih      (LN only when layer norm is on)

    Args:
        x: (..., I). Returns (..., 3H).
    """
    hidden_size = weight_ih.shape[0] // 3
    gi = block_layer_norm(x @ weight_ih.T, ln_gain_ih, hidden_size)
    return gi if bias_ih is None else gi + bias_ih


def gru_step_reset_after(
    gi: Tensor, h: Tensor, h_rec: Tensor, weight_hh: Tensor, bias_hh: Tensor | None, ln_gain_hh: Tensor | None
) -> Tensor:
    """One step of the PyTorch/cuDNN form (Keras ``reset_after=True``).

    r  = sigmoid(gi_r + W_hr h + b_hr)
    z  = sigmoid(gi_z + W_hz h + b_hz)
    n  = tanh(gi_n + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

    Args:
        gi: (B, 3H) input gates from :func:`input_gates`.
        h: (B, H) previous state, used in the interpolation.
        h_rec: (B, H) previous state as the recurrent weights see it (h after recurrent dropout).
    """
    hidden_size = h.shape[-1]
    gh = block_layer_norm(h_rec @ weight_hh.T, ln_gain_hh, hidden_size)  # (B, 3H)
    if bias_hh is not None:
        gh = gh + bias_hh
    i_r, i_z, i_n = gi.chunk(3, dim=-1)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)
    return n + z * (h - n)


def gru_step_reset_before(
    gi: Tensor, h: Tensor, h_rec: Tensor, weight_hh: Tensor, bias_hh: Tensor | None, ln_gain_hh: Tensor | None
) -> Tensor:
    """One step of the textbook form of Cho et al. 2014 (Keras ``reset_after=False``).

    r  = sigmoid(gi_r + W_hr h + b_hr)
    z  = sigmoid(gi_z + W_hz h + b_hz)
    n  = tanh(gi_n + W_hn (r * h) + b_hn)
    h' = (1 - z) * n + z * h

    The reset gate scales the state *before* the recurrent product, so W_hn h cannot be computed
    together with the other two gates. Arguments as in :func:`gru_step_reset_after`.
    """
    hidden_size = h.shape[-1]
    w_rz, w_n = weight_hh[: 2 * hidden_size], weight_hh[2 * hidden_size :]
    ln_rz = ln_n = b_rz = b_n = None
    if ln_gain_hh is not None:
        ln_rz, ln_n = ln_gain_hh[: 2 * hidden_size], ln_gain_hh[2 * hidden_size :]
    if bias_hh is not None:
        b_rz, b_n = bias_hh[: 2 * hidden_size], bias_hh[2 * hidden_size :]
    gh_rz = block_layer_norm(h_rec @ w_rz.T, ln_rz, hidden_size)  # (B, 2H)
    if b_rz is not None:
        gh_rz = gh_rz + b_rz
    i_r, i_z, i_n = gi.chunk(3, dim=-1)
    h_r, h_z = gh_rz.chunk(2, dim=-1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    gh_n = block_layer_norm((r * h_rec) @ w_n.T, ln_n, hidden_size)  # (B, H)
    if b_n is not None:
        gh_n = gh_n + b_n
    n = torch.tanh(i_n + gh_n)
    return n + z * (h - n)


GRU_STEPS = {"after": gru_step_reset_after, "before": gru_step_reset_before}


def zoneout(h: Tensor, h_new: Tensor, p: float, keep_mask: Tensor | None) -> Tensor:
    """Zoneout (Krueger et al. 2016): each unit keeps its old value with probability p.

    training: h' = d * h + (1 - d) * h_new,   d ~ Bernoulli(p), a fresh mask every step
    eval:     h' = p * h + (1 - p) * h_new    (the expectation)

    Args:
        keep_mask: (B, H) the sampled d in training, None in eval.
    """
    if p == 0.0:
        return h_new
    if keep_mask is None:
        return torch.lerp(h_new, h, p)
    return torch.where(keep_mask, h, h_new)


def recurrent_dropout_mask(like: Tensor, p: float) -> Tensor:
    """One dropout mask per sequence for the recurrent state (Gal & Ghahramani 2016).

    m ~ Bernoulli(1 - p) / (1 - p), shape (B, H), reused at every step, so the recurrent weights
    see h_rec = m * h.
    """
    return torch.bernoulli(torch.full_like(like, 1.0 - p)) / (1.0 - p)
