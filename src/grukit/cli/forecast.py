"""``grukit forecast train | predict | backtest``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from grukit.cli._options import (
    config_option, data_argument, dataclass_options, merge_options, progress_options, read_toml)
from grukit.cli._train import train_options, train_run
from grukit.cli.tune import tune_command
from grukit.forecast.config import ForecastConfig
from grukit.forecast.defaults import GENERIC_TRAIN
from grukit.train.config import TrainConfig

# What --help shows where a data file's run does not use the dataclass default (a bundled dataset
# without a data file starts from its preset instead; `grukit forecast train --dataset NAME --help`
# cannot show that; docs/forecasting.md lists the presets).
HELP_DEFAULTS = {**GENERIC_TRAIN, "epochs": "from the data: about 1,500 steps, at most 50 epochs",
                 "batch_size": "from the data: windows / 8, from 16 to 256"}

DATA = click.argument("data", required=False, type=click.Path(dir_okay=False, path_type=Path))


@click.group()
def forecast() -> None:
    """Forecast time series with a GRU: train, predict, backtest.

    DATA is a CSV or Parquet file, wide (a time column and one column per variable) or long
    (series id, time, value; Nixtla's unique_id, ds, y as is). Without DATA the bundled
    dataset named by --dataset is used (air_passengers by default; also sine, etth1, etth2,
    sunspots).
    """


def _options(config_file: Path | None, options: dict) -> dict:
    return merge_options(read_toml(config_file), options)


CV_WINDOWS = click.option(
    "--cv-windows", type=click.IntRange(min=0), default=1, show_default=True,
    help="Cross-validation windows scored before the final fit (the last horizon of each series, then one "
         "horizon earlier, ...); 0 skips them. Ignored with --test-size > 0.")


@forecast.command()
@DATA
@train_options(ForecastConfig, TrainConfig, defaults=HELP_DEFAULTS, extra=(CV_WINDOWS,),
               writes="model.safetensors, config.json, metrics.json, forecast.csv, plots/, report.html, metrics.csv")
def train(data: Path | None, out: Path | None, resume: bool, force: bool, cv_windows: int, options: dict) -> None:
    """Score the model on the last window(s) of DATA, then train on all of DATA and save it under --out.

    Evaluation: a model trained on the rows before each series' last horizon forecasts that
    horizon, next to the naive and seasonal-naive forecasts (cross-validation, --cv-windows).
    The saved model is then trained on every row. With --test-size > 0 the older protocol holds
    instead: a chronological train / validation / test split, the model trained on the train part.
    """
    from grukit.forecast import GRUForecaster
    from grukit.train.distributed import is_main_process

    estimator = GRUForecaster(**options)
    estimator.configs(data)  # bad options fail before any data is read or folder made

    def fit(folder: Path | None, again: bool):
        """Fit on every row (process 0 prints the read-back line first), then score by cross-validation,
        which every process of a torchrun takes part in."""
        model = estimator.fit(data, out=folder, resume=again, on_data=click.echo if is_main_process() else None)
        return model, ((None, "") if model.config_.test_size else _cross_validation(estimator, data, cv_windows))

    train_run(out, resume, force, fit, _report)


def _report(fitted, folder: Path | None) -> str:
    """The cross-validation table (or the test part's metrics), and the run written into ``folder``."""
    from grukit.evaluate import format_metrics_table
    from grukit.forecast.outputs import write_run

    model, (cv, unscored) = fitted
    if folder is not None:
        write_run(model, folder, cv, unscored)
    if cv is not None:
        return cv.table()
    return format_metrics_table(model.metrics_) if model.metrics_ is not None else ""


def _cross_validation(estimator, data, windows: int):
    """(CrossValidation or None, why there is none); series too short for a window skip it with a warning."""
    import warnings

    from grukit.errors import DataError

    if not windows:
        return None, "cross-validation was turned off (--cv-windows 0)."
    try:
        return estimator.cross_validation(data, n_windows=windows), ""
    except DataError as err:
        reason = f"the series are too short for a cross-validation window: {str(err).rstrip('.')}"
        warnings.warn(f"not scored: {reason}. The model was trained on every row.", stacklevel=2)
        return None, reason + "."


@forecast.command()
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The --out folder of a training run.")
@data_argument("--data", missing="DATA is required: pass a CSV or Parquet file with at least the last lookback "
                                  "rows of each series, in the columns of the training data.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the forecast here (.csv, or .parquet); without it the CSV goes to standard output.")
@click.option("--h", "h", type=click.IntRange(min=1), default=None,
              help="Forecast only the first H steps of the trained horizon.")
@click.option("--future", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV or Parquet with the future covariates' values for the horizon after each series "
                   "(the training's id and time columns, then those columns); needed by models that have them.")
def predict(model_dir: Path, data: Path, out: Path | None, h: int | None, future: Path | None) -> None:
    """Forecast the horizon steps after the end of each series in DATA.

    DATA is a CSV or Parquet file with at least the last lookback rows of each series, in the
    columns of the training data (--data DATA is the older spelling).
    """
    from grukit.forecast import GRUForecaster
    from grukit.forecast.outputs import write_table

    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise click.BadParameter(f"the forecast is written as .csv or .parquet; got {out.name!r}.",
                                 param_hint="'--out'")
    frame = GRUForecaster.load(model_dir).predict(data, h=h, future=future)
    if out is None:
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        write_table(frame, out)
        click.echo(f"forecast: {out}")


@forecast.command()
@DATA
@click.option("--folds", type=click.IntRange(min=1), default=3, show_default=True,
              help="Forecast origins, each one horizon apart at the end of the data.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for backtest.json and cross_validation.csv; nothing is written without it.")
@config_option
@progress_options
@dataclass_options(ForecastConfig, TrainConfig, skip=("split", "val_size", "test_size"), defaults=HELP_DEFAULTS)
def backtest(data: Path | None, folds: int, out: Path | None, config_file: Path | None, **options) -> None:
    """Rolling-origin backtest: refit at each origin and score the next horizon against the baselines."""
    from grukit._io import atomic_write_text
    from grukit.forecast.backtest import backtest as run_backtest
    from grukit.forecast.outputs import write_table
    from grukit.train.distributed import is_main_process

    result, cv = run_backtest(data, folds, _options(config_file, options))
    if not is_main_process():  # under torchrun, process 0 alone reports and writes
        return
    for fold in result["per_fold"]:
        click.echo(f"fold {fold['fold']}: origin after row {fold['origin_row']}, "
                   f"sMAPE {fold['model']['smape']:.3f}%, MASE {fold['model']['mase']:.3f}")
    click.echo(cv.table())
    if out is not None:
        atomic_write_text(Path(out) / "backtest.json", json.dumps(result, indent=2) + "\n")
        write_table(cv.forecasts, Path(out) / "cross_validation.csv")
        click.echo(f"backtest: {Path(out) / 'backtest.json'}, forecasts per cutoff: "
                   f"{Path(out) / 'cross_validation.csv'}")


forecast.add_command(tune_command("forecast", ForecastConfig, TrainConfig))
