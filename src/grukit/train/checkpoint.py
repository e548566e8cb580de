"""Resumable training checkpoints in safetensors and JSON, never pickle.

Layout of ``<out_dir>/checkpoint/``:

- ``last.safetensors``: the tensors, under these keys:
  ``model/<name>`` (the model's state_dict at the end of the epoch), ``best/<name>`` (the best
  weights so far), ``optimizer/<param index>/<name>`` (the optimizer's per-parameter tensors, e.g.
  AdamW's ``step``, ``exp_avg``, ``exp_avg_sq``), ``rng/torch`` (``torch.get_rng_state()``),
  ``rng/cuda/<device>`` (each CUDA device's RNG state, when CUDA is initialized) and
  ``rng/shuffle`` (the training data's shuffling generator). Its header metadata holds, under
  ``"grukit.train"``, the same JSON as ``last.json``, so the file is complete on its own.
- ``last.json``: a readable copy of everything else: format and version, epoch, finished,
  stopped_early, best_epoch, best_loss, bad_epochs, config, history, the optimizer's non-tensor
  state (param_groups), the scheduler's state_dict and the numpy / random RNG states.

Both are written atomically each epoch, tensors first. Resuming reads only ``last.safetensors``
(a crash between the two writes leaves ``last.json`` one epoch behind, never a broken pair).

What a resume checks before it continues (each mismatch is a one-line error that names it):

- ``checksum``: the SHA-256 of every tensor's bytes, in key order; a flipped bit anywhere in the
  weights, the optimizer state or the RNG states fails the check.
- ``config``: the training options, ``num_threads`` included (a different thread count changes the
  low digits of the result); only ``progress`` and ``device`` may change.
- ``fingerprint``: what the run was trained on: the model's parameter names and shapes, and what
  the task gives (:func:`digest` of its training data, its model and data options).
"""

from __future__ import annotations

import dataclasses
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from grukit._io import atomic_write, atomic_write_text
from grukit.errors import ConfigError, ModelFileError
from grukit.train.config import TrainConfig

__all__ = ["TrainState", "save_checkpoint", "load_checkpoint", "CHECKPOINT_DIR", "digest", "tensors_checksum"]

CHECKPOINT_DIR = "checkpoint"
FORMAT, VERSION = "grukit.train.checkpoint", 1
METADATA_KEY = "grukit.train"
# Options that may change between a run and its resumption: they do not change the numbers.
RUNTIME_OPTIONS = ("progress", "device")


def digest(*parts: Any) -> str:
    """A SHA-256 (hex) of arrays, tensors, strings and nested lists of them: a fingerprint of data.

    Example:
        >>> digest(np.zeros(3)) == digest([np.zeros(3)]), digest(np.zeros(3)) == digest(np.ones(3))
        (True, False)
    """
    import hashlib

    sha = hashlib.sha256()

    def feed(part: Any) -> None:
        if isinstance(part, (list, tuple)):
            for item in part:
                feed(item)
        elif isinstance(part, str):
            sha.update(part.encode("utf-8"))
        elif isinstance(part, torch.Tensor):
            feed(part.detach().cpu().numpy())
        elif part is not None:
            array = np.ascontiguousarray(part)
            sha.update(str((array.dtype.str, array.shape)).encode())
            sha.update(array.tobytes())

    feed(list(parts))
    return sha.hexdigest()


def tensors_checksum(tensors: dict[str, torch.Tensor]) -> str:
    """The SHA-256 (hex) of every tensor's name, dtype, shape and bytes, in key order."""
    import hashlib

    sha = hashlib.sha256()
    for key in sorted(tensors):
        value = tensors[key].detach().to("cpu").contiguous()
        sha.update(f"{key}|{value.dtype}|{tuple(value.shape)}|".encode())
        sha.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def model_fingerprint(model: torch.nn.Module) -> dict[str, list[int]]:
    """The model's parameter and buffer names with their shapes."""
    return {name: list(value.shape) for name, value in model.state_dict().items()}


@dataclass
class TrainState:
    """The loop's progress: what a checkpoint holds besides the model, optimizer, scheduler and RNGs."""

    epoch: int = 0  # the last completed epoch (1-based; 0 before training)
    best_epoch: int = 0  # the epoch with the lowest watched loss; 0 while there is none
    best_loss: float = float("inf")  # that loss (validation loss, or training loss without val_data)
    bad_epochs: int = 0  # epochs since the last improvement
    finished: bool = False  # no epochs are left: all were run, or training stopped
    stopped_early: bool = False  # stopped before config.epochs, by patience or by a callback
    history: list[dict] = field(default_factory=list)  # one metrics row per completed epoch
    best_weights: dict[str, torch.Tensor] | None = None  # CPU copy of the best epoch's state_dict


def save_checkpoint(
    directory: Path,
    *,
    config: TrainConfig,
    state: TrainState,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    shuffle: torch.Generator,
    fingerprint: dict | None = None,
) -> None:
    """Write ``last.safetensors`` and ``last.json`` into ``directory`` atomically (see the module docstring)."""
    tensors = {f"model/{name}": value for name, value in model.state_dict().items()}
    tensors |= {f"best/{name}": value for name, value in (state.best_weights or {}).items()}
    optimizer_state = optimizer.state_dict()
    optimizer_json: dict[str, dict[str, Any]] = {}
    for index, entries in optimizer_state["state"].items():
        for name, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer/{index}/{name}"] = value
            else:
                optimizer_json.setdefault(str(index), {})[name] = value
    tensors["rng/torch"] = torch.get_rng_state()
    tensors["rng/shuffle"] = shuffle.get_state()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        tensors |= {f"rng/cuda/{i}": s for i, s in enumerate(torch.cuda.get_rng_state_all())}
    # Copies on the CPU: contiguous, and no two keys share memory (safetensors refuses tied weights).
    tensors = {key: value.detach().to("cpu", copy=True).contiguous() for key, value in tensors.items()}

    numpy_state = np.random.get_state()
    document = {
        "format": FORMAT, "version": VERSION,
        "epoch": state.epoch, "finished": state.finished, "stopped_early": state.stopped_early,
        "best_epoch": state.best_epoch, "best_loss": state.best_loss if state.best_epoch else None,
        "bad_epochs": state.bad_epochs,
        "config": dataclasses.asdict(config),
        "fingerprint": {"model": model_fingerprint(model), **(fingerprint or {})},
        "checksum": tensors_checksum(tensors),
        "history": state.history,
        "optimizer": {"param_groups": optimizer_state["param_groups"], "state": optimizer_json},
        "scheduler": {k: v for k, v in scheduler.state_dict().items() if not callable(v)},
        "rng": {
            "numpy": [numpy_state[0], numpy_state[1].tolist(), *numpy_state[2:]],
            "python": random.getstate(),
        },
    }
    text = json.dumps(document, indent=1)
    directory = Path(directory)
    atomic_write(directory / "last.safetensors",
                 lambda tmp: save_file(tensors, tmp, metadata={METADATA_KEY: text}))
    atomic_write_text(directory / "last.json", text + "\n")


def load_checkpoint(
    directory: Path,
    *,
    config: TrainConfig,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    shuffle: torch.Generator,
    fingerprint: dict | None = None,
) -> TrainState:
    """Restore the model, optimizer, scheduler and every RNG from ``directory``; return the loop's state.

    Raises ConfigError when there is no checkpoint or it was written with other training options,
    and ModelFileError when the file cannot be read.
    """
    path = Path(directory) / "last.safetensors"
    if not path.is_file():
        raise ConfigError(f"resume: no checkpoint at {path}; run without resume to start training, "
                          "or pass the out_dir of the run to continue.")
    tensors, document = _read(path)
    _check_checksum(path, tensors, document)
    _check_same_config(path, document["config"], config)
    _check_same_fingerprint(path, document.get("fingerprint") or {},
                            {"model": model_fingerprint(model), **(fingerprint or {})})

    model.load_state_dict(_prefixed(tensors, "model/"))
    optimizer.load_state_dict(_optimizer_state(tensors, document["optimizer"], optimizer))
    scheduler.load_state_dict(document["scheduler"])
    torch.set_rng_state(tensors["rng/torch"])
    shuffle.set_state(tensors["rng/shuffle"])
    cuda_states = _prefixed(tensors, "rng/cuda/")
    if cuda_states and torch.cuda.is_available() and torch.cuda.device_count() == len(cuda_states):
        torch.cuda.set_rng_state_all([cuda_states[str(i)] for i in range(len(cuda_states))])
    kind, keys, *rest = document["rng"]["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), *rest))
    version, internal, gauss = document["rng"]["python"]
    random.setstate((version, tuple(internal), gauss))

    best = _prefixed(tensors, "best/")
    return TrainState(
        epoch=document["epoch"], best_epoch=document["best_epoch"],
        best_loss=float("inf") if document["best_loss"] is None else document["best_loss"],
        bad_epochs=document["bad_epochs"], finished=document["finished"],
        stopped_early=document["stopped_early"], history=document["history"], best_weights=best or None,
    )


def _read(path: Path) -> tuple[dict[str, torch.Tensor], dict]:
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            metadata = f.metadata() or {}
            tensors = {key: f.get_tensor(key) for key in f.keys()}
        document = json.loads(metadata[METADATA_KEY])
    except Exception as error:  # safetensors raises several types for a damaged file
        raise ModelFileError(f"resume: {path} cannot be read ({type(error).__name__}: {error}); "
                             "delete the checkpoint folder to start over.") from error
    if document.get("format") != FORMAT or document.get("version", 0) > VERSION:
        raise ModelFileError(f"resume: {path} is format {document.get('format')!r} version "
                             f"{document.get('version')!r}; this grukit reads {FORMAT!r} up to version {VERSION}.")
    return tensors, document


def _check_checksum(path: Path, tensors: dict[str, torch.Tensor], document: dict) -> None:
    expected = document.get("checksum")
    if expected is not None and tensors_checksum(tensors) != expected:
        raise ModelFileError(f"resume: {path} is damaged (its tensors do not match the checksum written with them); "
                             f"delete that checkpoint folder, or run with --force to start over.")


def _check_same_fingerprint(path: Path, saved: dict, current: dict) -> None:
    """What the run trains on must be what the checkpoint was trained on: name every difference.

    A checkpoint written before fingerprints existed (none saved) is not checked.
    """
    if not saved:
        return
    changed = []
    for key in sorted(set(saved) | set(current)):
        before, now = saved.get(key), current.get(key)
        if before == now:
            continue
        if isinstance(before, dict) and isinstance(now, dict):
            keys = [k for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]
            changed.append(f"{key}: " + ", ".join(f"{k} {before.get(k)!r} -> {now.get(k)!r}" for k in keys[:4])
                           + (f" and {len(keys) - 4} more" if len(keys) > 4 else ""))
        elif isinstance(before, str) and isinstance(now, str) and len(before) == 64:
            changed.append(f"{key}: sha256 {before[:12]}... -> {now[:12]}...")
        else:
            changed.append(f"{key}: {before!r} -> {now!r}")
    if changed:
        raise ConfigError(f"resume: {path} was trained on something else ({'; '.join(changed)}); resume with the same "
                          f"data and options, or start over with --force (out_dir: a new folder).")


def _check_same_config(path: Path, saved: dict, config: TrainConfig) -> None:
    current = dataclasses.asdict(config)
    changed = [f"{key}: {saved.get(key)!r} -> {value!r}" for key, value in current.items()
               if key not in RUNTIME_OPTIONS and saved.get(key) != value]
    if changed:
        raise ConfigError(f"resume: {path} was written with other training options ({'; '.join(changed)}); "
                          "resume with the same TrainConfig, or train into a new out_dir.")


def _prefixed(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {key[len(prefix):]: value for key, value in tensors.items() if key.startswith(prefix)}


def _optimizer_state(tensors: dict[str, torch.Tensor], saved: dict, optimizer: torch.optim.Optimizer) -> dict:
    """Rebuild ``optimizer.state_dict()`` from its tensors and its JSON part."""
    state: dict[int, dict[str, Any]] = {}
    for key, value in _prefixed(tensors, "optimizer/").items():
        index, name = key.split("/", 1)
        state.setdefault(int(index), {})[name] = value
    for index, entries in saved["state"].items():
        state.setdefault(int(index), {}).update(entries)
    # JSON turns tuples such as AdamW's betas into lists; give them back the optimizer's own types.
    groups = []
    for group, current in zip(saved["param_groups"], optimizer.param_groups):
        groups.append({k: tuple(v) if isinstance(current.get(k), tuple) else v for k, v in group.items()})
    return {"state": state, "param_groups": groups}
