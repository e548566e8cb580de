"""Write a stateful module as ONNX or TorchScript with a JSON sidecar beside it, the two as one atomic pair.

Both formats start from ``torch.jit.script``: the scripted loop over time becomes an ONNX
``Loop`` (dynamic batch and time axes) through PyTorch's TorchScript-based ONNX exporter
(``torch.onnx.export(..., dynamo=False)``), and is saved as is for TorchScript. PyTorch 2.13
marks both ``torch.jit.script`` and that exporter deprecated but ships them; its default
``torch.export``-based exporter unrolls Python loops, so the time axis would be fixed. Their
deprecation warnings are silenced here, and nothing is pickled.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import torch
from torch import nn

from grukit.errors import ConfigError, GrukitError

FORMATS = ("onnx", "torchscript")
OPSET = 17  # LayerNormalization is an ONNX operator from opset 17 on
SIDECAR_FORMAT_VERSION = 1


def check_format(format: str) -> str:
    if format not in FORMATS:
        raise ConfigError(f"unknown export format {format!r}; expected one of: {', '.join(FORMATS)}.")
    return format


def sidecar_path(path: Path) -> Path:
    """The JSON that describes an exported file: ``model.onnx`` -> ``model.onnx.json``."""
    return Path(path).with_name(Path(path).name + ".json")


@contextlib.contextmanager
def _quiet_deprecations() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\..*")
        warnings.filterwarnings("ignore", message=r".*(TorchScript|torch\.jit|legacy).*")
        yield


def script(module: nn.Module) -> torch.jit.ScriptModule:
    """``torch.jit.script`` of an eval-mode module, without PyTorch's deprecation warning."""
    with _quiet_deprecations():
        return torch.jit.script(module.eval())


def write(module: nn.Module, path: Path, format: str, example: tuple, input_names: list[str],
          output_names: list[str], dynamic_axes: dict, sidecar: dict) -> Path:
    """Script ``module``, write it to ``path`` in ``format`` and its description to the sidecar.

    ``example`` holds example inputs (ONNX traces the graph's shapes from them); ``dynamic_axes``
    names the axes that may change, as ``torch.onnx.export`` takes them. Returns ``path``.
    """
    check_format(format)
    path = Path(path)
    document = {"format": "grukit.export", "format_version": SIDECAR_FORMAT_VERSION, "file": path.name,
                "graph_format": format, "inputs": input_names, "outputs": output_names, **sidecar}
    text = json.dumps(document, indent=2) + "\n"  # before any file is written: a bad sidecar writes nothing
    scripted = script(module)
    if format == "onnx":
        _check_onnx_installed()

        def export(tmp: str) -> None:
            with _quiet_deprecations():
                torch.onnx.export(scripted, example, tmp, dynamo=False, input_names=input_names,
                                  output_names=output_names, dynamic_axes=dynamic_axes, opset_version=OPSET)
    else:
        def export(tmp: str) -> None:
            with _quiet_deprecations():
                torch.jit.save(scripted, tmp)
    write_pair(path, export, sidecar_path(path), text)
    return path


def write_pair(path: Path, write_file: Callable[[str], None], sidecar: Path, text: str) -> None:
    """Write ``path`` (through ``write_file(tmp)``) and its ``sidecar`` text as a pair: both or neither.

    Both go to temporary files beside ``path`` first and are renamed into place only when both
    are complete. Should the second rename fail, the new file and any older sidecar are removed,
    so a graph is never left beside a description of another one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temps = []
    try:
        for target in (path, sidecar):
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{target.name}.", suffix=".tmp")
            os.close(fd)
            temps.append(tmp)
        write_file(temps[0])
        Path(temps[1]).write_text(text)
        for tmp in temps:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the files the usual permissions
        os.replace(temps[0], path)
        try:
            os.replace(temps[1], sidecar)
        except BaseException:
            for stale in (path, sidecar):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(stale)
            raise
    finally:
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_onnx_installed() -> None:
    try:
        import onnx  # noqa: F401  (torch's exporter needs it)
    except ImportError:
        raise GrukitError("ONNX export needs the onnx package, which is not installed; install it with "
                          "`pip install grukit[export]` (or `pip install onnx onnxruntime`).") from None
