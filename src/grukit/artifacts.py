"""Saved models: ``model.safetensors`` (the weights) and ``config.json`` (everything else).

Loading never unpickles anything: safetensors holds raw tensors and JSON holds the rest. The
JSON records a format version, the grukit version that wrote it and the SHA-256 of the weights
file, so a missing, truncated, corrupted or too new folder is reported, not half-loaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from grukit._io import atomic_write, atomic_write_text
from grukit._version import __version__
from grukit.errors import ModelFileError

FORMAT_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_model(folder: Path, state_dict: dict, config: dict, kind: str) -> None:
    """Write the weights and the config (with format version, kind and checksum) into ``folder``."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {name: t.detach().cpu().contiguous() for name, t in state_dict.items()}
    atomic_write(folder / WEIGHTS_FILE, lambda tmp: save_file(tensors, tmp))
    document = {"format": f"grukit.{kind}", "format_version": FORMAT_VERSION, "grukit_version": __version__,
                "weights_sha256": _sha256(folder / WEIGHTS_FILE), **config}
    atomic_write_text(folder / CONFIG_FILE, json.dumps(document, indent=2) + "\n")


def load_model(folder: Path, kind: str) -> tuple[dict, dict]:
    """Read ``(state_dict, config)`` back; a ModelFileError says what is wrong with the folder."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(folder)
    if not folder.is_dir():
        raise ModelFileError(f"model folder {folder} does not exist; pass the --out folder of a training run.")
    config_path, weights_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    for path in (config_path, weights_path):
        if not path.is_file():
            raise ModelFileError(f"{path} is missing; a model folder holds {CONFIG_FILE} and {WEIGHTS_FILE} "
                                 f"as written by training. Retrain or restore the file.")
    try:
        config = json.loads(config_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelFileError(f"{config_path} is not valid JSON ({err}); the file is truncated or corrupted. "
                             f"Retrain or restore it.") from None
    if not isinstance(config, dict) or config.get("format") != f"grukit.{kind}":
        found = config.get("format") if isinstance(config, dict) else type(config).__name__
        raise ModelFileError(f"{config_path} describes {found!r}, not a grukit {kind} model; "
                             f"pass the folder of a '{kind}' training run.")
    version = config.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(f"{config_path} has format version {version!r}, newer than this grukit "
                             f"{__version__} reads (up to {FORMAT_VERSION}); upgrade grukit to load it.")
    if _sha256(weights_path) != config.get("weights_sha256"):
        raise ModelFileError(f"{weights_path} does not match the checksum in {CONFIG_FILE}; the file is "
                             f"truncated or corrupted. Retrain or restore it.")
    try:
        state = load_file(weights_path)
    except (SafetensorError, OSError) as err:
        raise ModelFileError(f"{weights_path} cannot be read as safetensors ({err}). Retrain or restore it.") from None
    return state, config


def saved_configs(document: dict, section: str, config: type, since: dict | None = None) -> tuple:
    """The (task config, TrainConfig) of a saved model: ``document[section]`` and ``document["train"]``.

    ``since`` gives the options added after older models were saved the values those models had.
    Call it inside :func:`rebuilding_from`, so that a bad key or value names config.json.
    """
    from grukit.train import TrainConfig, config_from_dict

    return (config_from_dict(config, {**(since or {}), **document[section]}),
            config_from_dict(TrainConfig, document["train"]))


@contextlib.contextmanager
def rebuilding_from(folder: Path) -> Iterator[None]:
    """Around the code that rebuilds a model from ``load_model``'s document: a missing key, a wrong
    type or value, or weights that do not fit become one ModelFileError naming config.json."""
    try:
        yield
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise ModelFileError(f"{Path(folder) / 'config.json'} does not describe this model "
                             f"({type(err).__name__}: {str(err).splitlines()[0]}); retrain or restore the folder."
                             ) from None
