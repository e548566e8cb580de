"""Calendar features, window starts, windows as views, WindowDataset and model_arrays."""

import math
import re

import numpy as np
import pandas as pd
import pytest
import torch

from grukit.data import (
    SplitSpec,
    WindowDataset,
    calendar_feature_names,
    calendar_features,
    fit_scalers,
    future_times,
    load_series,
    model_arrays,
    series_split_ranges,
    sliding_windows,
    window_index,
    window_starts,
)
from grukit.errors import DataError


def raises(message):
    return pytest.raises(DataError, match=f"^{re.escape(message)}$")


def test_calendar_features_of_a_known_hourly_timestamp():
    # 2016-07-01 18:00 is a Friday (weekday 4) in July (month index 6)
    features = calendar_features(pd.DatetimeIndex(["2016-07-01 18:00"]), "h")
    hour, weekday, month = 2 * math.pi * 18 / 24, 2 * math.pi * 4 / 7, 2 * math.pi * 6 / 12
    expected = [math.sin(hour), math.cos(hour), math.sin(weekday), math.cos(weekday), math.sin(month), math.cos(month)]
    np.testing.assert_allclose(features, [expected], atol=1e-12)
    np.testing.assert_allclose(features[0, :2], [-1.0, 0.0], atol=1e-12)


def test_calendar_hour_counts_minutes():
    features = calendar_features(pd.DatetimeIndex(["2020-01-01 06:30"]), "15min")
    angle = 2 * math.pi * 6.5 / 24
    np.testing.assert_allclose(features[0, :2], [math.sin(angle), math.cos(angle)])


@pytest.mark.parametrize(
    "freq, names",
    [
        ("h", ["hour_sin", "hour_cos", "weekday_sin", "weekday_cos", "month_sin", "month_cos"]),
        ("15min", ["hour_sin", "hour_cos", "weekday_sin", "weekday_cos", "month_sin", "month_cos"]),
        ("D", ["weekday_sin", "weekday_cos", "month_sin", "month_cos"]),
        ("B", ["weekday_sin", "weekday_cos", "month_sin", "month_cos"]),
        ("W-SUN", ["month_sin", "month_cos"]),
        ("MS", ["month_sin", "month_cos"]),
        ("QS-JAN", []),
        ("YS", []),
        (None, []),
    ],
)
def test_calendar_features_chosen_from_the_frequency(freq, names):
    assert calendar_feature_names(freq) == names
    times = pd.date_range("2020-01-06", periods=5, freq=freq or "D")
    assert calendar_features(times, freq).shape == (5, len(names))


def test_future_times_continue_the_grid():
    assert list(future_times(pd.Timestamp("2018-06-26 19:00"), "h", 2)) == [
        pd.Timestamp("2018-06-26 20:00"),
        pd.Timestamp("2018-06-26 21:00"),
    ]
    months = future_times("1960-12-01", "MS", 3)
    assert list(months.strftime("%Y-%m-%d")) == ["1961-01-01", "1961-02-01", "1961-03-01"]
    assert months.equals(pd.date_range("1961-01-01", periods=3, freq="MS"))  # the same values (no freq is set)


def test_window_starts():
    np.testing.assert_array_equal(window_starts(0, 10, lookback=3, horizon=2), [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(window_starts(4, 10, lookback=3, horizon=2, stride=2), [4])
    assert window_starts(0, 4, lookback=3, horizon=2).size == 0
    assert window_starts(0, 10, 3, 2).dtype == np.int64
    with raises("stride must be a positive integer; got 0."):
        window_starts(0, 10, 3, 2, stride=0)


def test_windows_stay_inside_the_split_range():
    series_set = load_series(pd.DataFrame({"y": np.arange(200.0)}))
    ranges = series_split_ranges(series_set, SplitSpec("fraction", 0.2, 0.2), lookback=12)[0]
    for part in ("train", "val", "test"):
        start, stop = ranges[part]
        starts = window_starts(start, stop, lookback=12, horizon=6)
        assert starts.min() == start and starts.max() + 12 + 6 == stop
    assert ranges["val"][0] + 12 == ranges["train"][1]  # the first val target is the first row after train


def test_sliding_windows_are_views():
    values = np.arange(20.0).reshape(10, 2)  # (N, C)
    windows = sliding_windows(values, 4)  # (7, 4, 2)
    assert windows.shape == (7, 4, 2)
    assert np.shares_memory(windows, values)
    np.testing.assert_array_equal(windows[3], values[3:7])
    strided = sliding_windows(values, 4, stride=3)
    assert strided.shape == (3, 4, 2) and np.shares_memory(strided, values)
    np.testing.assert_array_equal(strided[2], values[6:10])


def test_window_index_over_several_series():
    index = window_index([(0, 6), None, (2, 7)], lookback=3, horizon=2)
    np.testing.assert_array_equal(index, [[0, 0], [0, 1], [2, 2]])


def test_window_dataset_shapes_and_values():
    inputs = [np.arange(30, dtype=np.float32).reshape(10, 3), np.arange(24, dtype=np.float32).reshape(8, 3)]
    targets = [a[:, :1].copy() for a in inputs]
    future = [np.full((10, 2), 7.0, dtype=np.float32), np.full((8, 2), 8.0, dtype=np.float32)]
    index = window_index([(0, 10), (0, 8)], lookback=4, horizon=2)
    dataset = WindowDataset(inputs, targets, index, lookback=4, horizon=2, known_future=future)
    assert len(dataset) == 5 + 3
    x, y, fut = dataset[6]  # series 1, start 1
    assert x.shape == (4, 3) and y.shape == (2, 1) and fut.shape == (2, 2)
    assert x.dtype == y.dtype == fut.dtype == torch.float32
    np.testing.assert_array_equal(x.numpy(), inputs[1][1:5])
    np.testing.assert_array_equal(y.numpy(), targets[1][5:7])
    np.testing.assert_array_equal(fut.numpy(), future[1][5:7])
    assert np.shares_memory(x.numpy(), inputs[1])  # float32 input: the window is a view, not a copy
    batch = next(iter(torch.utils.data.DataLoader(dataset, batch_size=8)))
    assert [t.shape for t in batch] == [(8, 4, 3), (8, 2, 1), (8, 2, 2)]


def test_window_dataset_without_known_future_and_from_float64():
    values = np.arange(10.0)[:, None]
    dataset = WindowDataset([values], [values], window_index([(0, 10)], 3, 1), lookback=3, horizon=1)
    x, y = dataset[0]
    assert x.dtype == torch.float32 and x.squeeze(-1).tolist() == [0.0, 1.0, 2.0] and y.tolist() == [[3.0]]


def test_window_dataset_rejects_a_window_past_the_end():
    values = np.zeros((10, 1), dtype=np.float32)
    with raises(
        "WindowDataset: window (series 0, start 6) needs rows [6, 11) but the series has 10 rows; "
        "build the index with window_index."
    ):
        WindowDataset([values], [values], np.array([[0, 0], [0, 6]]), lookback=3, horizon=2)
    with raises("WindowDataset: series 0 has 10 input rows but 9 targets rows; all arrays of a series need the same rows."):
        WindowDataset([values], [values[:9]], np.zeros((0, 2), dtype=np.int64), lookback=3, horizon=2)


def test_model_arrays_scale_with_train_rows_and_add_calendar():
    frame = pd.DataFrame(
        {"date": pd.date_range("2020-01-01", periods=48, freq="h"), "y": np.arange(48.0), "x": np.ones(48) * 3}
    )
    series_set = load_series(frame, target="y", covariates="x")
    ranges = series_split_ranges(series_set, SplitSpec("size", val=8, test=8), lookback=6)
    train = [r["train"] for r in ranges]
    arrays = model_arrays(
        series_set,
        fit_scalers([s.target for s in series_set.series], train),
        fit_scalers([s.past_covariates for s in series_set.series], train),
    )
    assert arrays.input_names == ["y", "x", *calendar_feature_names("h")]
    assert arrays.inputs[0].shape == (48, 2 + 6) and arrays.inputs[0].dtype == np.float32
    assert arrays.known_future[0].shape == (48, 6)
    np.testing.assert_allclose(arrays.targets[0][:32].mean(), 0.0, atol=1e-6)  # train rows are centred
    np.testing.assert_array_equal(arrays.inputs[0][:, 1], 0.0)  # constant covariate -> 0
    index = window_index([r["test"] for r in ranges], lookback=6, horizon=2)
    dataset = WindowDataset(arrays.inputs, arrays.targets, index, 6, 2, known_future=arrays.known_future)
    x, y, future = dataset[0]
    assert x.shape == (6, 8) and y.shape == (2, 1) and future.shape == (2, 6)
