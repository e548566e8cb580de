"""Reading label windows from a JSON file, for evaluating a detector on labelled data.

Two layouts are read:

* a list of ``[start, end]`` pairs: ``[["2014-11-01 12:00:00", "2014-11-02 12:00:00"], ...]``;
* NAB's ``combined_windows.json``: ``{"realKnownCause/nyc_taxi.csv": [[start, end], ...], ...}``; the
  entry whose key ends with the data file's name is used.

Both ends of a window are inclusive. With timestamps in the data the limits are timestamps; without,
they are row numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

from grukit.detect.nab import window_rows
from grukit.detect.stream import Stream
from grukit.errors import DataError

__all__ = ["read_windows"]


def read_windows(path: Path, stream: Stream, data_file: str | None) -> list[tuple[int, int]]:
    """The label windows in ``path`` for ``stream`` (read from ``data_file``), as inclusive row ranges."""
    path = Path(path)
    try:
        table = json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"windows file {path} not found; pass a JSON file of [start, end] pairs.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"windows file {path} is not valid JSON ({err}); expected a list of [start, end] "
                        f"pairs.") from None
    if isinstance(table, dict):
        name = Path(data_file).name if data_file else ""
        keys = [key for key in table if name and str(key).endswith(name)]
        if not keys:
            raise DataError(f"windows file {path} has no entry for {name or 'this data'}; its keys are: "
                            f"{', '.join(map(str, table))}.")
        table = table[keys[0]]
    if not isinstance(table, list) or not all(isinstance(w, list) and len(w) == 2 for w in table):
        raise DataError(f"windows file {path} must hold a list of [start, end] pairs (or NAB's mapping of file "
                        f"names to such lists); got {json.dumps(table)[:80]}.")
    if stream.time is not None:
        return window_rows(stream.time, table)
    try:
        return [(int(a), int(b)) for a, b in table]
    except (TypeError, ValueError):
        raise DataError(f"{stream.name} has no timestamps, so the windows in {path} must be row numbers; "
                        f"got {table[0]!r}.") from None
