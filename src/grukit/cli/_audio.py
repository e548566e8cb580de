"""The spoken-digit path of ``grukit classify``: WAV folders in, MFCC sequences to the classifier."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from grukit._io import atomic_write_text
from grukit.errors import ModelFileError

FEATURES_FILE = "audio_features.json"
# Options for spoken digits under the user's own (BENCHMARKS.md: 0.9933 test accuracy on FSDD's official split).
AUDIO_PRESET = {"epochs": 30, "segment_length": 2}


def audio_sets(folder: Path):
    """(train, test, feature config): MFCC of the official FSDD split (takes 0-4 are the test set)."""
    from grukit.audio import FeatureConfig, load_spoken_digits
    from grukit.classify import from_arrays

    config = FeatureConfig(normalize=False)  # the classifier z-scores its channels on the training part
    clips = load_spoken_digits(folder, config)
    train = from_arrays(clips.train.features, clips.train.labels, name=f"{folder} (takes 5 and up)")
    test = from_arrays(clips.test.features, clips.test.labels, name=f"{folder} (takes 0-4)")
    return train, test, config


def save_feature_config(folder: Path, config) -> None:
    atomic_write_text(Path(folder) / FEATURES_FILE, json.dumps(dataclasses.asdict(config), indent=2) + "\n")


def predict_wavs(model, model_dir: Path, files):
    """(path, label, probability) for each WAV file, with the features the model was trained on."""
    from grukit.audio import FeatureConfig, extract
    from grukit.train import config_from_dict

    path = Path(model_dir) / FEATURES_FILE
    if not path.is_file():
        raise ModelFileError(f"{model_dir} was not trained on audio (no {FEATURES_FILE}); train it with "
                             f"`grukit classify train --audio DIR`, or pass .ts/.csv files.")
    config = config_from_dict(FeatureConfig, json.loads(path.read_text()))
    features = [extract(file, config) for file in files]
    proba = model.predict_proba(features)  # (N, K)
    best = proba.argmax(axis=1)
    return [(file, model.classes_[k], float(proba[i, k])) for i, (file, k) in enumerate(zip(files, best))]
