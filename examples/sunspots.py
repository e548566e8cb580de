"""Monthly sunspot numbers: two years ahead from two solar cycles of history, with P10-P90 intervals.

    python examples/sunspots.py --out runs/sunspots
"""

import argparse

from grukit.evaluate import format_metrics_table
from grukit.forecast import GRUForecaster

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
parser.add_argument("--out", default=None, help="save the model here")
args = parser.parse_args()

options = {} if args.epochs is None else {"epochs": args.epochs}
model = GRUForecaster(dataset="sunspots", quantiles=[0.1, 0.9], **options).fit()
print(format_metrics_table(model.metrics_))
intervals = model.metrics_["intervals"]
print(f"P10-P90 coverage on the test windows: {intervals['coverage']:.1%} (nominal {intervals['nominal']:.0%})")
if args.out:
    model.save(args.out)
