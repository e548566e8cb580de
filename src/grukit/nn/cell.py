"""``grukit.nn.GRUCell``: one GRU step, like ``torch.nn.GRUCell``, in both reset forms."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from grukit.nn import _checks
from grukit.nn.functional import GRU_STEPS, input_gates

_OWNER = "GRUCell"


class GRUCell(nn.Module):
    r"""A single GRU step with ``torch.nn.GRUCell``'s signature, parameter names and call.

    ::

        r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))     reset="after" (torch, cuDNN, Keras default)
        n  = tanh(W_in x + b_in + W_hn (r * h) + b_hn)     reset="before" (Cho et al. 2014, the textbook form)
        h' = (1 - z) * n + z * h

    With ``layer_norm=True`` each gate block of ``W_ih x`` and of the recurrent product is
    layer-normalized with gains ``ln_gain_ih`` / ``ln_gain_hh`` before the bias is added.

    Shapes: input (B, I) or (I,); hx and the result (B, H) or (H,); hx None means zeros.

    Example:
        >>> cell = GRUCell(3, 8, reset="before")
        >>> h = cell(torch.randn(4, 3))   # (4, 8)
        >>> h = cell(torch.randn(4, 3), h)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        *,
        reset: str = "after",
        layer_norm: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.input_size = _checks.check_positive_int(_OWNER, "input_size", input_size)
        self.hidden_size = _checks.check_positive_int(_OWNER, "hidden_size", hidden_size)
        self.bias = bool(bias)
        self.reset = _checks.check_reset(_OWNER, reset)
        self.layer_norm = bool(layer_norm)
        gates = 3 * self.hidden_size
        self.weight_ih = nn.Parameter(torch.empty(gates, self.input_size, **kw))
        self.weight_hh = nn.Parameter(torch.empty(gates, self.hidden_size, **kw))
        self.bias_ih = nn.Parameter(torch.empty(gates, **kw)) if self.bias else None
        self.bias_hh = nn.Parameter(torch.empty(gates, **kw)) if self.bias else None
        self.ln_gain_ih = nn.Parameter(torch.empty(gates, **kw)) if self.layer_norm else None
        self.ln_gain_hh = nn.Parameter(torch.empty(gates, **kw)) if self.layer_norm else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch.nn.GRUCell's initialization: U(-1/sqrt(H), 1/sqrt(H)); layer-norm gains 1."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for name, param in self.named_parameters():
            if name.startswith("ln_gain"):
                nn.init.ones_(param)
            else:
                nn.init.uniform_(param, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if self.reset != "after":
            text += f", reset={self.reset!r}"
        if self.layer_norm:
            text += ", layer_norm=True"
        return text

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One step: input (B, I) or (I,), hx (B, H) or (H,) -> h' of hx's shape."""
        dtype = self.weight_ih.dtype
        _checks.check_float_tensor(_OWNER, "input", input, dtype)
        _checks.check_rank(_OWNER, "input", input, (1, 2), "2-D (B, input_size) or 1-D (input_size,) unbatched")
        _checks.check_feature_size(_OWNER, "input", input, self.input_size)
        unbatched = input.dim() == 1
        x = input.unsqueeze(0) if unbatched else input  # (B, I)
        if hx is None:
            h = torch.zeros(x.shape[0], self.hidden_size, dtype=dtype, device=x.device)
        else:
            _checks.check_float_tensor(_OWNER, "hx", hx, dtype)
            expected = (self.hidden_size,) if unbatched else (x.shape[0], self.hidden_size)
            _checks.check_state_shape(_OWNER, "hx", hx, expected,
                                      "(hidden_size,)" if unbatched else "(batch, hidden_size)")
            h = hx.unsqueeze(0) if unbatched else hx
        gi = input_gates(x, self.weight_ih, self.bias_ih, self.ln_gain_ih)  # (B, 3H)
        h_next = GRU_STEPS[self.reset](gi, h, h, self.weight_hh, self.bias_hh, self.ln_gain_hh)
        return h_next.squeeze(0) if unbatched else h_next
