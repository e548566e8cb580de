"""``grukit music train | eval | sample``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grukit.cli._options import FILE, data_argument
from grukit.cli._train import train_options, train_run
from grukit.cli.tune import tune_command
from grukit.errors import ConfigError
from grukit.music.config import MusicConfig
from grukit.music.model import TRAIN_DEFAULTS
from grukit.train.config import TrainConfig

FOLDER = click.Path(file_okay=False, path_type=Path)
LAYOUT_HINT = 'a piano-roll JSON file: {"train": [...], "valid": [...], "test": [...]}, each sequence a list of steps'
MIDI_SUFFIXES = (".mid", ".midi")


@click.group()
def music() -> None:
    """Model polyphonic music with a GRU that predicts each piano-roll frame: train, eval, sample.

    DATA is a piano-roll JSON file (--data DATA is the older spelling): {"train": [seq, ...],
    "valid": [...], "test": [...]}, a sequence a list of steps and a step the list of MIDI notes
    (21-108) sounding then; or a folder of MIDI files (read with --steps-per-beat frames per
    beat); without DATA, `music train` uses the bundled JSB Chorales. The metric is the negative
    log-likelihood per time step in nats (Boulanger-Lewandowski et al. 2012).
    """


DATA = data_argument("--data", type=click.Path(path_type=Path))  # a JSON file or a folder of MIDI files


@music.command()
@DATA
@train_options(MusicConfig, TrainConfig, defaults=TRAIN_DEFAULTS,
               writes="model.safetensors, config.json, metrics.json, plots/loss.png, metrics.csv")
def train(data: Path | None, out: Path | None, resume: bool, force: bool, options: dict) -> None:
    """Train on the train split, keep the epoch with the best valid NLL, then score valid and test once.

    DATA is a piano-roll JSON file or a folder of MIDI files (split by file name: the last 10 %
    valid, 10 % test); without DATA, the bundled JSB Chorales. batch_size counts sequences.
    Prints the NLL per time step (nats) and the parameter count.
    """
    from grukit.music import MusicModel

    model = MusicModel(**options)
    model.configs()  # bad options fail before any data is read or folder made

    def finish(fitted, folder: Path | None) -> str:
        scores = _scores(fitted, data)
        if folder is not None:
            _write(fitted, folder, scores)
        lines = [f"data: {scores['data']}", *(_nll_line(scores[s]) for s in ("valid", "test") if s in scores)]
        return "\n".join([*lines, f"parameters: {scores['parameters']:,}"])

    train_run(out, resume, force, lambda folder, again: model.fit(data, out=folder, resume=again), finish,
              where="model")


def _scores(model, data: Path) -> dict:
    """metrics.json's content: valid (the split that chose the epoch) and test when the file has it."""
    scores = {split: model.score(data, split) for split in ("valid", "test") if split in model.data_["splits"]}
    return {**scores, "parameters": model.n_parameters_, "best_epoch": model.best_epoch_, "data": model.data_["data"],
            "metric": "negative log-likelihood per time step, nats, pooled over all steps of the split"}


def _write(model, folder: Path, scores: dict) -> None:
    from grukit._io import atomic_write_text
    from grukit.evaluate import plot_loss

    model.save(folder)
    atomic_write_text(folder / "metrics.json", json.dumps(scores, indent=2) + "\n")
    if model.history_:
        plot_loss(folder / "plots" / "loss.png", model.history_)


def _nll_line(score: dict) -> str:
    return (f"{score['split']} NLL per step: {score['nll']:.4f} nats ({score['steps']:,} steps, "
            f"{score['sequences']:,} sequences)")


@music.command(name="eval")
@click.option("--model", "model_dir", required=True, type=FOLDER, help="The --out folder of a training run.")
@DATA
@click.option("--split", type=click.Choice(["train", "valid", "test"]), default="test", show_default=True,
              help="The split to score.")
def evaluate(model_dir: Path, data: Path | None, split: str) -> None:
    """Print the NLL per time step (nats, pooled over all steps of --split) and the parameter count."""
    from grukit.music import MusicModel

    model = MusicModel.load(model_dir)
    click.echo(_nll_line(model.score(data, split)))
    click.echo(f"parameters: {model.n_parameters_:,}")


@music.command()
@click.option("--model", "model_dir", required=True, type=FOLDER, help="The --out folder of a training run.")
@click.option("--steps", type=int, default=64, show_default=True, help="Frames (time steps) to sample.")
@click.option("--out", required=True, type=FILE, help="The MIDI file to write (.mid); the PNG goes beside it.")
@click.option("--temperature", type=float, default=1.0, show_default=True,
              help="Divides the logits: < 1 sharper, > 1 more random, 1 the model as trained.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the random draws.")
@click.option("--bpm", type=float, default=100.0, show_default=True, help="Tempo in quarter-note beats per minute.")
@click.option("--steps-per-beat", type=int, default=1, show_default=True,
              help="Frames per quarter note: 1 for JSB Chorales, 2 for Nottingham.")
def sample(model_dir: Path, steps: int, out: Path, temperature: float, seed: int, bpm: float,
           steps_per_beat: int) -> None:
    """Sample a piece from the model: write --out (MIDI) and a piano-roll PNG of it (same name, .png)."""
    import math

    from grukit.music import MusicModel, plot_piano_roll, write_midi

    if out.suffix.lower() not in MIDI_SUFFIXES:
        raise ConfigError(f"--out must name a MIDI file ending in .mid or .midi; got {out.name!r}.")
    if not (math.isfinite(bpm) and bpm > 0):
        raise ConfigError(f"--bpm must be a finite number > 0; got {bpm}.")
    if steps_per_beat < 1:
        raise ConfigError(f"--steps-per-beat must be an integer >= 1; got {steps_per_beat}.")
    model = MusicModel.load(model_dir)
    roll = model.sample(steps, temperature, seed)  # (T, 88); checks steps and temperature
    picture = out.with_suffix(".png")
    write_midi(roll, out, bpm=bpm, steps_per_beat=steps_per_beat)
    try:
        plot_piano_roll(roll, picture, title=f"sampled from {model_dir.name}: {steps} steps, temperature {temperature:g}")
    except BaseException:
        out.unlink(missing_ok=True)  # no MIDI without its picture
        raise
    click.echo(f"midi: {out}")
    click.echo(f"piano roll: {picture}")


music.add_command(tune_command("music", MusicConfig, TrainConfig))
