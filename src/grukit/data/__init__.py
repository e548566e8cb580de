"""Time-series tables: load, check, split, scale, add calendar features and cut into windows.

Forecasting uses all of it; detection, classification and audio use the file reading
(``data.source``), the value and time checks, ``StandardScaler`` and the windows. What only one
task reads stays in its package: labelled sequence files in ``grukit.classify``, text in
``grukit.lm``, piano rolls and MIDI in ``grukit.music``.

``import grukit.data`` does not import torch (nor matplotlib); ``WindowDataset`` is imported from
``grukit.data.torch_dataset`` the first time it is used.

Shapes use the legend of :mod:`grukit.nn.functional`.

Example:
    >>> from grukit.data import SplitSpec, load_dataset, load_series, split_ranges
    >>> ss = load_series(load_dataset("etth1"), target="OT")
    >>> ss.freq, ss.series[0].target.shape
    ('h', (17420, 1))
    >>> split_ranges(len(ss.series[0]), SplitSpec("ett"), lookback=96)
    {'train': (0, 8640), 'val': (8544, 11520), 'test': (11424, 14400)}
"""

from __future__ import annotations

import importlib

from grukit.data.assemble import ModelArrays, model_arrays
from grukit.data.calendar import calendar_feature_names, calendar_features, future_times
from grukit.data.checks import check_length
from grukit.data.datasets import DatasetInfo, dataset_info, list_datasets, load_dataset
from grukit.data.frame import load_series
from grukit.data.frequency import season_length
from grukit.data.missing import MISSING_POLICIES
from grukit.data.scaling import StandardScaler, fit_scalers
from grukit.data.series import Series, SeriesSet
from grukit.data.split import SplitSpec, series_split_ranges, split_ranges
from grukit.data.transforms import LogScaler, scaler_from_dict
from grukit.data.windows import sliding_windows, window_index, window_starts

__all__ = [
    "MISSING_POLICIES",
    "DatasetInfo",
    "LogScaler",
    "ModelArrays",
    "Series",
    "SeriesSet",
    "SplitSpec",
    "StandardScaler",
    "WindowDataset",
    "calendar_feature_names",
    "calendar_features",
    "check_length",
    "dataset_info",
    "fit_scalers",
    "future_times",
    "list_datasets",
    "load_dataset",
    "load_series",
    "model_arrays",
    "scaler_from_dict",
    "season_length",
    "series_split_ranges",
    "sliding_windows",
    "split_ranges",
    "window_index",
    "window_starts",
]


def __getattr__(name: str):
    if name == "WindowDataset":  # the one torch import, deferred until used
        return importlib.import_module("grukit.data.torch_dataset").WindowDataset
    raise AttributeError(f"module 'grukit.data' has no attribute {name!r}")
