"""``grukit.nn.GRU``: a drop-in ``torch.nn.GRU`` with both reset forms and regularized variants."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence

from grukit.nn import _auto, _checks, _fused, _fused_op, _keras, _packed  # _fused_op: registers grukit::gru_layer
from grukit.nn._fused import fused_gru
from grukit.nn._reference import DirectionWeights, RecurrenceOptions, reference_gru, step_direction
from grukit.nn._torch_backend import torch_gru, torch_gru_packed
from grukit.nn.functional import zoneout

BACKENDS = ("auto", "torch", "reference", "fused")
_OWNER = "GRU"


class GRU(nn.Module):
    r"""A multi-layer GRU with ``torch.nn.GRU``'s signature, parameters and call.

    For each layer and time step, in PyTorch's notation (gate order r, z, n)::

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))     reset="after" (default)
        n_t = tanh(W_in x_t + b_in + W_hn (r_t * h_{t-1}) + b_hn)     reset="before"
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    ``reset="after"`` is what ``torch.nn.GRU``, cuDNN and Keras (``reset_after=True``) compute;
    ``reset="before"`` is the textbook form of Cho et al. (2014) (Keras ``reset_after=False``). The
    textbook writes ``h_t = (1 - z_t) h_{t-1} + z_t h~_t``: its z is PyTorch's ``1 - z``.

    Args:
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional: as in
            ``torch.nn.GRU``.
        reset: "after" or "before", the candidate-state form above.
        layer_norm: layer-normalize each gate's input and recurrent pre-activations
            (Ba et al. 2016), with gains ``ln_gain_ih_l{k}`` and ``ln_gain_hh_l{k}``; the biases act
            as the normalization's shift.
        zoneout: probability that a unit keeps its previous value at a step in training
            (Krueger et al. 2016); eval mode uses the expectation ``p h_{t-1} + (1 - p) h_t``.
        recurrent_dropout: dropout on the state entering the recurrent weights, one mask per
            sequence and layer (Gal & Ghahramani 2016); off in eval mode.
        learn_init: learn the initial state ``initial_state`` (L*D, H), used when ``hx`` is None.
        backend: "torch" is ``torch.nn.GRU``'s kernel (cuDNN on GPU; reset="after" without the
            regularizers only); "fused" is grukit's CPU kernel for every option (built at install
            time, else compiled at first use; without it it falls back, saying so once); "reference" is the plain
            PyTorch loop; "auto" picks the fastest that can run: "fused" on the CPU for
            sequences of 8 steps or more, else "torch" where the options allow, else
            "reference" (the calibrated rule is in ``grukit.nn._auto``).
            ``backend_in_use`` says which runs.

    Shapes, in the legend of :mod:`grukit.nn.functional`:
        input (T, B, I), or (B, T, I) with batch_first, or (T, I) unbatched, or a PackedSequence;
        hx (L*D, B, H) or (L*D, H) unbatched; output (T, B, D*H); h_n (L*D, B, H).
        ``forward(input, hx, lengths=...)`` takes the valid length of each padded sequence:
        outputs past a sequence's end are zero and h_n holds the state at its last valid step.

    Example:
        >>> gru = GRU(input_size=3, hidden_size=8, num_layers=2, batch_first=True, reset="before")
        >>> output, h_n = gru(torch.randn(4, 10, 3))   # (4, 10, 8), (2, 4, 8)
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        *,
        reset: str = "after",
        layer_norm: bool = False,
        zoneout: float = 0.0,
        recurrent_dropout: float = 0.0,
        learn_init: bool = False,
        backend: str = "auto",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.input_size = _checks.check_positive_int(_OWNER, "input_size", input_size)
        self.hidden_size = _checks.check_positive_int(_OWNER, "hidden_size", hidden_size)
        self.num_layers = _checks.check_positive_int(_OWNER, "num_layers", num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = _checks.check_probability(_OWNER, "dropout", dropout)
        self.bidirectional = bool(bidirectional)
        self.reset = _checks.check_reset(_OWNER, reset)
        self.layer_norm = bool(layer_norm)
        self.zoneout = _checks.check_probability(_OWNER, "zoneout", zoneout)
        self.recurrent_dropout = _checks.check_probability(_OWNER, "recurrent_dropout", recurrent_dropout)
        self.learn_init = bool(learn_init)
        self.backend = self._check_backend(backend)
        self._register_parameters(torch.device(device) if device is not None else None, dtype)
        self.reset_parameters()

    # ----------------------------------------------------------------- construction
    def _check_backend(self, backend: str) -> str:
        if backend not in BACKENDS:
            raise ValueError(f"GRU: backend must be one of {', '.join(map(repr, BACKENDS))}; got {backend!r}.")
        if backend == "torch" and not self._torch_can_run():
            raise ValueError(
                f"GRU: backend='torch' runs torch.nn.GRU, which has only reset='after' without "
                f"layer_norm, zoneout or recurrent_dropout; got {self._option_summary()}. "
                f"Use backend='auto' or 'reference'."
            )
        return backend

    def _torch_can_run(self) -> bool:
        return self.reset == "after" and not self.layer_norm and self.zoneout == 0.0 and self.recurrent_dropout == 0.0

    def _option_summary(self) -> str:
        return (
            f"reset={self.reset!r}, layer_norm={self.layer_norm}, zoneout={self.zoneout}, "
            f"recurrent_dropout={self.recurrent_dropout}"
        )

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self) -> list[str]:
        """Parameter name suffixes in torch.nn.GRU's order: _l0, _l0_reverse, _l1, ..."""
        directions = ["", "_reverse"][: self.num_directions]
        return [f"_l{layer}{d}" for layer in range(self.num_layers) for d in directions]

    def _register_parameters(self, device: torch.device | None, dtype: torch.dtype | None) -> None:
        kw = {"device": device, "dtype": dtype}
        gates = 3 * self.hidden_size
        for i, suffix in enumerate(self._suffixes()):
            layer_input = self.input_size if i < self.num_directions else self.hidden_size * self.num_directions
            self.register_parameter(f"weight_ih{suffix}", nn.Parameter(torch.empty(gates, layer_input, **kw)))
            self.register_parameter(f"weight_hh{suffix}", nn.Parameter(torch.empty(gates, self.hidden_size, **kw)))
            if self.bias:
                self.register_parameter(f"bias_ih{suffix}", nn.Parameter(torch.empty(gates, **kw)))
                self.register_parameter(f"bias_hh{suffix}", nn.Parameter(torch.empty(gates, **kw)))
        if self.layer_norm:
            for suffix in self._suffixes():
                self.register_parameter(f"ln_gain_ih{suffix}", nn.Parameter(torch.empty(gates, **kw)))
                self.register_parameter(f"ln_gain_hh{suffix}", nn.Parameter(torch.empty(gates, **kw)))
        if self.learn_init:
            shape = (self.num_layers * self.num_directions, self.hidden_size)
            self.initial_state = nn.Parameter(torch.empty(shape, **kw))

    def reset_parameters(self) -> None:
        """torch.nn.GRU's initialization: U(-1/sqrt(H), 1/sqrt(H)); layer-norm gains 1; initial state 0."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for name, param in self.named_parameters():
            if name.startswith("ln_gain"):
                nn.init.ones_(param)
            elif name == "initial_state":
                nn.init.zeros_(param)
            else:
                nn.init.uniform_(param, -bound, bound)

    def flatten_parameters(self) -> None:
        """Kept for drop-in compatibility with code written for torch.nn.GRU; does nothing."""

    def _direction_weights(self) -> list[DirectionWeights]:
        def get(name: str) -> Tensor | None:
            return getattr(self, name, None)

        return [
            DirectionWeights(
                get(f"weight_ih{s}"), get(f"weight_hh{s}"), get(f"bias_ih{s}"), get(f"bias_hh{s}"),
                get(f"ln_gain_ih{s}"), get(f"ln_gain_hh{s}"),
            )
            for s in self._suffixes()
        ]

    def _options(self) -> RecurrenceOptions:
        return RecurrenceOptions(
            reset=self.reset, dropout=self.dropout if self.num_layers > 1 else 0.0, zoneout=self.zoneout,
            recurrent_dropout=self.recurrent_dropout, bidirectional=self.bidirectional, training=self.training,
        )

    @property
    def backend_in_use(self) -> str:
        """The backend that runs: "torch" (torch.nn.GRU's kernel, cuDNN on GPU), "fused" or "reference".

        For "auto" this is the choice for sequences of 8 steps or more; shorter ones may run
        "torch" or "reference" instead (see ``grukit.nn._auto``).
        """
        return self._backend_for(None)

    def _backend_for(self, steps: int | None) -> str:
        device, dtype = self.weight_ih_l0.device, self.weight_ih_l0.dtype
        if self.backend == "auto":
            return _auto.choose_backend(device, dtype, self.hidden_size, self._torch_can_run(), steps)
        if self.backend == "fused":
            reason = _fused.unavailable_reason(device, dtype)
            if reason is not None:
                instead = "torch" if self._torch_can_run() else "reference"
                _fused.warn_once(reason, instead)
                return instead
        return self.backend

    def extra_repr(self) -> str:
        return _checks.non_default_repr(self, {
            "num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0, "bidirectional": False,
            "reset": "after", "layer_norm": False, "zoneout": 0.0, "recurrent_dropout": 0.0, "learn_init": False,
            "backend": "auto"})

    # ----------------------------------------------------------------- forward
    def forward(
        self, input: Tensor | PackedSequence, hx: Tensor | None = None, lengths: Tensor | None = None
    ) -> tuple[Tensor | PackedSequence, Tensor]:
        """Run the whole sequence; see the class docstring for shapes."""
        if isinstance(input, PackedSequence):
            if lengths is not None:
                raise ValueError("GRU: lengths must be None when input is a PackedSequence, which carries its own lengths.")
            return self._forward_packed(input, hx)
        dtype = self.weight_ih_l0.dtype
        _checks.check_float_tensor(_OWNER, "input", input, dtype)
        layout = "(B, T, input_size)" if self.batch_first else "(T, B, input_size)"
        _checks.check_rank(_OWNER, "input", input, (2, 3), f"3-D {layout} or 2-D (T, input_size) unbatched")
        _checks.check_feature_size(_OWNER, "input", input, self.input_size)
        unbatched = input.dim() == 2
        x = input.unsqueeze(1) if unbatched else (input.transpose(0, 1) if self.batch_first else input)  # (T, B, I)
        steps, batch = x.shape[0], x.shape[1]
        hx = self._initial_hx(hx, batch, unbatched, x)
        if lengths is not None:
            if unbatched:
                raise ValueError("GRU: lengths needs batched input (B sequences); got unbatched 2-D input.")
            lengths = _checks.check_lengths(_OWNER, lengths, batch, steps)
        output, h_n = self._run_padded(x, hx, lengths)
        if unbatched:
            return output.squeeze(1), h_n.squeeze(1)
        return (output.transpose(0, 1) if self.batch_first else output), h_n

    def _run_padded(self, x: Tensor, hx: Tensor, lengths: Tensor | None) -> tuple[Tensor, Tensor]:
        """x: (T, B, I), hx: (L*D, B, H) -> (T, B, D*H), (L*D, B, H)."""
        weights, opts, backend = self._direction_weights(), self._options(), self._backend_for(x.shape[0])
        if backend == "reference":
            return reference_gru(x, hx, weights, opts, lengths)
        if backend == "fused":
            return fused_gru(x, hx, weights, opts, lengths)
        if lengths is None:
            return torch_gru(x, hx, weights, opts, self.bias)
        packed_out, h_n = torch_gru_packed(_packed.pack(x, lengths), hx, weights, opts, self.bias)
        return _packed.pad(packed_out, x.shape[0]), h_n

    def _forward_packed(self, packed: PackedSequence, hx: Tensor | None) -> tuple[PackedSequence, Tensor]:
        _checks.check_float_tensor(_OWNER, "input", packed.data, self.weight_ih_l0.dtype)
        _checks.check_feature_size(_OWNER, "input", packed.data, self.input_size)
        batch = int(packed.batch_sizes[0])
        hx = self._initial_hx(hx, batch, False, packed.data)
        backend = self._backend_for(len(packed.batch_sizes))
        if backend == "torch":
            return torch_gru_packed(packed, hx, self._direction_weights(), self._options(), self.bias)
        padded, lengths = _packed.unpack(packed)  # (T, B, I), (B,)
        run = fused_gru if backend == "fused" else reference_gru
        output, h_n = run(padded, hx, self._direction_weights(), self._options(), lengths)
        return _packed.repack_like(output, lengths, packed), h_n

    def _initial_hx(self, hx: Tensor | None, batch: int, unbatched: bool, like: Tensor) -> Tensor:
        """The (L*D, B, H) initial state: hx as given, the learned one, or zeros."""
        states = self.num_layers * self.num_directions
        if hx is None and self.learn_init:
            return self.initial_state.unsqueeze(1).expand(states, batch, self.hidden_size)
        return _checks.initial_state(_OWNER, hx, states, batch, self.hidden_size, unbatched, like,
                                     "num_layers * num_directions")

    # ----------------------------------------------------------------- streaming
    def step(self, x_t: Tensor, hx: Tensor | None = None) -> Tensor:
        """Advance the state by one time step, for streaming; returns the new state h.

        A loop of ``step`` over t gives the same states as ``forward`` on the whole sequence:
        ``h = gru.step(x[t], h)`` makes ``h[-1]`` equal ``output[t]``.

        Shapes: x_t (B, I) or (I,); hx and the result (L, B, H) or (L, H).

        Example:
            >>> h = None
            >>> for x_t in stream:        # each (B, I)
            ...     h = gru.step(x_t, h)  # (L, B, H); h[-1] is this step's output
        """
        if self.bidirectional:
            raise ValueError("GRU.step: streaming runs forward in time only; got bidirectional=True. "
                             "Use forward() on the whole sequence instead.")
        if self.training and (self.zoneout > 0 or self.recurrent_dropout > 0 or (self.dropout > 0 and self.num_layers > 1)):
            raise ValueError("GRU.step: the random masks of dropout, zoneout and recurrent_dropout span whole "
                             "sequences, so step() runs only in eval mode when they are on; call gru.eval() first.")
        _checks.check_float_tensor(_OWNER, "x_t", x_t, self.weight_ih_l0.dtype)
        _checks.check_rank(_OWNER, "x_t", x_t, (1, 2), "2-D (B, input_size) or 1-D (input_size,) unbatched")
        _checks.check_feature_size(_OWNER, "x_t", x_t, self.input_size)
        unbatched = x_t.dim() == 1
        x = x_t.unsqueeze(0) if unbatched else x_t  # (B, I)
        h = self._initial_hx(hx, x.shape[0], unbatched, x)  # (L, B, H)
        states = []
        for layer, w in enumerate(self._direction_weights()):
            h_new = step_direction(x, h[layer], w, self.reset)
            x = zoneout(h[layer], h_new, self.zoneout, None)
            states.append(x)
        h_next = torch.stack(states)  # (L, B, H)
        return h_next.squeeze(1) if unbatched else h_next

    # ----------------------------------------------------------------- Keras interop
    @classmethod
    def from_keras_weights(
        cls, kernel, recurrent_kernel, bias=None, *, reset_after: bool = True, batch_first: bool = False,
        dtype: torch.dtype = torch.float32,
    ) -> "GRU":
        """Build a one-layer GRU from a Keras GRU layer's ``get_weights()`` arrays.

        Keras keeps ``kernel`` (I, 3H) and ``recurrent_kernel`` (H, 3H) inputs-by-units with gates in
        the order z, r, h; ``bias`` is (2, 3H) (input row, recurrent row) when ``reset_after`` is
        true, (3H,) otherwise, and None for ``use_bias=False``. ``reset_after=False`` gives
        ``reset="before"``. See the "Keras weights" table in docs/gru.md for the mapping.

        Example:
            >>> gru = GRU.from_keras_weights(*keras_layer.get_weights(), reset_after=True, batch_first=True)
        """
        state = _keras.keras_to_torch(kernel, recurrent_kernel, bias, reset_after=reset_after, dtype=dtype)
        input_size, hidden_size = state["weight_ih_l0"].shape[1], state["weight_hh_l0"].shape[1]
        gru = cls(input_size, hidden_size, bias=bias is not None, batch_first=batch_first,
                  reset="after" if reset_after else "before", dtype=dtype)
        gru.load_state_dict(state)
        return gru

    def to_keras_weights(self) -> list:
        """The arrays for a Keras GRU layer's ``set_weights()``: [kernel, recurrent_kernel(, bias)].

        The Keras layer must use ``reset_after = (reset == "after")`` and ``use_bias = bias``;
        only a one-layer, one-direction GRU without layer norm has a Keras twin.
        """
        if self.num_layers != 1 or self.bidirectional or self.layer_norm:
            raise ValueError("GRU.to_keras_weights: a Keras GRU layer holds one layer in one direction without "
                             f"layer norm; got num_layers={self.num_layers}, bidirectional={self.bidirectional}, "
                             f"layer_norm={self.layer_norm}. Export each layer of a stack separately.")
        return _keras.torch_to_keras(self.weight_ih_l0, self.weight_hh_l0, getattr(self, "bias_ih_l0", None),
                                     getattr(self, "bias_hh_l0", None), reset_after=self.reset == "after")
