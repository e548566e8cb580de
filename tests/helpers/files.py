"""Small data files the CLI tests write: forecast and sensor CSVs, .ts sequences, text, piano rolls."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd


def forecast_csv(tmp_path, n=120, name="data.csv", **edits):
    """An hourly CSV of 120 rows: date, load, temp; ``edits`` put column=(row, value) cells in."""
    frame = pd.DataFrame({"date": pd.date_range("2021-01-01", periods=n, freq="h"),
                          "load": np.sin(np.arange(n) / 5.0) + 2.0, "temp": np.cos(np.arange(n) / 7.0)})
    for column, (row, value) in edits.items():
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def detect_csv(tmp_path, n=300, name="data.csv", edits=None):
    """An hourly sensor CSV (timestamp, value): a daily sine, a spike at row 250; ``edits`` set cells."""
    t = np.arange(n)
    y = np.sin(2 * np.pi * t / 24) + 0.05 * np.random.default_rng(0).standard_normal(n)
    if n > 250:
        y[250] += 4.0
    frame = pd.DataFrame({"timestamp": pd.date_range("2021-01-01", periods=n, freq="h"), "value": y})
    for row, value in (edits or {}).items():
        frame["value"] = frame["value"].astype(object)
        frame.loc[row, "value"] = value
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


TS_HEADER = "@problemName Toy\n@classLabel true a b\n@data\n"


def ts_file(tmp_path, rows, name="data.ts", header=TS_HEADER):
    """A .ts file of ``rows`` under ``header``."""
    path = tmp_path / name
    path.write_text(header + rows)
    return path


def toy_rows(n=12):
    """``n`` rows of two classes: rising (a) and falling (b), in turn."""
    up, down = "0,1,2,3,4,5", "5,4,3,2,1,0"
    return "".join(f"{up}:a\n" if i % 2 else f"{down}:b\n" for i in range(n))


LM_TEXT = "abcdefgh" * 150 + "\n"  # a pattern a small GRU learns in a few epochs


CHORDS = [[60, 64, 67], [65, 69, 72], [67, 71, 74]]


def music_document(seed=0):
    """A small piano-roll document: train/valid/test sequences of three chords in turn."""
    rng = np.random.default_rng(seed)
    def split(n):
        return [[CHORDS[(s + t) % 3] for t in range(length)]
                for s, length in zip(rng.integers(0, 3, n), rng.integers(5, 10, n))]
    return {"train": split(12), "valid": split(4), "test": split(5)}


def music_file(tmp_path, document=None, name="chorales.json"):
    """``document`` (by default music_document()) written as a piano-roll JSON file."""
    path = tmp_path / name
    path.write_text(json.dumps(music_document() if document is None else document))
    return path
