"""load_series: wide, long and Nixtla layouts from CSV, Parquet and DataFrame; detection; missing policies."""

import json

import numpy as np
import pandas as pd
import pytest

from grukit.data import Series, SeriesSet, load_series, season_length


def hourly_frame(n=6):
    return pd.DataFrame(
        {
            "date": pd.date_range("2016-07-01", periods=n, freq="h"),
            "load": np.arange(n, dtype=float),
            "temp": np.arange(n, dtype=float) * 10,
        }
    )


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("kind", ["csv", "parquet", "frame"])
def test_wide_from_each_source(tmp_path, kind):
    frame = hourly_frame()
    if kind == "csv":
        source = tmp_path / "load.csv"
        frame.to_csv(source, index=False)
    elif kind == "parquet":
        source = tmp_path / "load.parquet"
        frame.to_parquet(source, index=False)
    else:
        source = frame
    ss = load_series(source, target="temp", covariates="load")
    assert ss.layout == "wide" and ss.time_column == "date" and ss.id_column is None
    assert ss.target_columns == ["temp"] and ss.covariate_columns == ["load"]
    assert ss.freq == "h"
    (series,) = ss.series
    assert series.id == ("series" if kind == "frame" else "load")
    assert series.target.dtype == np.float64 and series.target.shape == (6, 1)
    assert series.past_covariates.shape == (6, 1)
    np.testing.assert_array_equal(series.target[:, 0], np.arange(6) * 10.0)
    np.testing.assert_array_equal(series.past_covariates[:, 0], np.arange(6.0))
    assert series.time[0] == pd.Timestamp("2016-07-01 00:00") and series.time.freqstr == "h"


def test_target_none_takes_every_numeric_column_but_time_and_covariates():
    frame = hourly_frame().assign(note="text")
    assert load_series(frame).target_columns == ["load", "temp"]
    assert load_series(frame, covariates=["load"]).target_columns == ["temp"]


def test_time_column_detected_by_name_case_insensitive():
    frame = hourly_frame().rename(columns={"date": "TimeStamp"})[["load", "TimeStamp", "temp"]]
    ss = load_series(frame)
    assert ss.time_column == "TimeStamp" and ss.target_columns == ["load", "temp"]


def test_time_column_detected_as_first_column_of_dates(tmp_path):
    path = write(tmp_path, "m.csv", "month,sales\n2020-01,1\n2020-02,2\n2020-03,3\n2020-04,4\n")
    ss = load_series(path)
    assert ss.time_column == "month" and ss.freq == "MS"
    assert ss.series[0].time[0] == pd.Timestamp("2020-01-01")


def test_no_time_column_means_integer_steps():
    ss = load_series(pd.DataFrame({"value": [1.0, 2.0, 3.0, 4.0]}))
    assert ss.time_column is None and ss.freq is None and ss.series[0].time is None
    assert ss.series[0].target.shape == (4, 1)


def test_datetime_index_of_a_frame_is_the_time():
    frame = hourly_frame().set_index("date")
    ss = load_series(frame)
    assert ss.time_column == "date" and ss.freq == "h" and ss.target_columns == ["load", "temp"]


def test_numeric_time_column_gives_integer_steps():
    ss = load_series(pd.DataFrame({"step": [10, 20, 30, 40], "y": [1.0, 2, 3, 4]}), time_col="step")
    assert ss.time_column == "step" and ss.series[0].time is None and ss.freq is None


@pytest.mark.parametrize("kind", ["csv", "parquet", "frame"])
def test_nixtla_long_format_is_detected(tmp_path, kind):
    frame = pd.DataFrame(
        {
            "unique_id": ["b"] * 4 + ["a"] * 4,
            "ds": list(pd.date_range("2020-01-01", periods=4, freq="D")) * 2,
            "y": np.arange(8, dtype=float),
        }
    )
    source = frame
    if kind == "csv":
        source = tmp_path / "long.csv"
        frame.to_csv(source, index=False)
    elif kind == "parquet":
        source = tmp_path / "long.parquet"
        frame.to_parquet(source, index=False)
    ss = load_series(source)
    assert (ss.layout, ss.id_column, ss.time_column, ss.target_columns, ss.freq) == ("long", "unique_id", "ds", ["y"], "D")
    assert ss.ids == ["b", "a"]  # order of first appearance
    np.testing.assert_array_equal(ss.series[1].target[:, 0], [4.0, 5, 6, 7])


def test_long_format_with_named_columns_and_interleaved_rows():
    frame = pd.DataFrame(
        {
            "store": ["x", "y", "x", "y", "x", "y"],
            "when": ["2020-01", "2020-01", "2020-02", "2020-02", "2020-03", "2020-03"],
            "sales": [1.0, 10, 2, 20, 3, 30],
            "price": [5.0, 6, 5, 6, 5, 6],
        }
    )
    ss = load_series(frame, id_col="store", time_col="when", value_col="sales", covariates=["price"])
    assert ss.layout == "long" and ss.freq == "MS" and ss.ids == ["x", "y"]
    np.testing.assert_array_equal(ss.series[1].target[:, 0], [10.0, 20, 30])
    np.testing.assert_array_equal(ss.series[1].past_covariates[:, 0], [6.0, 6, 6])
    same = load_series(frame, id_col="store", time_col="when", target="sales", covariates="price")
    assert same.target_columns == ["sales"]


def test_missing_interpolate_is_linear_in_time():
    # values at 00:00 = 0 and 04:00 = 4 with the 01:00 and 03:00 rows absent: freq fills the grid
    frame = pd.DataFrame(
        {"date": pd.to_datetime(["2020-01-01 00:00", "2020-01-01 02:00", "2020-01-01 04:00", "2020-01-01 05:00"]),
         "y": [0.0, np.nan, 4.0, 5.0]}
    )
    ss = load_series(frame, freq="h", missing="interpolate")
    np.testing.assert_allclose(ss.series[0].target[:, 0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    assert len(ss.series[0].time) == 6
    assert ss.notes == ["interpolate filled 3 of 6 values (50%)"]


def test_missing_interpolate_uses_time_not_row_number():
    # monthly steps differ in length: Jan 1 -> Feb 1 is 31 days, Feb 1 -> Mar 1 is 29 days (2020)
    frame = pd.DataFrame({"date": ["2020-01-01", "2020-02-01", "2020-03-01"], "y": [0.0, np.nan, 60.0]})
    ss = load_series(frame, missing="interpolate")
    assert ss.series[0].target[1, 0] == pytest.approx(60.0 * 31 / 60)


def test_missing_ffill_then_backfills_a_leading_gap():
    frame = pd.DataFrame({"y": [np.nan, 1.0, np.nan, 3.0, 4.0], "x": [5.0, np.nan, 7.0, 8.0, np.nan]})
    ss = load_series(frame, target="y", covariates="x", missing="ffill")
    np.testing.assert_array_equal(ss.series[0].target[:, 0], [1.0, 1.0, 1.0, 3.0, 4.0])
    np.testing.assert_array_equal(ss.series[0].past_covariates[:, 0], [5.0, 5.0, 7.0, 8.0, 8.0])


def test_empty_cells_and_na_strings_are_missing_not_non_numeric(tmp_path):
    path = write(tmp_path, "gaps.csv", "y\n1\n\n2\nNA\n4\n")
    ss = load_series(path, missing="interpolate")
    np.testing.assert_array_equal(ss.series[0].target[:, 0], [1.0, 2.0, 3.0, 4.0])  # the blank line is skipped


@pytest.mark.parametrize(
    "freq, periods, expected",
    [("h", 30, "h"), ("D", 30, "D"), ("W", 30, "W-SUN"), ("MS", 30, "MS"), ("15min", 30, "15min"), ("QS", 12, "QS-JAN")],
)
def test_frequency_is_inferred_as_a_pandas_alias(freq, periods, expected):
    frame = pd.DataFrame({"date": pd.date_range("2021-01-03", periods=periods, freq=freq), "y": np.arange(float(periods))})
    assert load_series(frame).freq == expected


def test_equally_spaced_odd_step_is_inferred():
    frame = pd.DataFrame({"date": pd.date_range("2021-01-01", periods=5, freq="90min"), "y": np.arange(5.0)})
    assert load_series(frame).freq == "90min"


def test_given_freq_accepts_old_aliases_and_is_stored_normalised():
    frame = pd.DataFrame({"date": pd.date_range("2021-01-31", periods=4, freq="ME"), "y": np.arange(4.0)})
    assert load_series(frame, freq="M").freq == "ME"


@pytest.mark.parametrize(
    "freq, expected",
    [("h", 24), ("D", 7), ("W", 52), ("W-SUN", 52), ("MS", 12), ("M", 12), ("ME", 12), ("Q", 4), ("QS-JAN", 4),
     ("min", None), ("2h", None), ("YS", None), (None, None)],
)
def test_season_length(freq, expected):
    assert season_length(freq) == expected


def test_series_set_schema_round_trips_through_json():
    ss = load_series(hourly_frame(), target="temp", covariates="load")
    schema = json.loads(json.dumps(ss.to_dict()))
    assert schema == {
        "layout": "wide",
        "time_column": "date",
        "id_column": None,
        "target_columns": ["temp"],
        "covariate_columns": ["load"],
        "freq": "h",
        "series_ids": ["series"],
    }
    restored = SeriesSet.from_dict(schema, series=ss.series)
    assert restored.to_dict() == ss.to_dict()
    assert SeriesSet.from_dict(schema).series == []


def test_series_is_float64_two_dimensional():
    series = Series("a", None, [[1], [2]], np.zeros((2, 0)))
    assert series.target.dtype == np.float64 and series.past_covariates.shape == (2, 0) and len(series) == 2
