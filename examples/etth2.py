"""ETTh2, oil temperature (OT) alone: forecast 96 hours from the 96 before, on the ETT split.

    python examples/etth2.py
"""

import argparse

from grukit.evaluate import format_metrics_table
from grukit.forecast import GRUForecaster

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
args = parser.parse_args()

options = {} if args.epochs is None else {"epochs": args.epochs}
model = GRUForecaster(dataset="etth2", target=["OT"], **options).fit()
print(format_metrics_table(model.metrics_))
