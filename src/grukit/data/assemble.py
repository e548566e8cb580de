"""Put a ``SeriesSet`` into the per-series arrays a ``WindowDataset`` reads.

Per series i of N_i rows (shapes use the legend of :mod:`grukit.nn.functional`):

    inputs[i]       = [scaled targets | scaled covariates | calendar]   (N_i, C + P + F)
    targets[i]      =  scaled targets                                   (N_i, C)
    known_future[i] =  calendar                                         (N_i, F), None when F = 0

Scaling uses scalers fitted on the train rows (``fit_scalers``), so val/test rows are transformed
with train statistics only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from grukit.data.calendar import calendar_feature_names, calendar_features
from grukit.data.scaling import StandardScaler
from grukit.data.series import SeriesSet
from grukit.errors import DataError

__all__ = ["ModelArrays", "model_arrays", "with_observed_mask"]


@dataclass
class ModelArrays:
    """The arrays of every series, ready for ``WindowDataset``."""

    inputs: list[np.ndarray]  # per series (N_i, C + P + F) float32
    targets: list[np.ndarray]  # per series (N_i, C) float32, scaled
    known_future: list[np.ndarray] | None  # per series (N_i, F) float32; None when F = 0
    input_names: list[str]  # the C + P + F input channel names


def model_arrays(
    series_set: SeriesSet,
    target_scalers: Sequence[StandardScaler],
    covariate_scalers: Sequence[StandardScaler] | None = None,
    calendar: bool = True,
    future_columns: int = 0,
) -> ModelArrays:
    """Scaled targets, scaled covariates (unscaled when ``covariate_scalers`` is None) and calendar.

    ``calendar=False`` (or integer-step data) leaves the calendar features out. The last
    ``future_columns`` covariates are known ahead (future covariates): they join the calendar
    features as known-future inputs, after them (F = calendar + future columns).
    """
    n = len(series_set.series)
    if len(target_scalers) != n or (covariate_scalers is not None and len(covariate_scalers) != n):
        raise DataError(
            f"model_arrays got {n} series but {len(target_scalers)} target scalers"
            f"{'' if covariate_scalers is None else f' and {len(covariate_scalers)} covariate scalers'}; "
            f"give one scaler per series (fit_scalers)."
        )
    names = calendar_feature_names(series_set.freq) if calendar else []
    inputs, targets, future = [], [], []
    for i, series in enumerate(series_set.series):
        target = target_scalers[i].transform(series.target)  # (N, C)
        covariates = series.past_covariates  # (N, P)
        if covariate_scalers is not None and covariates.shape[1]:
            covariates = covariate_scalers[i].transform(covariates)
        if names and series.time is not None:
            known = calendar_features(series.time, series_set.freq)  # (N, F)
        else:
            known = np.zeros((len(series), 0))
        if future_columns:
            split = covariates.shape[1] - future_columns
            covariates, known = covariates[:, :split], np.concatenate([known, covariates[:, split:]], axis=1)
        inputs.append(np.concatenate([target, covariates, known], axis=1).astype(np.float32))  # (N, C+P+F)
        targets.append(target.astype(np.float32))
        future.append(known.astype(np.float32))
    has_future = bool(future) and future[0].shape[1] > 0
    past = len(series_set.covariate_columns) - future_columns
    with_calendar = bool(names) and n > 0 and series_set.series[0].time is not None
    return ModelArrays(
        inputs=inputs,
        targets=targets,
        known_future=future if has_future else None,
        input_names=[*series_set.target_columns, *series_set.covariate_columns[:past],
                     *(names if with_calendar else []), *series_set.covariate_columns[past:]],
    )


def with_observed_mask(arrays: ModelArrays, pad: int, target_size: int) -> ModelArrays:
    """Insert an observed-mask channel after the C targets and left-pad every series with ``pad`` rows.

    Padded rows are all zero with mask 0; real rows keep their values with mask 1:

        inputs[i]  (N_i, C + P + F) -> (pad + N_i, C + 1 + P + F)
        targets[i] (N_i, C)         -> (pad + N_i, C)

    Example:
        >>> a = ModelArrays([np.ones((2, 1), np.float32)], [np.ones((2, 1), np.float32)], None, ["y"])
        >>> padded = with_observed_mask(a, pad=1, target_size=1)
        >>> padded.inputs[0].tolist(), padded.input_names
        ([[0.0, 0.0], [1.0, 1.0], [1.0, 1.0]], ['y', 'observed'])
    """
    def padded(values: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros((pad, values.shape[1]), np.float32), values])

    inputs = []
    for values in arrays.inputs:
        mask = np.ones((len(values), 1), np.float32)  # (N, 1)
        inputs.append(padded(np.concatenate([values[:, :target_size], mask, values[:, target_size:]], axis=1)))
    names = [*arrays.input_names[:target_size], "observed", *arrays.input_names[target_size:]]
    future = None if arrays.known_future is None else [padded(f) for f in arrays.known_future]
    return ModelArrays(inputs, [padded(t) for t in arrays.targets], future, names)
