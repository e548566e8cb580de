"""ETTh1 on the standard protocol: all 7 variables, lookback 96, MSE/MAE on the z-scored data.

Train 8,640 / validation 2,880 / test 2,880 rows; the scaler is fitted on the train rows only.

    python examples/etth1.py --horizon 96
"""

import argparse

from grukit.forecast import GRUForecaster

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--horizon", type=int, default=96, choices=[96, 192, 336, 720])
parser.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")
args = parser.parse_args()

targets = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"]
options = {} if args.epochs is None else {"epochs": args.epochs}
model = GRUForecaster(dataset="etth1", target=targets, horizon=args.horizon, **options).fit()
scaled = model.metrics_["scaled"]
print(f"ETTh1 horizon {args.horizon}: MSE {scaled['model']['mse']:.3f}, MAE {scaled['model']['mae']:.3f} "
      f"(naive MSE {scaled['baselines']['naive']['mse']:.3f})")
