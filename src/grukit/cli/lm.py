"""``grukit lm train | sample | eval``: character language models."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grukit.cli._options import data_argument
from grukit.cli._train import train_options, train_run
from grukit.cli.tune import tune_command
from grukit.lm.config import LM_TRAIN_DEFAULTS, LMConfig
from grukit.train.config import TrainConfig

FOLDER = click.Path(file_okay=False, path_type=Path)
TEXT = data_argument("--text")  # DATA: a UTF-8 text file [default: the bundled tiny-shakespeare]


@click.group()
def lm() -> None:
    """Character language models with a GRU: train, sample, eval, tune.

    DATA is a UTF-8 text file (--text DATA is the older spelling); without it the bundled
    tiny-shakespeare is used. Training reads one long text as --batch-size parallel lanes in
    chunks of --chunk-length characters and carries the hidden state from chunk to chunk
    (truncated BPTT). The last --val-fraction of the text is held out for validation (90/10 by
    default).
    """


@lm.command()
@TEXT
@train_options(LMConfig, TrainConfig, defaults=LM_TRAIN_DEFAULTS,
               writes="model.safetensors, config.json, metrics.json, metrics.csv, plots/loss.png, sample.txt")
def train(data: Path | None, out: Path | None, resume: bool, force: bool, options: dict) -> None:
    """Train on DATA (default: tiny-shakespeare) and report the validation loss in nats and bits per character.

    --batch-size is the number of lanes. Language-model defaults replace TrainConfig's where not
    given: epochs 12, batch_size 32, lr 2e-3, weight_decay 0.01, schedule cosine, warmup_fraction
    0.02, clip norm 1.0, patience 0 (with the model defaults, the recipe that reaches 1.45 nats/char
    on tiny-shakespeare in about 8 CPU minutes; see BENCHMARKS.md).
    """
    from grukit.lm.estimator import LanguageModel

    model = LanguageModel(**options)
    model.configs()  # bad options fail here, before any file is read or written

    def finish(fitted, folder: Path | None) -> str:
        scores = fitted.score(data)
        if folder is not None:
            _write_run(folder, fitted, scores)
        return (f"validation: {scores['nats_per_token']:.4f} nats/char, {scores['bits_per_char']:.4f} bits/char "
                f"({scores['chars']:,} characters, best epoch {fitted.best_epoch_})")

    train_run(out, resume, force, lambda folder, again: model.fit(data, out=folder, resume=again), finish,
              where="model")


def _write_run(folder: Path, model, scores: dict) -> None:
    """The run folder of a fitted LanguageModel: its files, metrics.json, the loss plot and a sample."""
    from grukit._io import atomic_write_text
    from grukit.evaluate import plot_loss

    model.save(folder)
    metrics = {"val_nats_per_char": scores["nats_per_token"], "val_bits_per_char": scores["bits_per_char"],
               "val_chars": scores["chars"], "best_epoch": model.best_epoch_, "history": model.history_}
    atomic_write_text(folder / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    (folder / "plots").mkdir(exist_ok=True)
    plot_loss(folder / "plots" / "loss.png", model.history_)
    atomic_write_text(folder / "sample.txt", model.sample(None, 500, temperature=0.8, top_k=40, seed=0) + "\n")


@lm.command()
@click.option("--model", "model_dir", required=True, type=FOLDER, help="The --out folder of `grukit lm train`.")
@click.option("--prompt", default=None, help="Text to start from [default: a newline, or the vocabulary's first "
                                             "character when the text had none].")
@click.option("--temperature", type=float, default=1.0, show_default=True,
              help="Divides the logits: below 1 is more conservative, above 1 more varied.")
@click.option("--top-k", "top_k", type=int, default=None, help="Sample among the k most likely characters only.")
@click.option("--length", type=click.IntRange(min=0), default=500, show_default=True,
              help="Characters to generate after the prompt.")
@click.option("--seed", type=int, default=None, help="Seed for reproducible samples [default: random].")
def sample(model_dir: Path, prompt: str | None, temperature: float, top_k: int | None, length: int,
           seed: int | None) -> None:
    """Print the prompt, then characters as they are generated, one step of the model each."""
    from grukit.lm.persistence import load_lm
    from grukit.lm.sampling import check_prompt, check_sampling, generate, start_prompt

    check_sampling(temperature, top_k)
    model, vocab, _ = load_lm(model_dir)
    prompt = start_prompt(vocab) if prompt is None else prompt
    check_prompt(vocab, prompt)
    click.echo(prompt, nl=False)
    for piece in generate(model, vocab, prompt, length, temperature, top_k, seed):
        click.echo(piece, nl=False)  # click.echo flushes: the text appears as it is generated
    click.echo()


@lm.command(name="eval")
@click.option("--model", "model_dir", required=True, type=FOLDER, help="The --out folder of `grukit lm train`.")
@TEXT
@click.option("--split", type=click.Choice(["val", "all"]), default="val", show_default=True,
              help="Score the validation part (the last val_fraction, as in training) or the whole text.")
@click.option("--lanes", type=click.IntRange(min=1), default=16, show_default=True,
              help="Parts of the text read in parallel, each from a zero state.")
def evaluate(model_dir: Path, data: Path | None, split: str, lanes: int) -> None:
    """Score DATA (default: tiny-shakespeare): mean cross-entropy in nats and bits per character."""
    from grukit.lm.evaluation import evaluate_text
    from grukit.lm.persistence import load_lm
    from grukit.lm.vocab import bundled_text, read_text, split_text

    model, vocab, _ = load_lm(model_dir)
    path = data or bundled_text()
    text = read_text(path)
    if split == "val":
        text = split_text(text, model.config.val_fraction)[1]
    scores = evaluate_text(model, vocab, text, lanes=lanes)
    click.echo(f"{split} of {path.name}: {scores['nats_per_token']:.4f} nats/char, "
               f"{scores['bits_per_char']:.4f} bits/char ({scores['chars']:,} characters)")


lm.add_command(tune_command("lm", LMConfig, TrainConfig))
