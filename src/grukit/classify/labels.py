"""Class labels: the sorted classes of a training set, and labels to codes 0..J-1 with a clear error.

Labels keep the type they were given (text from a ``.ts`` file, ints from a CSV column or an
array). Two labels are the same class when their text is the same, so a model trained on the ints
1 and 2 reads the ``.ts`` labels "1" and "2" as those classes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from grukit.errors import DataError

__all__ = ["sorted_classes", "encode_labels"]


def sorted_classes(labels: Sequence, name: str) -> list:
    """The distinct labels, sorted (numbers by value, text alphabetically); mixing numbers and text is an error.

    Example:
        >>> sorted_classes([2, 10, 2, 1], "y")
        [1, 2, 10]
    """
    distinct = list(dict.fromkeys(labels))
    numeric = [isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in distinct]
    if any(numeric) and not all(numeric):
        raise DataError(f"the labels of {name} mix numbers and text ({distinct[numeric.index(True)]!r} and "
                        f"{distinct[numeric.index(False)]!r}); give every label the same type.")
    if not all(numeric) and not all(isinstance(v, str) for v in distinct):
        odd = next(v for v in distinct if not isinstance(v, str))
        raise DataError(f"the labels of {name} must be text or numbers; got {odd!r} ({type(odd).__name__}).")
    return sorted(distinct)


def encode_labels(labels: Sequence, classes: Sequence, locate) -> np.ndarray:
    """Each label's position in ``classes`` as (N,) int64; an unknown label names where it is and the classes.

    ``locate(i)`` names sequence i in its source, for the message.

    Example:
        >>> encode_labels(["b", "a", "b"], ["a", "b"], str).tolist()
        [1, 0, 1]
    """
    index = {str(c): k for k, c in enumerate(classes)}
    codes = np.empty(len(labels), dtype=np.int64)
    for i, label in enumerate(labels):
        code = index.get(str(label))
        if code is None:
            known = ", ".join(repr(str(c)) for c in classes)
            raise DataError(f"label {str(label)!r} at {locate(i)} is not one of the classes the model was trained "
                            f"on: {known}; pass data of those classes only, or retrain with this class.")
        codes[i] = code
    return codes
