"""Every data error: one line, exact text, pointing at the offending cell."""

import re

import numpy as np
import pandas as pd
import pytest

from grukit.data import Series, SeriesSet, check_length, future_times, load_series
from grukit.errors import DataError


def raises(message, error=DataError):
    assert "\n" not in message
    return pytest.raises(error, match=f"^{re.escape(message)}$")


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope.csv"
    with raises(f"data file {path} not found; pass the path of an existing CSV or Parquet file."):
        load_series(path)


def test_unsupported_source_type():
    with raises("cannot read data from a list; expected a CSV path, a Parquet path (.parquet) or a pandas DataFrame."):
        load_series([1, 2, 3])


def test_empty_file(tmp_path):
    path = write(tmp_path, "")
    with raises(f"data file {path} is empty; expected a header row and at least one data row."):
        load_series(path)


def test_header_only(tmp_path):
    path = write(tmp_path, "date,y\n")
    with raises(f"{path} has no data rows; expected a header row and at least one data row."):
        load_series(path)


def test_target_column_missing_lists_the_columns(tmp_path):
    path = write(tmp_path, "date,HUFL,OT\n2020-01-01,1,2\n")
    with raises(f"target column 'ot' not found in {path}; the columns are: date, HUFL, OT; pass one of them as target."):
        load_series(path, target="ot")


def test_covariate_and_time_columns_missing():
    frame = pd.DataFrame({"t": ["2020-01-01"], "y": [1.0]})
    with raises("covariate column 'x' not found in the DataFrame; the columns are: t, y; pass one of them as covariates."):
        load_series(frame, covariates=["x"])
    with raises("time column 'date' not found in the DataFrame; the columns are: t, y; pass one of them as time_col."):
        load_series(frame, time_col="date")


def test_no_numeric_target():
    with raises("no numeric target column found in the DataFrame; the columns are: date, note; pass target naming the column(s) to forecast."):
        load_series(pd.DataFrame({"date": ["2020-01-01", "2020-01-02"], "note": ["a", "b"]}))


def test_a_column_with_two_roles():
    frame = pd.DataFrame({"y": [1.0, 2.0], "x": [3.0, 4.0]})
    with raises("column 'x' is both a target and a covariate; give each column one role."):
        load_series(frame, target=["y", "x"], covariates="x")


def test_non_numeric_value_in_csv_gives_the_line_counting_the_header(tmp_path):
    path = write(tmp_path, "date,a,b\n2020-01-01,1,2\n2020-01-02,3,4\n2020-01-03,oops,5\n2020-01-04,6,7x\n")
    with raises(
        f"non-numeric value 'oops' in column 'a' at line 4 of {path} (line 1 is the header); "
        f"expected a number; fix or remove that value."
    ):
        load_series(path)


def test_non_numeric_value_in_frame_gives_the_row_index():
    frame = pd.DataFrame({"y": [1.0, 2.0, "1,5", 4.0]})
    with raises(
        "non-numeric value '1,5' in column 'y' at row index 2 (0-based) of the DataFrame; "
        "expected a number; fix or remove that value."
    ):
        load_series(frame)


def test_non_numeric_value_in_parquet_gives_the_row_index(tmp_path):
    path = tmp_path / "bad.parquet"
    pd.DataFrame({"y": ["1", "2", "n/a?"]}).to_parquet(path, index=False)
    with raises(
        f"non-numeric value 'n/a?' in column 'y' at row index 2 (0-based) of {path}; "
        f"expected a number; fix or remove that value."
    ):
        load_series(path, target="y")


def test_unparseable_and_missing_timestamps(tmp_path):
    path = write(tmp_path, "date,y\n2020-01-01,1\n2020-13-45,2\n")
    with raises(
        f"cannot parse '2020-13-45' in time column 'date' at line 3 of {path} (line 1 is the header) as a date/time; "
        f"expected timestamps like 2016-07-01 00:00:00; fix the value, pass date_format (--date-format, "
        f"e.g. '%d.%m.%Y') or pass the right time_col."
    ):
        load_series(path)
    path = write(tmp_path, "date,y\n2020-01-01,1\n,2\n", name="gap.csv")
    with raises(
        f"missing timestamp in time column 'date' at line 3 of {path} (line 1 is the header); "
        f"every row needs a time; fill it in or drop the row."
    ):
        load_series(path)


def test_unsorted_rows_are_sorted_with_a_warning_and_repeats_still_fail(tmp_path):
    path = write(tmp_path, "date,y\n2020-01-02,2\n2020-01-04,4\n2020-01-03,3\n2020-01-01,1\n")
    with pytest.warns(UserWarning, match=r"^the rows of series 'data' in .* were not in time order; they were "
                                         r"sorted by 'date'\.$"):
        ss = load_series(path)
    assert ss.series[0].target[:, 0].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert ss.freq == "D" and ss.notes == ["rows sorted by time (series 'data')"]
    path = write(tmp_path, "date,y\n2020-01-02,1\n2020-01-01,2\n2020-01-02,3\n", name="repeat.csv")
    with raises(
        f"duplicate timestamp 2020-01-02 00:00:00 in column 'date' at line 4 of {path} (line 1 is the header): "
        f"the row before has the same time; remove or aggregate the duplicate rows, or pass id_col (--id-col) "
        f"when the file holds several series."
    ):
        load_series(path)


def test_duplicate_timestamp_names_the_first_duplicate(tmp_path):
    path = write(tmp_path, "date,y\n2020-01-01,1\n2020-01-02,2\n2020-01-02,3\n2020-01-03,4\n2020-01-03,5\n")
    with raises(
        f"duplicate timestamp 2020-01-02 00:00:00 in column 'date' at line 4 of {path} (line 1 is the header): "
        f"the row before has the same time; remove or aggregate the duplicate rows, or pass id_col (--id-col) "
        f"when the file holds several series."
    ):
        load_series(path)


def test_unsorted_long_data_is_sorted_per_series():
    frame = pd.DataFrame({"unique_id": ["a", "b", "a", "b"], "ds": [1, 1, 0, 2], "y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.warns(UserWarning, match="the rows of series 'a' in the DataFrame were not in time order"):
        ss = load_series(frame)
    assert [s.target[:, 0].tolist() for s in ss.series] == [[3.0, 1.0], [2.0, 4.0]]


def test_irregular_frequency_names_the_common_step_and_the_first_gap(tmp_path):
    rows = ["2020-01-01 00:00", "2020-01-01 01:00", "2020-01-01 02:00", "2020-01-01 05:00", "2020-01-01 06:00"]
    path = write(tmp_path, "date,y\n" + "".join(f"{t},1\n" for t in rows))
    with raises(
        f"cannot infer the frequency of column 'date': timestamps are not equally spaced; the most common step is 1h "
        f"but 2020-01-01 05:00:00 at line 5 of {path} (line 1 is the header) comes 3h after 2020-01-01 02:00:00; "
        f"pass freq (a pandas alias such as 'h', 'D' or 'MS') to treat the gaps as missing values, or fix the timestamps."
    ):
        load_series(path)


def test_given_freq_turns_gaps_into_missing_values_and_rejects_off_grid_times(tmp_path):
    path = write(tmp_path, "date,y\n2020-01-01 00:00,1\n2020-01-01 01:00,2\n2020-01-01 03:00,4\n")
    with raises(
        f"1 value is missing in {path}, at y@2020-01-01 02:00:00; fill the gaps, or pass --missing interpolate "
        f"or --missing ffill (missing='interpolate' or 'ffill' in Python)."
    ):
        load_series(path, freq="h")
    path = write(tmp_path, "date,y\n2020-01-01 00:00,1\n2020-01-01 01:30,2\n", name="off.csv")
    with raises(
        f"timestamp 2020-01-01 01:30:00 in column 'date' at line 3 of {path} (line 1 is the header) is not on the "
        f"'h' grid that starts at 2020-01-01 00:00:00; check freq or fix the timestamp."
    ):
        load_series(path, freq="h")


def test_unknown_frequency_and_freq_without_dates():
    with raises("unknown frequency 'hourly'; expected a pandas offset alias such as 'h', 'D', 'W', 'MS' or '15min'."):
        load_series(pd.DataFrame({"y": [1.0]}), freq="hourly")
    with raises(
        "freq='h' was given but the data have no date/time column (integer steps); "
        "drop freq or pass time_col naming the date/time column."
    ):
        load_series(pd.DataFrame({"y": [1.0, 2.0]}), freq="h")


def test_series_of_different_frequencies():
    frame = pd.DataFrame(
        {
            "unique_id": ["a"] * 3 + ["b"] * 3,
            "ds": list(pd.date_range("2020", periods=3, freq="D")) + list(pd.date_range("2020", periods=3, freq="h")),
            "y": np.arange(6.0),
        }
    )
    with raises(
        "series 'a' has frequency 'D' but series 'b' has 'h'; all series must share one frequency; "
        "resample them to one or pass freq."
    ):
        load_series(frame)


def test_all_missing_column():
    frame = pd.DataFrame({"y": [1.0, 2.0, 3.0], "x": [np.nan, np.nan, np.nan]})
    with raises("column 'x' has no values (all 3 are missing) in the DataFrame; drop it from target/covariates or fill it."):
        load_series(frame, target="y", covariates="x", missing="ffill")


def test_missing_values_are_counted_and_the_first_three_named(tmp_path):
    path = write(tmp_path, "date,a,b\n2020-01-01,1,5\n2020-01-02,,\n2020-01-03,3,\n2020-01-04,,7\n")
    with raises(
        f"4 values are missing in {path}, first at a@2020-01-02 00:00:00, b@2020-01-02 00:00:00, "
        f"b@2020-01-03 00:00:00; fill the gaps, or pass --missing interpolate or --missing ffill "
        f"(missing='interpolate' or 'ffill' in Python)."
    ):
        load_series(path)


def test_missing_values_in_long_and_integer_step_data():
    frame = pd.DataFrame({"unique_id": ["a", "a", "b", "b"], "ds": [0, 1, 0, 1], "y": [1.0, 2.0, np.nan, 4.0]})
    with raises(
        "1 value is missing in the DataFrame, at y@step 0 (series 'b'); fill the gaps, or pass --missing interpolate "
        "or --missing ffill (missing='interpolate' or 'ffill' in Python)."
    ):
        load_series(frame)


def test_unknown_missing_policy():
    with raises("unknown missing-value policy 'drop'; expected one of: 'error', 'interpolate', 'ffill'."):
        load_series(pd.DataFrame({"y": [1.0]}), missing="drop")


def test_long_data_id_and_value_problems():
    with raises("value_col='y' needs id_col, the series-id column of long data; pass id_col, or use target for wide data."):
        load_series(pd.DataFrame({"y": [1.0]}), value_col="y")
    frame = pd.DataFrame({"id": ["a", None], "y": [1.0, 2.0]})
    with raises(
        "missing series id in column 'id' at row index 1 (0-based) of the DataFrame; every row of long data needs "
        "an id; fill it in or drop the row."
    ):
        load_series(frame, id_col="id")


def test_check_length_gives_the_numbers_and_the_fix():
    series_set = SeriesSet([Series("ETTh1", None, np.zeros((100, 1)), np.zeros((100, 0)))], ["OT"])
    check_length(series_set, lookback=76, horizon=24)
    with raises(
        "series 'ETTh1' has 100 rows but lookback 96 + horizon 24 = 120 rows are needed for one window; "
        "use a shorter lookback or horizon, or a longer series."
    ):
        check_length(series_set, lookback=96, horizon=24)
    with raises(
        "series 'ETTh1' has 100 rows but min_rows=150 are needed (one window takes lookback 10 + horizon 5 = 15); "
        "use a longer series or a smaller min_rows."
    ):
        check_length(series_set, lookback=10, horizon=5, min_rows=150)
    with raises("lookback must be a positive integer; got 0."):
        check_length(series_set, lookback=0, horizon=5)


def test_future_times_needs_a_frequency():
    with raises(
        "future_times needs a frequency but freq is None (integer-step data); count steps instead, "
        "or load the data with a date/time column."
    ):
        future_times(pd.Timestamp("2020-01-01"), None, 3)


def test_schema_with_unknown_keys():
    with raises(
        "invalid series-set schema: unknown keys ['colour']; expected the keys ['layout', 'time_column', 'id_column', "
        "'target_columns', 'covariate_columns', 'freq', 'series_ids']."
    ):
        SeriesSet.from_dict({"colour": 1})


def test_all_missing_column_in_one_series_of_a_long_frame_names_that_series():
    """The check runs for all series at once; only the series with an empty column is named."""
    frame = pd.DataFrame({"id": ["a"] * 3 + ["b"] * 3 + ["c"] * 3, "y": [1.0, 2.0, 3.0] * 3,
                          "x": [1.0, np.nan, 2.0, np.nan, np.nan, np.nan, 5.0, 6.0, 7.0]})
    with raises("column 'x' of series 'b' has no values (all 3 are missing) in the DataFrame; drop it from "
                "target/covariates or fill it."):
        load_series(frame, id_col="id", target="y", covariates="x", missing="ffill")
