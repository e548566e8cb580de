"""Chronological splits (fraction, size, the ETT protocol) and the train-only StandardScaler."""

import json
import re

import numpy as np
import pytest

from grukit.data import (
    Series,
    SeriesSet,
    SplitSpec,
    StandardScaler,
    fit_scalers,
    series_split_ranges,
    split_ranges,
)
from grukit.errors import ConfigError, DataError


def raises(message, error=DataError):
    return pytest.raises(error, match=f"^{re.escape(message)}$")


@pytest.mark.parametrize("lookback", [1, 96, 336])
def test_ett_protocol_numbers(lookback):
    ranges = split_ranges(17420, SplitSpec("ett"), lookback)
    assert ranges == {"train": (0, 8640), "val": (8640 - lookback, 11520), "test": (11520 - lookback, 14400)}


def test_ett_protocol_needs_14400_rows():
    split_ranges(14400, SplitSpec("ett"), 96)
    with raises(
        "the ETT split needs 14400 rows (train 8640 + val 2880 + test 2880) but the series has 14399; "
        "use SplitSpec(kind='fraction') or kind='size' for other data."
    ):
        split_ranges(14399, SplitSpec("ett"), 96)


def test_fraction_split_rounds_down_val_and_test():
    assert split_ranges(1000, SplitSpec("fraction", val=0.1, test=0.2), 50) == {
        "train": (0, 700),
        "val": (650, 800),
        "test": (750, 1000),
    }
    assert split_ranges(100, SplitSpec("fraction", val=0.29, test=0.29), 5)["train"] == (0, 42)  # 29 + 29, not 28 + 28
    assert split_ranges(105, SplitSpec("fraction", val=0.1, test=0.1), 5) == {
        "train": (0, 85),
        "val": (80, 95),
        "test": (90, 105),
    }


def test_size_split_and_no_validation_part():
    assert split_ranges(500, SplitSpec("size", val=50, test=100), 24) == {
        "train": (0, 350),
        "val": (326, 400),
        "test": (376, 500),
    }
    assert split_ranges(500, SplitSpec("size", val=0, test=100), 24) == {"train": (0, 400), "val": None, "test": (376, 500)}
    assert split_ranges(100, SplitSpec("fraction", val=0, test=0.25), 10) == {"train": (0, 75), "val": None, "test": (65, 100)}


def test_split_parts_do_not_overlap_in_target_rows():
    lookback = 24
    ranges = split_ranges(1000, SplitSpec("fraction", 0.15, 0.15), lookback)
    train_stop = ranges["train"][1]
    assert ranges["val"][0] + lookback == train_stop
    assert ranges["test"][0] + lookback == ranges["val"][1]
    assert ranges["test"][1] == 1000


def test_empty_split_errors():
    with raises("the val split is empty: 5 rows with val=0.1 give 0 rows; use a larger val or more rows."):
        split_ranges(5, SplitSpec("fraction", val=0.1, test=0.5), 1)
    with raises("the test split is empty: 9 rows with test=0.1 give 0 rows; use a larger test or more rows."):
        split_ranges(9, SplitSpec("fraction", val=0.2, test=0.1), 1)
    with raises("the train split is empty: 100 rows minus val 40 and test 60 leave no rows; use a smaller val/test or more rows."):
        split_ranges(100, SplitSpec("size", val=40, test=60), 1)


def test_train_shorter_than_lookback():
    with raises(
        "the train split has 70 rows but lookback is 96; val and test windows start lookback rows before their split, "
        "so train needs at least 96 rows; use a shorter lookback or a smaller val/test."
    ):
        split_ranges(100, SplitSpec(), 96)


def test_series_split_ranges_names_the_series():
    series_set = SeriesSet(
        [Series("long", None, np.zeros((1000, 1)), np.zeros((1000, 0))), Series("short", None, np.zeros((9, 1)), np.zeros((9, 0)))],
        ["y"],
    )
    with raises("series 'short': the test split is empty: 9 rows with test=0.1 give 0 rows; use a larger test or more rows."):
        series_split_ranges(series_set, SplitSpec(val=0.2, test=0.1), 1)


@pytest.mark.parametrize(
    "spec, message",
    [
        (dict(kind="random"), "unknown split kind 'random'; expected one of: 'fraction', 'size', 'ett'."),
        (dict(val=0.5, test=1.5), "split test=1.5 is not a fraction in [0, 1); with kind='fraction' test is a share of the rows; use kind='size' for row counts."),
        (dict(val=-0.1), "split val=-0.1 is not a fraction in [0, 1); with kind='fraction' val is a share of the rows; use kind='size' for row counts."),
        (dict(val=0.5, test=0.5), "split val=0.5 + test=0.5 leaves no training rows; keep val + test below 1."),
        (dict(kind="size", val=10, test=-1), "split test=-1 is not a row count; with kind='size' test must be a whole number >= 0; use kind='fraction' for shares of the rows."),
        (dict(kind="size", val=0.5, test=10), "split val=0.5 is not a row count; with kind='size' val must be a whole number >= 0; use kind='fraction' for shares of the rows."),
    ],
)
def test_invalid_split_spec_is_a_config_error(spec, message):
    with raises(message, ConfigError):
        SplitSpec(**spec)


@pytest.mark.parametrize("spec", [SplitSpec("fraction", val=0.1, test=0), SplitSpec("size", val=10, test=0)])
def test_test_size_zero_means_no_test_part(spec):
    assert split_ranges(100, spec, lookback=5) == {"train": (0, 90), "val": (85, 100), "test": None}


def test_padded_ranges_let_train_windows_start_in_the_padding():
    ranges = split_ranges(6, SplitSpec("size", val=0, test=2), lookback=4, pad=3)
    assert ranges == {"train": (0, 7), "val": None, "test": (3, 9)}  # train rows 3..6 are the 4 real ones


def test_scaler_z_scores_each_channel():
    values = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    scaler = StandardScaler().fit(values)
    np.testing.assert_allclose(scaler.mean_, [3.0, 10.0])
    np.testing.assert_allclose(scaler.scale_, [np.sqrt(8 / 3), 1.0])  # a constant channel gets std 1
    z = scaler.transform(values)
    np.testing.assert_allclose(z[:, 0], (values[:, 0] - 3.0) / np.sqrt(8 / 3))
    np.testing.assert_array_equal(z[:, 1], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(scaler.inverse_transform(z), values)


def test_scaler_works_on_windows_and_on_chosen_channels():
    rng = np.random.default_rng(0)
    values = rng.normal(5.0, 3.0, size=(200, 3))
    scaler = StandardScaler().fit(values)
    windows = rng.normal(size=(4, 24, 3))  # (B, K, C)
    np.testing.assert_allclose(scaler.inverse_transform(windows), windows * scaler.scale_ + scaler.mean_)
    only_last = scaler.inverse_transform(windows[..., 2:], channels=[2])  # (B, K, 1)
    np.testing.assert_allclose(only_last, windows[..., 2:] * scaler.scale_[2] + scaler.mean_[2])


def test_scaler_is_fitted_on_train_rows_only():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(1000, 2))
    ranges = split_ranges(len(values), SplitSpec("fraction", 0.1, 0.2), lookback=10)
    before = fit_scalers([values], [ranges["train"]])[0]
    changed = values.copy()
    changed[ranges["train"][1]:] = 1e6  # val and test rows changed beyond recognition
    after = fit_scalers([changed], [ranges["train"]])[0]
    np.testing.assert_array_equal(before.mean_, after.mean_)
    np.testing.assert_array_equal(before.scale_, after.scale_)
    np.testing.assert_allclose(before.mean_, values[:700].mean(axis=0))


def test_one_scaler_per_series():
    a, b = np.arange(10.0)[:, None], 100 + 5 * np.arange(10.0)[:, None]
    scalers = fit_scalers([a, b], [(0, 4), (0, 4)])
    assert [s.mean_[0] for s in scalers] == [1.5, 107.5]


def test_scaler_state_round_trips_through_json():
    scaler = StandardScaler().fit(np.array([[1.0, 2.0], [3.0, 6.0]]))
    restored = StandardScaler.from_dict(json.loads(json.dumps(scaler.to_dict())))
    np.testing.assert_array_equal(restored.mean_, scaler.mean_)
    np.testing.assert_array_equal(restored.scale_, scaler.scale_)


def test_scaler_errors():
    with raises("StandardScaler is not fitted; call fit(train_values) first."):
        StandardScaler().transform(np.zeros((2, 1)))
    scaler = StandardScaler().fit(np.zeros((3, 2)))
    with raises("StandardScaler expects 2 channels in the last axis; got shape (4, 3); pass arrays shaped (..., 2) or choose channels."):
        scaler.transform(np.zeros((4, 3)))
    with raises("cannot fit StandardScaler: channel 1 has missing or infinite values; fill them first, e.g. load_series(..., missing='interpolate')."):
        StandardScaler().fit(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with raises("cannot fit StandardScaler on 0 rows; pass the train rows (N, C) with N >= 1."):
        StandardScaler().fit(np.zeros((0, 2)))
    with raises("invalid StandardScaler state: expected the keys ['mean', 'scale']; got ['mean']."):
        StandardScaler.from_dict({"mean": [0.0]})
