"""The sine tutorial's exercise: predict the next value of a sine wave from the 50 before it.

Windows of 50 values, the first 800 windows for training, one-step test MSE on the last 150.

    python examples/sine.py
"""

import argparse

from grukit.forecast import GRUForecaster

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
args = parser.parse_args()

options = {} if args.epochs is None else {"epochs": args.epochs}
model = GRUForecaster(dataset="sine", **options).fit()
print(f"test windows: {model.metrics_['split']['windows']['test']}")
print(f"GRU   one-step test MSE: {model.metrics_['model']['mse']:.3e}")
print(f"naive one-step test MSE: {model.metrics_['baselines']['naive']['mse']:.3e}")
