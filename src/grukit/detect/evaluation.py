"""Scoring flags against label windows: window-level P/R/F1 and NAB's standard score, side by side.

NAB scores a stream of detections. A detector that flags stretches of steps can hand NAB every
flagged step, or its alarms: a flagged step raises an alarm unless one was raised in the rest period
before it (``alarms_from_flags``), as a streaming system pages once per event and as several of
NAB's own detectors do. Both are NAB's scoring of a detection stream; they differ only in which
rows the detector reports, and both are returned:

    nab.alarms              detections = the alarms (the headline number)
    nab.every_flagged_step  detections = every flagged step (each step outside the windows costs up to A_FP)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from grukit.detect.nab_score import PROFILES, nab_score
from grukit.detect.scores import alarms_from_flags
from grukit.detect.window_metrics import flagged_stretches, window_metrics

__all__ = ["evaluate_flags"]


def evaluate_flags(flags: np.ndarray, windows: Sequence[tuple[int, int]] | None, start: int,
                   rest_period: int, scores: np.ndarray | None = None) -> dict:
    """Counts of flags and alarms and, with label ``windows`` (inclusive rows), window metrics and NAB scores.

    ``start``: rows before it (the clean stretch the model learned from) are left out of the window
    metrics; NAB's scores leave out its own probationary period, min(floor(0.15 N), 750) rows.
    ``scores`` (N,): a flag scoring above the last alarm raises an alarm inside its rest period too.
    """
    flags = np.asarray(flags, dtype=bool)
    alarms = alarms_from_flags(flags, rest_period, scores)
    result = {"flagged": {"steps": int(flags[start:].sum()), "stretches": len(flagged_stretches(flags[start:])),
                          "alarms": int(alarms[start:].sum()), "rest_period": int(rest_period),
                          "from_row": int(start)}}
    if windows is None:
        return result
    result["windows"] = window_metrics(flags, windows, start=start).to_dict()
    nab = {}
    for profile in PROFILES:
        on_alarms = nab_score(alarms, windows, profile)
        on_steps = nab_score(flags, windows, profile)
        nab[profile] = {"alarms": on_alarms.score, "every_flagged_step": on_steps.score,
                        "null": -PROFILES[profile].fn * on_alarms.windows,
                        "perfect": PROFILES[profile].tp * on_alarms.windows,
                        "detected_windows": on_alarms.detected_windows, "windows": on_alarms.windows,
                        "false_alarms": on_alarms.false_positives, "probationary_rows": on_alarms.probationary_rows}
    result["nab"] = nab
    return result
