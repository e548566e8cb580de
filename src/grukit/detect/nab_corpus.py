"""A NAB corpus on disk, in numenta/NAB's folder layout: its files, label windows and published results.

    ROOT/data/<group>/<file>.csv                                  timestamp,value (58 files in NAB v1.1)
    ROOT/labels/combined_windows.json                             {"<group>/<file>.csv": [[start, end], ...]}
    ROOT/results/<detector>/<detector>_<profile>_scores.csv       published raw score per file, then a Totals row
    ROOT/results/<detector>/<group>/<detector>_<file>.csv[.gz]    a detector's anomaly score at each row
    ROOT/results/final_results.json                               published normalized scores

A clone of github.com/numenta/NAB has this layout. Files are named as in the labels,
"<group>/<file>.csv", and read in file order (NAB's rule: row i is step i).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from grukit.detect.nab import window_rows
from grukit.errors import DataError

__all__ = ["NabCorpus"]


class NabCorpus:
    """The NAB corpus under ``root``: ``files``, ``read(name)``, ``windows(name)`` and the published results.

    Example:
        >>> corpus = NabCorpus("NAB")                         # a clone of github.com/numenta/NAB
        >>> name = corpus.files[0]                            # 'artificialNoAnomaly/art_daily_no_noise.csv'
        >>> frame, windows = corpus.read(name), corpus.windows(name)   # windows as inclusive row ranges
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        labels = self.root / "labels" / "combined_windows.json"
        if not (self.root / "data").is_dir() or not labels.is_file():
            raise DataError(f"{self.root} is not a NAB corpus: expected data/<group>/<file>.csv and "
                            f"labels/combined_windows.json inside it; pass the root of a clone of numenta/NAB.")
        self._labels = json.loads(labels.read_text())
        self.files = sorted(self._labels)
        missing = [name for name in self.files if not (self.root / "data" / name).is_file()]
        if missing:
            raise DataError(f"{len(missing)} file(s) named in {labels} are missing from {self.root / 'data'}, "
                            f"e.g. {missing[0]}; restore the corpus or remove them from the labels.")
        self._frames: dict[str, pd.DataFrame] = {}

    def group(self, name: str) -> str:
        """The group of a file: the folder part of its name, e.g. "realKnownCause"."""
        return name.split("/", 1)[0]

    def read(self, name: str) -> pd.DataFrame:
        """The file ``name`` as a DataFrame (timestamp as datetimes, value), rows in file order."""
        if name not in self._frames:
            frame = pd.read_csv(self.root / "data" / self._known(name))
            frame["timestamp"] = pd.to_datetime(frame["timestamp"])
            self._frames[name] = frame
        return self._frames[name]

    def windows(self, name: str) -> list[tuple[int, int]]:
        """The label windows of ``name`` as inclusive row ranges (NAB's rule, see :func:`window_rows`)."""
        limits = [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in self._labels[self._known(name)]]
        return window_rows(self.read(name)["timestamp"], limits) if limits else []

    def published_step_scores(self, detector: str, name: str) -> np.ndarray:
        """``detector``'s published anomaly score at each row of ``name``, (N,) float64."""
        group, file = self._known(name).split("/", 1)
        folder = self.root / "results" / detector / group
        for path in (folder / f"{detector}_{file}", folder / f"{detector}_{file}.gz"):
            if path.is_file():
                scores = pd.read_csv(path)["anomaly_score"].to_numpy(dtype=np.float64)
                if scores.size != len(self.read(name)):
                    raise DataError(f"{path} has {scores.size} scores but {name} has {len(self.read(name))} rows.")
                return scores
        raise DataError(f"no published scores of {detector!r} for {name} in {folder}; expected "
                        f"{detector}_{file} or {detector}_{file}.gz.")

    def published_file_scores(self, detector: str, profile: str) -> pd.DataFrame:
        """``detector``'s published raw scores under ``profile``: one row per file (File, Threshold, Score, ...)."""
        path = self.root / "results" / detector / f"{detector}_{profile}_scores.csv"
        if not path.is_file():
            raise DataError(f"no published scores at {path}; check the detector {detector!r} and the profile "
                            f"{profile!r} (standard, reward_low_FP_rate or reward_low_FN_rate).")
        table = pd.read_csv(path, keep_default_na=False)  # the "null" detector is a name, not a missing value
        table = table[table["Detector"] != "Totals"].reset_index(drop=True)
        numbers = ["Threshold", "Score", "TP", "TN", "FP", "FN", "Total_Count"]
        table[numbers] = table[numbers].apply(pd.to_numeric)
        return table

    def published_normalized(self) -> dict[str, dict[str, float]]:
        """NAB's published normalized scores, ``results/final_results.json``: detector -> profile -> score."""
        return json.loads((self.root / "results" / "final_results.json").read_text())

    def _known(self, name: str) -> str:
        if name not in self._labels:
            raise DataError(f"{name!r} is not a file of the NAB corpus at {self.root}; expected a name like "
                            f"{self.files[0]!r} (see NabCorpus.files).")
        return name
