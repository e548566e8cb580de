"""Saving a trained language model to a folder (safetensors + JSON) and loading it back."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from grukit.artifacts import load_model, save_model
from grukit.errors import GrukitError, ModelFileError
from grukit.lm.config import LMConfig
from grukit.lm.model import CharLM
from grukit.lm.vocab import Vocabulary

__all__ = ["save_lm", "load_lm", "save_estimator", "load_estimator"]

KIND = "lm"


def save_lm(folder: str | Path, model: CharLM, vocab: Vocabulary, extra: dict | None = None) -> None:
    """Write ``model.safetensors`` and ``config.json`` (the LMConfig, the vocabulary and ``extra``).

    Example:
        >>> save_lm("runs/shakespeare", model, vocab, {"train": dataclasses.asdict(train_config)})
    """
    document = {"lm": dataclasses.asdict(model.config), "vocab": vocab.to_dict(), **(extra or {})}
    save_model(Path(folder), model.weights_to_save(), document, KIND)


def load_lm(folder: str | Path) -> tuple[CharLM, Vocabulary, dict]:
    """``(model in eval mode, vocabulary, config.json's content)``; a ModelFileError says what is wrong.

    Example:
        >>> model, vocab, document = load_lm("runs/shakespeare")
    """
    state, document = load_model(Path(folder), KIND)
    try:
        vocab = Vocabulary.from_dict(document["vocab"])
        model = CharLM(vocab.size, LMConfig(**document["lm"]))
        model.load_saved_weights(state)
    except (KeyError, TypeError, RuntimeError, GrukitError) as err:
        text = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ModelFileError(f"{Path(folder) / 'config.json'} does not match its weights ({text}); "
                             f"retrain or restore the folder.") from None
    return model.eval(), vocab, document


def save_estimator(model, folder: Path) -> None:
    """A fitted ``LanguageModel``'s folder (what ``grukit lm sample --model`` reads)."""
    save_lm(folder, model.net_, model.vocab_, {"train": dataclasses.asdict(model.train_config_)})


def load_estimator(cls, folder: Path):
    """A fitted ``LanguageModel`` from a folder written by ``save`` or ``grukit lm train --out``."""
    net, vocab, document = load_lm(folder)
    model = cls(**dataclasses.asdict(net.config), **document.get("train", {}))
    model.config_, model.train_config_ = model.configs()
    model.net_, model.vocab_, model.history_, model.best_epoch_ = net, vocab, None, None
    return model
