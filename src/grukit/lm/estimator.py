"""``LanguageModel``: a character language model on the scikit-learn estimator contract (what ``grukit lm tune`` fits)."""

from __future__ import annotations

from pathlib import Path

from grukit.errors import ConfigError
from grukit.estimator import Estimator
from grukit.lm.config import LM_TRAIN_DEFAULTS, LMConfig

__all__ = ["LanguageModel", "lm_configs"]


class LanguageModel(Estimator):
    """Train, score, sample and save a :class:`~grukit.lm.CharLM` from flat options.

    Follows scikit-learn's contract: ``__init__`` only stores its options, ``fit`` checks them,
    trains and returns ``self``; learned state ends in ``_`` (``net_``, ``vocab_``, ``history_``).
    Options are the fields of :class:`~grukit.lm.LMConfig` (data and model) and of
    :class:`grukit.train.TrainConfig` (training; ``batch_size`` is the number of lanes;
    ``LM_TRAIN_DEFAULTS`` replaces TrainConfig's defaults). Training reads the first 90 % of the
    text (``val_fraction``) with truncated BPTT and keeps the epoch with the lowest loss on the
    rest, in nats per token.

    Example:
        >>> model = LanguageModel(hidden_size=128, epochs=3).fit("input.txt")   # doctest: +SKIP
        >>> model.score("input.txt")["bits_per_char"]                            # doctest: +SKIP
        >>> model.sample("ROMEO:", 200, temperature=0.8, top_k=40, seed=0)     # doctest: +SKIP
        >>> model.save("runs/lm"); model = LanguageModel.load("runs/lm")        # doctest: +SKIP
    """

    PERSISTENCE = "grukit.lm.persistence"
    CONFIG = LMConfig
    TRAIN_DEFAULTS = LM_TRAIN_DEFAULTS
    FIT_CALL = "fit(text_file)"

    def fit(self, data: str | Path | None = None, *, out: str | Path | None = None, resume: bool = False,
            callbacks=()) -> "LanguageModel":
        """Train on the UTF-8 text file ``data`` (None: the bundled tiny-shakespeare); returns ``self``.

        ``out``: a folder for the training log (metrics.csv) and per-epoch checkpoints; ``resume``
        continues from its last checkpoint. ``callbacks`` go to :func:`grukit.train.fit`.
        """
        from grukit.lm.training import train_lm

        config, train_config = self.configs()
        text = _read(data)
        net, vocab, result = train_lm(text, config, train_config, out_dir=out, resume=resume, callbacks=callbacks)
        self.config_, self.train_config_, self.net_, self.vocab_ = config, train_config, net.cpu().eval(), vocab
        self.history_, self.best_epoch_ = result.history, result.best_epoch
        return self

    def score(self, data: str | Path | None = None, split: str = "val", lanes: int = 16) -> dict:
        """Nats and bits per character of ``data``'s validation part (``split="val"``) or of all of it ("all").

        Returns :func:`grukit.lm.evaluate_text`'s ``{"nats_per_token", "bits_per_char", "tokens", "chars"}``.
        """
        from grukit.lm.evaluation import evaluate_text
        from grukit.lm.vocab import split_text

        self._check_fitted()
        if split not in ("val", "all"):
            raise ConfigError(f"split must be 'val' or 'all'; got {split!r}.")
        text = _read(data)
        if split == "val":
            text = split_text(text, self.config_.val_fraction)[1]
        return evaluate_text(self.net_, self.vocab_, text, lanes=lanes)

    def sample(self, prompt: str | None = None, length: int = 500, temperature: float = 1.0,
               top_k: int | None = None, seed: int | None = None) -> str:
        """``length`` characters drawn after ``prompt`` (see :func:`grukit.lm.generate`), the prompt left out.

        ``prompt`` None starts from a newline (or the vocabulary's first character, see
        :func:`grukit.lm.start_prompt`).
        """
        from grukit.lm.sampling import generate, start_prompt

        self._check_fitted()
        prompt = start_prompt(self.vocab_) if prompt is None else prompt
        return "".join(generate(self.net_, self.vocab_, prompt, length, temperature, top_k, seed))
def _read(data: str | Path | None) -> str:
    from grukit.lm.vocab import bundled_text, read_text

    if data is not None and not isinstance(data, (str, Path)):
        raise ConfigError(f"language-model data must be the path of a UTF-8 text file, or None for the bundled "
                          f"tiny-shakespeare; got {type(data).__name__}.")
    return read_text(bundled_text() if data is None else data)


def lm_configs(options: dict):
    """Flat options -> the validated ``(LMConfig, TrainConfig)``; ``LM_TRAIN_DEFAULTS`` fill training options not given.

    An unknown key raises ConfigError listing the valid ones.

    Example:
        >>> lm_config, train_config = lm_configs({"hidden_size": 128, "epochs": 3})
        >>> train_config.lr, train_config.epochs
        (0.002, 3)
    """
    return LanguageModel(**options).configs()
