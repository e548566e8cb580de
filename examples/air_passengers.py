"""Forecast the last 12 months of the air passengers series and compare with the baselines.

    python examples/air_passengers.py --out runs/air
"""

import argparse

from grukit.evaluate import format_metrics_table
from grukit.forecast import GRUForecaster

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
parser.add_argument("--out", default=None, help="save the model here")
args = parser.parse_args()

options = {} if args.epochs is None else {"epochs": args.epochs}
model = GRUForecaster(dataset="air_passengers", **options).fit()  # no data: the bundled series and its preset
print(format_metrics_table(model.metrics_))
print(model.predict())  # the 12 months after December 1960
if args.out:
    model.save(args.out)
