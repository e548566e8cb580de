"""``GRUClassifier``: sequence classification on the scikit-learn estimator contract."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from grukit.classify.config import ClassifyConfig
from grukit.classify.data import SequenceSet, check_sequences, from_arrays, read_sequences
from grukit.classify.datasets import DEFAULT_DATASET, bundled_path, preset_options
from grukit.classify.defaults import TRAIN_DEFAULTS, default_epochs, segment_length_for
from grukit.classify.labels import encode_labels, sorted_classes
from grukit.classify.network import build_net
from grukit.errors import DataError
from grukit.estimator import Estimator

__all__ = ["GRUClassifier", "build_net"]


class GRUClassifier(Estimator):
    """Classify whole sequences with a GRU: one label per sequence.

    Follows scikit-learn's contract: ``__init__`` only stores its options, ``fit`` checks them,
    trains and returns ``self``; learned state ends in ``_`` (``classes_``, ``net_``, ...).
    Options are the fields of :class:`ClassifyConfig` (data, model) and
    :class:`grukit.train.TrainConfig` (training). Data ``X`` is a ``.ts`` or ``.csv`` path (labels
    inside), a :class:`SequenceSet`, or arrays (N, T) / (N, T, C) / a list of (T, C) with labels ``y``.

    Example:
        >>> from grukit.classify import GRUClassifier, bundled_path
        >>> model = GRUClassifier(epochs=100).fit()            # bundled GunPoint TRAIN, its preset
        >>> model.score(bundled_path("gunpoint", "test"))      # accuracy on GunPoint TEST
        >>> model.predict_proba(X).shape                       # (N, J), rows sum to 1
        >>> model.save("runs/gunpoint"); model = GRUClassifier.load("runs/gunpoint")
    """

    PERSISTENCE = "grukit.classify.persistence"
    CONFIG = ClassifyConfig
    TUNE_OPTIONS = (("val_size", 0.2),)  # no hold-out by default; a search scores each trial on 20 % of TRAIN
    FIT_CALL = "fit(X, y)"
    TRAIN_DEFAULTS = TRAIN_DEFAULTS

    def _options(self, X) -> dict:
        """The flat options in force for ``configs(X)``: without ``X`` the bundled dataset's preset fills in."""
        if X is not None:
            return super()._options(X)
        name = self.options.get("dataset") or DEFAULT_DATASET
        return {**self.TRAIN_DEFAULTS, **preset_options(name, {**self._given(), "dataset": name})}

    # ----------------------------------------------------------------- training
    def fit(self, X=None, y=None, *, out: str | Path | None = None, resume: bool = False,
            callbacks=()) -> "GRUClassifier":
        """Train on X (None: the bundled dataset's TRAIN file), holding out ``val_size`` of it for validation.

        ``out``: a folder for the training log (metrics.csv) and per-epoch checkpoints; ``resume``
        continues from its last checkpoint; ``callbacks`` go to :func:`grukit.train.fit`. Returns ``self``.
        """
        from grukit.classify.training import (
            balanced_class_weights, check_trainable, cross_entropy_loss, stratified_split, tensor_dataset)
        from grukit.data import StandardScaler
        from grukit.train import fit, seed_everything
        from grukit.train.checkpoint import digest

        config, train_config = self.configs(X)
        data = self.read(X, y, config, labelled=True)
        classes = sorted_classes(data.labels, data.name)
        codes = encode_labels(data.labels, classes, data.locate)
        check_trainable(data, classes)
        train_index, val_index = stratified_split(codes, config.val_size, train_config.seed)
        train_part = data.subset(train_index)
        if not config.segment_length:  # from the data (grukit.classify.defaults)
            config.segment_length = segment_length_for(max(len(s) for s in train_part.sequences))
        if "epochs" not in self._options(X):  # neither the user nor a bundled dataset's preset set them
            train_config.epochs = default_epochs(len(train_index), train_config.batch_size)
        scaler = StandardScaler().fit(np.concatenate(train_part.sequences)) if config.normalize else None
        weights = None
        if config.class_weights == "balanced":
            weights = balanced_class_weights(codes[train_index], len(classes))
        seed_everything(train_config.seed)
        net = build_net(config, data.num_channels, len(classes))
        train_set = tensor_dataset(train_part, codes[train_index], scaler)
        val_set = tensor_dataset(data.subset(val_index), codes[val_index], scaler) if len(val_index) else None
        fingerprint = {"data": digest(data.sequences, codes, train_index, val_index),
                       "options": dataclasses.asdict(config)}
        result = fit(net, cross_entropy_loss(weights, config.jitter), train_set, val_set, train_config, out_dir=out,
                     resume=resume, callbacks=callbacks, fingerprint=fingerprint)
        self.config_, self.train_config_, self.net_ = config, train_config, net.cpu().eval()
        self.classes_ = np.asarray(classes)
        self.n_features_in_ = data.num_channels
        self.scaler_ = scaler
        self.history_ = result.history
        self.split_ = {"data": data.name, "train": int(len(train_index)), "validation": int(len(val_index)),
                       "stratified": True, "seed": train_config.seed}
        self.baseline_reference_ = (train_part.sequences, codes[train_index])  # in memory only: not saved
        self.feature_config_ = None  # the audio front end's FeatureConfig, set by whoever made the features
        self.validation_metrics_ = self.evaluate(data.subset(val_index)) if len(val_index) else None
        return self

    def read(self, X, y=None, config: ClassifyConfig | None = None, *, labelled: bool = False) -> SequenceSet:
        """X as a checked SequenceSet: a path, a SequenceSet, arrays (+ y), or None for the bundled TRAIN file."""
        config = config or getattr(self, "config_", None) or ClassifyConfig()
        if X is None:
            X = bundled_path(config.dataset or DEFAULT_DATASET, "train")
        if isinstance(X, (str, Path, SequenceSet)):
            if y is not None:
                raise DataError("y must be None when X is a file or a SequenceSet, which carry their own labels.")
            data = read_sequences(X, label_col=config.label_col, id_col=config.id_col, time_col=config.time_col,
                                  layout=config.layout)
        else:
            data = from_arrays(X, y)
        return check_sequences(data, labelled=labelled)

    # ----------------------------------------------------------------- inference
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (N, J), columns in the order of ``classes_``; rows sum to 1."""
        self._check_fitted()
        return self._proba(self._read_for_inference(X, None))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sequence: (N,) values of ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def prediction_table(self, X, y=None):
        """A pandas DataFrame, one row per sequence: id, label (predicted), probability (of that label),
        and true_label when X carries labels (which must be classes of the model)."""
        import pandas as pd

        self._check_fitted()
        data = self._read_for_inference(X, y)
        proba = self._proba(data)  # (N, J)
        best = proba.argmax(axis=1)
        frame = pd.DataFrame({"id": data.ids, "label": self.classes_[best],
                              "probability": proba[np.arange(len(best)), best]})
        if data.labels is not None:
            frame["true_label"] = data.labels
        return frame

    def score(self, X, y=None) -> float:
        """Accuracy on labelled data: the share of sequences whose predicted class is the true one."""
        return self.evaluate(X, y)["accuracy"]

    def evaluate(self, X, y=None) -> dict:
        """Accuracy, macro F1, confusion matrix and per-class scores on labelled data (metrics.json's content).

        Right after ``fit`` (not on a loaded model) it adds ``baselines``: the accuracy of the
        majority class and of 1-nearest-neighbour (:mod:`grukit.classify.baselines`), both fitted on
        the same training part as the model.
        """
        from grukit.classify.baselines import majority_class, nearest_neighbour
        from grukit.classify.evaluation import classification_metrics

        self._check_fitted()
        data = self._read_for_inference(X, y)
        if data.labels is None:
            raise DataError(f"{data.name} has no class labels; scoring needs the true label of every sequence.")
        truth = encode_labels(data.labels, self.classes_.tolist(), data.locate)
        predicted = self._proba(data).argmax(axis=1)
        metrics = {"data": data.name, **classification_metrics(truth, predicted, self.classes_.tolist())}
        reference = getattr(self, "baseline_reference_", None)
        if reference is not None:
            sequences, codes = reference
            metrics["baselines"] = {
                "majority class": float(np.mean(majority_class(codes, len(truth)) == truth)),
                "1-NN Euclidean": float(np.mean(nearest_neighbour(sequences, codes, data.sequences) == truth)),
            }
        return metrics

    def _read_for_inference(self, X, y) -> SequenceSet:
        """Read X like the training data; labels, when present, must be known classes."""
        data = self.read(X, y, self.config_)
        if data.num_channels != self.n_features_in_:
            raise DataError(f"{data.name} has {data.num_channels} channel{'s' if data.num_channels != 1 else ''} "
                            f"per step but the model was trained on {self.n_features_in_}; pass data with the "
                            f"training channels.")
        if data.labels is not None:
            encode_labels(data.labels, self.classes_.tolist(), data.locate)
        return data

    def _proba(self, data: SequenceSet, batch_size: int = 256) -> np.ndarray:
        import torch

        from grukit.classify.training import tensor_dataset

        self.net_.eval()
        dataset = tensor_dataset(data, None, self.scaler_)
        rows = []
        with torch.no_grad():
            for x, lengths in torch.utils.data.DataLoader(dataset, batch_size=batch_size):
                rows.append(torch.softmax(self.net_(x, lengths).double(), dim=1).numpy())  # (B, J)
        return np.concatenate(rows)
