"""Character language models: a GRU (or MinGRU) trained with stateful truncated BPTT, sampled one token at a time.

Example:
    >>> from grukit.lm import LMConfig, train_lm, generate
    >>> from grukit.train import TrainConfig
    >>> model, vocab, result = train_lm(text, LMConfig(hidden_size=256), TrainConfig(epochs=10, batch_size=64))
    >>> print("".join(generate(model, vocab, "ROMEO:", 200, temperature=0.8, top_k=40)))

The same as an estimator on a text file (what ``grukit lm tune`` fits):
    >>> model = LanguageModel(hidden_size=256, epochs=10).fit("input.txt")
    >>> model.score("input.txt")["bits_per_char"], model.sample("ROMEO:", 200, top_k=40)
"""

import importlib

from grukit.lm.config import LM_TRAIN_DEFAULTS, LMConfig

# Imported on first use (they need torch); the configs above are what a --help reads.
_LAZY = {
    "LanguageModel": "estimator", "lm_configs": "estimator", "evaluate_text": "evaluation", "stream_loss": "evaluation",
    "lane_dataset": "lanes", "lane_layout": "lanes", "CharLM": "model", "load_lm": "persistence",
    "save_lm": "persistence", "check_prompt": "sampling", "check_sampling": "sampling", "generate": "sampling",
    "next_token": "sampling", "start_prompt": "sampling", "CarriedStateLoss": "training", "train_lm": "training",
    "Vocabulary": "vocab", "bundled_text": "vocab", "read_text": "vocab", "split_text": "vocab",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"grukit.lm.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'grukit.lm' has no attribute {name!r}")


__all__ = [
    "LanguageModel", "LMConfig", "LM_TRAIN_DEFAULTS", "lm_configs", "CharLM", "Vocabulary", "bundled_text",
    "read_text", "split_text",
    "lane_layout", "lane_dataset", "CarriedStateLoss", "train_lm", "stream_loss", "evaluate_text",
    "next_token", "generate", "check_sampling", "check_prompt", "start_prompt", "save_lm", "load_lm",
]
