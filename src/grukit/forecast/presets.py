"""Options that suit each bundled dataset, applied under the user's own when no data file is given.

Each preset follows the dataset's usual evaluation protocol (see BENCHMARKS.md for the numbers
they reach); any option given on the command line, in a TOML file or in Python wins. The presets
were tuned before the generic defaults of :mod:`grukit.forecast.defaults` existed, so each one
starts from the options of that time (``HOLDOUT``: a held-out test part, a z-score per series,
calendar features, MSE, no padding, one network, no Theta combination). ``preset=False`` runs a
bundled dataset with the generic defaults instead; BENCHMARKS.md reports both.
"""

from __future__ import annotations

ETT_COLUMNS = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]

HOLDOUT = dict(lookback=48, horizon=12, val_size=0.1, test_size=0.2, scaler="standard", calendar=True, loss="mse",
               pad=False, ensemble=1, combine="none")

PRESETS: dict[str, dict] = {
    # the classic sine-wave tutorial: windows of 50, the first 800 windows train, one step ahead on the last 150;
    # two GRU steps over segments of 25 values
    "sine": dict(lookback=50, horizon=1, split="size", val_size=0, test_size=150, calendar=False,
                 hidden_size=64, segment_length=25, epochs=100, batch_size=100, lr=5e-3),
    # the last 12 months held out; segments of 12 months; chosen on 1955-1959 (BENCHMARKS.md)
    "air_passengers": dict(lookback=24, horizon=12, split="size", val_size=0, test_size=12, calendar=False,
                           revin=True, hidden_size=32, segment_length=12, dropout=0.2,
                           epochs=80, batch_size=16, lr=1e-2),
    # the ETT protocol: train 8,640 / val 2,880 / test 2,880 rows, z-score fitted on train, all 7 columns
    "etth1": dict(target=ETT_COLUMNS, lookback=96, horizon=96, split="ett", calendar=False, revin=True, channel_independent=True,
                  hidden_size=256, segment_length=48, dropout=0.5, loss="mae",
                  epochs=10, patience=3, batch_size=64, lr=3e-4),
    "etth2": dict(target=ETT_COLUMNS, lookback=96, horizon=96, split="ett", calendar=False, revin=True, channel_independent=True,
                  hidden_size=256, segment_length=48, dropout=0.5, loss="mae",
                  epochs=10, patience=3, batch_size=64, lr=3e-4),
    # two solar cycles of history, two years ahead
    "sunspots": dict(lookback=264, horizon=24, revin=True),
}


def preset_options(dataset: str, options: dict) -> dict:
    """The dataset's preset (over ``HOLDOUT``) overlaid with ``options`` (the user's choices win)."""
    return {**HOLDOUT, **PRESETS.get(dataset, {}), **options}
