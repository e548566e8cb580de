"""GRUClassifier on the scikit-learn contract: fit/predict/predict_proba/score, classes_, save/load, __all__."""

from __future__ import annotations

import doctest
import importlib
import json

import numpy as np
import pytest

import grukit.classify
from grukit.classify import GRUClassifier
from grukit.classify.defaults import default_epochs, segment_length_for
from grukit.errors import ConfigError, DataError

FAST = dict(epochs=3, hidden_size=8, batch_size=16, progress=False, num_threads=1)


def _toy(n=24, steps=12, seed=0):
    """Two classes told apart by the sign of the slope; lengths 6..steps."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for i in range(n):
        length = int(rng.integers(6, steps + 1))
        slope = 1.0 if i % 2 else -1.0
        X.append(slope * np.linspace(0, 1, length) + 0.1 * rng.standard_normal(length))
        y.append("up" if i % 2 else "down")
    return X, np.array(y)


def test_fit_returns_self_and_learns_classes():
    X, y = _toy()
    model = GRUClassifier(**FAST, val_size=0.2)  # a validation part (the default holds none out)
    assert model.fit(X, y) is model
    assert model.classes_.tolist() == ["down", "up"] and model.n_features_in_ == 1
    assert model.split_["train"] + model.split_["validation"] == 24
    proba = model.predict_proba(X)
    assert proba.shape == (24, 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(X)) <= {"down", "up"}
    assert 0.0 <= model.score(X, y) <= 1.0
    assert model.evaluate(X, y)["confusion_matrix"] and model.validation_metrics_["n"] == model.split_["validation"]


def test_int_labels_stay_ints_and_text_labels_of_a_file_match_them(tmp_path):
    X, y = _toy()
    codes = (y == "up").astype(int) + 1  # 1, 2
    model = GRUClassifier(**FAST).fit(X, codes)
    assert model.classes_.tolist() == [1, 2] and model.predict(X).dtype.kind == "i"
    path = tmp_path / "t.ts"
    path.write_text("@classLabel true 1 2\n@data\n" + "".join(
        f"{','.join(map(str, x))}:{c}\n" for x, c in zip(X, codes)))
    assert model.score(path) == model.score(X, codes)


def test_not_fitted_error():
    with pytest.raises(ConfigError) as info:
        GRUClassifier().predict(np.zeros((2, 5)))
    assert str(info.value) == ("this GRUClassifier is not fitted yet; call fit(X, y) or GRUClassifier.load(folder) "
                               "first.")


def test_unknown_label_at_score_lists_the_known_classes():
    X, y = _toy()
    model = GRUClassifier(**FAST).fit(X, y)
    y_bad = y.tolist()
    y_bad[3] = "sideways"
    with pytest.raises(DataError) as info:
        model.score(X, y_bad)
    assert str(info.value) == ("label 'sideways' at sequence 3 (0-based) of the arrays is not one of the classes the "
                               "model was trained on: 'down', 'up'; pass data of those classes only, or retrain with "
                               "this class.")


def test_options_are_checked_at_fit_and_listed_when_unknown():
    X, y = _toy()
    GRUClassifier(hiden_size=3)  # __init__ only stores
    with pytest.raises(ConfigError, match=r"^unknown option 'hiden_size' \(did you mean 'hidden_size'\?\); "
                                          r"valid options: dataset, label_col, "):
        GRUClassifier(hiden_size=3).fit(X, y)
    with pytest.raises(ConfigError,
                       match=r"^ClassifyConfig: pooling must be one of 'last', 'mean', 'attention'; got 'max'\.$"):
        GRUClassifier(pooling="max").fit(X, y)
    with pytest.raises(DataError, match=r"^the arrays holds a single class \('down'\); a classifier needs at least"):
        GRUClassifier(**FAST).fit(X[:1] + X[2:3], ["down", "down"])
    model = GRUClassifier(epochs=3)
    assert model.set_params(lr=0.1) is model and model.get_params() == {"epochs": 3, "lr": 0.1}


def test_multichannel_balanced_weights_and_mean_pooling():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 8, 3))
    y = np.array([0] * 15 + [1] * 5)
    model = GRUClassifier(class_weights="balanced", pooling="mean", bidirectional=False, segment_length=2,
                          **FAST).fit(X, y)
    assert model.predict_proba(X[:4]).shape == (4, 2)
    with pytest.raises(DataError, match=r"^the arrays has 1 channel per step but the model was trained on 3; "):
        model.predict(X[:, :, 0])


def test_save_load_round_trip(tmp_path):
    X, y = _toy()
    model = GRUClassifier(**FAST).fit(X, y)
    model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "model.safetensors"]
    document = json.loads((tmp_path / "m" / "config.json").read_text())
    assert document["format"] == "grukit.classify" and document["classes"] == ["down", "up"]
    loaded = GRUClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.classes_.tolist() == model.classes_.tolist()


def test_same_seed_same_model():
    X, y = _toy()
    a, b = GRUClassifier(**FAST).fit(X, y), GRUClassifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


PUBLIC = ["GRUClassifier", "ClassifyConfig", "SequenceSet", "read_sequences", "read_ts", "TsData", "from_arrays",
          "pad_sequences", "bundled_path", "accuracy", "confusion_matrix", "per_class_scores", "macro_f1",
          "classification_metrics", "format_classification_table", "plot_confusion", "write_classification_report"]
MODULES = ["grukit.classify.ts_format", "grukit.classify.data", "grukit.classify.labels", "grukit.classify.training", "grukit.classify.config",
           "grukit.classify.evaluation", "grukit.classify.datasets", "grukit.classify.defaults"]


def test_all_is_curated():
    assert sorted(grukit.classify.__all__) == sorted(PUBLIC)
    for name in PUBLIC:
        assert getattr(grukit.classify, name).__doc__.strip()


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_default_segments_follow_the_longest_training_sequence_and_are_saved(tmp_path):
    X, y = _toy(steps=80)  # lengths 6..80: segments of round(80 / 40) = 2 steps
    model = GRUClassifier(epochs=1, hidden_size=4, progress=False, num_threads=1).fit(X, y)
    longest = max(len(x) for x in X)
    assert model.config_.segment_length == segment_length_for(longest) == round(longest / 40)
    assert model.train_config_.epochs == 1 and model.split_["validation"] == 0  # given epochs; no hold-out
    model.save(tmp_path / "run")
    assert GRUClassifier.load(tmp_path / "run").config_.segment_length == model.config_.segment_length


def test_default_epochs_keep_large_sets_within_the_step_budget():
    assert GRUClassifier().configs(np.zeros((2, 3)))[1].epochs == 300  # TRAIN_DEFAULTS; fit applies the budget
    assert default_epochs(24, 16) == 300 and default_epochs(10_000, 16) == 4000 // 625
    assert default_epochs(100_000, 16) == 1  # at least one pass


def test_a_feature_config_is_saved_beside_the_model_and_loaded_back(tmp_path):
    from grukit.audio import FeatureConfig

    X, y = _toy()
    model = GRUClassifier(**FAST).fit(X, y)
    assert model.feature_config_ is None
    model.feature_config_ = FeatureConfig(normalize=False, n_mfcc=13)
    model.save(tmp_path / "run")
    assert (tmp_path / "run" / "audio_features.json").is_file()
    assert GRUClassifier.load(tmp_path / "run").feature_config_ == model.feature_config_
