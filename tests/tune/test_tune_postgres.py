"""grukit forecast tune against a real PostgreSQL server: two worker processes, then a resumed run, one study.

Runs when GRUKIT_TEST_POSTGRES_URL names a database (.ci/run starts a throwaway server on loopback and
sets it); skipped otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import numpy as np
import pandas as pd
import pytest

URL = os.environ.get("GRUKIT_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="GRUKIT_TEST_POSTGRES_URL is not set; .ci/run starts a throwaway "
                                                "PostgreSQL server and sets it (postgresql://user:password@host/db)")
optuna = pytest.importorskip("optuna", reason="the tune extra is not installed: pip install 'grukit[tune]'")

from grukit.tune.outputs import toml_text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from helpers.cli import run  # noqa: E402

FIXED = {"horizon": 4, "epochs": 2, "batch_size": 32, "num_threads": 1}
SPACE_TOML = "lookback = { choices = [12, 24] }\nhidden_size = { low = 4, high = 8 }\nnum_layers = { choices = [1] }\n"


def test_two_workers_and_a_resumed_run_share_one_postgres_study(tmp_path, capsys):
    t = np.arange(200)
    data = tmp_path / "sine.csv"
    pd.DataFrame({"time": pd.date_range("2024-01-01", periods=t.size, freq="h"),
                  "y": np.sin(2 * np.pi * t / 24)}).to_csv(data, index=False)
    (tmp_path / "fixed.toml").write_text(toml_text(FIXED))
    (tmp_path / "space.toml").write_text(SPACE_TOML)
    name = f"grukit-test-{uuid.uuid4().hex[:12]}"  # a fresh study in a database others may share
    common = ["--config", tmp_path / "fixed.toml", "--space", tmp_path / "space.toml", "--storage", URL,
              "--study-name", name]
    try:
        workers = [subprocess.Popen([sys.executable, "-m", "grukit", "forecast", "tune", str(data), "--out",
                                     str(tmp_path / f"worker{i}"), *map(str, common), "--trials", "1",
                                     "--no-retrain"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in (1, 2)]
        for worker in workers:
            _, stderr = worker.communicate(timeout=600)
            assert worker.returncode == 0, stderr.decode()
        trials = optuna.load_study(study_name=name, storage=URL).get_trials()
        assert [t.number for t in trials] == [0, 1] and all(t.state.is_finished() for t in trials)

        code, stdout, err = run(capsys, ["forecast", "tune", data, "--out", tmp_path / "resumed", *common,
                                         "--trials", 1])
        assert code == 0, err
        assert stdout.startswith(f"study {name!r} in ") and ": 3 trials (" in stdout.splitlines()[0]
        password = make_url(URL).password
        assert password is None or password not in stdout
        assert len(pd.read_csv(tmp_path / "resumed" / "trials.csv")) == 3
        assert (tmp_path / "resumed" / "best_model" / "model.safetensors").exists()
    finally:
        try:
            optuna.delete_study(study_name=name, storage=URL)
        except KeyError:
            pass  # the study was never created
