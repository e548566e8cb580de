"""Opening an Optuna study in a database, so that a search survives a crash and many workers share it.

The storage is any database URL SQLAlchemy and Optuna support: an SQLite file for one machine
(``sqlite:///runs/tune/tune.db``), PostgreSQL for workers on many machines
(``postgresql://user:password@host:5432/dbname``, with ``pip install "psycopg[binary]"``).
Opening the same study again loads it: a restarted search continues where it stopped.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from grukit.errors import ConfigError, GrukitError

__all__ = ["require_optuna", "open_storage", "open_study", "trial_sampler", "shown_url"]

HEARTBEAT_SECONDS = 60  # a running trial writes a heartbeat this often
EXAMPLES = "e.g. sqlite:///tune.db (a file) or postgresql://user:password@host:5432/dbname"


def require_optuna():
    """The optuna module, or a one-line GrukitError that says how to install it."""
    try:
        import optuna
    except ImportError:
        raise GrukitError('hyperparameter search needs Optuna, which is not installed; pip install "grukit[tune]" '
                          '(or: pip install optuna).') from None
    return optuna


def shown_url(url: str) -> str:
    """The URL with its password replaced by ***, for messages and logs."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def open_storage(url: str):
    """An Optuna ``RDBStorage`` for ``url``; a URL that cannot be opened is a one-line ConfigError.

    A worker that dies leaves its trial running; once its heartbeat is two intervals old the next
    trial any worker starts marks it failed and queues its parameters again (once).
    """
    import optuna
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"cannot open the study storage {url!r}: it is not a database URL; pass one that "
                          f"Optuna supports, {EXAMPLES}.") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.drivername == "postgresql":  # psycopg 3 (the tune extra), whichever driver SQLAlchemy defaults to
        parsed = parsed.set(drivername="postgresql+psycopg")
    # SQLite: wait for a busy file (another worker writing) instead of failing after 5 s.
    engine_kwargs = {"connect_args": {"timeout": 60}} if parsed.get_backend_name() == "sqlite" else {}
    for attempt in range(3):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna; stable enough for this use
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    parsed.render_as_string(hide_password=False), engine_kwargs=engine_kwargs,
                    heartbeat_interval=HEARTBEAT_SECONDS,
                    heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1))
        except NoSuchModuleError:
            reason = f"SQLAlchemy knows no database {parsed.drivername!r}"
        except ImportError as err:  # Optuna's "Failed to import DB access module"
            missing = getattr(err.__cause__, "name", None) or "its driver"
            reason = f"the Python driver {missing!r} is not installed (PostgreSQL: pip install \"psycopg[binary]\")"
        except SQLAlchemyError as err:
            reason = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
            if attempt < 2 and (isinstance(err, IntegrityError) or "already exists" in reason):
                time.sleep(1.0)  # two workers created the tables at once; the second try finds them
                continue
        raise ConfigError(f"cannot open the study storage {shown}: "
                          f"{reason}; pass a database URL that Optuna supports and this machine can reach, "
                          f"{EXAMPLES}.") from None


def trial_sampler(seed: int, number: int):
    """A TPE sampler seeded by (seed, trial number).

    Each trial draws from its own seed, so two workers starting together never draw the same
    first configurations, and a restarted search does not repeat the draws of its first trials.
    """
    import optuna

    trial_seed = int(np.random.SeedSequence([seed, number]).generate_state(1)[0])
    return optuna.samplers.TPESampler(seed=trial_seed)


def open_study(storage, study_name: str, *, seed: int, prune_startup_trials: int, prune_warmup_epochs: int):
    """Create the study, or load it when it exists (``load_if_exists``): minimize the validation loss.

    Pruning: a trial stops after an epoch whose best validation loss so far is worse than the median
    of the other trials at that epoch, once ``prune_startup_trials`` trials have finished and the trial
    has run ``prune_warmup_epochs`` epochs (Optuna's ``MedianPruner``).
    """
    import optuna

    pruner = optuna.pruners.MedianPruner(n_startup_trials=prune_startup_trials, n_warmup_steps=prune_warmup_epochs)
    return optuna.create_study(storage=storage, study_name=study_name, direction="minimize", load_if_exists=True,
                               sampler=trial_sampler(seed, 0), pruner=pruner)
