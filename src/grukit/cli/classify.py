"""``grukit classify train | predict``."""

from __future__ import annotations

from pathlib import Path

import click

from grukit.classify.config import ClassifyConfig
from grukit.classify.defaults import MAX_STEPS, TRAIN_DEFAULTS
from grukit.cli._options import FILE
from grukit.cli._train import train_options, train_run
from grukit.cli.tune import tune_command
from grukit.train.config import TrainConfig


# What --help shows where the classifier's generic defaults replace TrainConfig's (grukit.classify.defaults);
# a bundled dataset without a data file starts from its preset instead.
HELP_DEFAULTS = {**TRAIN_DEFAULTS,
                 "epochs": f"{TRAIN_DEFAULTS['epochs']}, fewer for large sets (at most {MAX_STEPS:,} steps)"}


@click.group()
def classify() -> None:
    """Classify whole sequences with a GRU: train, predict.

    DATA is a UCR/UEA .ts file, or a CSV: wide (one row per sequence, one column per step and a
    label column) or long (id, time, one column per channel, label). Without DATA the bundled
    GunPoint TRAIN file is used with its preset options (any option given wins), and its TEST
    file scores the model.
    """


TEST = click.option(
    "--test", "test", type=FILE, default=None,
    help="A labelled file to score the model on (same format as DATA); without it the validation part of DATA is "
         "scored. Default with no DATA: the bundled TEST file.")
AUDIO = click.option(
    "--audio", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="A folder of labelled .wav clips, trained on as MFCC features: one subfolder per label (yes/a.wav, "
         "no/b.wav; the last 20% of each label's files by name are the test set), train/ and test/ folders with one "
         "subfolder per label each, or the Free Spoken Digit Dataset's {digit}_{speaker}_{index}.wav files (takes "
         "0-4 are the test set, the official split).")


@classify.command()
@click.argument("data", required=False, type=FILE)
@train_options(ClassifyConfig, TrainConfig, defaults=HELP_DEFAULTS, extra=(TEST, AUDIO),
               writes="model.safetensors, config.json, metrics.json, report.html, plots/, metrics.csv")
def train(data: Path | None, test: Path | None, out: Path | None, resume: bool, force: bool, audio: Path | None,
          options: dict) -> None:
    """Train on DATA (holding out --val-size of it for validation), score --test and save everything under --out."""
    from grukit.classify import GRUClassifier
    from grukit.classify.datasets import DEFAULT_DATASET, bundled_path
    from grukit.classify.evaluation import format_classification_table
    from grukit.train.distributed import is_main_process

    model = GRUClassifier(**options)
    if audio is not None:
        from grukit.cli._audio import AUDIO_PRESET, audio_sets

        if data is not None or test is not None:
            raise click.UsageError("--audio replaces DATA and --test; pass one or the other.")
        model = GRUClassifier(**{**AUDIO_PRESET, **options})
        train_set, test_set, feature_config = audio_sets(audio, on_read=click.echo if is_main_process() else None)
        fit_data = train_set
    else:
        config, _ = model.configs(data)
        if data is None and test is None:
            test = bundled_path(config.dataset or DEFAULT_DATASET, "test")
        train_set = model.read(data, config=config, labelled=True)
        test_set = None if test is None else _check_test(model.read(test, config=config, labelled=True), train_set)
        fit_data = None if data is None else train_set  # None applies the bundled dataset's preset

    def finish(fitted, folder: Path | None) -> str:
        metrics = _scores(fitted, test_set, train_set)
        if folder is not None:
            _write(model, folder, metrics, feature_config if audio is not None else None)
        return format_classification_table(metrics, metrics["part"])

    train_run(out, resume, force, lambda folder, again: model.fit(fit_data, out=folder, resume=again), finish)


def _check_test(test_set, train_set):
    """Fail before training when the test file has a class the training data lacks."""
    from grukit.classify.labels import encode_labels, sorted_classes

    encode_labels(test_set.labels, sorted_classes(train_set.labels, train_set.name), test_set.locate)
    return test_set


def _scores(model, test_set, train_set) -> dict:
    """metrics.json's content: on the test file, else the validation part, else the training data."""
    if test_set is not None:
        return {"part": "test", **model.evaluate(test_set)}
    if model.validation_metrics_ is not None:
        return {"part": "validation", **model.validation_metrics_}
    return {"part": "train", **model.evaluate(train_set)}


def _write(model, folder: Path, metrics: dict, feature_config=None) -> None:
    from grukit.classify.outputs import write_run

    model.feature_config_ = feature_config  # saved beside the model (audio_features.json) when not None
    write_run(model, folder, metrics)


@classify.command()
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The --out folder of a training run.")
@click.argument("files", nargs=-1, required=True, type=FILE)
@click.option("--out", type=FILE, default=None,
              help="Write the predictions here as CSV; without it the CSV goes to standard output.")
def predict(model_dir: Path, files: tuple[Path, ...], out: Path | None) -> None:
    """Predict the class of every sequence in FILES (.ts or .csv, labelled or not), or of WAV clips.

    WAV files need a model trained with --audio; each prints its predicted label and probability.

    Prints one CSV row per sequence: file, id, label (the predicted class) and probability (its
    probability); labelled files add true_label, and their labels must be classes of the model.
    """
    import pandas as pd

    from grukit.classify import GRUClassifier

    model = GRUClassifier.load(model_dir)
    if any(path.suffix.lower() == ".wav" for path in files):
        from grukit.cli._audio import predict_wavs

        for path, label, probability in predict_wavs(model, model_dir, files):
            click.echo(f"{path}: {label} (probability {probability:.3f})")
        return
    frames = [model.prediction_table(path).assign(file=str(path)) for path in files]
    table = pd.concat(frames, ignore_index=True)
    table = table[["file", *[c for c in table.columns if c != "file"]]].round({"probability": 6})
    if out is None:
        click.echo(table.to_csv(index=False), nl=False)
        return
    from grukit._io import atomic_write

    atomic_write(out, lambda tmp: table.to_csv(tmp, index=False))
    click.echo(f"predictions: {out}")
    for path, frame in zip(files, frames):
        if "true_label" in frame:
            hits = int((frame["label"].astype(str) == frame["true_label"].astype(str)).sum())
            click.echo(f"accuracy on {path}: {hits / len(frame):.4g} ({hits}/{len(frame)})")


classify.add_command(tune_command("classify", ClassifyConfig, TrainConfig))
