"""``grukit export``: write a saved model as an ONNX or TorchScript graph with its state outside it."""

from __future__ import annotations

from pathlib import Path

import click

SUFFIXES = {"onnx": ".onnx", "torchscript": ".pt"}


@click.command()
@click.option("--model", "model_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The --out folder of a forecast training run.")
@click.option("--format", "format", type=click.Choice(sorted(SUFFIXES)), default="onnx", show_default=True,
              help="onnx (runs in onnxruntime) or torchscript (torch.jit.load).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The file to write (default: model.onnx or model.pt in --model); FILE.json describes it.")
def export(model_dir: Path, format: str, out: Path | None) -> None:
    """Export a trained forecast model as a graph (x, h[, future]) -> (y, h_next).

    The GRU state h is an input and h_next an output: zeros start a window, and feeding the
    last lookback rows from zeros reproduces `grukit forecast predict`. A step-wise model
    without RevIN also streams (rows in chunks, carrying h); a model with revin or
    segment_length > 0 is a "window" graph that takes the whole window in one call (FILE.json's
    "graph" says which). x and y are in the model's scaled space; FILE.json holds the column
    order, the target transform and the scalers that map y back to the data's units.
    """
    from grukit.export import export_model_dir

    path = export_model_dir(model_dir, out or model_dir / f"model{SUFFIXES[format]}", format)
    click.echo(f"{format}: {path} (described in {path.name}.json)")
