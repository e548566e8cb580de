"""``MusicModel``: next-frame modelling of polyphonic piano rolls on the scikit-learn estimator contract."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from grukit.errors import DataError
from grukit.estimator import Estimator
from grukit.music.config import MusicConfig

__all__ = ["MusicModel", "TRAIN_DEFAULTS"]

# TrainConfig values that suit piano rolls (chosen on JSB Chorales' valid split; see BENCHMARKS.md),
# used where an option is not given: many small steps, a high peak learning rate.
TRAIN_DEFAULTS = {"lr": 1e-2, "batch_size": 4, "epochs": 150, "patience": 20}


def _rolls(data, splits: tuple[str, ...], optional: tuple[str, ...] = (),
           steps_per_beat: int = 1) -> tuple[dict, str]:
    """Piano rolls by split and a name for them, from any of:

    None (the bundled JSB Chorales), a piano-roll JSON path, a folder of MIDI files (split by
    name, :mod:`grukit.music.midi_folder`; the name is then its read-back line), or a dict of split
    -> list of (T, 88) binary arrays.
    """
    from grukit.music.data import bundled_chorales, read_piano_rolls

    if data is None:
        return read_piano_rolls(bundled_chorales(), splits, optional), "bundled JSB Chorales"
    if isinstance(data, (str, Path)) and Path(data).is_dir():
        from grukit.music.midi_folder import read_midi_folder

        rolls, line = read_midi_folder(data, steps_per_beat)
        return {s: rolls[s] for s in (*splits, *optional) if s in rolls}, line
    if isinstance(data, (str, Path)):
        return read_piano_rolls(data, splits, optional), str(data)
    if isinstance(data, dict):
        missing = [s for s in splits if s not in data]
        if missing:
            raise DataError(f"the piano rolls have no {missing[0]!r} split; pass a dict with the keys "
                            f"{', '.join(splits)}, each a list of (T, 88) binary arrays.")
        return {s: [_check_roll(r, f"{s}[{i}]") for i, r in enumerate(data[s])] for s in splits}, "arrays"
    raise DataError(f"music data must be a piano-roll JSON path, a folder of MIDI files or a dict of split -> "
                    f"rolls; got {type(data).__name__}.")


def _check_roll(roll, where: str) -> np.ndarray:
    """A binary (T, 88) array with T >= 1, as uint8; DataError otherwise."""
    from grukit.music.data import NUM_KEYS

    roll = np.asarray(roll)
    if roll.ndim != 2 or roll.shape[1] != NUM_KEYS or roll.shape[0] < 1:
        raise DataError(f"piano roll {where} must have shape (T, {NUM_KEYS}) with T >= 1; got {roll.shape}.")
    if not np.isin(roll, (0, 1)).all():
        raise DataError(f"piano roll {where} must hold only 0 and 1 (key up, key down); got other values.")
    return roll.astype(np.uint8)


class MusicModel(Estimator):
    """Model polyphonic music as a sequence of 88-key binary frames, each predicted from the ones before.

    Follows scikit-learn's contract: ``__init__`` only stores its options, ``fit`` checks them,
    trains and returns ``self``; learned state ends in ``_`` (``net_``, ``history_``, ...).
    Options are the fields of :class:`MusicConfig` (model) and :class:`grukit.train.TrainConfig`
    (training; ``batch_size`` counts sequences; ``TRAIN_DEFAULTS`` replaces TrainConfig's defaults
    for lr, batch_size, epochs and patience). The output biases start at each key's log-odds in
    the training frames (:func:`~grukit.music.net.init_output_bias`). Training uses the ``train`` split and keeps the
    epoch with the lowest NLL per step on the ``valid`` split (early stopping); ``score`` reports
    the metric of Boulanger-Lewandowski et al. (2012) on any split.

    Example:
        >>> model = MusicModel(hidden_size=128, epochs=200).fit("jsb_chorales.json")   # doctest: +SKIP
        >>> model.score("jsb_chorales.json", "test")["nll"]          # nats per step  # doctest: +SKIP
        >>> roll = model.sample(steps=64)                            # (64, 88) uint8  # doctest: +SKIP
        >>> model.save("runs/jsb"); model = MusicModel.load("runs/jsb")              # doctest: +SKIP
    """

    PERSISTENCE = "grukit.music.persistence"
    CONFIG = MusicConfig
    TRAIN_DEFAULTS = TRAIN_DEFAULTS

    # ----------------------------------------------------------------- training and scoring
    def fit(self, data=None, *, out: str | Path | None = None, resume: bool = False, callbacks=()) -> "MusicModel":
        """Train on ``data``'s train split, selecting the epoch by the valid split's NLL; returns ``self``.

        ``data`` is a piano-roll JSON path (see :mod:`grukit.music.data`), a folder of MIDI files
        (:mod:`grukit.music.midi_folder`), a dict of split -> list of (T, 88) binary arrays, or None
        for the bundled JSB Chorales; a test split, when present, is checked but not used.
        ``out``: a folder for the training log (metrics.csv) and per-epoch checkpoints; ``resume``
        continues from its last checkpoint. ``callbacks`` go to :func:`grukit.train.fit` (e.g. one
        that prints every epoch).
        """
        from grukit.music.batches import LengthGroups, collate_groups, nll_loss
        from grukit.music.net import build_net, init_output_bias
        from grukit.train import fit, seed_everything
        from grukit.train.checkpoint import digest

        config, train_config = self.configs()
        rolls, name = _rolls(data, ("train", "valid"), ("test",), config.steps_per_beat)  # a bad test split fails now
        seed_everything(train_config.seed)
        net = build_net(config)
        init_output_bias(net, rolls["train"])  # start from each key's frequency (a resume loads its weights)
        group = train_config.batch_size  # sequences per batch; fit sees one group per batch
        one_group = dataclasses.replace(train_config, batch_size=1)
        fingerprint = {"data": digest(rolls["train"], rolls["valid"]), "options": dataclasses.asdict(config)}
        result = fit(net, nll_loss, LengthGroups(rolls["train"], group), LengthGroups(rolls["valid"], group),
                     one_group, out_dir=out, resume=resume, collate_fn=collate_groups, callbacks=callbacks,
                     fingerprint=fingerprint)
        self.config_, self.train_config_, self.net_ = config, train_config, net.cpu().eval()
        self.history_ = result.history
        self.best_epoch_ = result.best_epoch
        self.data_ = {"data": name, "splits": list(rolls), **{s: {"sequences": len(r), "steps": int(sum(len(x) for x in r))}
                                       for s, r in rolls.items() if s in ("train", "valid")}}
        return self

    @property
    def n_parameters_(self) -> int:
        """Trainable parameters of the fitted net."""
        from grukit.music.net import count_parameters

        self._check_fitted()
        return count_parameters(self.net_)

    def score(self, data=None, split: str = "test") -> dict:
        """The NLL per time step (nats) of ``split``, pooled over all its steps, and its counts.

        Returns ``{"split", "nll", "steps", "sequences", "nll_after_first_step"}``; the last one
        leaves out each sequence's first step (predicted from the zero frame alone).
        """
        import torch

        from grukit.music.batches import split_step_nll
        from grukit.music.metrics import pooled_nll

        self._check_fitted()
        rolls, _ = _rolls(data, (split,), steps_per_beat=self.config_.steps_per_beat)
        values = split_step_nll(self.net_, rolls[split])
        later = [v[1:] for v in values if len(v) > 1]
        return {"split": split, "nll": pooled_nll(torch.cat(values)),
                "steps": int(sum(len(v) for v in values)), "sequences": len(values),
                "nll_after_first_step": pooled_nll(torch.cat(later)) if later else None}

    def sample(self, steps: int, temperature: float = 1.0, seed: int = 0) -> np.ndarray:
        """A new (steps, 88) uint8 piano roll drawn from the model; see :func:`grukit.music.sampling.sample_roll`."""
        from grukit.music.sampling import sample_roll

        self._check_fitted()
        return sample_roll(self.net_, steps, temperature, seed)
