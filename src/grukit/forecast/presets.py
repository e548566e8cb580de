"""Options that suit each bundled dataset, applied under the user's own when no data file is given.

Each preset follows the dataset's usual evaluation protocol (see BENCHMARKS.md for the numbers
they reach); any option given on the command line, in a TOML file or in Python wins.
"""

from __future__ import annotations

PRESETS: dict[str, dict] = {
    # seed 001: windows of 50, the first 800 windows train, one step ahead on the last 150
    "sine": dict(lookback=50, horizon=1, split="size", val_size=0, test_size=150, calendar=False),
    # the last 12 months held out, 12 before them for validation
    "air_passengers": dict(lookback=24, horizon=12, split="size", val_size=12, test_size=12, revin=True,
                           lr=3e-3, batch_size=16, epochs=60),
    # the ETT protocol: train 8,640 / val 2,880 / test 2,880 rows, z-score fitted on train
    "etth1": dict(lookback=96, horizon=96, split="ett", revin=True, channel_independent=True),
    "etth2": dict(lookback=96, horizon=96, split="ett", revin=True, channel_independent=True),
    # two solar cycles of history, two years ahead
    "sunspots": dict(lookback=264, horizon=24, revin=True),
}


def preset_options(dataset: str, options: dict) -> dict:
    """The dataset's preset overlaid with ``options`` (the user's choices win)."""
    return {**PRESETS.get(dataset, {}), **options}
