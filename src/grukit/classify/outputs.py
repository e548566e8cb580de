"""What ``grukit classify train --out DIR`` leaves in DIR, besides the training log and checkpoints.

model.safetensors, config.json, metrics.json, report.html, plots/confusion.png and plots/loss.png;
each written atomically.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from grukit._io import atomic_write_text
from grukit.classify.report import plot_confusion, write_classification_report
from grukit.evaluate import plot_loss

__all__ = ["write_run"]


def write_run(model, out: Path, metrics: dict) -> Path:
    """Write every artifact of a fitted classifier and its scores into ``out``; returns the report's path."""
    out = Path(out)
    model.save(out)
    document = {**metrics, "split": model.split_}
    atomic_write_text(out / "metrics.json", json.dumps(document, indent=2) + "\n")
    part = metrics.get("part", "test")
    confusion = plot_confusion(out / "plots" / "confusion.png", metrics["confusion_matrix"], metrics["classes"],
                               title=f"{part}: {Path(metrics['data']).name}")
    plots = {f"Confusion matrix ({part})": confusion}
    if model.history_:
        plots["Training and validation loss"] = plot_loss(out / "plots" / "loss.png", model.history_)
    split = {key: value for key, value in model.split_.items() if key != "data"}
    details = {"data": {"train": model.split_["data"], part: metrics["data"]}, "split": split,
               "classify": dataclasses.asdict(model.config_), "train": dataclasses.asdict(model.train_config_)}
    title = f"grukit classify: {Path(model.split_['data']).name}, {len(model.classes_)} classes"
    return write_classification_report(out / "report.html", metrics, plots, title, details)
