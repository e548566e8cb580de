"""The ``grukit`` command: a thin layer over the library."""

from __future__ import annotations

from pathlib import Path

import click

from grukit._version import __version__


@click.group(name="grukit", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="grukit", message="%(prog)s %(version)s")
def cli() -> None:
    """grukit: Gated Recurrent Units for PyTorch.

    Run `grukit COMMAND --help` for a command's options.
    """


@cli.command()
@click.option("--epochs", type=click.IntRange(min=1), default=100, show_default=True, help="Passes over the training windows.")
@click.option("--reset", type=click.Choice(["after", "before"]), default="after", show_default=True,
              help="GRU form: 'after' (PyTorch/cuDNN) or 'before' (seed 001's equations).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for metrics.json and prediction.png (nothing is written without it).")
def demo(epochs: int, reset: str, seed: int, out: Path | None) -> None:
    """Train a GRU on seed 001's sine task and print the test MSE next to the naive baseline's."""
    from grukit.demos.sine import SineDemoConfig, run_sine_demo

    metrics = run_sine_demo(SineDemoConfig(epochs=epochs, reset=reset, seed=seed), out=out)
    click.echo(f"sine, one step ahead, {metrics['split']['test_windows']} test windows")
    click.echo(f"  GRU   test MSE: {metrics['test_mse']:.3e}")
    click.echo(f"  naive test MSE: {metrics['baselines']['naive_mse']:.3e}  (repeat the last value)")
    if out is not None:
        click.echo(f"  wrote {out / 'metrics.json'} and {out / 'prediction.png'}")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
