"""TrainConfig validation and config_from_dict: exact error texts, types, unknown keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Optional

import pytest

import grukit.train
from grukit.errors import ConfigError
from grukit.train import TrainConfig, config_from_dict

VALID_KEYS = ("epochs, batch_size, lr, weight_decay, schedule, warmup_fraction, clip, clip_value, patience, "
              "min_delta, seed, device, progress, num_threads")


def test_public_api():
    assert sorted(grukit.train.__all__) == sorted(
        ["fit", "TrainConfig", "TrainResult", "Callback", "STOP", "config_from_dict", "seed_everything"])
    for name in grukit.train.__all__:
        assert hasattr(grukit.train, name)


def test_defaults():
    config = TrainConfig()
    assert (config.epochs, config.batch_size, config.lr, config.weight_decay) == (100, 64, 1e-3, 1e-4)
    assert (config.schedule, config.warmup_fraction, config.clip, config.clip_value) == ("onecycle", 0.1, "norm", 1.0)
    assert (config.patience, config.min_delta, config.seed, config.device) == (10, 0.0, 0, "auto")
    assert config.progress is None and config.num_threads is None


@pytest.mark.parametrize("options, message", [
    ({"epochs": 0}, "TrainConfig: epochs must be an integer >= 1; got 0."),
    ({"batch_size": 0}, "TrainConfig: batch_size must be an integer >= 1; got 0."),
    ({"lr": 0}, "TrainConfig: lr must be a finite number > 0; got 0.0."),
    ({"lr": float("inf")}, "TrainConfig: lr must be a finite number > 0; got inf."),
    ({"weight_decay": -1e-4}, "TrainConfig: weight_decay must be a finite number >= 0; got -0.0001."),
    ({"schedule": "linear"}, "TrainConfig: schedule must be one of 'onecycle', 'cosine', 'constant'; got 'linear'."),
    ({"warmup_fraction": 1.0}, "TrainConfig: warmup_fraction must be a number in [0, 1); got 1.0."),
    ({"clip": "l2"}, "TrainConfig: clip must be one of 'norm', 'value', 'none'; got 'l2'."),
    ({"clip_value": 0.0},
     "TrainConfig: clip_value must be a finite number > 0 (use clip='none' to turn clipping off); got 0.0."),
    ({"patience": -1}, "TrainConfig: patience must be an integer >= 0 (0 turns early stopping off); got -1."),
    ({"min_delta": -0.1}, "TrainConfig: min_delta must be a finite number >= 0; got -0.1."),
    ({"seed": -1}, "TrainConfig: seed must be an integer in [0, 2**32); got -1."),
    ({"device": "tpu"}, "TrainConfig: device must be one of 'auto', 'cpu', 'cuda'; got 'tpu'."),
    ({"num_threads": 0}, "TrainConfig: num_threads must be an integer >= 1, or None for torch's default; got 0."),
    ({"epochs": "5"}, "TrainConfig: epochs must be int; got '5' (str)."),
    ({"epochs": True}, "TrainConfig: epochs must be int; got True (bool)."),
    ({"epochs": 5.0}, "TrainConfig: epochs must be int; got 5.0 (float)."),
    ({"lr": "fast"}, "TrainConfig: lr must be float; got 'fast' (str)."),
    ({"progress": "yes"}, "TrainConfig: progress must be bool or None; got 'yes' (str)."),
    ({"num_threads": 2.5}, "TrainConfig: num_threads must be int or None; got 2.5 (float)."),
])
def test_config_error_texts(options, message):
    with pytest.raises(ConfigError) as info:
        TrainConfig(**options)
    assert str(info.value) == message
    with pytest.raises(ConfigError) as info:  # a file or CLI override gets the same text
        config_from_dict(TrainConfig, options)
    assert str(info.value) == message


def test_config_from_dict_reads_values_and_keeps_defaults():
    config = config_from_dict(TrainConfig, {"epochs": 5, "lr": 1, "schedule": "cosine", "progress": False,
                                            "num_threads": None})
    assert config == TrainConfig(epochs=5, lr=1.0, schedule="cosine", progress=False)
    assert type(config.lr) is float  # TOML's `lr = 1` is an int


def test_unknown_key_lists_the_valid_keys():
    with pytest.raises(ConfigError) as info:
        config_from_dict(TrainConfig, {"epoch": 5})
    assert str(info.value) == f"TrainConfig: unknown key 'epoch' (did you mean 'epochs'?); valid keys: {VALID_KEYS}."
    with pytest.raises(ConfigError) as info:
        config_from_dict(TrainConfig, {"epochs": 5, "optimizer": "sgd", "zzz": 1})
    assert str(info.value) == f"TrainConfig: unknown keys 'optimizer', 'zzz'; valid keys: {VALID_KEYS}."


def test_config_from_dict_needs_a_table():
    with pytest.raises(ConfigError) as info:
        config_from_dict(TrainConfig, [("epochs", 5)])
    assert str(info.value) == "TrainConfig: expected a table of options (a dict); got list."
    with pytest.raises(TypeError, match="must be a dataclass type"):
        config_from_dict(dict, {})


@dataclass
class _Other:
    name: str = "x"  # a string
    size: Optional[int] = None  # an optional int
    mode: Literal["a", "b"] = "a"  # a choice
    ratio: float = 0.5  # a float
    flag: bool = False  # a bool
    pick: Literal["u", "v"] | None = None  # an optional choice


def test_config_from_dict_works_for_any_flat_dataclass():
    assert config_from_dict(_Other, {"size": 3, "mode": "b", "ratio": 2, "flag": True, "pick": "v"}) == \
        _Other(size=3, mode="b", ratio=2.0, flag=True, pick="v")
    assert config_from_dict(_Other, {}) == _Other()
    cases = [
        ({"size": "3"}, "_Other: size must be int or None; got '3' (str)."),
        ({"mode": "c"}, "_Other: mode must be one of 'a', 'b'; got 'c'."),
        ({"flag": 1}, "_Other: flag must be bool; got 1 (int)."),
        ({"ratio": True}, "_Other: ratio must be float; got True (bool)."),
        ({"name": 3}, "_Other: name must be str; got 3 (int)."),
        ({"pick": "w"}, "_Other: pick must be one of 'u', 'v' or None; got 'w' (str)."),
        ({"nmae": "y"}, "_Other: unknown key 'nmae' (did you mean 'name'?); valid keys: name, size, mode, ratio, "
                        "flag, pick."),
    ]
    for data, message in cases:
        with pytest.raises(ConfigError) as info:
            config_from_dict(_Other, data)
        assert str(info.value) == message
