"""The bad-input corpus: every command meets wrong files, options and model folders the way a user would.

Each case runs ``grukit ...`` in this process and must give exactly one line on stderr (the message
below, word for word), the exit code below (2 for a bad option, 1 for bad data or model files), no
traceback, and nothing left behind: the workspace holds the same files before and after, and the
``--out`` it named does not exist.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grukit.cli import main
from helpers.cli import run
from helpers.files import TS_HEADER, music_document, toy_rows

FORECAST_FAST = ["--epochs", "1", "--ensemble", "1", "--hidden-size", "8", "--horizon", "4", "--quiet",
                 "--num-threads", "1"]
CLASSIFY_FAST = ["--epochs", "1", "--hidden-size", "8", "--quiet", "--num-threads", "1"]
DETECT_FAST = ["--lookback", "24", "--hidden-size", "8", "--epochs", "1", "--train-fraction", "0.5", "--quiet",
               "--num-threads", "1"]
LM_FAST = ["--hidden-size", "8", "--num-layers", "1", "--batch-size", "4", "--chunk-length", "16", "--epochs", "1",
           "--quiet", "--num-threads", "1"]
MUSIC_FAST = ["--hidden-size", "8", "--epochs", "1", "--batch-size", "4", "--quiet", "--num-threads", "1"]


# --------------------------------------------------------------------------- the workspace
def _daily(n: int = 80, **columns) -> pd.DataFrame:
    frame = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
                          "y": 10 + np.sin(np.arange(n) / 3)})
    for name, values in columns.items():
        frame[name] = values
    return frame


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)


def _forecast_files(w: Path) -> None:
    _daily().to_csv(w / "good.csv", index=False)
    _daily(price=np.arange(80.0)).to_csv(w / "priced.csv", index=False)
    _write(w / "empty.csv", "")
    _write(w / "header.csv", "date,y\n")
    _write(w / "garbage.csv", bytes(range(256)) * 4)
    _write(w / "data.xlsx", "not a spreadsheet")
    _write(w / "one.csv", "date,y\n2020-01-01,1.0\n")
    _write(w / "short.csv", "date,y\n2020-01-01,1.0\n2020-01-02,2.0\n2020-01-03,3.0\n")
    _write(w / "baddates.csv", "date,y\n" + "".join(f"someday {i},{i}\n" for i in range(40)))
    _write(w / "dup.csv", "date,y\n" + "".join(f"2020-01-{1 + i // 2:02d},{i}\n" for i in range(40)))
    months = [m for m in pd.date_range("2016-01-01", periods=40, freq="MS") if m.month not in (3, 4)
              or m.year != 2016]
    _write(w / "gap.csv", "month,y\n" + "".join(f"{m:%Y-%m-%d},{i}\n" for i, m in enumerate(months)))
    stamps = [f"2020-01-{d:02d}T00:00:00" + ("+01:00" if d % 2 else "") for d in range(1, 31)]
    _write(w / "tz.csv", "time,y\n" + "".join(f"{s},{i}\n" for i, s in enumerate(stamps)))
    y = _daily()["y"].to_numpy().astype(object)
    y[10] = "abc"
    _daily(y=y).to_csv(w / "text.csv", index=False)
    y = _daily()["y"].to_numpy()
    holes = y.copy()
    holes[[5, 6, 20]] = np.nan
    _daily(y=holes).to_csv(w / "holes.csv", index=False)
    mostly = np.full(80, np.nan)
    mostly[[0, 79]] = 1.0
    _daily(y=mostly).to_csv(w / "mostly_missing.csv", index=False)
    _daily(y=np.full(80, np.nan)).to_csv(w / "all_missing.csv", index=False)
    _daily(y=np.sin(np.arange(80) / 3)).to_csv(w / "negative.csv", index=False)
    huge = y.copy()
    huge[40] = 1e308
    _daily(y=huge).to_csv(w / "huge.csv", index=False)
    huge[40], huge[41] = 1e30, -1e30
    _daily(y=huge).to_csv(w / "extreme.csv", index=False)
    _daily().rename(columns={"y": "sales"}).to_csv(w / "no_target.csv", index=False)
    _write(w / "future_short.csv", "date,price\n2020-03-21,1.0\n2020-03-22,2.0\n")
    _daily(label=["a"] * 80).to_csv(w / "labelled.csv", index=False)
    _write(w / "bad.toml", "epochs = \n")
    _write(w / "unknown.toml", "nope = 1\n")
    _write(w / "wrongtype.toml", 'epochs = "many"\n')
    _write(w / "space.toml", "[lr\n")
    _write(w / "afile.txt", "a file, not a folder\n")
    _write(w / "full" / "notes.txt", "someone's notes\n")


def _classify_files(w: Path) -> None:
    up, down = "0,1,2,3,4,5", "5,4,3,2,1,0"
    _write(w / "toy.ts", TS_HEADER + toy_rows())
    _write(w / "oneclass.ts", TS_HEADER + "".join(f"{up}:a\n" for _ in range(12)))
    _write(w / "malformed.ts", TS_HEADER + "0,1,2:a\n0,1,x:b\n")
    _write(w / "two_channels.ts", TS_HEADER + "".join(f"{up}:{down}:a\n" for _ in range(4)))
    _write(w / "wide.csv", "label,t0,t1,t2\na,0,1,2\nb,2,1,0\n")
    _write(w / "noise.wav", b"RIFF\x00\x00\x00\x00WAVEjunk")
    (w / "no_wavs").mkdir()


def _detect_files(w: Path) -> None:
    t = np.arange(300)
    frame = pd.DataFrame({"timestamp": pd.date_range("2021-01-01", periods=300, freq="h"),
                          "value": np.sin(2 * np.pi * t / 24)})
    frame.to_csv(w / "sensor.csv", index=False)
    frame.rename(columns={"value": "reading"}).to_csv(w / "renamed.csv", index=False)
    _write(w / "windows.json", "[[1, 2")
    _write(w / "windows_flat.json", json.dumps(["2021-01-02"]))


def _text_files(w: Path) -> None:
    _write(w / "text.txt", "abcdefgh" * 150 + "\n")
    _write(w / "empty.txt", "")
    _write(w / "latin1.txt", "caf\xe9 ".encode("latin-1") * 300)
    _write(w / "unseen.txt", "abc xyz\n" * 20)


def _music_files(w: Path) -> None:
    _write(w / "chorales.json", json.dumps(music_document()))
    _write(w / "notes.json", json.dumps({"train": [[[200]]], "valid": [], "test": []}))
    _write(w / "songs.json", json.dumps([1, 2, 3]))
    (w / "no_midi").mkdir()
    _write(w / "broken_midi" / "a.mid", b"MThd\x00\x00\x00\x06junk")


def _train(argv: list) -> None:
    code = main([str(a) for a in argv])
    assert code == 0, argv


def _damaged_models(w: Path) -> None:
    """Copies of the forecast model folder, each broken in one way."""
    model = w / "forecast_model"
    for name in ("bad_json", "wrong_schema", "no_weights", "cut_weights", "wrong_scalers"):
        shutil.copytree(model, w / name)
    _write(w / "bad_json" / "config.json", "{not json")
    config = json.loads((model / "config.json").read_text())
    config["schema"]["freq"] = 7
    _write(w / "wrong_schema" / "config.json", json.dumps(config))
    (w / "no_weights" / "model.safetensors").unlink()
    data = (model / "model.safetensors").read_bytes()
    _write(w / "cut_weights" / "model.safetensors", data[: len(data) // 2])
    config = json.loads((model / "config.json").read_text())
    config["scalers"]["target"] = []
    _write(w / "wrong_scalers" / "config.json", json.dumps(config))
    (w / "empty_model").mkdir()


def build_workspace(w: Path) -> Path:
    """Every input file the cases read, and one small trained model folder per task."""
    _forecast_files(w)
    _classify_files(w)
    _detect_files(w)
    _text_files(w)
    _music_files(w)
    _train(["forecast", "train", w / "good.csv", "--out", w / "forecast_model", *FORECAST_FAST])
    _train(["forecast", "train", w / "priced.csv", "--future-covariates", "price", "--out", w / "priced_model",
            *FORECAST_FAST])
    _train(["classify", "train", w / "toy.ts", "--out", w / "classify_model", *CLASSIFY_FAST])
    _train(["detect", "train", w / "sensor.csv", "--out", w / "detect_model", *DETECT_FAST])
    _train(["lm", "train", w / "text.txt", "--out", w / "lm_model", *LM_FAST])
    _train(["music", "train", w / "chorales.json", "--out", w / "music_model", *MUSIC_FAST])
    _damaged_models(w)
    return w


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return build_workspace(tmp_path_factory.mktemp("bad_inputs"))


# --------------------------------------------------------------------------- the cases
# (id, argv, exit code, message); {w} is the workspace, {out} an --out folder that must not appear.
F = "forecast train {w}/good.csv --out {out} --quiet"
CASES: list[tuple[str, str | list[str], int, str]] = [
    # forecast train: the data file
    ("forecast: no such file", "forecast train {w}/nope.csv --out {out}", 1,
     "data file {w}/nope.csv not found; pass the path of an existing CSV or Parquet file."),
    ("forecast: empty file", "forecast train {w}/empty.csv --out {out}", 1,
     "data file {w}/empty.csv is empty; expected a header row and at least one data row."),
    ("forecast: header only", "forecast train {w}/header.csv --out {out}", 1,
     "{w}/header.csv has no data rows; expected a header row and at least one data row."),
    ("forecast: binary file", "forecast train {w}/garbage.csv --out {out}", 1,
     "cannot read {w}/garbage.csv as CSV: 'utf-8' codec can't decode byte 0x80 in position 128: invalid "
     "start byte; check that the file is valid CSV."),
    ("forecast: unknown extension", "forecast train {w}/data.xlsx --out {out}", 1,
     "{w}/data.xlsx is an Excel workbook (.xlsx); grukit reads CSV and Parquet files: save or convert it "
     "to .csv or .parquet."),
    ("forecast: a folder as data", "forecast train {w}/no_midi --out {out}", 2,
     "Invalid value for '[DATA]': File '{w}/no_midi' is a directory. See 'grukit forecast train --help'."),
    ("forecast: one row", "forecast train {w}/one.csv --out {out}", 1,
     "series 'one' has 1 row; a forecast needs at least 2 rows per series; drop it or add rows."),
    ("forecast: series shorter than the horizon", "forecast train {w}/short.csv --horizon 4 --out {out}", 1,
     "no training window: a series needs at least 5 training rows (history 1 + horizon 4) and none has; "
     "use a shorter horizon or longer series."),
    ("forecast: dates that do not parse", "forecast train {w}/baddates.csv --time-col date --out {out}", 1,
     "cannot parse 'someday 0' in time column 'date' at line 2 of {w}/baddates.csv (line 1 is the header) "
     "as a date/time; expected timestamps like 2016-07-01 00:00:00; fix the value, pass date_format "
     "(--date-format, e.g. '%d.%m.%Y') or pass the right time_col."),
    ("forecast: repeated timestamps", "forecast train {w}/dup.csv --out {out}", 1,
     "duplicate timestamp 2020-01-01 00:00:00 in column 'date' at line 3 of {w}/dup.csv (line 1 is the "
     "header): the row before has the same time; remove or aggregate the duplicate rows, or pass id_col "
     "(--id-col) when the file holds several series."),
    ("forecast: a calendar gap", "forecast train {w}/gap.csv --out {out}", 1,
     "cannot infer the frequency of column 'month': timestamps are not equally spaced; the most common "
     "step is one month but 2016-05-01 00:00:00 at line 4 of {w}/gap.csv (line 1 is the header) is not "
     "one step after 2016-02-01 00:00:00; pass freq='MS' (--freq MS) to treat the gaps as missing values, "
     "or fix the timestamps."),
    ("forecast: mixed time zones", "forecast train {w}/tz.csv --out {out}", 1,
     "time column 'time' mixes timestamps with a UTC offset ('2020-01-01T00:00:00+01:00') and without one "
     "('2020-01-02T00:00:00'), so their order is unknown; write every timestamp with its offset, or all "
     "in one time zone without offsets."),
    ("forecast: text in the target", "forecast train {w}/text.csv --out {out}", 1,
     "non-numeric value 'abc' in column 'y' at line 12 of {w}/text.csv (line 1 is the header); expected a "
     "number; fix or remove that value."),
    ("forecast: missing values", "forecast train {w}/holes.csv --out {out}", 1,
     "3 values are missing in {w}/holes.csv, at y@2020-01-06 00:00:00, y@2020-01-07 00:00:00, "
     "y@2020-01-21 00:00:00; fill the gaps, or pass --missing interpolate or --missing ffill "
     "(missing='interpolate' or 'ffill' in Python)."),
    ("forecast: interpolating most values", "forecast train {w}/mostly_missing.csv --missing interpolate "
     "--out {out}", 1,
     "missing='interpolate' would fill 98% of column 'y' of series 'mostly_missing' in "
     "{w}/mostly_missing.csv (78 of 80 values); at most 50% may be filled; check freq (is it finer than "
     "the data?) and the dates (--date-format), or fill the gaps yourself."),
    ("forecast: a target with no values", "forecast train {w}/all_missing.csv --missing interpolate --out {out}",
     1,
     "column 'y' has no values (all 80 are missing) in {w}/all_missing.csv; drop it from "
     "target/covariates or fill it."),
    ("forecast: log of negative data", "forecast train {w}/negative.csv --transform log --out {out}", 1,
     "column 'y': transform='log' needs every target value > 0; got a minimum of -0.99999. Shift the "
     "series above 0 or use transform='none'."),
    ("forecast: values of 1e308", "forecast train {w}/huge.csv --out {out}", 1,
     "value 1e+308 in column 'y' at line 42 of {w}/huge.csv (line 1 is the header) is beyond the range of "
     "the 32-bit floats that training uses (about ±3.4e38); rescale the column (e.g. divide it by a power "
     "of ten) or fix the value."),
    ("forecast: values that make the loss overflow", "forecast train {w}/extreme.csv --out {out} "
     + " ".join(FORECAST_FAST), 1,
     "the training loss became nan in epoch 1, so training stopped; the data may hold extreme values "
     "(such as 1e30) or missing ones read as numbers, or the learning rate (0.003) is too high; check the "
     "data's range and try a lower --lr."),
    ("forecast: a label column as target", "forecast train {w}/labelled.csv --target label --out {out}", 1,
     "non-numeric value 'a' in column 'label' at line 2 of {w}/labelled.csv (line 1 is the header); "
     "expected a number; fix or remove that value."),
    # forecast train: columns and formats
    ("forecast: unknown time column", F + " --time-col when", 1,
     "time column 'when' not found in {w}/good.csv; the columns are: date, y; pass one of them as "
     "time_col."),
    ("forecast: unknown target", F + " --target sales", 1,
     "target column 'sales' not found in {w}/good.csv; the columns are: date, y; pass one of them as "
     "target."),
    ("forecast: unknown covariate", F + " --covariates temp", 1,
     "covariate column 'temp' not found in {w}/good.csv; the columns are: date, y; pass one of them as "
     "covariates."),
    ("forecast: unknown future covariate", F + " --future-covariates promo", 1,
     "future covariate column 'promo' not found in {w}/good.csv; the columns are: date, y; pass one of "
     "them as future_covariates."),
    ("forecast: unknown id column", F + " --id-col store", 1,
     "id column 'store' not found in {w}/good.csv; the columns are: date, y; pass one of them as id_col."),
    ("forecast: unknown value column", F + " --id-col date --value-col sales", 1,
     "value column 'sales' not found in {w}/good.csv; the columns are: date, y; pass one of them as "
     "value_col."),
    ("forecast: bad frequency alias", F + " --freq XYZ", 2,
     "ForecastConfig: unknown frequency 'XYZ'; expected a pandas offset alias such as 'h', 'D', 'W', 'MS' or "
     "'15min'."),
    ("forecast: a frequency the dates do not follow", F + " --freq h", 1,
     "1817 values are missing in {w}/good.csv (96% of the values), first at y@2020-01-01 01:00:00, "
     "y@2020-01-01 02:00:00, y@2020-01-01 03:00:00; check freq (--freq: is it finer than the data?) and "
     "the dates (--date-format)."),
    ("forecast: a date format the dates do not follow", F + " --date-format %d/%m/%Y", 1,
     "cannot parse '2020-01-01' in time column 'date' at line 2 of {w}/good.csv (line 1 is the header) as "
     "a date/time; expected the format '%d/%m/%Y'; fix the value, pass date_format (--date-format, e.g. "
     "'%d.%m.%Y') or pass the right time_col."),
    ("forecast: bad missing rule", F + " --missing guess", 2,
     "ForecastConfig: missing must be one of 'error', 'interpolate', 'ffill'; got 'guess'."),
    # forecast train: options
    ("forecast: horizon 0", F + " --horizon -1", 2,
     "ForecastConfig: horizon must be at least 1, or 0 to choose it from the data; got -1."),
    ("forecast: negative lookback", F + " --lookback -5", 2,
     "ForecastConfig: lookback must be at least 1, or 0 to choose it from the data; got -5."),
    ("forecast: epochs not a number", F + " --epochs many", 2,
     "Invalid value for '--epochs': 'many' is not a valid integer. See 'grukit forecast train --help'."),
    ("forecast: zero epochs", F + " --epochs 0", 2,
     "TrainConfig: epochs must be an integer >= 1; got 0."),
    ("forecast: negative lr", F + " --lr -1", 2,
     "TrainConfig: lr must be a finite number > 0; got -1.0."),
    ("forecast: zero hidden size", F + " --hidden-size 0", 2,
     "ForecastConfig: hidden_size must be at least 1; got 0."),
    ("forecast: dropout above 1", F + " --dropout 1.5", 2,
     "ForecastConfig: dropout must be in [0, 1); got 1.5."),
    ("forecast: unknown loss", F + " --loss huber", 2,
     "ForecastConfig: loss must be one of 'mse', 'mae', 'mix'; got 'huber'."),
    ("forecast: unknown scaler", F + " --scaler robust", 2,
     "ForecastConfig: scaler must be one of 'window', 'standard', 'none'; got 'robust'."),
    ("forecast: unknown transform", F + " --transform sqrt", 2,
     "ForecastConfig: transform must be one of 'none', 'log'; got 'sqrt'."),
    ("forecast: quantile above 1", F + " --quantiles 0.1,1.5", 2,
     "ForecastConfig: quantiles must be levels strictly between 0 and 1; got [0.1, 1.5]."),
    ("forecast: unknown strategy", F + " --strategy mimo", 2,
     "ForecastConfig: strategy must be one of 'direct', 'recursive'; got 'mimo'."),
    ("forecast: unknown reset form", F + " --reset during", 2,
     "ForecastConfig: reset must be one of 'after', 'before'; got 'during'."),
    ("forecast: unknown split", F + " --split random", 2,
     "ForecastConfig: split must be one of 'fraction', 'size', 'ett'; got 'random'."),
    ("forecast: zero batch size", F + " --batch-size 0", 2,
     "TrainConfig: batch_size must be an integer >= 1; got 0."),
    ("forecast: zero ensemble", F + " --ensemble 0", 2,
     "ForecastConfig: ensemble must be at least 1; got 0."),
    ("forecast: negative season", F + " --season-length -12", 2,
     "ForecastConfig: season_length must be at least 1 (1: no season), or None to take it from the frequency; "
     "got -12."),
    ("forecast: unknown clipping", F + " --clip always", 2,
     "TrainConfig: clip must be one of 'norm', 'value', 'none'; got 'always'."),
    ("forecast: unknown schedule", F + " --schedule linear", 2,
     "TrainConfig: schedule must be one of 'onecycle', 'cosine', 'constant'; got 'linear'."),
    ("forecast: negative patience", F + " --patience -1", 2,
     "TrainConfig: patience must be an integer >= 0 (0 turns early stopping off); got -1."),
    ("forecast: zero threads", F + " --num-threads 0", 2,
     "TrainConfig: num_threads must be an integer >= 1, or None for torch's default; got 0."),
    ("forecast: unknown device", F + " --device tpu", 2,
     "TrainConfig: device must be one of 'auto', 'cpu', 'cuda'; got 'tpu'."),
    ("forecast: CUDA without a GPU", F + " --device cuda", 2,
     "TrainConfig: device is 'cuda' but CUDA is not available; use --device cpu or auto."),
    ("forecast: negative cross-validation windows", F + " --cv-windows -1", 2,
     "Invalid value for '--cv-windows': -1 is not in the range x>=0. See 'grukit forecast train --help'."),
    ("forecast: unknown option", F + " --hiden-size 8", 2,
     "No such option '--hiden-size'. (Did you mean one of: '--batch-size', '--hidden-size', "
     "'--test-size'?) See 'grukit forecast train --help'."),
    ("forecast: unknown bundled dataset", "forecast train --dataset nope --out {out}", 1,
     "unknown dataset 'nope'; expected one of: sine, air_passengers, etth1, etth2, sunspots."),
    # forecast train: --config and --out
    ("forecast: missing config file", F + " --config {w}/nope.toml", 2,
     "config file {w}/nope.toml not found; pass the path of a TOML file."),
    ("forecast: config that is not TOML", F + " --config {w}/bad.toml", 2,
     "config file {w}/bad.toml is not valid TOML: Invalid value (at line 1, column 10)."),
    ("forecast: unknown key in config", F + " --config {w}/unknown.toml", 2,
     "unknown option 'nope'; valid options: dataset, time_col, target, covariates, future_covariates, "
     "id_col, value_col, missing, freq, date_format, season_length, lookback, horizon, stride, split, "
     "val_size, test_size, scaler, transform, calendar, pad, min_history, preset, hidden_size, "
     "num_layers, dropout, reset, layer_norm, zoneout, recurrent_dropout, strategy, revin, "
     "channel_independent, quantiles, segment_length, loss, ensemble, combine, theta_coefficients, epochs, "
     "batch_size, lr, weight_decay, schedule, warmup_fraction, clip, clip_value, patience, min_delta, seed, "
     "device, progress, num_threads."),
    ("forecast: wrong type in config", F + " --config {w}/wrongtype.toml", 2,
     "TrainConfig: epochs must be int; got 'many' (str)."),
    ("forecast: --out is a file", "forecast train {w}/good.csv --out {w}/afile.txt", 2,
     "Invalid value for '--out': Directory '{w}/afile.txt' is a file. See 'grukit forecast train --help'."),
    ("forecast: --out under a file", "forecast train {w}/good.csv --out {w}/afile.txt/run", 1,
     "cannot use '{w}/afile.txt': File exists; check that the path exists, that you may write there and "
     "that the disk has space."),
    ("forecast: --out holds files", "forecast train {w}/good.csv --out {w}/full", 2,
     "--out {w}/full already holds files (notes.txt); pass --force to replace that run, --resume to "
     "continue it, or a new folder."),
    ("forecast: --out on a read-only file system", "forecast train {w}/good.csv --out /proc/grukit-run", 1,
     "cannot use '/proc/.grukit-run.lock': No such file or directory; check that the path exists, that "
     "you may write there and that the disk has space."),
    # forecast predict, backtest, export
    ("predict: no model folder", "forecast predict {w}/good.csv --model {w}/nope", 1,
     "model folder {w}/nope does not exist; pass the --out folder of a training run."),
    ("predict: an empty model folder", "forecast predict {w}/good.csv --model {w}/empty_model", 1,
     "{w}/empty_model/config.json is missing; a model folder holds config.json and model.safetensors as "
     "written by training. Retrain or restore the file."),
    ("predict: config.json not JSON", "forecast predict {w}/good.csv --model {w}/bad_json", 1,
     "{w}/bad_json/config.json is not valid JSON (Expecting property name enclosed in double quotes: line "
     "1 column 2 (char 1)); the file is truncated or corrupted. Retrain or restore it."),
    ("predict: wrong type in config.json", "forecast predict {w}/good.csv --model {w}/wrong_schema", 1,
     "{w}/wrong_schema/config.json does not describe this model (ValueError: schema.freq must be a string "
     "or null; got 7); retrain or restore the folder."),
    ("predict: scalers that do not match", "forecast predict {w}/good.csv --model {w}/wrong_scalers", 1,
     "{w}/wrong_scalers/config.json does not describe this model (ValueError: scalers.target holds 0 "
     "scalers but schema.series_ids names 1 series); retrain or restore the folder."),
    ("predict: weights missing", "forecast predict {w}/good.csv --model {w}/no_weights", 1,
     "{w}/no_weights/model.safetensors is missing; a model folder holds config.json and model.safetensors "
     "as written by training. Retrain or restore the file."),
    ("predict: weights cut short", "forecast predict {w}/good.csv --model {w}/cut_weights", 1,
     "{w}/cut_weights/model.safetensors does not match the checksum in config.json; the file is truncated "
     "or corrupted. Retrain or restore it."),
    ("predict: data without the target", "forecast predict {w}/no_target.csv --model {w}/forecast_model "
     "--out {out}.csv", 1,
     "the columns of {w}/no_target.csv differ from training: got targets ['sales'] and covariates [], "
     "trained on ['y'] and []; pass data with the training columns."),
    ("predict: a horizon beyond the trained one", "forecast predict {w}/good.csv --model {w}/forecast_model "
     "--h 9", 2,
     "h must be a whole number from 1 to the trained horizon 4; got 9. For longer forecasts fit again "
     "with horizon=9."),
    ("predict: h 0", "forecast predict {w}/good.csv --model {w}/forecast_model --h 0", 2,
     "Invalid value for '--h': 0 is not in the range x>=1. See 'grukit forecast predict --help'."),
    ("predict: future covariates not given", "forecast predict {w}/priced.csv --model {w}/priced_model", 1,
     "this model was trained with future covariates price: pass their values for the 4 steps after each "
     "series' end, predict(data, future=table) with the columns date, price."),
    ("predict: future covariates without their column", "forecast predict {w}/priced.csv --model "
     "{w}/priced_model --future {w}/one.csv", 1,
     "the future covariates table has no column 'price'; expected the columns date, price (got date, y)."),
    ("predict: future covariates too short", "forecast predict {w}/priced.csv --model {w}/priced_model "
     "--future {w}/future_short.csv", 1,
     "the future covariates of series 'priced' miss 2 of the 4 steps after its last row (2020-03-20 "
     "00:00:00), first 2020-03-23 00:00:00; give price for 2020-03-21 00:00:00 .. 2020-03-24 00:00:00."),
    ("predict: --out with an unknown extension", "forecast predict {w}/good.csv --model {w}/forecast_model "
     "--out {out}.xlsx", 2,
     "Invalid value for '--out': the forecast is written as .csv or .parquet; got 'out.xlsx'. See 'grukit "
     "forecast predict --help'."),
    ("predict: --out is a folder", "forecast predict {w}/good.csv --model {w}/forecast_model "
     "--out {w}/full", 2,
     "Invalid value for '--out': File '{w}/full' is a directory. See 'grukit forecast predict --help'."),
    ("backtest: zero folds", "forecast backtest {w}/good.csv --folds 0 --out {out}", 2,
     "Invalid value for '--folds': 0 is not in the range x>=1. See 'grukit forecast backtest --help'."),
    ("backtest: more folds than the data holds", "forecast backtest {w}/good.csv --folds 500 --out {out}", 1,
     "cross_validation: no series has 2 rows before the cutoff of window 1 (7000 rows from the end); use "
     "fewer windows, a smaller step or h."),
    ("backtest: no such file", "forecast backtest {w}/nope.csv --out {out}", 1,
     "data file {w}/nope.csv not found; pass the path of an existing CSV or Parquet file."),
    ("export: no model folder", "export --model {w}/nope --out {out}.onnx", 1,
     "model folder {w}/nope does not exist; pass the --out folder of a training run."),
    ("export: unknown format", "export --model {w}/forecast_model --format tflite --out {out}.tflite", 2,
     "Invalid value for '--format': 'tflite' is not one of 'onnx', 'torchscript'. See 'grukit export "
     "--help'."),
    ("export: a classify model", "export --model {w}/classify_model --out {out}.onnx", 2,
     "{w}/classify_model holds a 'classify' model; export supports forecast model folders, and "
     "grukit.nn.GRU modules through grukit.export.export_gru."),
    ("export: damaged model", "export --model {w}/bad_json --out {out}.onnx", 1,
     "{w}/bad_json/config.json is not valid JSON (Expecting property name enclosed in double quotes: line "
     "1 column 2 (char 1)); the file is truncated or corrupted. Retrain or restore it."),
    # detect
    ("detect: no such file", "detect train {w}/nope.csv --out {out}", 1,
     "data file {w}/nope.csv not found; pass the path of an existing CSV or Parquet file."),
    ("detect: unknown value column", "detect train {w}/sensor.csv --value-col reading --out {out}", 1,
     "value column 'reading' not found in {w}/sensor.csv; the columns are: timestamp, value; pass one of "
     "them as value_col."),
    ("detect: train fraction above 1", "detect train {w}/sensor.csv --train-fraction 1.5 --out {out}", 2,
     "DetectConfig: train_fraction must be in (0, 1]; got 1.5."),
    ("detect: unknown method", "detect train {w}/sensor.csv --method isolation --out {out}", 2,
     "DetectConfig: method must be one of 'forecast', 'autoencoder'; got 'isolation'."),
    ("detect: quantile above 1", "detect train {w}/sensor.csv --threshold-quantile 2 --out {out}", 2,
     "DetectConfig: threshold_quantile must be in (0, 1]; got 2.0."),
    ("detect: windows file missing", "detect train {w}/sensor.csv --windows {w}/nope.json --out {out}", 1,
     "windows file {w}/nope.json not found; pass a JSON file of [start, end] pairs."),
    ("detect: windows not JSON", "detect train {w}/sensor.csv --windows {w}/windows.json --out {out}", 1,
     "windows file {w}/windows.json is not valid JSON (Expecting ',' delimiter: line 1 column 7 (char "
     "6)); expected a list of [start, end] pairs."),
    ("detect: windows not pairs", "detect train {w}/sensor.csv --windows {w}/windows_flat.json --out {out}",
     1,
     "windows file {w}/windows_flat.json must hold a list of [start, end] pairs (or NAB's mapping of file "
     "names to such lists); got [\"2021-01-02\"]."),
    ("detect: unknown bundled series", "detect train --dataset nope --out {out}", 1,
     "unknown NAB series 'nope'; expected one of: nyc_taxi, machine_temperature, ec2_request_latency, "
     "ambient_temperature."),
    ("detect: text in the values", "detect train {w}/text.csv --out {out}", 1,
     "non-numeric value 'abc' in column 'y' at line 12 of {w}/text.csv (line 1 is the header); expected a "
     "number; fix or remove that value."),
    ("detect score: no model folder", "detect score {w}/sensor.csv --model {w}/nope", 1,
     "model folder {w}/nope does not exist; pass the --out folder of a training run."),
    ("detect score: a forecast model", "detect score {w}/sensor.csv --model {w}/forecast_model", 1,
     "{w}/forecast_model/config.json describes 'grukit.forecast', not a grukit detect model; pass the "
     "folder of a 'detect' training run."),
    ("detect score: text in the values", "detect score {w}/text.csv --model {w}/detect_model", 1,
     "non-numeric value 'abc' in column 'y' at line 12 of {w}/text.csv (line 1 is the header); expected a "
     "number; fix or remove that value."),
    # classify
    ("classify: no such file", "classify train {w}/nope.ts --out {out}", 1,
     "{w}/nope.ts does not exist; pass the path of a .ts or .csv file."),
    ("classify: one class", "classify train {w}/oneclass.ts --out {out}", 1,
     "{w}/oneclass.ts holds a single class ('a'); a classifier needs at least two classes to tell apart."),
    ("classify: a value that is not a number", "classify train {w}/malformed.ts --out {out}", 1,
     "line 5 of {w}/malformed.ts: value 'x' at position 3 of dimension 1 is not a number; a row is "
     "comma-separated numbers per dimension, dimensions separated by ':', then ':label'."),
    ("classify: unknown label column", "classify train {w}/wide.csv --label-col class --out {out}", 1,
     "label column 'class' not found in {w}/wide.csv, which has the text column 'label'; pass the label "
     "column as label_col (--label-col label)."),
    ("classify: unknown layout", "classify train {w}/toy.ts --layout tall --out {out}", 2,
     "ClassifyConfig: layout must be one of 'auto', 'wide', 'long'; got 'tall'."),
    ("classify: unknown pooling", "classify train {w}/toy.ts --pooling median --out {out}", 2,
     "ClassifyConfig: pooling must be one of 'last', 'mean', 'attention'; got 'median'."),
    ("classify: validation share above 1", "classify train {w}/toy.ts --val-size 1.5 --out {out}", 2,
     "ClassifyConfig: val_size must be in [0, 1), a share of the training sequences; got 1.5."),
    ("classify: test file missing", "classify train {w}/toy.ts --test {w}/nope.ts --out {out}", 1,
     "{w}/nope.ts does not exist; pass the path of a .ts or .csv file."),
    ("classify: audio folder without WAV files", "classify train --audio {w}/no_wavs --out {out}", 1,
     "{w}/no_wavs: no .wav files in it or its subfolders; pass a folder of .wav clips: one subfolder per "
     "label (e.g. yes/a.wav, no/b.wav), or FSDD's {digit}_{speaker}_{index}.wav files."),
    ("classify: unknown class weights", "classify train {w}/toy.ts --class-weights heavy --out {out}", 2,
     "ClassifyConfig: class_weights must be one of 'none', 'balanced'; got 'heavy'."),
    ("classify predict: no model folder", "classify predict {w}/toy.ts --model {w}/nope", 1,
     "model folder {w}/nope does not exist; pass the --out folder of a training run."),
    ("classify predict: other channel count", "classify predict {w}/two_channels.ts --model {w}/classify_model",
     1,
     "{w}/two_channels.ts has 2 channels per step but the model was trained on 1; pass data with the "
     "training channels."),
    ("classify predict: a WAV file for a series model", "classify predict {w}/noise.wav --model "
     "{w}/classify_model", 1,
     "{w}/classify_model was not trained on audio (no audio_features.json); train it with `grukit "
     "classify train --audio DIR`, or pass .ts/.csv files."),
    ("classify predict: a forecast model", "classify predict {w}/toy.ts --model {w}/forecast_model", 1,
     "{w}/forecast_model/config.json describes 'grukit.forecast', not a grukit classify model; pass the "
     "folder of a 'classify' training run."),
    # lm
    ("lm: no such file", "lm train {w}/nope.txt --out {out}", 1,
     "text file {w}/nope.txt does not exist; pass the path of a UTF-8 text file."),
    ("lm: empty text", "lm train {w}/empty.txt --out {out}", 1,
     "text file {w}/empty.txt is empty; pass a UTF-8 text file with the text to learn."),
    ("lm: text that is not UTF-8", "lm train {w}/latin1.txt --out {out}", 1,
     "text file {w}/latin1.txt is not UTF-8 text: byte 0xe9 at offset 3 cannot be decoded; pass a UTF-8 "
     "text file (convert it with `iconv -t UTF-8`)."),
    ("lm: zero chunk length", "lm train {w}/text.txt --chunk-length 0 --out {out}", 2,
     "LMConfig: chunk_length must be an integer >= 1; got 0."),
    ("lm: unknown cell", "lm train {w}/text.txt --cell lstm --out {out}", 2,
     "LMConfig: cell must be one of 'gru', 'mingru'; got 'lstm'."),
    ("lm: unknown vocabulary", "lm train {w}/text.txt --vocab bpe --out {out}", 2,
     "LMConfig: vocab must be one of 'char', 'byte'; got 'bpe'."),
    ("lm: validation share above 1", "lm train {w}/text.txt --val-fraction 2 --out {out}", 2,
     "LMConfig: val_fraction must be in (0, 1) (0.1: the standard 90/10 split); got 2.0."),
    ("lm: unknown backend", "lm train {w}/text.txt --backend cudnn --out {out}", 2,
     "LMConfig: backend must be one of 'auto', 'fused', 'torch', 'reference'; got 'cudnn'."),
    ("lm sample: no model folder", "lm sample --model {w}/nope", 1,
     "model folder {w}/nope does not exist; pass the --out folder of a training run."),
    ("lm sample: a prompt with unknown characters", ["lm", "sample", "--model", "{w}/lm_model", "--prompt", "xyz"],
     1,
     "prompt has 3 character(s) outside the model's vocabulary: 'x', 'y', 'z'; use only characters seen "
     "in training."),
    ("lm sample: temperature 0", "lm sample --model {w}/lm_model --temperature 0", 2,
     "temperature must be > 0; got 0.0. Use a small value like 0.1 for nearly greedy sampling, or --top-k "
     "1 for greedy."),
    ("lm sample: negative top-k", "lm sample --model {w}/lm_model --top-k -1", 2,
     "top_k must be an integer >= 1; got -1. Use --top-k 1 for greedy sampling, or leave it out to sample "
     "from every token."),
    ("lm sample: a forecast model", "lm sample --model {w}/forecast_model", 1,
     "{w}/forecast_model/config.json describes 'grukit.forecast', not a grukit lm model; pass the folder "
     "of a 'lm' training run."),
    ("lm eval: text that is not UTF-8", "lm eval {w}/latin1.txt --model {w}/lm_model", 1,
     "text file {w}/latin1.txt is not UTF-8 text: byte 0xe9 at offset 3 cannot be decoded; pass a UTF-8 "
     "text file (convert it with `iconv -t UTF-8`)."),
    ("lm eval: characters the model never saw", "lm eval {w}/unseen.txt --model {w}/lm_model", 1,
     "the text has 4 character(s) outside the model's vocabulary: ' ', 'x', 'y', 'z'; use only characters "
     "seen in training (9 characters), or train with --vocab byte."),
    # music
    ("music: no such file", "music train {w}/nope.json --out {out}", 1,
     "piano-roll file {w}/nope.json not found; pass the path of a JSON file laid out as {\"train\": [seq, "
     "...], \"valid\": [...], \"test\": [...]} with seq = [[midi_note, ...], ...] (one list per step)."),
    ("music: a JSON list, not the splits", "music train {w}/songs.json --out {out}", 1,
     "{w}/songs.json holds a JSON array, not an object; a piano-roll file holds {\"train\": [seq, ...], "
     "\"valid\": [...], \"test\": [...]} with seq = [[midi_note, ...], ...] (one list per step)."),
    ("music: a note outside the piano", "music train {w}/notes.json --out {out}", 1,
     "{w}/notes.json: train[0][0] has note 200, outside the piano range 21-108 (MIDI numbers of the 88 "
     "keys); remove or transpose it."),
    ("music: a folder without MIDI files", "music train {w}/no_midi --out {out}", 1,
     "{w}/no_midi holds no MIDI files (.mid, .midi); pass a folder of MIDI files or a piano-roll JSON "
     "file."),
    ("music: a broken MIDI file", "music train {w}/broken_midi --out {out}", 1,
     "cannot read {w}/broken_midi/a.mid as a MIDI file (EOFError); check that it is a standard MIDI file "
     "(.mid)."),
    ("music: zero steps per beat", "music train {w}/chorales.json --steps-per-beat 0 --out {out}", 2,
     "MusicConfig: steps_per_beat must be at least 1; got 0."),
    ("music sample: no model folder", "music sample --model {w}/nope --out {out}.mid", 1,
     "model folder {w}/nope does not exist; pass the --out folder of a training run."),
    ("music sample: zero temperature", "music sample --model {w}/music_model --temperature 0 --out {out}.mid",
     2,
     "temperature must be a finite number > 0 (1 samples the model as trained); got 0.0."),
    ("music sample: --out not MIDI", "music sample --model {w}/music_model --out {out}.wav", 2,
     "--out must name a MIDI file ending in .mid or .midi; got 'out.wav'."),
    ("music eval: a forecast model", "music eval {w}/chorales.json --model {w}/forecast_model", 1,
     "{w}/forecast_model/config.json describes 'grukit.forecast', not a grukit music model; pass the "
     "folder of a 'music' training run."),
    # tune and bench
    ("tune: search space not TOML", "forecast tune {w}/good.csv --space {w}/space.toml --trials 1 --out {out}",
     2,
     "space file {w}/space.toml is not valid TOML: Expected ']' at the end of a table declaration (at "
     "line 1, column 4)."),
    ("tune: zero trials", "forecast tune {w}/good.csv --trials 0 --out {out}", 2,
     "TuneConfig: trials must be an integer >= 1; got 0."),
    ("tune: unknown storage", "forecast tune {w}/good.csv --trials 1 --storage nosuchdb://x --out {out}", 2,
     "cannot open the study storage nosuchdb://x: SQLAlchemy knows no database 'nosuchdb'; pass a "
     "database URL that Optuna supports and this machine can reach, e.g. sqlite:///tune.db (a file) or "
     "postgresql://user:password@host:5432/dbname."),
    ("bench: bad shape", "bench gru --shape 8,16", 2,
     "Invalid value for --shape: a shape is five positive integers B,T,I,H,L (batch, steps, input_size, "
     "hidden_size, num_layers), e.g. 800,50,1,20,2; got '8,16'. See 'grukit bench gru --help'."),
    ("bench: zero threads", "bench gru --threads 0", 2,
     "Invalid value for '--threads': 0 is not in the range x>=1. See 'grukit bench gru --help'."),
    ("bench: unknown mode", "bench gru --mode backward", 2,
     "Invalid value for '--mode': 'backward' is not one of 'forward', 'train', 'both'. See 'grukit bench "
     "gru --help'."),
    # the command itself
    ("grukit: unknown command", "forcast train {w}/good.csv", 2,
     "No such command 'forcast'. Did you mean 'forecast'? See 'grukit --help'."),
    ("grukit: unknown subcommand", "forecast fit {w}/good.csv", 2,
     "No such command 'fit'. See 'grukit forecast --help'."),
    ("grukit: missing model option", "forecast predict {w}/good.csv", 2,
     "Missing option '--model'. See 'grukit forecast predict --help'."),
]


def _fill(text: str, w: Path, out: Path) -> str:
    return text.replace("{out}", str(out)).replace("{w}", str(w))


def _argv(spec, w: Path, out: Path) -> list[str]:
    return [_fill(part, w, out) for part in (spec.split() if isinstance(spec, str) else spec)]


def _files(w: Path) -> set[str]:
    return {str(p.relative_to(w)) for p in w.rglob("*")}


def test_the_corpus_is_large():
    assert len(CASES) >= 100 and len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("name, argv, code, message", CASES, ids=[case[0] for case in CASES])
def test_bad_input_gives_one_line(workspace, capsys, name, argv, code, message):
    out = workspace / "out"
    before = _files(workspace)
    got, _, err = run(capsys, _argv(argv, workspace, out))
    lines = err.strip().splitlines()
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0] == "grukit: error: " + _fill(message, workspace, out)
    assert got == code
    assert _files(workspace) == before and not out.exists()
