"""The per-epoch metrics on disk: ``metrics.csv`` and, when TensorBoard is installed, its event files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grukit._io import atomic_write_text

__all__ = ["COLUMNS", "MetricsLog"]

# One row per epoch; grad_norm and grad_norm_max are total gradient 2-norms BEFORE clipping.
COLUMNS = ("epoch", "train_loss", "val_loss", "lr", "grad_norm", "grad_norm_max", "seconds")


class MetricsLog:
    """Writes ``out_dir/metrics.csv`` (rewritten atomically after each epoch) and ``out_dir/tensorboard/``.

    With ``out_dir=None`` it writes nothing. TensorBoard is optional (the ``tensorboard`` extra):
    ``torch.utils.tensorboard`` is imported at the first write, and its absence is silent.
    Event files are appended by TensorBoard itself, so they are the one output not written atomically.
    """

    def __init__(self, out_dir: Path | None) -> None:
        self.out_dir = None if out_dir is None else Path(out_dir)
        self._writer = None
        self._tried_tensorboard = False

    def write(self, history: list[dict]) -> None:
        """Rewrite metrics.csv with every row of ``history``; send the last row to TensorBoard."""
        if self.out_dir is None:
            return
        buffer = io.StringIO()
        table = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
        table.writeheader()
        table.writerows(history)  # None (no val_data) becomes an empty cell
        atomic_write_text(self.out_dir / "metrics.csv", buffer.getvalue())
        writer = self._tensorboard()
        if writer is not None and history:
            row = history[-1]
            for name in COLUMNS[1:]:
                if row.get(name) is not None:
                    writer.add_scalar(name, row[name], global_step=row["epoch"])
            writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _tensorboard(self):
        if not self._tried_tensorboard:
            self._tried_tensorboard = True
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:  # the optional extra is not installed
                return None
            self._writer = SummaryWriter(log_dir=str(self.out_dir / "tensorboard"))
        return self._writer
