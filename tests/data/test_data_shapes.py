"""Real-world CSV shapes: each is read right (columns, time, frequency, values, notes) or refused
with the exact one-line message. Small files written by the tests; the read-back line is checked
through the command line and through Python."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from helpers.cli import one_line_error, run
from grukit.data import load_series
from grukit.errors import DataError

MONTHS = pd.date_range("2015-01-01", periods=30, freq="MS")
DAYS = pd.date_range("2022-01-01", periods=40, freq="D")


def _lines(header: str, rows) -> str:
    return header + "\n" + "".join(f"{row}\n" for row in rows)


def _long(id_name: str, time_name: str, value_name: str, fmt: str = "%Y-%m") -> str:
    rows = [f"{s},{t:{fmt}},{100 * k + i}" for k, s in enumerate("AB") for i, t in enumerate(MONTHS)]
    return _lines(f"{id_name},{time_name},{value_name}", rows)


# name -> (file text, load_series options, expected: time column, freq, targets, id column, series
#          count, first three values of the first series, first time of the first series, notes)
SHAPES = {
    "iso dates": (_lines("date,y", [f"{t:%Y-%m-%d},{i}" for i, t in enumerate(DAYS)]), {},
                  ("date", "D", ["y"], None, 1, [0, 1, 2], "2022-01-01", [])),
    "nixtla long": (_long("unique_id", "ds", "y"), {},
                    ("ds", "MS", ["y"], "unique_id", 2, [0, 1, 2], "2015-01-01", [])),
    "integer year column (statsmodels nile)": (
        _lines("year,volume", [f"{1871 + i},{900 + i}" for i in range(30)]), {},
        ("year", "YS-JAN", ["volume"], None, 1, [900, 901, 902], "1871-01-01", ["whole years in 'year'"])),
    "long data with other names": (
        _long("series", "month", "value"), {},
        ("month", "MS", ["value"], "series", 2, [0, 1, 2], "2015-01-01", ["long data, one series per 'series'"])),
    "long data, id column last": (
        _lines("month,value,store", [f"{t:%Y-%m},{100 * k + i},{s}" for k, s in enumerate("AB")
                                     for i, t in enumerate(MONTHS)]), {},
        ("month", "MS", ["value"], "store", 2, [0, 1, 2], "2015-01-01", ["long data, one series per 'store'"])),
    "semicolons, decimal commas, day-first dotted dates": (
        _lines("Datum;Wert", [f"{t:%d.%m.%Y};{i},5" for i, t in enumerate(DAYS)]), {},
        ("Datum", "D", ["Wert"], None, 1, [0.5, 1.5, 2.5], "2022-01-01",
         ["';'-separated", "decimal comma in Wert", "day-first dates"])),
    "semicolons, decimal points": (
        _lines("date;y", [f"{t:%Y-%m-%d};{i}.25" for i, t in enumerate(DAYS)]), {},
        ("date", "D", ["y"], None, 1, [0.25, 1.25, 2.25], "2022-01-01", ["';'-separated"])),
    "semicolons, thousands dots and decimal commas": (
        _lines("date;y", [f"{t:%Y-%m-%d};1.{i:03d},5" for i, t in enumerate(DAYS)]), {},
        ("date", "D", ["y"], None, 1, [1000.5, 1001.5, 1002.5], "2022-01-01",
         ["';'-separated", "decimal comma in y"])),
    "tabs": (_lines("date\ty", [f"{t:%Y-%m-%d}\t{i}" for i, t in enumerate(DAYS)]), {},
             ("date", "D", ["y"], None, 1, [0, 1, 2], "2022-01-01", ["tab-separated"])),
    "pipes": (_lines("date|y", [f"{t:%Y-%m-%d}|{i}" for i, t in enumerate(DAYS)]), {},
              ("date", "D", ["y"], None, 1, [0, 1, 2], "2022-01-01", ["'|'-separated"])),
    "quoted numbers with thousands commas": (
        _lines("date,y", [f'{t:%Y-%m-%d},"1,{i:03d}.5"' for i, t in enumerate(DAYS)]), {},
        ("date", "D", ["y"], None, 1, [1000.5, 1001.5, 1002.5], "2022-01-01", ["thousands separators in y"])),
    "day-first slashes": (_lines("date,sales", [f"{t:%d/%m/%Y},{i}" for i, t in enumerate(DAYS)]), {},
                          ("date", "D", ["sales"], None, 1, [0, 1, 2], "2022-01-01", ["day-first dates"])),
    "month-first slashes (US)": (_lines("date,sales", [f"{t:%m/%d/%Y},{i}" for i, t in enumerate(DAYS)]), {},
                                 ("date", "D", ["sales"], None, 1, [0, 1, 2], "2022-01-01", [])),
    "day-first monthly dates, both readings parse": (
        _lines("date,sales", [f"{t:%d/%m/%Y},{i}" for i, t in enumerate(MONTHS)]), {},
        ("date", "MS", ["sales"], None, 1, [0, 1, 2], "2015-01-01", ["day-first dates"])),
    "date_format given": (_lines("d,y", [f"{t:%d.%m.%Y},{i}" for i, t in enumerate(DAYS)]),
                          {"date_format": "%d.%m.%Y"},
                          ("d", "D", ["y"], None, 1, [0, 1, 2], "2022-01-01", ["dates as %d.%m.%Y"])),
    "Excel-style date and time": (
        _lines("Date,Sales", [f"{t.month}/{t.day}/{t.year} 0:00,{i}" for i, t in enumerate(DAYS)]), {},
        ("Date", "D", ["Sales"], None, 1, [0, 1, 2], "2022-01-01", [])),
    "quarters written 2020Q1": (_lines("quarter,y", [f"{2010 + i // 4}Q{i % 4 + 1},{i}" for i in range(20)]), {},
                                ("quarter", "QS-*", ["y"], None, 1, [0, 1, 2], "2010-01-01", [])),
    "UTF-8 byte-order mark": ("\ufeff" + _lines("date,y", [f"{t:%Y-%m-%d},{i}" for i, t in enumerate(DAYS)]), {},
                              ("date", "D", ["y"], None, 1, [0, 1, 2], "2022-01-01", [])),
    "Windows line ends": (_lines("date,y", [f"{t:%Y-%m-%d},{i}" for i, t in enumerate(DAYS)]).replace("\n", "\r\n"),
                          {}, ("date", "D", ["y"], None, 1, [0, 1, 2], "2022-01-01", [])),
    "unnamed row-number column (DataFrame.to_csv)": (
        _lines(",date,y", [f"{i},{t:%Y-%m-%d},{i}" for i, t in enumerate(DAYS)]), {},
        ("date", "D", ["y"], None, 1, [0, 1, 2], "2022-01-01", ["unnamed row-number column dropped"])),
    "time zone offsets": (
        _lines("time,y", [f"{t:%Y-%m-%dT%H:%M:%S}+01:00,{i}" for i, t in
                          enumerate(pd.date_range("2021-01-01", periods=30, freq="h"))]), {},
        ("time", "h", ["y"], None, 1, [0, 1, 2], "2021-01-01 00:00:00+01:00", [])),
    "mixed UTC offsets (daylight saving)": (
        _lines("time,y", [f"{t.isoformat()},{i}" for i, t in
                          enumerate(pd.date_range("2021-03-28", periods=30, freq="h", tz="Europe/Berlin"))]), {},
        ("time", "h", ["y"], None, 1, [0, 1, 2], "2021-03-27 23:00:00+00:00",
         ["mixed UTC offsets (+01:00, +02:00) converted to UTC"])),
    "header with spaces, quoted": (_lines('date,"Total Sales"', [f"{t:%Y-%m-%d},{i}" for i, t in enumerate(DAYS)]),
                                   {}, ("date", "D", ["Total Sales"], None, 1, [0, 1, 2], "2022-01-01", [])),
    "no time column": (_lines("y", range(30)), {}, (None, None, ["y"], None, 1, [0, 1, 2], None, [])),
    "integer step column": (_lines("time,y", [f"{i},{i}" for i in range(30)]), {},
                            ("time", None, ["y"], None, 1, [0, 1, 2], None, [])),
    "rows not in time order": (
        _lines("date,y", [f"{t:%Y-%m-%d},{i}" for i, t in reversed(list(enumerate(DAYS)))]), {},
        ("date", "D", ["y"], None, 1, [0, 1, 2], "2022-01-01", ["rows sorted by time (series 'data')"])),
    "long data not in time order": (
        _lines("series,month,value", reversed(_long("s", "m", "v").splitlines()[1:])), {},
        ("month", "MS", ["value"], "series", 2, [100, 101, 102], "2015-01-01",
         ["long data, one series per 'series'", "rows sorted by time (2 series (first 'B'))"])),
    "a two-month gap with freq and interpolation": (
        _lines("date,y", [f"{t:%Y-%m-%d},{i}" for i, t in enumerate(MONTHS) if i not in (5, 6)]),
        {"freq": "MS", "missing": "interpolate"},
        ("date", "MS", ["y"], None, 1, [0, 1, 2], "2015-01-01", ["interpolate filled 2 of 30 values (7%)"])),
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_csv_shape_is_read_right(tmp_path, shape):
    text, options, expected = SHAPES[shape]
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode("utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the sorted-rows warning is tested below
        ss = load_series(path, **options)
    time_column, freq, targets, id_column, count, values, first_time, notes = expected
    if freq is not None and freq.endswith("*"):  # pandas versions name the anchor differently (QS-OCT, QS-JAN)
        assert ss.freq.startswith(freq[:-1])
        freq = ss.freq
    assert (ss.time_column, ss.freq, ss.target_columns, ss.id_column, len(ss.series)) == (
        time_column, freq, targets, id_column, count)
    np.testing.assert_allclose(ss.series[0].target[:3, 0], values)
    assert (None if ss.series[0].time is None else str(ss.series[0].time[0])) == (
        None if first_time is None else str(pd.Timestamp(first_time)))
    assert ss.notes == notes


def _refused(tmp_path, text: str, **options) -> str:
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(DataError) as error:
        load_series(path, **options)
    return str(error.value).replace(str(path), "data.csv")


def test_ambiguous_dates_ask_for_a_format(tmp_path):
    # month-first: 2, 3, 4 January (daily); day-first: 1 February, March, April (monthly): both regular
    message = _refused(tmp_path, _lines("date,y", ["01/02/2020,1", "01/03/2020,2", "01/04/2020,3"]))
    assert message == (
        "dates such as '01/02/2020' in column 'date' read both day-first and month-first; pass date_format "
        "(--date-format), e.g. '%d/%m/%Y' for day-first or '%m/%d/%Y' for month-first.")


def test_a_cell_not_in_the_given_format_is_named(tmp_path):
    message = _refused(tmp_path, _lines("d,y", ["05.01.2021,1", "2021-01-06,2"]), date_format="%d.%m.%Y")
    assert message == (
        "cannot parse '2021-01-06' in time column 'd' at line 3 of data.csv (line 1 is the header) as a date/time; "
        "expected the format '%d.%m.%Y'; fix the value, pass date_format (--date-format, e.g. '%d.%m.%Y') or pass "
        "the right time_col.")


def test_a_monthly_gap_is_blamed_on_the_real_gap(tmp_path):
    rows = [f"{t:%Y-%m-%d},{i}" for i, t in enumerate(MONTHS) if i not in (14, 15)]
    message = _refused(tmp_path, _lines("date,y", rows))
    assert message == (
        "cannot infer the frequency of column 'date': timestamps are not equally spaced; the most common step is "
        "one month but 2016-05-01 00:00:00 at line 16 of data.csv (line 1 is the header) is not one step after "
        "2016-02-01 00:00:00; pass freq='MS' (--freq MS) to treat the gaps as missing values, or fix the timestamps.")


def test_interpolation_that_would_make_up_most_values_is_refused(tmp_path):
    # monthly data read with a daily grid: 97 % of the rows would be interpolated
    rows = [f"{t:%Y-%m-%d},{i}" for i, t in enumerate(MONTHS)]
    message = _refused(tmp_path, _lines("date,y", rows), freq="D", missing="interpolate")
    assert message == (
        "missing='interpolate' would fill 97% of column 'y' of series 'data' in data.csv (853 of 883 values); at "
        "most 50% may be filled; check freq (is it finer than the data?) and the dates (--date-format), or fill the "
        "gaps yourself.")


def test_interpolating_a_large_share_warns(tmp_path):
    rows = [f"{t:%Y-%m-%d},{i}" for i, t in enumerate(MONTHS) if i % 3 != 1]  # a third of the months missing
    path = tmp_path / "data.csv"
    path.write_text(_lines("date,y", rows))
    with pytest.warns(UserWarning, match=re.escape("interpolate filled 10 of 30 values (33%) in ")):
        load_series(path, freq="MS", missing="interpolate")


def test_several_text_columns_in_long_data_need_id_col(tmp_path):
    rows = ["A,x,2021-01-01,1", "B,y,2021-01-01,2", "A,x,2021-01-02,3", "B,y,2021-01-02,4"]
    message = _refused(tmp_path, _lines("store,kind,date,y", rows))
    assert message == (
        "timestamps in column 'date' of data.csv repeat, so the file looks like long data (one row per series and "
        "time), but several text columns could be the series id: store, kind; pass id_col (--id-col) naming it.")


def test_an_unused_text_column_is_named_in_a_warning(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(_lines("date,y,comment", [f"{t:%Y-%m-%d},{i},ok" for i, t in enumerate(DAYS)]))
    with pytest.warns(UserWarning, match=re.escape("column 'comment' of ") + ".*" +
                      re.escape(" holds text and is not used; pass id_col if one names the series.")):
        ss = load_series(path)
    assert ss.target_columns == ["y"]


def test_the_read_back_line_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "nile.csv"
    path.write_text(_lines("year,volume", [f"{1871 + i},{900 + (i % 7) * 10}" for i in range(40)]))
    code, out, err = run(capsys, ["forecast", "train", path, "--epochs", "1", "--ensemble", "1",
                                  "--cv-windows", "0", "--no-progress"])
    assert code == 0, err
    assert out.splitlines()[0] == (
        f"{path}: 1 series, 40 rows; time 'year' (YS-JAN, season 1) 1871-01-01 .. 1910-01-01; target 'volume'; no covariates; "
        f"trains on every row; lookback 18, horizon 6; notes: whole years in 'year'")


def test_the_read_back_line_in_python_and_config_json(tmp_path):
    from grukit.forecast import GRUForecaster

    path = tmp_path / "sales.csv"
    path.write_text(_long("series", "month", "value"))
    lines = []
    model = GRUForecaster(12, 6, epochs=1, ensemble=1, split="size", test_size=6, progress=False).fit(path, on_data=lines.append)
    expected = (f"{path}: 2 series, 60 rows; time 'month' (MS, season 12) 2015-01-01 .. 2017-06-01; target 'value'; no "
                f"covariates; train 2015-01-01 .. 2016-12-01, test 2017-01-01 .. 2017-06-01 (series 'A'); lookback 12, "
                f"horizon 6; notes: long data, one series per 'series'")
    assert lines == [expected] and model.read_back_ == expected
    model.save(tmp_path / "run")
    assert GRUForecaster.load(tmp_path / "run").read_back_ == expected


def test_a_bad_date_format_is_one_line_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text(_lines("d,y", ["05.01.2021,1", "2021-01-06,2"]))
    code, _, err = run(capsys, ["forecast", "train", path, "--date-format", "%d.%m.%Y"])
    assert code == 1
    assert one_line_error(err).startswith("cannot parse '2021-01-06' in time column 'd' at line 3 of ")


CLI_SHAPES = ["integer year column (statsmodels nile)", "long data with other names",
              "semicolons, decimal commas, day-first dotted dates", "day-first monthly dates, both readings parse",
              "quoted numbers with thousands commas", "unnamed row-number column (DataFrame.to_csv)",
              "mixed UTC offsets (daylight saving)", "long data not in time order"]


@pytest.mark.parametrize("shape", CLI_SHAPES)
def test_csv_shape_through_the_command_line_read_back(tmp_path, capsys, shape):
    text, options, expected = SHAPES[shape]
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode("utf-8"))
    code, out, err = run(capsys, ["forecast", "train", path, "--horizon", "2", "--lookback", "4", "--epochs", "1",
                                  "--ensemble", "1", "--cv-windows", "0", "--quiet"])
    assert code == 0, err
    line = out.splitlines()[0]
    time_column, freq, targets, id_column, count, _, _, notes = expected
    assert line.startswith(f"{path}: {count} series, ")
    assert f"time {time_column!r} ({freq}, season " in line and f"; target {targets[0]!r}; " in line
    assert line.endswith(f"; notes: {', '.join(notes)}")
