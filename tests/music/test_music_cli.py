"""grukit music train | eval | sample on a small synthetic piano-roll file, and every bad input as one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers.cli import one_line_error, run
from helpers.files import music_document as _document, music_file as _file


FAST = ["--hidden-size", "12", "--epochs", "6", "--batch-size", "4", "--lr", "0.05", "--schedule", "constant",
        "--dropout", "0", "--no-progress", "--num-threads", "1"]









@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One training run shared by the tests that read its folder: (data file, out folder, stdout)."""
    from grukit.cli import main

    folder = tmp_path_factory.mktemp("music")
    data, out = _file(folder), folder / "run"
    code = main([str(a) for a in ["music", "train", "--data", data, "--out", out, *FAST]])
    assert code == 0
    return data, out


def test_train_writes_every_artifact_and_reports_nll_and_parameters(trained):
    data, out = trained
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == ["checkpoint/last.json", "checkpoint/last.safetensors", "config.json", "metrics.csv",
                     "metrics.json", "model.safetensors", "plots/loss.png"]
    metrics = json.loads((out / "metrics.json").read_text())
    steps = sum(len(s) for s in _document()["test"])
    assert metrics["test"]["steps"] == steps and metrics["test"]["sequences"] == 5
    assert metrics["parameters"] == 3 * (12 * 88 + 12 * 12 + 2 * 12) + 12 * 88 + 88
    assert metrics["valid"]["nll"] < 0.5 * 88 * np.log(2)  # it learned something in 6 epochs
    assert json.loads((out / "config.json").read_text())["music"]["hidden_size"] == 12


def test_eval_prints_the_nll_per_step_and_the_parameter_count(trained, capsys):
    data, out = trained
    code, stdout, _ = run(capsys, ["music", "eval", "--model", out, "--data", data, "--split", "test"])
    test = json.loads((out / "metrics.json").read_text())["test"]
    assert code == 0
    assert stdout.splitlines() == [f"test NLL per step: {test['nll']:.4f} nats ({test['steps']} steps, 5 sequences)",
                                   "parameters: 4,816"]


def test_sample_writes_a_midi_file_of_the_requested_length_and_its_png(trained, tmp_path, capsys):
    import mido

    _, out = trained
    piece = tmp_path / "piece.mid"
    code, stdout, _ = run(capsys, ["music", "sample", "--model", out, "--steps", 64, "--out", piece, "--bpm", 120])
    assert code == 0 and stdout.splitlines() == [f"midi: {piece}", f"piano roll: {tmp_path / 'piece.png'}"]
    assert mido.MidiFile(piece).length == pytest.approx(64 * 0.5)  # 64 quarter-note steps at 120 bpm
    assert (tmp_path / "piece.png").read_bytes()[:4] == b"\x89PNG"


def test_train_without_data_uses_the_bundled_chorales(tmp_path, capsys):
    code, out, err = run(capsys, ["music", "train", "--hidden-size", "4", "--epochs", "1", "--quiet"])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "data: bundled JSB Chorales"
    assert lines[1].startswith("valid NLL per step: ") and lines[1].endswith(" nats (4,602 steps, 76 sequences)")


def test_train_on_a_folder_of_midi_files(tmp_path, capsys):
    from grukit.music import rolls_from_notes, write_midi

    for k in range(5):
        write_midi(rolls_from_notes([[[60 + k, 64], [62], [], [67, 71]] * 3])[0], tmp_path / f"p{k}.mid")
    code, out, err = run(capsys, ["music", "train", tmp_path, "--hidden-size", "4", "--epochs", "1", "--quiet"])
    assert code == 0, err
    assert out.splitlines()[0] == (f"data: {tmp_path}: 5 MIDI files, 60 frames at 1 per beat; train 3, valid 1, "
                                   f"test 1 files (by name)")


@pytest.mark.parametrize("document, message", [
    ('{"train": [[[60]]], "valid": ', "{path} is not valid JSON (Expecting value: line 1 column 30 (char 29)); "
                                      "a piano-roll file holds"),
    ({"train": [[[60]]]}, "{path} has no 'valid' split (found: 'train'); a piano-roll file holds"),
    ({"train": [[[60]]], "valid": [[[60], [120]]]},
     "{path}: valid[0][1] has note 120, outside the piano range 21-108 (MIDI numbers of the 88 keys); "
     "remove or transpose it."),
    ({"train": [[[60]]], "valid": [[[60]]], "test": [[]]},
     "{path}: test[0] is an empty sequence; every sequence needs at least one step (a silent step is written []). "
     "Remove it or fill it."),
])
def test_bad_data_is_one_line_exit_1_and_leaves_no_folder(tmp_path, capsys, document, message):
    path = tmp_path / "bad.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    code, _, err = run(capsys, ["music", "train", "--data", path, "--out", tmp_path / "run", *FAST])
    assert code == 1
    assert one_line_error(err).startswith(message.replace("{path}", str(path)))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("options, code, message", [
    (["--steps", "0"], 2, "steps must be an integer >= 1, the number of frames to sample; got 0."),
    (["--temperature", "0"], 2, "temperature must be a finite number > 0 (1 samples the model as trained); got 0.0."),
    (["--temperature", "-1"], 2, "temperature must be a finite number > 0 (1 samples the model as trained); got -1.0."),
])
def test_bad_sampling_options_are_one_line_usage_errors_and_write_nothing(trained, tmp_path, capsys, options,
                                                                          code, message):
    _, out = trained
    piece = tmp_path / "piece.mid"
    got, _, err = run(capsys, ["music", "sample", "--model", out, "--out", piece, *options])
    assert got == code and one_line_error(err) == message
    assert not piece.exists() and not (tmp_path / "piece.png").exists()


def test_a_bad_model_folder_or_midi_name_is_one_line(tmp_path, capsys):
    code, _, err = run(capsys, ["music", "sample", "--model", tmp_path / "none", "--out", tmp_path / "p.mid"])
    assert code == 1
    assert one_line_error(err) == (f"model folder {tmp_path / 'none'} does not exist; pass the --out folder of a "
                                   f"training run.")
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, ["music", "eval", "--model", tmp_path / "empty", "--data", _file(tmp_path)])
    assert code == 1 and one_line_error(err).endswith("config.json is missing; a model folder holds config.json and "
                                                      "model.safetensors as written by training. Retrain or restore "
                                                      "the file.")
    code, _, err = run(capsys, ["music", "sample", "--model", tmp_path / "empty", "--out", tmp_path / "p.wav"])
    assert code == 2 and one_line_error(err) == "--out must name a MIDI file ending in .mid or .midi; got 'p.wav'."
