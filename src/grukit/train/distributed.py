"""Data-parallel training under ``torchrun``: the process group, the wrapped model, reductions, rank 0's writes.

:func:`grukit.train.fit` turns data-parallel on by itself when torchrun started the process (it sets
``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK``); nothing else changes for the caller::

    torchrun --nproc-per-node 4 -m grukit forecast train data.csv --out runs/x

Each process trains a replica wrapped in ``DistributedDataParallel`` (the gloo backend for CPU tensors,
NCCL for CUDA ones, process ``LOCAL_RANK`` on GPU ``LOCAL_RANK``) on its block of every global batch
(:mod:`grukit.train.batches`); losses are summed across processes, so every process sees the same
metrics, takes the same early-stopping decisions and ends with the same weights. Process 0 alone
writes ``metrics.csv`` and checkpoints; task code guards its own writes with :func:`is_main_process`.
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from grukit.errors import ConfigError

__all__ = ["World", "is_main_process", "launched_by_torchrun", "setup", "replicate", "all_reduce_sum",
           "any_process", "broadcast_state"]

TORCHRUN_VARIABLES = ("WORLD_SIZE", "RANK", "LOCAL_RANK")


@dataclass(frozen=True)
class World:
    """The processes of a data-parallel run, as this process sees them."""

    size: int  # W, the number of processes
    rank: int  # this process's rank in [0, W); rank 0 writes the run's files
    device: torch.device  # where this process trains: cuda:LOCAL_RANK, or the CPU

    @property
    def main(self) -> bool:
        return self.rank == 0


def launched_by_torchrun() -> bool:
    """True when torchrun (or ``python -m torch.distributed.run``) started this process."""
    return all(name in os.environ for name in TORCHRUN_VARIABLES)


def is_main_process() -> bool:
    """True in process 0 of a torchrun run, and in any process that torchrun did not start.

    Guard every file a training run writes with it, so that one process writes each file.

    Example:
        >>> if is_main_process():
        ...     model.save("runs/x")
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    return int(os.environ.get("RANK", "0")) == 0


def setup(device: torch.device) -> World | None:
    """Join torchrun's process group (once per process) and return this process's :class:`World`; None outside torchrun.

    ``device`` is the run's resolved device: on CUDA this process trains on GPU ``LOCAL_RANK``.
    """
    if not (launched_by_torchrun() or (dist.is_available() and dist.is_initialized())):
        return None
    if not dist.is_available():
        raise ConfigError("torchrun started this process but this torch build has no torch.distributed; "
                          "install a torch with distributed support, or run without torchrun.")
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        # gloo all-reduces CPU tensors, NCCL CUDA ones; MASTER_ADDR / MASTER_PORT come from torchrun.
        dist.init_process_group("cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo")
        atexit.register(_leave)
    return World(size=dist.get_world_size(), rank=dist.get_rank(), device=device)


def _leave() -> None:
    """At exit: wait for every process, then leave the group together.

    A process that tore its group down while another still worked (process 0 scoring and writing
    the run) sometimes aborted in gloo's teardown ("terminate called without an active exception").
    """
    if dist.is_initialized():
        try:
            dist.barrier()
        except RuntimeError:  # another process is gone already (it failed): leave anyway
            pass
        dist.destroy_process_group()


class _Replica(DistributedDataParallel):
    """DistributedDataParallel that also answers the wrapped model's own attributes (``model.quantiles``).

    A ``loss_fn`` written for the bare model then works unchanged, as long as it calls ``model(...)``
    for the forward pass: only that call synchronises the gradients.
    """

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "module":  # not set yet, inside DistributedDataParallel.__init__
                raise
            return getattr(self.module, name)


def replicate(model: torch.nn.Module, world: World) -> torch.nn.Module:
    """Wrap ``model`` (already on ``world.device``) in DistributedDataParallel; rank 0's weights go to every process.

    ``static_graph=True``: the first step finds the parameters a forward pass leaves out (an optional
    layer the options turn off), and every later step must use the same ones, as a fixed model does.
    """
    device_ids = [world.device.index] if world.device.type == "cuda" else None
    return _Replica(model, device_ids=device_ids, static_graph=True)


def all_reduce_sum(values: torch.Tensor) -> torch.Tensor:
    """The element-wise sum of ``values`` over every process (a new tensor; ``values`` is left as it is)."""
    total = values.clone()
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return total


def any_process(flag: bool, device: torch.device) -> bool:
    """True when ``flag`` is True in at least one process (e.g. a callback asked to stop)."""
    return bool(all_reduce_sum(torch.tensor([float(flag)], device=device)).item() > 0)


def broadcast_state(model: torch.nn.Module) -> None:
    """Copy process 0's parameters and buffers into every process's ``model``, in place."""
    with torch.no_grad():
        for tensor in model.state_dict().values():
            dist.broadcast(tensor, src=0)
