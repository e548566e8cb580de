"""Scoring a series as it arrives: rows in, one score each, with the state carried between calls.

``DetectorStream(detector).update(rows)`` scores the new rows from what it keeps of the past:

    window     the last lookback scaled rows (the network's input for the next error)
    errors     the last ``smoothing`` errors (the causal mean s_t)
    history    the last ``history`` smoothed errors, ring-buffered (the z-score's mean and spread)
    alarms     the step and score of the last alarm (the rest period)

so memory is bounded whatever the stream's length, and each row costs one forward pass of one
window. The scores equal :meth:`GRUAnomalyDetector.score_frame` on the whole series up to float
rounding (the batch path runs the network on batches of windows, this one window at a time;
``tests/detect/test_detect_live.py`` checks both, fed in chunks of any size).
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from grukit.detect.methods import step_errors
from grukit.detect.scores import continued_alarms, flags_from_scores

__all__ = ["DetectorStream"]


class DetectorStream:
    """Row-by-row scoring with a fitted :class:`grukit.detect.GRUAnomalyDetector`.

    Example:
        >>> stream = DetectorStream(GRUAnomalyDetector.load("runs/nyc"))
        >>> stream.update(first_rows)      # a DataFrame (or file) with the training columns
        >>> stream.update(next_row)        # -> time, values, score, flagged, alarm of the new rows
    """

    def __init__(self, detector) -> None:
        detector._check_fitted()
        config = detector.config_
        self.detector, self.config = detector, config
        self.forecast = config.method == "forecast"
        self.zscore = config.score_kind() == "zscore"
        self.window: deque[np.ndarray] = deque(maxlen=config.lookback)  # scaled rows (C,)
        self.errors: deque[float] = deque(maxlen=config.smoothing)
        self.history = np.full(config.history, np.nan)  # the last `history` smoothed errors, a ring
        self.rows = 0  # rows seen
        self.last_alarm = (-config.rest_steps() - 1, -np.inf)  # the step and score of the last alarm

    def update(self, data) -> pd.DataFrame:
        """Score the rows of ``data`` (a DataFrame, file or array with the training columns) after those seen.

        Returns the scores CSV's columns for these rows: time (or step), values, score, flagged, alarm.
        """
        stream = self.detector.read(data)
        scaled = self.detector.scaler_.transform(stream.values)  # (N, C)
        scores = np.array([self._score(row) for row in scaled], dtype=np.float64)  # (N,)
        flagged = flags_from_scores(scores, self.detector.threshold_)
        first = self.rows - len(scores)  # this call's first step
        alarms, (step, level) = continued_alarms(flagged, self.config.rest_steps(), scores,
                                                 (self.last_alarm[0] - first, self.last_alarm[1]))
        self.last_alarm = (first + step, level)
        steps = np.arange(first, self.rows)
        frame = {stream.time_column or "step": stream.time if stream.time is not None else steps}
        for c, name in enumerate(stream.value_columns):
            frame[name] = stream.values[:, c]
        frame.update(score=scores, flagged=flagged, alarm=alarms)
        return pd.DataFrame(frame)

    def _score(self, row: np.ndarray) -> float:
        """The next row's score; updates the window, the errors and the history."""
        if self.forecast:  # the window before the row forecasts it
            values = [*self.window, row]
            self.window.append(row)
        else:  # the window ending on the row reconstructs it
            self.window.append(row)
            values = list(self.window)
        error = float(step_errors(self.detector.net_, np.stack(values), self.config)[-1])  # NaN: no full window yet
        self.errors.append(error)
        complete = len(self.errors) == self.config.smoothing and all(np.isfinite(self.errors))
        smoothed = float(np.mean(self.errors)) if complete else np.nan  # causal_mean's s_t
        self.history[self.rows % len(self.history)] = smoothed
        self.rows += 1
        if not self.zscore:
            return smoothed
        if np.isnan(smoothed):
            return np.nan
        past = self.history[np.isfinite(self.history)]  # the last `history` defined smoothed errors
        mu, sd = past.mean(), past.std()
        return float((smoothed - mu) / max(sd, 1e-12 * (1.0 + abs(mu))))
