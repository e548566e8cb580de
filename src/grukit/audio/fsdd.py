"""Spoken-digit folders: files named ``{digit}_{speaker}_{index}.wav``, the FSDD official split, features + labels.

The Free Spoken Digit Dataset (Jakobovski/free-spoken-digit-dataset) names every recording
``{digit}_{speaker}_{index}.wav``, e.g. ``7_jackson_3.wav``, and its README fixes the split:
recordings numbered 0-4 are the test set, the rest the training set. A validation set, when wanted,
comes out of the training part (``val_indices``), never out of the test set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np

from grukit.audio.features import FeatureConfig, extract, fit_feature_scaler
from grukit.data.scaling import StandardScaler
from grukit.errors import DataError

__all__ = ["OFFICIAL_TEST_INDICES", "NAME_PATTERN", "ClipName", "DigitClips", "SpokenDigits",
           "is_clip_name", "parse_name", "official_split", "list_clips", "load_clips", "load_spoken_digits"]

OFFICIAL_TEST_INDICES = range(0, 5)  # FSDD README: "Recordings numbered 0-4 (inclusive) are in the test"
NAME_PATTERN = "{digit}_{speaker}_{index}.wav"
_NAME = re.compile(r"(?P<digit>[0-9])_(?P<speaker>[A-Za-z0-9-]+)_(?P<index>[0-9]+)\.wav")


class ClipName(NamedTuple):
    """What a file name says: ``7_jackson_3.wav`` -> digit 7, speaker "jackson", index 3."""

    digit: int  # the spoken digit, 0-9: the label
    speaker: str  # who speaks
    index: int  # the take number; 0-4 are the official test set
    path: Path  # the file


@dataclass
class DigitClips:
    """N clips as features and labels, in file-name order (digit, speaker, index)."""

    features: list[np.ndarray]  # N arrays (T_i, C) float32; T_i varies with the clip's length
    labels: np.ndarray  # (N,) int64, the digits 0-9
    speakers: list[str]  # N speaker names
    indices: np.ndarray  # (N,) int64, the take numbers from the file names
    paths: list[Path]  # N files

    def __len__(self) -> int:
        return len(self.features)

    def select(self, mask: np.ndarray) -> DigitClips:
        """The clips where the boolean ``mask`` (N,) is True, e.g. ``clips.select(clips.indices >= 8)``."""
        keep = np.flatnonzero(np.asarray(mask, dtype=bool))
        return DigitClips(features=[self.features[i] for i in keep], labels=self.labels[keep],
                          speakers=[self.speakers[i] for i in keep], indices=self.indices[keep],
                          paths=[self.paths[i] for i in keep])


class SpokenDigits(NamedTuple):
    """What :func:`load_spoken_digits` returns: the official split, scaled with the training statistics."""

    train: DigitClips  # index not in 0-4 and not in val_indices
    val: DigitClips | None  # index in val_indices (taken from the training part); None without val_indices
    test: DigitClips  # index 0-4: the official test set
    scaler: StandardScaler | None  # per-coefficient scaler fitted on train only; None when config.normalize is off


def parse_name(path: str | Path) -> ClipName:
    """Read digit, speaker and index from a file name ``{digit}_{speaker}_{index}.wav``.

    Example:
        >>> parse_name("recordings/7_jackson_3.wav")[:3]
        (7, 'jackson', 3)
    """
    path = Path(path)
    match = _NAME.fullmatch(path.name)
    if match is None:
        raise DataError(f"{path}: file name does not match {NAME_PATTERN} (e.g. 7_jackson_3.wav); "
                        f"rename the file or move it out of the folder.")
    return ClipName(int(match["digit"]), match["speaker"], int(match["index"]), path)


def is_clip_name(name: str) -> bool:
    """True for a file name of the form ``{digit}_{speaker}_{index}.wav``.

    Example:
        >>> is_clip_name("7_jackson_3.wav"), is_clip_name("yes.wav")
        (True, False)
    """
    return _NAME.fullmatch(name) is not None


def official_split(index: int) -> Literal["train", "test"]:
    """FSDD's official split of a take number: "test" for 0-4, "train" otherwise."""
    return "test" if index in OFFICIAL_TEST_INDICES else "train"


def list_clips(folder: str | Path) -> list[ClipName]:
    """Every ``*.wav`` file of ``folder`` (not its subfolders), parsed and sorted by (digit, speaker, index).

    Files with another extension are ignored; a ``.wav`` file with a name that does not match
    ``{digit}_{speaker}_{index}.wav`` is an error.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder; pass the folder that holds the {NAME_PATTERN} files.")
    wavs = [p for p in folder.iterdir() if p.suffix.lower() == ".wav" and p.is_file()]
    if not wavs:
        raise DataError(f"{folder}: no .wav files; expected files named {NAME_PATTERN}, e.g. 7_jackson_3.wav.")
    return sorted((parse_name(p) for p in wavs), key=lambda c: (c.digit, c.speaker, c.index))


def load_clips(clips: Sequence[ClipName], config: FeatureConfig,
               scaler: StandardScaler | None = None) -> DigitClips:
    """Extract the features of each clip (:func:`~grukit.audio.features.extract`) with its label and speaker."""
    return DigitClips(
        features=[extract(c.path, config, scaler) for c in clips],
        labels=np.array([c.digit for c in clips], dtype=np.int64),
        speakers=[c.speaker for c in clips],
        indices=np.array([c.index for c in clips], dtype=np.int64),
        paths=[c.path for c in clips],
    )


def load_spoken_digits(folder: str | Path, config: FeatureConfig,
                       val_indices: Sequence[int] = ()) -> SpokenDigits:
    """A folder of ``{digit}_{speaker}_{index}.wav`` files as train / val / test features and labels.

    The official split puts indices 0-4 in test; ``val_indices`` (e.g. ``(5, 6, 7)``) moves those
    takes out of the training part into val. With ``config.normalize`` each coefficient is scaled
    z = (f - mean) / std with statistics from the train clips only, and the scaler is returned to
    be saved with the model and applied at prediction time.

    Example:
        >>> data = load_spoken_digits("recordings", FeatureConfig(), val_indices=(5, 6, 7))
        >>> len(data.train), len(data.val), len(data.test)       # the 1,800-file FSDD subset
        (1320, 180, 300)
    """
    bad = sorted(set(val_indices) & set(OFFICIAL_TEST_INDICES))
    if bad:
        raise DataError(f"val_indices {bad} are in the official test set (indices 0-4); "
                        f"take validation clips from the training part, e.g. val_indices=(5, 6, 7).")
    clips = list_clips(folder)
    for part, wanted in (("test", True), ("train", False)):
        if not any((c.index in OFFICIAL_TEST_INDICES) == wanted for c in clips):
            kind = "0-4" if wanted else "5 or more"
            raise DataError(f"{folder}: no {part} recordings (index {kind}); the official split needs "
                            f"files with index 0-4 for test and 5 or more for training.")
    data = load_clips(clips, config)
    is_test = np.isin(data.indices, OFFICIAL_TEST_INDICES)
    is_val = np.isin(data.indices, list(val_indices)) & ~is_test
    train = data.select(~is_test & ~is_val)
    if len(train) == 0:
        raise DataError(f"{folder}: val_indices {sorted(val_indices)} leave no training recordings; "
                        f"keep some indices of 5 or more for training.")
    scaler = fit_feature_scaler(train.features) if config.normalize else None
    parts = [train, data.select(is_val) if len(val_indices) else None, data.select(is_test)]
    if scaler is not None:
        parts = [None if p is None else _scaled(p, scaler) for p in parts]
    return SpokenDigits(*parts, scaler)


def _scaled(clips: DigitClips, scaler: StandardScaler) -> DigitClips:
    """The same clips with every (T_i, C) feature array scaled by ``scaler``."""
    features = [scaler.transform(f).astype(np.float32) for f in clips.features]
    return DigitClips(features, clips.labels, clips.speakers, clips.indices, clips.paths)
