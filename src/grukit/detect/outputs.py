"""What ``grukit detect train --out DIR`` leaves in DIR, all or nothing.

model.safetensors, config.json, metrics.json, scores.csv (time, values, score, flagged, alarm),
plots/scores.png, plots/loss.png and report.html. They are written into a temporary folder beside
DIR that replaces DIR's files only when every one is written, so a failure leaves no partial output.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from grukit._io import atomic_write_text
from grukit.detect.evaluation import evaluate_flags
from grukit.detect.report import plot_scores, write_detect_report
from grukit.evaluate import plot_loss
from grukit.forecast.outputs import write_table

__all__ = ["detection_metrics", "write_run"]


def detection_metrics(detector, frame, windows) -> dict:
    """metrics.json's content: the threshold and how it was set, flag counts, and label metrics when known."""
    metrics = {"method": detector.config_.method, "data": detector.data_name_, "rows": int(len(frame)),
               "threshold": detector.threshold_, "clean_stretch": detector.clean_,
               "validation": detector.validation_, "training": detector.training_}
    metrics.update(evaluate_flags(frame["flagged"].to_numpy(), windows, start=detector.clean_["rows"],
                                  rest_period=detector.config_.rest_steps(), scores=frame["score"].to_numpy()))
    return metrics


def write_run(detector, data, out: Path, windows=None) -> dict:
    """Score ``data`` with a fitted detector and write every artifact into the folder ``out``; returns the metrics.

    The command line calls it inside :func:`grukit._io.run_folder`, so a failed run leaves nothing.
    """
    frame = detector.score_frame(data)
    metrics = detection_metrics(detector, frame, windows)
    stream = detector.read(data)
    out = Path(out)
    detector.save(out)
    atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=2) + "\n")
    write_table(frame, out / "scores.csv")
    plots = {"Anomaly scores: flagged stretches in red, label windows in green": plot_scores(
        out / "plots" / "scores.png", stream.time, stream.values, frame["score"].to_numpy(),
        detector.threshold_, frame["flagged"].to_numpy(), windows,
        title=f"{stream.stem}: {detector.config_.method} scores", alarms=frame["alarm"].to_numpy(),
        clean_rows=detector.clean_["rows"])}
    if detector.history_:
        plots["Training and validation loss"] = plot_loss(out / "plots" / "loss.png", detector.history_)
    details = {"data": stream.name, "detect": dataclasses.asdict(detector.config_),
               "train": dataclasses.asdict(detector.train_config_)}
    title = f"grukit detect: {stream.stem}, {detector.config_.method}"
    write_detect_report(out / "report.html", metrics, plots, title, details)
    return metrics
