"""Bundled classification datasets and the options that suit each; no network needed.

    name       train  test  length  channels  classes  origin
    gunpoint      50   150     150         1        2  UCR archive (sktime copy), Dau et al. 2019

The files under ``grukit/data/bundled/<name>/`` are byte-for-byte copies of their origin (see the
``ATTRIBUTION.md`` beside them). Each preset keeps the archive's TRAIN/TEST split: the model is
tuned on a validation part of TRAIN only, and TEST is scored once.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from grukit.errors import DataError

__all__ = ["BUNDLED", "PRESETS", "DEFAULT_DATASET", "bundled_path", "preset_options"]

DEFAULT_DATASET = "gunpoint"

# name -> (train file, test file) under grukit/data/bundled/<name>/
BUNDLED: dict[str, tuple[str, str]] = {
    "gunpoint": ("GunPoint_TRAIN.ts", "GunPoint_TEST.ts"),
}

PRESETS: dict[str, dict] = {
    # Chosen by 5-fold cross-validation on TRAIN alone (TEST never read); the final model then trains on all
    # 50 TRAIN series for the full schedule. UCR series are z-normalised already; segments of 5 steps give
    # the GRU 30 steps to read; Gaussian jitter and dropout regularise the small training set.
    "gunpoint": dict(normalize=False, val_size=0.0, jitter=0.1, hidden_size=128, dropout=0.2, bidirectional=True,
                     pooling="mean", segment_length=5, epochs=300, batch_size=16, lr=3e-3, patience=0),
}


def bundled_path(name: str, part: str) -> Path:
    """The path of a bundled dataset's "train" or "test" file.

    Example:
        >>> bundled_path("gunpoint", "test").name
        'GunPoint_TEST.ts'
    """
    if name not in BUNDLED:
        raise DataError(f"unknown dataset {name!r}; the bundled classification datasets are: "
                        f"{', '.join(BUNDLED)}.")
    if part not in ("train", "test"):
        raise ValueError(f"bundled_path: part must be 'train' or 'test'; got {part!r}.")
    file = BUNDLED[name][0 if part == "train" else 1]
    return Path(str(resources.files("grukit.data").joinpath("bundled", name, file)))


def preset_options(dataset: str, options: dict) -> dict:
    """The dataset's preset overlaid with ``options`` (the user's choices win)."""
    return {**PRESETS.get(dataset, {}), **options}
