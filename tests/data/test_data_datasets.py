"""Bundled datasets: byte-identical files, expected shapes, the sine recipe, dataset_info."""

import hashlib
import re
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from grukit.data import (
    DatasetInfo,
    SplitSpec,
    dataset_info,
    list_datasets,
    load_dataset,
    load_series,
    season_length,
    split_ranges,
)
from grukit.errors import DataError

# From the SOURCE.md of each file under the shared data folder beside the repository (etth, air_passengers, sunspots).
EXPECTED_SHA256 = {
    "ETTh1.csv": "f18de3ad269cef59bb07b5438d79bb3042d3be49bdeecf01c1cd6d29695ee066",
    "ETTh2.csv": "a3dc2c597b9218c7ce1cd55eb77b283fd459a1d09d753063f944967dd6b9218b",
    "Airline.csv": "28af0eb869db6d9fbd31d5af03993a0cbf36c0857c3eb046a068c094b60da851",
    "sunspots_monthly.dat": "cc303d26340b6d599bc2878899f8c50c12323dc04b52a26ad047965ea2b9d2a3",
}


@pytest.mark.parametrize("file", sorted(EXPECTED_SHA256))
def test_bundled_file_is_byte_identical_to_its_origin(file):
    data = resources.files("grukit.data").joinpath("bundled", file).read_bytes()
    assert hashlib.sha256(data).hexdigest() == EXPECTED_SHA256[file]


def test_attribution_covers_every_bundled_file():
    text = resources.files("grukit.data").joinpath("bundled", "ATTRIBUTION.md").read_text()
    for file, digest in EXPECTED_SHA256.items():
        assert file in text and digest in text
    assert "CC BY-ND 4.0" in text and text.count("BSD 3-Clause License") + text.count("Redistribution and use") >= 2


def test_list_datasets():
    assert list_datasets() == ["sine", "air_passengers", "etth1", "etth2", "sunspots"]


def test_sine_is_seed_001s_recipe_exactly():
    frame = load_dataset("sine")
    assert list(frame.columns) == ["value"] and frame.shape == (1000, 1)
    np.testing.assert_array_equal(frame["value"].to_numpy(), np.sin(np.linspace(0, 100, 1000)))
    series_set = load_series(frame)
    assert series_set.freq is None and series_set.series[0].time is None


def test_air_passengers():
    frame = load_dataset("air_passengers")
    assert frame.shape == (144, 2) and list(frame.columns) == ["Date", "Passengers"]
    assert frame["Date"].iloc[0] == pd.Timestamp("1949-01-01") and frame["Date"].iloc[-1] == pd.Timestamp("1960-12-01")
    assert frame["Passengers"].iloc[:3].tolist() == [112, 118, 132]
    series_set = load_series(frame)
    assert series_set.freq == "MS" and series_set.target_columns == ["Passengers"]


@pytest.mark.parametrize("name", ["etth1", "etth2"])
def test_etth(name):
    frame = load_dataset(name)
    assert frame.shape == (17420, 8)
    assert list(frame.columns) == ["date", "HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
    assert frame["date"].iloc[0] == pd.Timestamp("2016-07-01 00:00") and frame["date"].iloc[-1] == pd.Timestamp("2018-06-26 19:00")
    series_set = load_series(frame, target="OT", covariates=["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL"])
    assert series_set.freq == "h" and series_set.series[0].past_covariates.shape == (17420, 6)
    assert split_ranges(len(series_set.series[0]), SplitSpec("ett"), 96) == {
        "train": (0, 8640),
        "val": (8544, 11520),
        "test": (11424, 14400),
    }


def test_etth1_first_value_is_read_at_full_precision():
    assert load_dataset("etth1")["OT"].iloc[0] == 30.5310001373291


def test_sunspots_monthly():
    frame = load_dataset("sunspots")
    assert frame.shape == (3126, 2) and list(frame.columns) == ["date", "sunspots"]
    assert frame["date"].iloc[0] == pd.Timestamp("1749-01-01") and frame["date"].iloc[-1] == pd.Timestamp("2009-06-01")
    assert frame["sunspots"].iloc[:3].tolist() == [58.0, 62.6, 70.0]
    assert frame["sunspots"].iloc[-6:].tolist() == [1.5, 1.4, 0.7, 1.2, 2.9, 2.6]
    series_set = load_series(frame)
    assert series_set.freq == "MS" and len(series_set.series[0].time) == 3126


@pytest.mark.parametrize("name", ["sine", "air_passengers", "etth1", "etth2", "sunspots"])
def test_dataset_info_matches_the_data(name):
    info = dataset_info(name)
    assert isinstance(info, DatasetInfo) and info.name == name and info.licence and info.attribution
    frame = load_dataset(name)
    series_set = load_series(frame, target=list(info.target))
    assert series_set.time_column == info.time_column and series_set.freq == info.freq
    assert len(series_set.series[0]) >= info.lookback + info.horizon
    if info.freq is not None and name != "sunspots":
        assert info.season_length == season_length(info.freq)
    with pytest.raises(AttributeError):
        info.name = "other"  # frozen


def test_ett_info_carries_the_licence():
    assert dataset_info("etth1").licence.startswith("CC BY-ND 4.0")


def test_unknown_dataset():
    message = "unknown dataset 'ettm1'; expected one of: sine, air_passengers, etth1, etth2, sunspots."
    with pytest.raises(DataError, match=f"^{re.escape(message)}$"):
        load_dataset("ettm1")
