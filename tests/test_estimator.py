"""The estimator protocol behaves the same in every task: options, the not-fitted error, unknown options."""

from __future__ import annotations

import pytest

from grukit.classify import GRUClassifier
from grukit.detect import GRUAnomalyDetector
from grukit.errors import ConfigError
from grukit.forecast import GRUForecaster
from grukit.lm import LanguageModel
from grukit.music import MusicModel

ESTIMATORS = [GRUForecaster, GRUClassifier, GRUAnomalyDetector, LanguageModel, MusicModel]
FIT_CALL = {GRUForecaster: "fit(data)", GRUClassifier: "fit(X, y)", GRUAnomalyDetector: "fit(data)",
            LanguageModel: "fit(text_file)", MusicModel: "fit(data)"}


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_get_params_rebuilds_an_equal_estimator_and_set_params_changes_it(cls):
    model = cls(hidden_size=8, epochs=2)
    assert model.get_params()["hidden_size"] == 8 and model.get_params()["epochs"] == 2
    twin = cls(**model.get_params())  # scikit-learn's clone
    assert twin.get_params() == model.get_params()
    assert model.set_params(epochs=5) is model and model.get_params()["epochs"] == 5


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_save_before_fit_says_how_to_fit(cls, tmp_path):
    name = cls.__name__
    with pytest.raises(ConfigError) as error:
        cls().save(tmp_path / "run")
    assert str(error.value) == f"this {name} is not fitted yet; call {FIT_CALL[cls]} or {name}.load(folder) first."
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_an_unknown_option_lists_the_valid_ones_in_one_form(cls):
    with pytest.raises(ConfigError, match=r"^unknown option 'hiden_size' \(did you mean 'hidden_size'\?\); "
                                          r"valid options: .*\bhidden_size\b.*\bepochs\b"):
        cls(hiden_size=8).configs()


def test_named_arguments_are_parameters_too():
    assert GRUForecaster(horizon=6).set_params(lookback=12).get_params() == {"lookback": 12, "horizon": 6}
    assert GRUAnomalyDetector(method="autoencoder").get_params() == {"method": "autoencoder", "lookback": None}


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_a_search_reads_the_estimator_s_own_spec(cls):
    from grukit.tune.tasks import TASKS, get_task

    name = next(name for name, path in TASKS.items() if path.endswith(f":{cls.__name__}"))
    task = get_task(name)
    assert task.estimator() is cls and "hidden_size" in task.option_fields() and "epochs" in task.option_fields()
    from grukit.estimator import Estimator

    assert cls.configs is Estimator.configs  # one way from options to configs, in the protocol
    presets = cls().configs(None) != cls().configs("user data")  # a bundled dataset's preset applies without data
    assert presets == (cls in (GRUForecaster, GRUClassifier))


CONFIGS = [GRUForecaster.CONFIG, GRUClassifier.CONFIG, GRUAnomalyDetector.CONFIG, LanguageModel.CONFIG,
           MusicModel.CONFIG]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.__name__)
def test_every_config_checks_itself_at_construction_in_one_style(config):
    """One validation style: __post_init__ checks types, Literal choices and ranges, so a config built directly
    is checked like one read from a file, and every message starts with the config's name."""
    import dataclasses
    import typing

    assert not hasattr(config, "validate") and "__post_init__" in vars(config)
    hints = typing.get_type_hints(config)
    choices = [f.name for f in dataclasses.fields(config) if typing.get_origin(hints[f.name]) is typing.Literal]
    assert "reset" in choices or "method" in choices, choices  # the choices are Literal types, not tuples
    name = choices[0]
    allowed = ", ".join(map(repr, typing.get_args(hints[name])))
    with pytest.raises(ConfigError) as err:
        config(**{name: "nonsense"})
    assert str(err.value) == f"{config.__name__}: {name} must be one of {allowed}; got 'nonsense'."
    with pytest.raises(ConfigError, match=rf"^{config.__name__}: hidden_size must be .*; got 0\.$"):
        config(hidden_size=0)
    with pytest.raises(ConfigError, match=rf"^{config.__name__}: hidden_size must be int; got '8' \(str\)\.$"):
        config(hidden_size="8")
