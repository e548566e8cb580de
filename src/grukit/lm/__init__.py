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

from grukit.lm.config import LM_TRAIN_DEFAULTS, LMConfig, lm_configs
from grukit.lm.estimator import LanguageModel
from grukit.lm.evaluation import evaluate_text, stream_loss
from grukit.lm.lanes import lane_dataset, lane_layout
from grukit.lm.model import CharLM
from grukit.lm.persistence import load_lm, save_lm
from grukit.lm.sampling import check_prompt, check_sampling, generate, next_token, start_prompt
from grukit.lm.training import CarriedStateLoss, train_lm
from grukit.lm.vocab import Vocabulary, bundled_text, read_text, split_text

__all__ = [
    "LanguageModel", "LMConfig", "LM_TRAIN_DEFAULTS", "lm_configs", "CharLM", "Vocabulary", "bundled_text",
    "read_text", "split_text",
    "lane_layout", "lane_dataset", "CarriedStateLoss", "train_lm", "stream_loss", "evaluate_text",
    "next_token", "generate", "check_sampling", "check_prompt", "start_prompt", "save_lm", "load_lm",
]
