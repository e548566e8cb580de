"""Single real series the project does not bundle, with the product's defaults: never worse than seasonal naive?

Protocol: each series' last h points are held out; ``GRUForecaster(horizon=h)`` (no other option
but the seed and progress) is fitted on the rest and forecasts them in one shot; MAE on the
original scale. Beside it, computed in this script on the same split: naive (the last value),
seasonal naive (the value one season earlier) and StatsForecast's AutoETS and AutoTheta. grukit's
number is the median of the seeds' MAEs; the last column is its MAE over the better of naive and
seasonal naive (below 1: better than both). The series:

    co2         statsmodels' Mauna Loa CO2, weekly 1958-2001, as monthly means (gaps interpolated); h 24
    realgdp     statsmodels' macrodata US real GDP, quarterly 1959-2009; h 8
    airline     AirPassengers as the common CSV (Month, #Passengers), read by grukit from the file; h 12
    nile        statsmodels' Nile river flow, yearly 1871-1970 (a level shift in 1898); h 10
    sunspots    statsmodels' yearly sunspot numbers 1700-2008 (an 11-year cycle); h 11

    python benchmarks/forecast_single_series.py                 # 3 seeds, about 2 minutes on 2 cores
    python benchmarks/forecast_single_series.py --seeds 0 --series co2 nile

Needs the ``bench`` extra (statsforecast, which brings statsmodels).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import _common
from grukit.data import load_dataset


def co2() -> tuple[pd.DataFrame, int, int]:
    import statsmodels.api as sm

    weekly = sm.datasets.co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate()
    return pd.DataFrame({"ds": monthly.index, "y": monthly.to_numpy()}), 24, 12


def realgdp() -> tuple[pd.DataFrame, int, int]:
    import statsmodels.api as sm

    data = sm.datasets.macrodata.load_pandas().data
    ds = pd.PeriodIndex.from_fields(year=data["year"].astype(int), quarter=data["quarter"].astype(int),
                                    freq="Q").to_timestamp()
    return pd.DataFrame({"ds": ds, "y": data["realgdp"].to_numpy()}), 8, 4


def airline() -> tuple[Path, int, int]:
    frame = load_dataset("air_passengers")
    path = Path(tempfile.mkdtemp(prefix="grukit-bench-")) / "AirPassengers.csv"
    pd.DataFrame({"Month": frame.iloc[:, 0].dt.strftime("%Y-%m"), "#Passengers": frame.iloc[:, 1]}).to_csv(
        path, index=False)
    return path, 12, 12


def nile() -> tuple[pd.DataFrame, int, int]:
    import statsmodels.api as sm

    data = sm.datasets.nile.load_pandas().data
    ds = pd.to_datetime(data["year"].astype(int).astype(str), format="%Y")
    return pd.DataFrame({"ds": ds, "y": data["volume"].to_numpy()}), 10, 1


def sunspots() -> tuple[pd.DataFrame, int, int]:
    import statsmodels.api as sm

    data = sm.datasets.sunspots.load_pandas().data
    ds = pd.to_datetime(data["YEAR"].astype(int).astype(str), format="%Y")
    return pd.DataFrame({"ds": ds, "y": data["SUNACTIVITY"].to_numpy()}), 11, 11


SERIES = {"co2": co2, "realgdp": realgdp, "airline": airline, "nile": nile, "sunspots": sunspots}


def split(source, h: int) -> tuple[object, np.ndarray, np.ndarray]:
    """(training data in the source's own form, training values, the h held-out values)."""
    if isinstance(source, Path):
        frame = pd.read_csv(source)
        train_path = source.with_name(f"train_{source.name}")
        frame.iloc[:-h].to_csv(train_path, index=False)
        return train_path, frame.iloc[:-h, 1].to_numpy(float), frame.iloc[-h:, 1].to_numpy(float)
    return source.iloc[:-h], source["y"].to_numpy(float)[:-h], source["y"].to_numpy(float)[-h:]


def baselines(history: np.ndarray, h: int, season: int) -> dict[str, np.ndarray]:
    """Naive, seasonal naive (StatsForecast's definition), AutoETS and AutoTheta from ``history``."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, AutoTheta

    naive = np.repeat(history[-1], h)
    seasonal = history[len(history) - season + np.arange(h) % season] if season > 1 else naive
    frame = pd.DataFrame({"unique_id": "s", "ds": np.arange(len(history)), "y": history})
    sf = StatsForecast(models=[AutoETS(season_length=season), AutoTheta(season_length=season)], freq=1)
    out = sf.forecast(df=frame, h=h)
    return {"naive": naive, "seasonal naive": seasonal, "AutoETS": out["AutoETS"].to_numpy(),
            "AutoTheta": out["AutoTheta"].to_numpy()}


def grukit_mae(train, actual: np.ndarray, h: int, seed: int) -> float:
    from grukit.forecast import GRUForecaster

    forecast = GRUForecaster(horizon=h, seed=seed, progress=False).fit(train).predict()
    return float(np.mean(np.abs(forecast.iloc[:, -1].to_numpy() - actual)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--series", nargs="+", choices=list(SERIES), default=list(SERIES))
    args = p.parse_args()
    print(_common.machine())
    rows = []
    for name in args.series:
        source, h, season = SERIES[name]()
        train, history, actual = split(source, h)
        scores = {k: float(np.mean(np.abs(v - actual))) for k, v in baselines(history, h, season).items()}
        seeds = [grukit_mae(train, actual, h, seed) for seed in args.seeds]
        mae = statistics.median(seeds)
        best_naive = min(scores["naive"], scores["seasonal naive"])
        rows.append([name, len(history), h, mae, *scores.values(), mae / best_naive])
        print(f"{name}: grukit MAE per seed {', '.join(f'{s:.4g}' for s in seeds)}", flush=True)
    print(_common.table(["series", "rows", "h", "grukit (median)", "naive", "seasonal naive", "AutoETS",
                         "AutoTheta", "grukit / best naive"], rows))


if __name__ == "__main__":
    main()
