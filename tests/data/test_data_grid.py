"""grid_values and on_grid: NumPy's version of date_range gives pandas' timestamps, or steps aside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.tseries.frequencies import to_offset

from grukit.data.calendar import future_times
from grukit.data.frequency import grid_values, on_grid

ALIASES = ["h", "15min", "3h", "D", "W", "W-SUN", "W-WED", "MS", "2MS", "ME", "QS", "QS-OCT", "QE", "QE-NOV", "YS",
           "YS-JUL", "YE", "B", "BMS"]
STARTS = ["2019-01-31", "2020-02-29", "2020-01-01", "2020-01-06", "2021-03-31", "2020-01-01 05:00"]


@pytest.mark.parametrize("alias", ALIASES)
def test_grid_values_equal_date_range_or_step_aside(alias):
    offset, computed = to_offset(alias), 0
    for start in STARTS:
        expected = pd.date_range(start, periods=40, freq=offset)
        grid = grid_values(expected[0], 40, offset)
        if grid is not None:
            computed += 1
            np.testing.assert_array_equal(grid, expected.values)
        assert on_grid(pd.DatetimeIndex(expected.values), offset)
        assert not on_grid(pd.DatetimeIndex(np.delete(expected.values, 7)), offset)  # one step missing
    assert computed > 0 if alias not in ("B", "BMS") else computed == 0  # business days: pandas' rules


def test_grid_values_leave_time_zones_and_off_grid_starts_to_pandas():
    assert grid_values(pd.Timestamp("2020-01-01", tz="UTC"), 3, to_offset("h")) is None
    assert grid_values(pd.Timestamp("2020-01-15"), 3, to_offset("MS")) is None
    assert grid_values(pd.Timestamp("2020-01-01 05:00"), 3, to_offset("MS")) is None


def test_future_times_after_a_day_that_is_not_on_the_grid():
    # 15 January + one month start is 1 February: the pandas path, as before
    assert list(future_times("2020-01-15", "MS", 2).strftime("%Y-%m-%d")) == ["2020-02-01", "2020-03-01"]
    assert list(future_times("2020-01-31", "ME", 2).strftime("%Y-%m-%d")) == ["2020-02-29", "2020-03-31"]


@pytest.mark.parametrize("alias", ["h", "D", "W-SUN", "MS", "ME", "QS-OCT", "YE", "B"])
def test_gridded_groups_agrees_with_on_grid_group_by_group(alias):
    from grukit.data.frequency import gridded_groups

    offset, rng = to_offset(alias), np.random.default_rng(0)
    groups, kinds = [], []
    for g in range(12):
        start = pd.date_range("2019-01-31", periods=5, freq=offset)[g % 5]
        times, kind = pd.date_range(start, periods=int(rng.integers(1, 9)), freq=offset).values, "clean"
        if g % 4 == 1 and len(times) > 2:
            times, kind = np.delete(times, 1), "gap"
        if g % 4 == 2 and len(times) > 2:
            times, kind = times[::-1], "reversed"
        if g % 4 == 3:
            times, kind = times + np.timedelta64(1, "h"), "shifted"  # a valid grid for h, D, W; pandas' for months
        groups.append(times)
        kinds.append(kind)
    lengths = np.array([len(t) for t in groups])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    fast = gridded_groups(np.concatenate(groups), starts, lengths, offset)
    slow = [on_grid(pd.DatetimeIndex(t), offset) for t in groups]
    assert (fast <= np.array(slow)).all()  # never claims a grid that is not there
    if alias != "B":  # business days: always left to the slow path, which then checks each series
        assert all(fast[g] for g, kind in enumerate(kinds) if kind == "clean")
        assert not any(fast[g] for g, kind in enumerate(kinds) if kind in ("gap", "reversed"))


@pytest.mark.parametrize("alias", ["h", "D", "W-SUN", "MS", "ME", "QS-OCT", "YE"])
def test_future_grid_equals_future_times_series_by_series(alias):
    from grukit.data.frequency import future_grid

    offset = to_offset(alias)
    lasts = pd.date_range("2020-01-31", periods=6, freq=offset).values
    grid = future_grid(lasts, 5, offset)
    for last, row in zip(lasts, grid):
        np.testing.assert_array_equal(row, future_times(pd.Timestamp(last), alias, 5).values)
    if alias in ("MS", "ME", "QS-OCT", "YE"):  # months at 01:00: left to pandas
        assert future_grid(lasts + np.timedelta64(1, "h"), 5, offset) is None
