"""Training progress: a tqdm bar on a terminal, or one short line per epoch on stderr elsewhere.

The command line runs training inside :func:`epoch_lines`; the library stays quiet unless asked.
:func:`fit_label` names the fit a line belongs to (ensemble members, cross-validation windows).
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import time

from grukit.train.config import TrainConfig

__all__ = ["EPOCH_LINE_SECONDS", "epoch_line", "epoch_lines", "fit_label", "progress_bar"]

EPOCH_LINE_SECONDS = 10.0  # off a terminal, at most one epoch line per this many seconds (and the last epoch's)

_EPOCH_LINES = contextvars.ContextVar("grukit_epoch_lines", default=False)


@contextlib.contextmanager
def epoch_lines(enabled: bool = True):
    """Within this block, a :func:`fit` with ``progress=None`` whose stderr is not a terminal prints a line per epoch.

    The line goes to stderr, ``fit: epoch 3/40, train loss 0.1234, val loss 0.2345, 1.2 s`` (losses to 4
    significant digits, the epoch's seconds; no ``val loss`` without validation data), for the first
    epoch, then at most one per :data:`EPOCH_LINE_SECONDS` (10 s), and for the last epoch run. On a
    terminal the bar shows as before; ``progress=False`` shows nothing and ``progress=True`` the bar.
    Outside this block (the library's default) ``progress=None`` off a terminal prints nothing. The
    ``grukit`` training commands run inside it unless given ``--quiet``.

    Example:
        >>> with epoch_lines():
        ...     GRUForecaster(horizon=12).fit("sales.csv")   # under nohup: a line per epoch in nohup.out
    """
    token = _EPOCH_LINES.set(enabled)
    try:
        yield
    finally:
        _EPOCH_LINES.reset(token)


_FIT_LABEL = contextvars.ContextVar("grukit_fit_label", default="")


@contextlib.contextmanager
def fit_label(label: str):
    """Name the fits inside this block in their epoch lines: ``fit (member 2/3): epoch 1/40, ...``.

    An estimator that trains several networks in one call (ensemble members, cross-validation
    windows) says which one a line belongs to; labels nest as "outer, inner".
    """
    outer = _FIT_LABEL.get()
    token = _FIT_LABEL.set(", ".join(part for part in (outer, label) if part))
    try:
        yield
    finally:
        _FIT_LABEL.reset(token)


def epoch_line(metrics: dict, epochs: int) -> str:
    """``fit: epoch 3/40, train loss 0.1234, val loss 0.2345, 1.2 s`` for one row of the history
    (``fit (member 2/3): ...`` inside :func:`fit_label`)."""
    val = "" if metrics["val_loss"] is None else f", val loss {metrics['val_loss']:.4g}"
    label = _FIT_LABEL.get()
    return (f"fit{f' ({label})' if label else ''}: epoch {metrics['epoch']}/{epochs}, train loss "
            f"{metrics['train_loss']:.4g}{val}, {metrics['seconds']:.1f} s")


class _Bar:
    """The tqdm bar over epochs, its postfix the last epoch's losses and learning rate."""

    def __init__(self, bar) -> None:
        self.bar = bar

    def epoch_end(self, metrics: dict) -> None:
        self.bar.update()
        val_loss = metrics["val_loss"]
        self.bar.set_postfix({"loss": f"{metrics['train_loss']:.3g}",
                              "val_loss": "-" if val_loss is None else f"{val_loss:.3g}", "lr": f"{metrics['lr']:.2e}"})

    def __enter__(self) -> "_Bar":
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()


class _Lines:
    """One :func:`epoch_line` per epoch on stderr: the first, then at most one per EPOCH_LINE_SECONDS, and the last."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self.shown_at: float | None = None  # time.monotonic() of the last line
        self.pending: dict | None = None  # the latest epoch not shown yet

    def epoch_end(self, metrics: dict) -> None:
        now = time.monotonic()
        if self.shown_at is None or now - self.shown_at >= EPOCH_LINE_SECONDS:
            self.shown_at, self.pending = now, None
            print(epoch_line(metrics, self.epochs), file=sys.stderr, flush=True)
        else:
            self.pending = metrics

    def __enter__(self) -> "_Lines":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if self.pending is not None and exc_type is None:  # the last epoch, unless training failed
            print(epoch_line(self.pending, self.epochs), file=sys.stderr, flush=True)
        self.pending = None


def progress_bar(config: TrainConfig, initial: int, main: bool):
    """Progress over epochs, never outside process 0: with progress=None a tqdm bar when stderr is a terminal,
    else one line per epoch inside :func:`epoch_lines`, else nothing; progress=True: the bar; False: nothing."""
    from tqdm.auto import tqdm

    terminal = sys.stderr.isatty()
    if main and config.progress is None and not terminal and _EPOCH_LINES.get():
        return _Lines(config.epochs)
    show = main and (terminal if config.progress is None else config.progress)
    return _Bar(tqdm(total=config.epochs, initial=initial, desc="fit", unit="epoch", disable=not show,
                     file=sys.stderr))
