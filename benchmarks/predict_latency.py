"""Latency of one forecast through the public API: a loaded model, a DataFrame in, a DataFrame out.

A monthly series of 120 rows (a date column and a value column, as a user's DataFrame holds it);
``GRUForecaster`` with the generic defaults (horizon 18, lookback 54, 64 units), trained for one
epoch (latency does not depend on training), saved and loaded back; then ``predict(df)`` is timed
``--repeats`` times after 10 warm-up calls, at 1 torch thread. Printed: p50 and p90 in ms for one
network (``ensemble=1``) and for the default median of 3, each with the network alone
(``combine="none"``) and with the default Theta combination (a second forward pass for its
backtest, two Theta fits), and, side by side in the same process, the network's forward pass
alone on the same input (the floor the API's overhead sits on).

Batched: ``--series`` monthly series of 72 rows in one long DataFrame (unique_id, ds, y), a 64-unit
network with lookback 48 and horizon 12 (``ensemble=1``; ``combine`` "none" and "theta"),
``predict(df)`` once after a warm-up on all torch threads (``--threads``): series per second, and
the share of the time in the forward pass.

Streaming: ``--stream-series`` series of the same panel, a model fitted on their first 72 rows,
saved and loaded, seeded with ``update`` (those rows), then ``--stream-steps`` steps of ``update`` (one new
row per series, one DataFrame) and ``forecast()`` (every series): microseconds per series-step, for
the update and the forecast, on all torch threads.

    python benchmarks/predict_latency.py --repeats 200 --series 5000 --threads 2 --stream-series 1000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import _common


def _series() -> pd.DataFrame:
    t = np.arange(120)
    return pd.DataFrame({"date": pd.date_range("2010-01-01", periods=120, freq="MS"),
                         "y": 100 + t + 10 * np.sin(2 * np.pi * t / 12)})


def _times(call, repeats: int) -> np.ndarray:
    for _ in range(10):
        call()
    out = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        call()
        out[i] = time.perf_counter() - start
    return out * 1e3  # ms


def _panel(series: int, rows: int = 72) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = np.arange(rows)
    y = 100 + t * rng.uniform(0, 1, (series, 1)) + 10 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6, (series, 1)))
    return pd.DataFrame({"unique_id": np.repeat([f"s{i}" for i in range(series)], rows),
                         "ds": np.tile(pd.date_range("2010-01-01", periods=rows, freq="MS").values, series),
                         "y": y.ravel()})  # (series * rows) rows


def _batched(series: int, threads: int, folder: Path, combine: str) -> None:
    from grukit.forecast import GRUForecaster

    torch.set_num_threads(threads)
    frame = _panel(series)
    GRUForecaster(horizon=12, lookback=48, epochs=1, ensemble=1, combine=combine, progress=False
                  ).fit(frame[:72 * 50]).save(folder)
    model = GRUForecaster.load(folder)
    model.predict(frame[:72 * 10])  # warm-up
    start = time.perf_counter()
    model.predict(frame)
    seconds = time.perf_counter() - start
    x = torch.zeros(series, 48, model.net_.input_size)
    start = time.perf_counter()
    with torch.no_grad():
        model.net_(x)
    forward = time.perf_counter() - start
    print(f"batched predict(df), combine={combine}, {series} series, {threads} thread(s): {seconds:.3f} s, "
          f"{series / seconds:,.0f} "
          f"series/s; the forward pass alone {forward:.3f} s ({100 * forward / seconds:.0f}%)")


def _streamed(series: int, steps: int, threads: int, folder: Path, combine: str) -> None:
    from grukit.forecast import GRUForecaster

    torch.set_num_threads(threads)
    frame = _panel(series, rows=72 + steps)  # (series * (72 + steps)) rows
    position = frame.groupby("unique_id").cumcount()
    history = frame[position < 72]
    GRUForecaster(horizon=12, lookback=48, epochs=1, ensemble=1, combine=combine, progress=False
                  ).fit(history).save(folder)
    model = GRUForecaster.load(folder)  # a stream keeps each series' training scaler: it knows every series
    model.update(history)
    model.forecast()  # warm-up
    update = forecast = 0.0
    for step in range(steps):
        rows = frame[position == 72 + step]  # one new row per series
        start = time.perf_counter()
        model.update(rows)
        middle = time.perf_counter()
        model.forecast()
        update, forecast = update + middle - start, forecast + time.perf_counter() - middle
    per = 1e6 / (series * steps)  # microseconds per series-step
    print(f"streaming, combine={combine}, {series} series x {steps} steps, {threads} thread(s): update "
          f"{update * per:.1f} us + forecast {forecast * per:.1f} us = {(update + forecast) * per:.1f} us "
          f"per series-step")


def main() -> None:
    from grukit.forecast import GRUForecaster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--series", type=int, default=0, help="also time a batched predict of this many series")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of the batched predict")
    parser.add_argument("--stream-series", type=int, default=0, help="also time update + forecast of this many series")
    parser.add_argument("--stream-steps", type=int, default=20, help="streamed steps (default 20)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    frame = _series()
    print(f"predict(df) for one monthly series, 1 thread; {_common.machine()}")
    print(f"{'model':<32} {'p50 ms':>8} {'p90 ms':>8} {'forward p50 ms':>15}")
    with tempfile.TemporaryDirectory() as tmp:
        for members, combine in ((1, "none"), (1, "theta"), (3, "none"), (3, "theta")):
            folder = Path(tmp) / f"m{members}{combine}"
            GRUForecaster(epochs=1, ensemble=members, combine=combine, progress=False).fit(frame).save(folder)
            model = GRUForecaster.load(folder)
            api = _times(lambda: model.predict(frame), args.repeats)
            x = torch.zeros(1, model.config_.lookback, model.net_.input_size if members == 1 else
                            model.net_.members[0].input_size)
            with torch.no_grad():
                forward = _times(lambda: model.net_(x), args.repeats)
            label = f"ensemble={members}, combine={combine}"
            print(f"{label:<32} {np.median(api):>8.3f} {np.percentile(api, 90):>8.3f} "
                  f"{np.median(forward):>15.3f}")
        if args.series:
            for combine in ("none", "theta"):
                _batched(args.series, args.threads, Path(tmp) / f"batched_{combine}", combine)
        if args.stream_series:
            for combine in ("none", "theta"):
                _streamed(args.stream_series, args.stream_steps, args.threads, Path(tmp) / f"stream_{combine}",
                          combine)


if __name__ == "__main__":
    main()
