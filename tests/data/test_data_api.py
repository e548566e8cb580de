"""The public surface of grukit.data and its import weight (no torch, no matplotlib)."""

import subprocess
import sys

import grukit.data

PUBLIC = {
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
}


def test_all_is_curated_and_every_name_resolves():
    assert set(grukit.data.__all__) == PUBLIC
    assert len(grukit.data.__all__) == len(PUBLIC)
    for name in grukit.data.__all__:
        assert getattr(grukit.data, name) is not None


def test_import_does_not_load_torch_or_matplotlib():
    code = (
        "import sys, grukit.data as d; "
        "d.load_series(d.load_dataset('air_passengers')); "
        "print('torch' in sys.modules, 'matplotlib' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


def test_window_dataset_is_loaded_on_first_use():
    from grukit.data.torch_dataset import WindowDataset

    assert grukit.data.WindowDataset is WindowDataset
