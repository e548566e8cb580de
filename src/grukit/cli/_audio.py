"""The audio path of ``grukit classify``: labelled WAV folders in, MFCC sequences to the classifier."""

from __future__ import annotations

from pathlib import Path

from grukit.classify.persistence import FEATURES_FILE
from grukit.errors import ModelFileError

# Options for spoken digits under the user's own: the run measured in BENCHMARKS.md (0.9933 test accuracy on
# FSDD's official split), with the options that were the generic defaults then spelled out (they have changed
# since; see grukit.classify.defaults).
AUDIO_PRESET = {"epochs": 30, "segment_length": 2, "val_size": 0.2, "jitter": 0.0, "hidden_size": 64, "dropout": 0.0,
                "pooling": "attention", "batch_size": 64, "lr": 1e-3, "patience": 10}


def audio_sets(folder: Path, on_read=None):
    """(train, test, feature config): MFCC of a labelled WAV folder (:mod:`grukit.audio.folders`).

    FSDD's flat ``{digit}_{speaker}_{index}.wav`` folder keeps its official split (takes 0-4 are the
    test set); one subfolder per label is split by name per label (the last 20% to test); train/
    and test/ folders are the split. ``on_read``, when given, is called with the read-back line
    (the folder, its layout, the labels with their file counts, the split sizes) before any training.
    """
    from grukit.audio import FeatureConfig, load_audio_folder
    from grukit.classify import from_arrays

    config = FeatureConfig(normalize=False)  # the classifier z-scores its channels on the training part
    clips = load_audio_folder(folder, config)
    if on_read is not None:
        on_read(clips.read_back)
    names = {"fsdd": (f"{folder} (takes 5 and up)", f"{folder} (takes 0-4)"),
             "labels": (f"{folder} (split by name: train)", f"{folder} (split by name: test)"),
             "train-test": (f"{folder} (train folder)", f"{folder} (test folder)")}[clips.layout]
    sets = []
    for part, name in zip((clips.train, clips.test), names):
        data = from_arrays(part.features, part.labels, name=name)
        if clips.layout != "fsdd":  # messages about a clip name its file
            data.where = [str(path) for path in part.paths]
        sets.append(data)
    return sets[0], sets[1], config


def predict_wavs(model, model_dir: Path, files):
    """(path, label, probability) for each WAV file, with the features the model was trained on."""
    from grukit.audio import extract

    if model.feature_config_ is None:
        raise ModelFileError(f"{model_dir} was not trained on audio (no {FEATURES_FILE}); train it with "
                             f"`grukit classify train --audio DIR`, or pass .ts/.csv files.")
    features = [extract(file, model.feature_config_) for file in files]
    proba = model.predict_proba(features)  # (N, J)
    best = proba.argmax(axis=1)
    return [(file, model.classes_[k], float(proba[i, k])) for i, (file, k) in enumerate(zip(files, best))]
