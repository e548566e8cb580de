"""The bundled NAB files: byte-identical copies with their attribution, loaded in file order."""

from __future__ import annotations

import hashlib
from importlib import resources

import pandas as pd
import pytest

from grukit.detect import NAB_FILES, load_nab, nab_windows, published_scores, window_rows
from grukit.errors import DataError

# From the shared data folder's nab/SOURCE.md.
EXPECTED_SHA256 = {
    "nyc_taxi.csv": "d8fa6f7f0734bf5c8be12c52a94e20a82664c397d9dec4449156bd453d32856d",
    "machine_temperature_system_failure.csv": "92bf5b87fc7f9bba8ca0b7ec63ccaac8cb4a1371a258e8c29a10ae9c018d82a4",
    "ec2_request_latency_system_failure.csv": "98378580aa80157e057c61d59d81daddccc6c65a2c0c800e3f01f603b8215c3f",
    "ambient_temperature_system_failure.csv": "230b68ccca20f59d562afd5d24ad52939c9b784386bed0054018358bf9120581",
    "combined_windows_subset.json": "938c9ff3e56cb47cca5f6397494d3b08667bf999c8cbb213c044026ca49b613a",
    "combined_labels_subset.json": "d5bd50f4ed4b59070ee025ede43e62a3eae71b103a15d82c96a44c335417605f",
    "nab_v1_published_file_scores_subset.csv": "2011cea3188e28c18f2d7b8ec8211b90c3aff0be2336ce771ea1c865526e827f",
}


def _bundled(file):
    return resources.files("grukit.data").joinpath("bundled", "nab", file)


@pytest.mark.parametrize("file", sorted(EXPECTED_SHA256))
def test_bundled_file_is_byte_identical_to_its_origin(file):
    assert hashlib.sha256(_bundled(file).read_bytes()).hexdigest() == EXPECTED_SHA256[file]


def test_attribution_covers_every_file_and_keeps_the_mit_notice():
    text = _bundled("ATTRIBUTION.md").read_text()
    for file, digest in EXPECTED_SHA256.items():
        assert file in text and digest in text
    assert "Copyright 2014-2024 Numenta Inc." in text and "Permission is hereby granted, free of charge" in text
    assert "ea702d75cc2258d9d7dd35ca8e5e2539d71f3140" in text and "arXiv:1510.03336" in text


def test_series_load_in_file_order_with_their_irregularities():
    rows = {name: len(load_nab(name)) for name in NAB_FILES}
    assert rows == {"nyc_taxi": 10320, "machine_temperature": 22695, "ec2_request_latency": 4032,
                    "ambient_temperature": 7267}
    machine = load_nab("machine_temperature")["timestamp"]
    assert (machine.diff().dropna() < pd.Timedelta(0)).sum() == 1  # one step back, kept as it is
    assert load_nab("ec2_request_latency")["timestamp"].duplicated().sum() == 11  # 11 repeated timestamps


def test_published_scores_hold_every_detector():
    scores = published_scores("nyc_taxi")
    assert len(scores) == 15 and "random" not in scores  # random has no nyc_taxi row
    assert scores["null"] == -5.0 and scores["ARTime"] == pytest.approx(3.775210013719179)
    assert len(published_scores("ambient_temperature", "reward_low_FN_rate")) == 16


def test_window_rows_accept_limits_between_rows():
    times = pd.date_range("2020-01-01", periods=10, freq="h")
    assert window_rows(times, [("2020-01-01 01:30", "2020-01-01 03:30")]) == [(2, 3)]
    with pytest.raises(DataError, match=r"^label window 2021-01-01 00:00:00 to 2021-01-02 00:00:00 holds no row "
                                        r"of the data \(2020-01-01 00:00:00 to 2020-01-01 09:00:00\); check the "
                                        r"windows belong to this series\.$"):
        window_rows(times, [("2021-01-01", "2021-01-02")])
    assert len(nab_windows("machine_temperature")) == 4


def test_unknown_series_lists_the_bundled_ones():
    with pytest.raises(DataError, match=r"^unknown NAB series 'taxi'; expected one of: nyc_taxi, machine_temperature, "
                                        r"ec2_request_latency, ambient_temperature\.$"):
        load_nab("taxi")


def test_windows_files_in_both_layouts(tmp_path):
    from grukit.detect.labels import read_windows
    from grukit.detect.stream import read_stream

    stream = read_stream(load_nab("ec2_request_latency"))
    with resources.as_file(_bundled("combined_windows_subset.json")) as nab_file:
        rows = read_windows(nab_file, stream, "data/ec2_request_latency_system_failure.csv")
        assert rows == [(2014, 2148), (3328, 3462), (3956, 4031)]
        with pytest.raises(DataError, match=r"has no entry for other\.csv; its keys are: realKnownCause/nyc_taxi\.csv, "):
            read_windows(nab_file, stream, "other.csv")
    pairs = tmp_path / "w.json"
    pairs.write_text('[["2014-03-14 03:31:00", "2014-03-14 14:41:00"]]')
    assert read_windows(pairs, stream, None) == [(2014, 2148)]
    pairs.write_text("{not json")
    with pytest.raises(DataError, match=r"^windows file .*w\.json is not valid JSON \("):
        read_windows(pairs, stream, None)
