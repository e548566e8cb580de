"""``grukit detect train | score``."""

from __future__ import annotations

from pathlib import Path

import click

from grukit.cli._train import train_options, train_run
from grukit.cli.tune import tune_command
from grukit.detect.config import TRAIN_DEFAULTS, DetectConfig
from grukit.train.config import TrainConfig

DATA = click.argument("data", required=False, type=click.Path(dir_okay=False, path_type=Path))


@click.group()
def detect() -> None:
    """Detect anomalies in a time series with a GRU: train, score.

    DATA is a CSV or Parquet file with a time column and a value column (NAB's timestamp,value as
    is), scored row by row in file order. Without DATA the bundled NAB series named by --dataset is
    used (nyc_taxi by default; also machine_temperature, ec2_request_latency, ambient_temperature),
    with its label windows.
    """


WINDOWS = click.option(
    "--windows", "windows_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Label windows (JSON list of [start, end] pairs, or NAB's combined_windows.json) to evaluate the flags "
         "against: window precision/recall/F1 and the NAB score.")


@detect.command()
@DATA
@train_options(DetectConfig, TrainConfig, defaults=TRAIN_DEFAULTS, extra=(WINDOWS,),
               writes="model.safetensors, config.json, metrics.json, scores.csv, plots/, report.html, metrics.csv")
def train(data: Path | None, out: Path | None, resume: bool, force: bool, windows_file: Path | None,
          options: dict) -> None:
    """Train on the clean stretch of DATA, set the threshold, score every row and save everything under --out.

    The clean stretch is the first train_fraction of the rows, at most train_max_rows (by default
    NAB's probationary period: 15%, at most 750 rows), or the rows before train_end; its last
    val_fraction is held out for early stopping and the threshold. Training defaults for
    detection: epochs 40, batch_size 32, lr 0.003, patience 8.
    """
    from grukit.detect import GRUAnomalyDetector
    from grukit.detect.outputs import detection_metrics, write_run

    detector = GRUAnomalyDetector(**options)
    stream = detector.read(data)  # bad data fails here, before any training
    windows = _windows(detector, data, stream, windows_file)

    def finish(fitted, folder: Path | None) -> str:
        if folder is None:
            return _summary(detection_metrics(fitted, fitted.score_frame(data), windows))
        return _summary(write_run(fitted, data, folder, windows))

    train_run(out, resume, force, lambda folder, again: detector.fit(data, out=folder, resume=again), finish)


@detect.command()
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The --out folder of a training run.")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the scores here (.csv, or .parquet); without it the CSV goes to standard output.")
@click.option("--stream", is_flag=True,
              help="Read DATA (a CSV, or - for standard input) a few rows at a time and write each row's score "
                   "before reading on, carrying the detector's state; the scores equal the batch ones.")
@click.option("--chunk-rows", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --stream: rows read and scored per step.")
def score(model_dir: Path, data: Path, out: Path | None, stream: bool, chunk_rows: int) -> None:
    """Score every row of DATA: the CSV has the time, the values, score, flagged (score >= threshold) and alarm."""
    from grukit.detect import GRUAnomalyDetector
    from grukit.forecast.outputs import write_table

    detector = GRUAnomalyDetector.load(model_dir)
    if stream:
        _score_stream(detector, data, out, chunk_rows)
        return
    frame = detector.score_frame(data)
    if out is None:
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        write_table(frame, out)
        click.echo(f"scores: {out} ({int(frame['flagged'].sum())} of {len(frame)} rows flagged)")


def _score_stream(detector, data: Path, out: Path | None, chunk_rows: int) -> None:
    """``score --stream``: chunks of ``chunk_rows`` rows through a DetectorStream, each written as it is scored."""
    import sys

    import pandas as pd

    from grukit._io import atomic_write
    from grukit.detect.live import DetectorStream

    if out is not None and out.suffix.lower() != ".csv":
        raise click.UsageError(f"--stream writes CSV; got --out {out}. Give a .csv path, or leave --stream out "
                               f"for Parquet.")
    live, counts = DetectorStream(detector), {"rows": 0, "flagged": 0}

    def write(handle) -> None:
        source = sys.stdin if str(data) == "-" else data
        for i, chunk in enumerate(pd.read_csv(source, chunksize=chunk_rows)):
            frame = live.update(chunk)
            handle.write(frame.to_csv(index=False, header=i == 0))
            handle.flush()
            counts["rows"] += len(frame)
            counts["flagged"] += int(frame["flagged"].sum())

    if out is None:
        write(click.get_text_stream("stdout"))
        return

    def write_file(tmp: str) -> None:
        with open(tmp, "w", newline="") as handle:
            write(handle)

    atomic_write(out, write_file)
    click.echo(f"scores: {out} ({counts['flagged']} of {counts['rows']} rows flagged)")


def _windows(detector, data: Path | None, stream, windows_file: Path | None):
    """Label windows as row ranges: from --windows, or the bundled NAB series' own; None when unknown."""
    from grukit.detect.detector import DEFAULT_DATASET
    from grukit.detect.nab import NAB_FILES, nab_windows, window_rows

    bundled = detector.configs()[0].dataset or DEFAULT_DATASET
    if windows_file is not None:
        from grukit.detect.labels import read_windows

        return read_windows(windows_file, stream, NAB_FILES[bundled] if data is None else str(data))
    if data is None:
        return window_rows(stream.time, nab_windows(bundled))
    return None


def _summary(metrics: dict) -> str:
    flagged = metrics["flagged"]
    lines = [f"threshold {metrics['threshold']:.4g} ({metrics['validation']['threshold_rule']}); after the clean "
             f"stretch {flagged['steps']} steps flagged in {flagged['stretches']} stretches, "
             f"{flagged['alarms']} alarms"]
    if "windows" in metrics:
        w, nab = metrics["windows"], metrics["nab"]["standard"]
        lines.append(f"windows: {w['detected_windows']} of {w['windows']} detected, {w['false_stretches']} false-alarm "
                     f"stretches; precision {w['precision']:.3f}, recall {w['recall']:.3f}, F1 {w['f1']:.3f}")
        lines.append(f"NAB standard (raw): {nab['alarms']:.3f} on the alarms, "
                     f"{nab['every_flagged_step']:.3f} with every flagged step (null {nab['null']:g}, "
                     f"perfect {nab['perfect']:g})")
    return "\n".join(lines)


detect.add_command(tune_command("detect", DetectConfig, TrainConfig))
