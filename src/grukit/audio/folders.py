"""Labelled folders of WAV clips: FSDD's flat layout, one subfolder per label, or train/ and test/ folders.

:func:`load_audio_folder` tells the layout from what the folder holds::

    FSDD (flat)                 one subfolder per label         train/ and test/
    recordings/                 clips/                          clips/
        0_george_0.wav              no/a.wav                        train/no/a.wav
        7_jackson_3.wav             no/b.wav                        train/yes/c.wav
        ...                         yes/c.wav                       test/no/b.wav
                                    yes/d.wav                       test/yes/d.wav

* FSDD: ``.wav`` files at the top, named ``{digit}_{speaker}_{index}.wav``; the labels are the digits
  (ints) and the split is FSDD's official one (takes 0-4 are test), exactly
  :func:`~grukit.audio.fsdd.load_spoken_digits`. Subfolders without ``.wav`` files are ignored.
* One subfolder per label: the labels are the subfolder names (text). There is no official split,
  so each label's files, sorted by their path inside the label folder, are split by name: the last
  ``test_fraction`` of them (20%, rounded to the nearest file, at least one) go to test, the rest
  to train. Every label needs at least 2 files.
* ``train/`` and ``test/``, each with one subfolder per label: those folders are the split. Every
  test label needs a training folder; the training part needs at least two labels.

A label folder's ``.wav`` files are found at any depth (``yes/day1/a.wav`` is a "yes" clip); names
starting with "." (hidden files and folders, macOS ``._*`` files) are skipped, other files ignored.
A validation set, when wanted, comes out of the training part (the classifier's ``val_size``),
never out of test. Every problem is a one-line :class:`~grukit.errors.DataError` that says what
is wrong, what is expected and how to fix it.

Example:
    >>> data = load_audio_folder("clips", FeatureConfig())
    >>> print(data.read_back)                                    # one line, wrapped here
    clips: one subfolder per label, 2 labels (no: 5, yes: 5 files); split by name: train 8, test 2 (the last
    20% of each label)
    >>> data.train.labels[:2], data.train.features[0].shape        # ['no', 'no'], (T, 13)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np

from grukit.audio.features import FeatureConfig, extract, fit_feature_scaler
from grukit.audio.fsdd import NAME_PATTERN, is_clip_name, load_spoken_digits
from grukit.data.scaling import StandardScaler
from grukit.errors import ConfigError, DataError

__all__ = ["TEST_FRACTION", "Layout", "LabelledClips", "AudioFolder", "find_layout", "load_audio_folder"]

TEST_FRACTION = 0.2  # the share of each label's files (the last by name) that goes to test in the split by name
Layout = Literal["fsdd", "labels", "train-test"]
_EXAMPLE = "one subfolder per label (e.g. yes/a.wav, no/b.wav)"


@dataclass
class LabelledClips:
    """N clips as features and labels: by label, then by file path (FSDD: by digit, speaker, take)."""

    features: list[np.ndarray]  # N arrays (T_i, C) float32; T_i varies with the clip's length
    labels: list  # N labels: str (the label folder's name) or int (the FSDD digit)
    paths: list[Path]  # N files

    def __len__(self) -> int:
        return len(self.features)


class AudioFolder(NamedTuple):
    """What :func:`load_audio_folder` returns."""

    train: LabelledClips
    test: LabelledClips
    scaler: StandardScaler | None  # per-coefficient scaler fitted on train only; None when config.normalize is off
    layout: Layout  # "fsdd", "labels" (one subfolder per label, split by name) or "train-test"
    read_back: str  # one line: the folder, its layout, the labels with their file counts, the split sizes


def find_layout(folder: str | Path) -> Layout:
    """The layout of ``folder`` (see the module docstring), or a one-line DataError when it has none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder; pass a folder of .wav clips: {_EXAMPLE}, or FSDD's "
                        f"{NAME_PATTERN} files.")
    top = _wavs_in(folder)
    holding = [d for d in _subfolders(folder) if _wavs_under(d)]
    if top and holding:
        raise DataError(f"{folder}: .wav files at the top level ({_some(f.name for f in top)}) mixed with label "
                        f"folders ({_some(d.name + '/' for d in holding)}); move every top-level .wav file into "
                        f"its label's folder, or keep a flat folder of {NAME_PATTERN} files without label folders.")
    if top:
        if not any(is_clip_name(f.name) for f in top):
            raise DataError(f"{folder}: the .wav files at the top level ({_some(f.name for f in top)}) are not "
                            f"named {NAME_PATTERN} (e.g. 7_jackson_3.wav), so their labels are unknown; put the "
                            f"clips in {_EXAMPLE}.")
        return "fsdd"
    names = {d.name for d in _subfolders(folder)}
    if "train" in names or "test" in names:
        have, lack = ("train", "test") if "train" in names else ("test", "train")
        if lack not in names:
            raise DataError(f"{folder}: has {have}/ but no {lack}/; add {lack}/ with one subfolder per label "
                            f"like {have}/, or put the label folders at the top level (e.g. yes/a.wav, no/b.wav) "
                            f"to split each label's files by name.")
        return "train-test"
    if not holding:
        raise DataError(f"{folder}: no .wav files in it or its subfolders; pass a folder of .wav clips: "
                        f"{_EXAMPLE}, or FSDD's {NAME_PATTERN} files.")
    return "labels"


def load_audio_folder(folder: str | Path, config: FeatureConfig,
                      test_fraction: float = TEST_FRACTION) -> AudioFolder:
    """A labelled folder of ``.wav`` clips (any layout of the module docstring) as train / test features.

    With ``config.normalize`` each coefficient is scaled z = (f - mean) / std with statistics from
    the train clips only, and the scaler is returned to be applied at prediction time.

    Args:
        folder: the folder; :func:`find_layout` tells its layout.
        config: how a clip becomes a (T, C) feature matrix.
        test_fraction: in the one-subfolder-per-label layout, the share of each label's files (the
            last by name, rounded to the nearest file, at least one) that goes to test.

    Returns:
        :class:`AudioFolder`: train and test clips, the scaler, the layout and the read-back line.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError(f"test_fraction must be between 0 and 1 (exclusive); got {test_fraction!r}; "
                          f"e.g. 0.2 puts the last 20% of each label's files in test.")
    folder = Path(folder)
    layout = find_layout(folder)
    if layout == "fsdd":
        return _fsdd(folder, config)
    if layout == "labels":
        files = _label_files(folder)
        for label, paths in files.items():
            if len(paths) < 2:
                raise DataError(f"{folder / label}: label {label!r} has {len(paths)} .wav file; splitting each "
                                f"label's files by name needs at least 2 per label (the last "
                                f"{test_fraction:.0%}, at least 1, go to test); add clips to {label}/, or give "
                                f"{folder} train/ and test/ folders with one subfolder per label.")
        cut = {label: len(p) - _test_count(len(p), test_fraction) for label, p in files.items()}
        train_files = {label: p[:cut[label]] for label, p in files.items()}
        test_files = {label: p[cut[label]:] for label, p in files.items()}
        counts = ", ".join(f"{label}: {len(p)}" for label, p in files.items())
        how = (f"one subfolder per label, {_count(files)} ({counts} files); split by name: "
               f"train {_total(train_files)}, test {_total(test_files)} (the last {test_fraction:.0%} of each label)")
    else:
        _check_other_folders(folder)
        train_files = _label_files(folder / "train")
        test_files = _label_files(folder / "test", one_label_ok=True)
        missing = [label for label in test_files if label not in train_files]
        if missing:
            raise DataError(f"{folder / 'test' / missing[0]}: label {missing[0]!r} has no training folder "
                            f"{folder / 'train' / missing[0]}; add train/{missing[0]}/ with its training clips, "
                            f"or move test/{missing[0]}/ out of {folder}.")
        counts = ", ".join(f"{label}: {len(p)} + {len(test_files.get(label, []))}"
                           for label, p in train_files.items())
        how = (f"train/ and test/ folders, {_count(train_files)} ({counts} files, train + test); "
               f"train {_total(train_files)}, test {_total(test_files)}")
    train, test = _load(train_files, config), _load(test_files, config)
    scaler = None
    if config.normalize:
        scaler = fit_feature_scaler(train.features)
        train, test = _scaled(train, scaler), _scaled(test, scaler)
    return AudioFolder(train, test, scaler, layout, f"{folder}: {how}")


def _test_count(n: int, test_fraction: float) -> int:
    """How many of a label's n >= 2 files go to test: n * test_fraction rounded half up, at least 1, at most n - 1."""
    return min(n - 1, max(1, math.floor(n * test_fraction + 0.5)))


def _fsdd(folder: Path, config: FeatureConfig) -> AudioFolder:
    """The FSDD layout through :func:`load_spoken_digits`: the official split, unchanged."""
    data = load_spoken_digits(folder, config)
    train, test = (LabelledClips(c.features, c.labels.tolist(), c.paths) for c in (data.train, data.test))
    counts: dict[int, int] = {}
    for label in sorted(train.labels + test.labels):
        counts[label] = counts.get(label, 0) + 1
    labels = ", ".join(f"{label}: {n}" for label, n in counts.items())
    line = (f"{folder}: FSDD layout ({NAME_PATTERN}), {_count(counts)} ({labels} files); official split: "
            f"train {len(train)} (takes 5 and up), test {len(test)} (takes 0-4)")
    return AudioFolder(train, test, data.scaler, "fsdd", line)


def _label_files(root: Path, one_label_ok: bool = False) -> dict[str, list[Path]]:
    """{label: its .wav files sorted by path} of a folder with one subfolder per label, checked."""
    top = _wavs_in(root)
    folders = _subfolders(root)
    if top:
        raise DataError(f"{root}: .wav files directly in it ({_some(f.name for f in top)}) have no label; "
                        f"move each into {root}/<label>/, {_EXAMPLE}.")
    files = {d.name: _wavs_under(d) for d in sorted(folders, key=lambda d: d.name)}
    holding = [label for label, paths in files.items() if paths]
    if not holding:
        raise DataError(f"{root}: no .wav files in it or its subfolders; expected {_EXAMPLE}.")
    if len(holding) == 1 and not one_label_ok and any(is_clip_name(p.name) for p in files[holding[0]]):
        raise DataError(f"{root}: one label folder with .wav files ({holding[0]}/); a classifier needs at least "
                        f"two labels, {_EXAMPLE}; for FSDD's {NAME_PATTERN} files, pass {root / holding[0]} itself.")
    for label, paths in files.items():
        if not paths:
            raise DataError(f"{root / label}: label folder {label!r} holds no .wav files; put that label's clips in "
                            f"it, or move the folder out of {root}.")
    if len(holding) == 1 and not one_label_ok:
        raise DataError(f"{root}: one label folder with .wav files ({holding[0]}/); a classifier needs at least "
                        f"two labels, {_EXAMPLE}.")
    return files


def _check_other_folders(folder: Path) -> None:
    """In the train/ and test/ layout, clips in any other folder would be left out: an error."""
    other = [d for d in _subfolders(folder) if d.name not in ("train", "test") and _wavs_under(d)]
    if other:
        raise DataError(f"{folder}: {other[0].name}/ holds .wav files next to train/ and test/; put every clip in "
                        f"train/<label>/ or test/<label>/ (validation comes out of train/), or move "
                        f"{other[0].name}/ out of {folder}.")


def _load(files: dict[str, list[Path]], config: FeatureConfig) -> LabelledClips:
    paths = [p for label in files for p in files[label]]
    labels = [label for label in files for _ in files[label]]
    return LabelledClips([extract(p, config) for p in paths], labels, paths)


def _scaled(clips: LabelledClips, scaler: StandardScaler) -> LabelledClips:
    return LabelledClips([scaler.transform(f).astype(np.float32) for f in clips.features], clips.labels, clips.paths)


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def _wavs_in(folder: Path) -> list[Path]:
    """The visible .wav files directly in ``folder``, sorted by name."""
    return sorted(p for p in folder.iterdir() if _visible(p) and p.suffix.lower() == ".wav" and p.is_file())


def _subfolders(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if _visible(p) and p.is_dir())


def _wavs_under(folder: Path) -> list[Path]:
    """The visible .wav files under ``folder`` at any depth, sorted by their path inside it."""
    found = [p for p in folder.rglob("*") if p.suffix.lower() == ".wav" and p.is_file()
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def _some(names, limit: int = 3) -> str:
    """The first ``limit`` names, and how many more."""
    names = list(names)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _count(labels) -> str:
    return f"{len(labels)} label{'s' if len(labels) != 1 else ''}"


def _total(files: dict[str, list[Path]]) -> int:
    return sum(len(p) for p in files.values())
