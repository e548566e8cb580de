"""Row-by-row scoring (DetectorStream, `grukit detect score --stream`) equals the batch scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.cli import run

from grukit.detect import GRUAnomalyDetector
from grukit.detect.live import DetectorStream

FAST = dict(lookback=12, hidden_size=8, epochs=3, train_fraction=0.5, progress=False, num_threads=1)


def series(n=300):
    """An hourly daily sine with noise, a spike at 200 and a flat stretch from 250."""
    rng = np.random.default_rng(1)
    t = np.arange(n)
    y = np.sin(2 * np.pi * t / 24) + 0.05 * rng.standard_normal(n)
    y[200] += 4.0
    y[250:270] = y[250]
    return pd.DataFrame({"timestamp": pd.date_range("2021-01-01", periods=n, freq="h"), "value": y})


@pytest.fixture(scope="module", params=[("forecast", {}), ("autoencoder", {}),
                                        ("forecast", {"smoothing": 3, "history": 40, "threshold": 2.0})])
def fitted(request):
    method, options = request.param
    return GRUAnomalyDetector(method=method, **{**FAST, **options}).fit(series())


def test_scores_fed_in_chunks_equal_the_batch_scores(fitted):
    data = series()
    want = fitted.score_frame(data)
    stream = DetectorStream(fitted)
    parts = [stream.update(data.iloc[a:b]) for a, b in ((0, 1), (1, 9), (9, 150), (150, 151), (151, 300))]
    got = pd.concat(parts, ignore_index=True)
    assert list(got.columns) == list(want.columns)
    np.testing.assert_allclose(got["score"], want["score"], rtol=1e-5, atol=1e-6)  # NaN where the batch has NaN
    pd.testing.assert_series_equal(got["timestamp"], want["timestamp"])
    assert got["flagged"].tolist() == want["flagged"].tolist() and got["alarm"].tolist() == want["alarm"].tolist()
    assert want["alarm"].any()  # the case is not empty: the spike raises an alarm


def test_a_stream_keeps_a_bounded_state(fitted):
    stream = DetectorStream(fitted)
    stream.update(series())
    assert len(stream.window) == fitted.config_.lookback and len(stream.errors) == fitted.config_.smoothing
    assert stream.history.shape == (fitted.config_.history,) and stream.rows == 300


def test_cli_score_stream_writes_the_batch_scores_row_by_row(tmp_path, capsys):
    detector = GRUAnomalyDetector(method="forecast", **FAST).fit(series())
    detector.save(tmp_path / "model")
    series().to_csv(tmp_path / "data.csv", index=False)
    code, _, _ = run(capsys, ["detect", "score", "--model", tmp_path / "model", tmp_path / "data.csv",
                              "--out", tmp_path / "batch.csv"])
    assert code == 0
    code, stdout, _ = run(capsys, ["detect", "score", "--model", tmp_path / "model", tmp_path / "data.csv",
                                   "--stream", "--chunk-rows", "7"])
    assert code == 0
    batch = pd.read_csv(tmp_path / "batch.csv")
    streamed = pd.read_csv(pd.io.common.StringIO(stdout))
    assert list(streamed.columns) == list(batch.columns) and len(streamed) == len(batch)
    np.testing.assert_allclose(streamed["score"], batch["score"], rtol=1e-5, atol=1e-6)
    assert streamed["alarm"].tolist() == batch["alarm"].tolist()

    code, stdout, _ = run(capsys, ["detect", "score", "--model", tmp_path / "model", tmp_path / "data.csv",
                                   "--stream", "--chunk-rows", "50", "--out", tmp_path / "streamed.csv"])
    flagged = int(batch["flagged"].sum())
    assert code == 0 and stdout == f"scores: {tmp_path / 'streamed.csv'} ({flagged} of 300 rows flagged)\n"
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "streamed.csv").drop(columns="score"),
                                  batch.drop(columns="score"))
    code, _, err = run(capsys, ["detect", "score", "--model", tmp_path / "model", tmp_path / "data.csv",
                                "--stream", "--out", tmp_path / "s.parquet"])
    assert code == 2 and f"--stream writes CSV; got --out {tmp_path / 's.parquet'}." in err
    assert not (tmp_path / "s.parquet").exists()
