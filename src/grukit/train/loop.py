"""``fit``: the training loop, one function that knows nothing about the model."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, SequentialSampler

from grukit.errors import ConfigError, DataError
from grukit.train import distributed
from grukit.train.batches import PermutationSampler, ShardedBatchSampler, step_share
from grukit.train.checkpoint import CHECKPOINT_DIR, TrainState, load_checkpoint, save_checkpoint
from grukit.train.config import TrainConfig
from grukit.train.metrics_log import MetricsLog
from grukit.train.progress import progress_bar
from grukit.train.runtime import resolve_device, seed_everything, torch_threads
from grukit.train.schedule import make_scheduler

__all__ = ["fit", "TrainResult", "Callback", "STOP"]

STOP = "stop"  # what a callback returns to end training after the current epoch
Callback = Callable[[str, dict], Any]


@dataclass
class TrainResult:
    """What :func:`fit` returns; the model itself is trained in place."""

    # One row per epoch: epoch, train_loss, val_loss (None without val_data), lr (of the epoch's last step),
    # grad_norm and grad_norm_max (mean and max total gradient norm before clipping), seconds (training + validation).
    history: list[dict]
    best_epoch: int  # the epoch whose weights the model holds after fit (0: no finite loss was seen)
    best_val_loss: float | None  # the validation loss of best_epoch; None without val_data
    epochs_run: int  # epochs completed, counting those before a resume
    stopped_early: bool  # True when patience or a callback ended training before config.epochs


def fit(
    model: torch.nn.Module,
    loss_fn: Callable[[torch.nn.Module, Any], torch.Tensor],
    train_data: Dataset,
    val_data: Dataset | None,
    config: TrainConfig,
    *,
    out_dir: str | Path | None = None,
    resume: bool = False,
    callbacks: Iterable[Callback] = (),
    collate_fn: Callable | None = None,
    shuffle: bool = True,
    fingerprint: dict | None = None,
) -> TrainResult:
    """Train ``model`` in place with AdamW, return the per-epoch history; the model ends with its best weights.

    Each epoch: shuffle ``train_data`` into mini-batches, and for each batch compute
    ``loss = loss_fn(model, batch)``, back-propagate, clip the gradients (``config.clip``), take an
    AdamW step and step the LR schedule. Then compute the validation loss (the mean of
    ``loss_fn`` over ``val_data``, weighted by batch size, in eval mode without gradients), log
    the metrics, and stop early after ``config.patience`` epochs without improvement. The model
    ends in eval mode holding the weights of the best epoch (lowest validation loss; lowest
    training loss when ``val_data`` is None, which also turns early stopping off).

    Args:
        model: any ``torch.nn.Module``; moved to the device of ``config.device``.
        loss_fn: ``loss_fn(model, batch) -> scalar tensor``, where ``batch`` is what the DataLoader
            yields (tensors, or tuples / lists / dicts of them) moved to the device. The loop
            keeps no state between batches: a loss_fn that carries a hidden state across batches
            (truncated BPTT) must detach it itself, ``h = h.detach()``.
        train_data, val_data: map-style datasets (e.g. ``TensorDataset``); val_data may be None.
        config: a :class:`TrainConfig`.
        out_dir: when given, the run writes ``metrics.csv``, ``tensorboard/`` (if installed) and
            ``checkpoint/last.safetensors`` + ``checkpoint/last.json`` there after every epoch.
            Without it, nothing is written.
        fingerprint: what the task trains on, saved in each checkpoint and compared on resume (e.g.
            ``{"data": digest(arrays), "options": {...}}``; the model's parameter shapes are added).
        resume: continue from ``out_dir``'s checkpoint; the result equals an uninterrupted run. With
            no checkpoint there yet (a run killed before its first epoch ended), training starts
            from the first epoch, with a warning that says so.
        callbacks: plain callables ``cb(event, state)``, called with ``"epoch_end"`` after every
            epoch and ``"fit_end"`` once at the end. ``state`` is a dict: ``epoch``, ``metrics``
            (this epoch's row), ``history``, ``model``, ``optimizer``, ``config``, ``best_epoch``,
            ``best_loss``, ``out_dir``; at ``"fit_end"`` also ``result``. Returning the string
            ``"stop"`` at ``"epoch_end"`` ends training after that epoch (e.g. Optuna pruning);
            any other return value but None is an error.
        collate_fn: passed to the DataLoaders.
        shuffle: reshuffle ``train_data`` every epoch (the default). ``False`` keeps its order, which
            truncated BPTT over consecutive chunks of one stream needs.

    Under ``torchrun --nproc-per-node N`` the same call trains data-parallel (see
    :mod:`grukit.train.distributed`): ``config.batch_size`` stays the global batch, the samples of
    one optimizer step summed over every process, and each process takes its contiguous block of
    every global batch, so N processes take the same steps as one process, up to rounding. Process 0
    alone writes into ``out_dir``; with ``resume`` every process reads its checkpoint, so the folder
    must be one that every machine sees.

    Example:
        >>> def loss_fn(model, batch):
        ...     x, y = batch                               # (B, T, I), (B, 1)
        ...     return torch.nn.functional.mse_loss(model(x), y)
        >>> result = fit(model, loss_fn, TensorDataset(x, y), TensorDataset(x_val, y_val),
        ...              TrainConfig(epochs=50, patience=5), out_dir="runs/sine")
        >>> result.best_epoch, result.best_val_loss
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"fit: config must be a TrainConfig; got {type(config).__name__}.")
    if resume and out_dir is None:
        raise ConfigError("resume: resume=True needs out_dir, the folder of the run to continue; pass out_dir.")
    callbacks = _check_callbacks(callbacks)
    out_dir = None if out_dir is None else Path(out_dir)
    device = resolve_device(config.device)
    world = distributed.setup(device)  # None unless torchrun started this process
    if world is not None:
        device = world.device  # cuda:LOCAL_RANK on GPUs
    seed_everything(config.seed)  # the same seed in every process: the same order, the same random numbers
    model.to(device)
    generator = torch.Generator().manual_seed(config.seed)  # the only source of the training data's order
    train_loader = _loader(train_data, "train_data", config, collate_fn, generator if shuffle else None, world)
    val_loader = None if val_data is None else _loader(val_data, "val_data", config, collate_fn, None, world)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
    scheduler = make_scheduler(optimizer, config.schedule, total_steps=config.epochs * len(train_loader),
                               warmup_fraction=config.warmup_fraction)
    objects = {"config": config, "model": model, "optimizer": optimizer, "scheduler": scheduler, "shuffle": generator}
    state = _start_state(out_dir, resume, objects, fingerprint)
    main = world is None or world.main  # the one process that writes and shows progress
    run = _Run(model=model, net=model if world is None else distributed.replicate(model, world), loss_fn=loss_fn,
               train_data=train_data, train_loader=train_loader, val_loader=val_loader, trainable=trainable,
               objects=objects, state=state, config=config, device=device, world=world, main=main, out_dir=out_dir,
               fingerprint=fingerprint, callbacks=callbacks, log=MetricsLog(out_dir if main else None))

    with torch_threads(config.num_threads), contextlib.closing(run.log), progress_bar(config, state.epoch, main) as bar:
        # No epochs remain when resuming a run that had already finished.
        remaining = range(0) if state.finished else range(state.epoch + 1, config.epochs + 1)
        for epoch in remaining:
            if _end_epoch(run, _epoch(run, epoch), bar):
                break

    if state.best_weights is not None:
        model.load_state_dict(state.best_weights)  # restore the best epoch's weights
    if world is not None:
        distributed.broadcast_state(model)  # process 0's weights everywhere, bit for bit
    model.eval()
    result = TrainResult(
        history=state.history, best_epoch=state.best_epoch,
        best_val_loss=state.best_loss if val_loader is not None and state.best_epoch else None,
        epochs_run=state.epoch, stopped_early=state.stopped_early,
    )
    _call(callbacks, "fit_end", {**_callback_state(state, objects, out_dir), "result": result})
    return result


# --------------------------------------------------------------------------- the loop's small parts
@dataclass
class _Run:
    """The parts of one :func:`fit` call that its epochs share."""

    model: torch.nn.Module  # the model being trained (its weights are the ones kept)
    net: torch.nn.Module  # what loss_fn gets in training: the model, or its DistributedDataParallel wrapper
    loss_fn: Callable
    train_data: Dataset
    train_loader: DataLoader
    val_loader: DataLoader | None
    trainable: list[torch.Tensor]
    objects: dict  # config, model, optimizer, scheduler, shuffle: what a checkpoint holds
    state: TrainState
    config: TrainConfig
    device: torch.device
    world: distributed.World | None
    main: bool  # the process that writes and shows progress
    out_dir: Path | None
    fingerprint: dict | None
    callbacks: list[Callback]
    log: MetricsLog


def _epoch(run: _Run, epoch: int) -> dict:
    """Train one epoch, then validate: the epoch's metrics row (see TrainResult.history)."""
    started = time.perf_counter()
    optimizer, scheduler = run.objects["optimizer"], run.objects["scheduler"]
    train_loss, lr, norms = _train_epoch(run.net, run.loss_fn, run.train_loader, run.train_data, optimizer, scheduler,
                                         run.trainable, run.config, run.device, run.world)
    val_loss = None if run.val_loader is None else _evaluate(run.model, run.loss_fn, run.val_loader, run.config,
                                                             run.device, run.world)
    _check_finite(epoch, train_loss, val_loss, run.config.lr)
    return {"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss, "lr": lr,
            "grad_norm": (norms[0] / norms[2]).item(), "grad_norm_max": norms[1].item(),
            "seconds": time.perf_counter() - started}


def _end_epoch(run: _Run, metrics: dict, bar) -> bool:
    """Keep the best weights, log, show progress, ask the callbacks, checkpoint; True when training ends here
    (the last epoch, out of patience, or a callback said stop)."""
    state, config = run.state, run.config
    _record_epoch(state, run.model, metrics, config.min_delta)
    run.log.write(state.history)
    bar.epoch_end(metrics)
    out_of_patience = run.val_loader is not None and config.patience > 0 and state.bad_epochs >= config.patience
    told_to_stop = _call(run.callbacks, "epoch_end", {**_callback_state(state, run.objects, run.out_dir),
                                                      "metrics": metrics})
    if run.world is not None:
        told_to_stop = distributed.any_process(told_to_stop, run.device)  # every process stops together
    state.stopped_early = (out_of_patience or told_to_stop) and metrics["epoch"] < config.epochs
    state.finished = out_of_patience or told_to_stop or metrics["epoch"] == config.epochs
    if run.out_dir is not None and run.main:
        save_checkpoint(run.out_dir / CHECKPOINT_DIR, state=state, **run.objects, fingerprint=run.fingerprint)
    return state.finished


def _start_state(out_dir: Path | None, resume: bool, objects: dict, fingerprint: dict | None) -> TrainState:
    """A fresh TrainState, or with ``resume`` the last checkpoint's (loaded into ``objects``); without a
    checkpoint yet (killed before the first, or never started) a resume starts, and says so."""
    if resume and (out_dir / CHECKPOINT_DIR / "last.safetensors").is_file():
        return load_checkpoint(out_dir / CHECKPOINT_DIR, **objects, fingerprint=fingerprint)
    if resume:
        import warnings

        warnings.warn(f"resume: no checkpoint in {out_dir} yet, so training starts from the first epoch.",
                      stacklevel=3)
    return TrainState()


def _train_epoch(net: torch.nn.Module, loss_fn: Callable, loader: DataLoader, data: Dataset, optimizer, scheduler,
                 trainable: list[torch.Tensor], config: TrainConfig, device: torch.device,
                 world: distributed.World | None) -> tuple[float, float, torch.Tensor]:
    """One pass over ``loader``: (mean training loss, the last step's lr, gradient norms (sum, max, steps))."""
    net.train()
    # Running sums updated in place: nothing a step allocates outlives it, so memory stays
    # bounded by the batch however many steps an epoch has.
    totals = torch.zeros(2, dtype=torch.float64, device=device)  # sum(loss_i * n_i), sum(n_i)
    norms = torch.zeros(3, dtype=torch.float64, device=device)  # sum of norms, max norm, steps
    lr = optimizer.param_groups[0]["lr"]
    for step, batch in enumerate(loader):
        batch = _to_device(batch, device)
        size, weight = _share(step, batch, data, config, world)
        loss = _check_loss(loss_fn(net, batch))
        optimizer.zero_grad(set_to_none=True)
        (loss if weight == 1.0 else loss * weight).backward()  # DDP averages the processes' gradients
        norm = _clip_gradients(trainable, config.clip, config.clip_value).double()  # the PRE-clip norm
        norms += torch.stack([norm, torch.zeros_like(norm), torch.ones_like(norm)])
        torch.maximum(norms[1], norm, out=norms[1])
        lr = optimizer.param_groups[0]["lr"]  # the lr this step uses
        optimizer.step()
        scheduler.step()  # the schedule advances per batch
        totals[0] += loss.detach().double() * size
        totals[1] += size
    return _mean(totals, world), lr, norms


def _record_epoch(state: TrainState, model: torch.nn.Module, metrics: dict, min_delta: float) -> None:
    """Append the epoch's metrics and keep the best weights: the lowest validation loss (training loss
    without validation) that improves on the best by more than ``min_delta``."""
    state.history.append(metrics)
    state.epoch = metrics["epoch"]
    watched = metrics["train_loss"] if metrics["val_loss"] is None else metrics["val_loss"]
    if watched < state.best_loss - min_delta:
        state.best_epoch, state.best_loss, state.bad_epochs = state.epoch, watched, 0
        state.best_weights = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
    else:
        state.bad_epochs += 1


def _loader(data: Dataset, name: str, config: TrainConfig, collate_fn: Callable | None,
            shuffle: torch.Generator | None, world: distributed.World | None) -> DataLoader:
    """Mini-batches in the main process, shuffled with ``shuffle`` when it is given; under torchrun, this process's
    block of each (see :mod:`grukit.train.batches`)."""
    if not hasattr(data, "__len__"):
        raise DataError(f"fit: {name} must be a map-style dataset with a length (e.g. TensorDataset); "
                        f"got {type(data).__name__}, which has none.")
    if len(data) == 0:
        raise DataError(f"fit: {name} is empty; pass a dataset with at least one sample.")
    order = SequentialSampler(data) if shuffle is None else PermutationSampler(len(data), shuffle)
    batches = BatchSampler(order, config.batch_size, drop_last=False)  # the global batches
    if world is not None:
        batches = ShardedBatchSampler(batches, world.size, world.rank)
    # The loader draws its base seed from ``shuffle`` too, as DataLoader(shuffle=True, generator=...) does.
    return DataLoader(data, batch_sampler=batches, generator=shuffle, num_workers=0, collate_fn=collate_fn)


def _share(step: int, batch: Any, data: Dataset, config: TrainConfig,
           world: distributed.World | None) -> tuple[int, float]:
    """(samples of this batch, the weight on its mean loss): (batch size, 1.0) in one process."""
    if world is None:
        return _batch_size(batch), 1.0
    return step_share(step, len(data), config.batch_size, world.size, world.rank)


def _evaluate(model: torch.nn.Module, loss_fn: Callable, loader: DataLoader, config: TrainConfig,
              device: torch.device, world: distributed.World | None) -> float:
    """The mean of ``loss_fn`` over the loader's batches (and processes), weighted by batch size, in eval mode
    without gradients. ``model`` is the bare model: evaluation needs no gradient synchronisation."""
    model.eval()
    totals = torch.zeros(2, dtype=torch.float64, device=device)  # sum(loss_i * n_i), sum(n_i)
    with torch.no_grad():
        for step, batch in enumerate(loader):
            batch = _to_device(batch, device)
            size = _share(step, batch, loader.dataset, config, world)[0]
            totals[0] += _check_loss(loss_fn(model, batch)).double() * size
            totals[1] += size
    return _mean(totals, world)


def _clip_gradients(parameters: list[torch.Tensor], clip: str, clip_value: float) -> torch.Tensor:
    """Clip the gradients in place by global norm, by value or not at all; return their total 2-norm BEFORE clipping."""
    if clip == "norm":
        return torch.nn.utils.clip_grad_norm_(parameters, clip_value)  # returns the pre-clip norm
    grads = [p.grad.detach() for p in parameters if p.grad is not None]
    if grads:
        norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads]))
    else:
        norm = torch.zeros((), device=parameters[0].device if parameters else None)
    if clip == "value":
        torch.nn.utils.clip_grad_value_(parameters, clip_value)
    return norm


def _to_device(batch: Any, device: torch.device) -> Any:
    """Move a tensor, or the tensors inside tuples / lists / dicts, to ``device``; other values stay as they are."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {key: _to_device(value, device) for key, value in batch.items()}
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # a namedtuple
        return type(batch)(*(_to_device(value, device) for value in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(value, device) for value in batch)
    return batch


def _batch_size(batch: Any) -> int:
    """The length of the first tensor in the batch (its dimension 0); 1 when there is none."""
    if isinstance(batch, torch.Tensor):
        return batch.shape[0] if batch.dim() > 0 else 1
    values = batch.values() if isinstance(batch, Mapping) else batch if isinstance(batch, (tuple, list)) else ()
    for value in values:
        if isinstance(value, (torch.Tensor, Mapping, tuple, list)):
            return _batch_size(value)
    return 1


def _mean(totals: torch.Tensor, world: distributed.World | None = None) -> float:
    """sum(loss_i * n_i) / sum(n_i) from ``totals`` = (sum(loss_i * n_i), sum(n_i)), over every process; one sync."""
    if world is not None:
        totals = distributed.all_reduce_sum(totals)
    return (totals[0] / totals[1]).item()


def _check_finite(epoch: int, train_loss: float, val_loss: float | None, lr: float) -> None:
    """Stop at the end of an epoch whose loss is NaN or infinite: nothing after it can be trusted.

    The rule: training ends with a one-line :class:`~grukit.errors.TrainingError`; the weights of
    that epoch are not kept (the last checkpoint, if any, is the previous epoch's), and a command
    line run leaves no output folder (it writes into a staging folder that is then removed).
    """
    import math

    from grukit.errors import TrainingError

    for name, value in (("training", train_loss), ("validation", val_loss)):
        if value is not None and not math.isfinite(value):
            raise TrainingError(
                f"the {name} loss became {value} in epoch {epoch}, so training stopped; the data may hold extreme "
                f"values (such as 1e30) or missing ones read as numbers, or the learning rate ({lr:g}) is too "
                f"high; check the data's range and try a lower --lr.")


def _check_loss(loss: Any) -> torch.Tensor:
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        got = f"a tensor of shape {tuple(loss.shape)}" if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise ValueError(f"fit: loss_fn(model, batch) must return a scalar tensor; got {got}. "
                         "Reduce it, e.g. with .mean().")
    return loss


def _check_callbacks(callbacks: Iterable[Callback]) -> list[Callback]:
    callbacks = list(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"fit: each callback must be a callable cb(event, state); got {cb!r}.")
    return callbacks


def _call(callbacks: list[Callback], event: str, state: dict) -> bool:
    """Call every callback; True when any returned "stop"."""
    stop = False
    for cb in callbacks:
        answer = cb(event, state)
        if isinstance(answer, str) and answer == STOP:
            stop = True
        elif answer is not None:
            raise ValueError(f"fit: callback {getattr(cb, '__name__', cb)!r} returned {answer!r}; "
                             f"return None to go on or {STOP!r} to end training.")
    return stop


def _callback_state(state: TrainState, objects: dict, out_dir: Path | None) -> dict:
    """The dict a callback receives."""
    return {"epoch": state.epoch, "history": state.history, "model": objects["model"],
            "optimizer": objects["optimizer"], "config": objects["config"], "best_epoch": state.best_epoch,
            "best_loss": state.best_loss, "out_dir": out_dir}
