"""Classification data: CSV wide and long, NumPy arrays, checks, padding, and the bundled files' checksums."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from grukit.classify import from_arrays, pad_sequences, read_sequences
from grukit.classify.data import check_sequences
from grukit.classify.datasets import bundled_path
from grukit.errors import DataError


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_wide_csv_with_ids_and_unequal_lengths(tmp_path):
    path = _write(tmp_path, "id,t0,t1,t2,label\na,0.1,0.3,0.2,walk\nb,0.5,0.4,,run\n")
    ss = read_sequences(path)
    assert ss.ids == ["a", "b"] and ss.labels == ["walk", "run"]
    assert [s[:, 0].tolist() for s in ss.sequences] == [[0.1, 0.3, 0.2], [0.5, 0.4]]
    assert ss.locate(1) == f"line 3 of {path} (line 1 is the header)"


def test_wide_csv_int_labels_and_no_id(tmp_path):
    ss = read_sequences(_write(tmp_path, "0,1,2,label\n1,2,3,7\n4,5,6,8\n"))
    assert ss.labels == [7, 8] and ss.ids == ["0", "1"] and ss.num_channels == 1


def test_long_csv_groups_sorts_by_time_and_keeps_channels(tmp_path):
    path = _write(tmp_path, "id,time,x,y,label\nb,1,5,50,run\na,1,2,20,walk\na,0,1,10,walk\nb,0,4,40,run\n"
                            "a,2,3,30,walk\n")
    ss = read_sequences(path)
    assert ss.ids == ["b", "a"] and ss.labels == ["run", "walk"]
    assert ss.sequences[1].tolist() == [[1, 10], [2, 20], [3, 30]] and ss.sequences[0].tolist() == [[4, 40], [5, 50]]


def test_unlabelled_csv_reads_without_labels(tmp_path):
    ss = read_sequences(_write(tmp_path, "t0,t1\n1,2\n3,4\n"))
    assert ss.labels is None and len(ss) == 2


def test_numpy_inputs():
    assert from_arrays(np.zeros((4, 7))).sequences[0].shape == (7, 1)
    ss = from_arrays(np.zeros((4, 7, 3)), np.array([1, 2, 1, 2]))
    assert ss.sequences[0].shape == (7, 3) and ss.labels == [1, 2, 1, 2] and type(ss.labels[0]) is int
    ragged = from_arrays([np.zeros(5), np.zeros((3, 2))[:, :1]], ["x", "y"])
    assert [len(s) for s in ragged.sequences] == [5, 3]
    with pytest.raises(DataError, match=r"^the arrays: got 2 sequences but 3 labels; pass one label per sequence\.$"):
        from_arrays(np.zeros((2, 5)), [0, 1, 0])


def test_pad_sequences():
    x, lengths = pad_sequences([np.ones((3, 2)), 2 * np.ones((1, 2))])
    assert x.shape == (2, 3, 2) and x.dtype == np.float32 and lengths.tolist() == [3, 1]
    assert x[1].tolist() == [[2, 2], [0, 0], [0, 0]]


CSV_ERRORS = {
    "non-numeric": ("t0,t1,label\n1,oops,a\n", "non-numeric value 'oops' in column 't1' at line 2 of {path} (line 1 "
                    "is the header); expected a number; fix or remove that value."),
    "gap": ("t0,t1,t2,label\n1,,3,a\n", "missing value in column 't1' at line 2 of {path} (line 1 is the header), "
            "inside the sequence; only a sequence's last cells may be empty (a shorter sequence). Fill the gap."),
    "missing label": ("t0,t1,label\n1,2,a\n3,4,\n", "the label is missing at line 3 of {path} (line 1 is the "
                      "header); every row needs a value in the 'label' column."),
    "two labels": ("id,x,label\na,1,p\na,2,q\n", "sequence 'a' of {path} has more than one label ('p', 'q'); every "
                   "row of a sequence needs the same label."),
    "empty": ("", "data file {path} is empty; expected a header row and at least one data row."),
}


@pytest.mark.parametrize("case", CSV_ERRORS, ids=list(CSV_ERRORS))
def test_csv_errors_name_the_line(tmp_path, case):
    text, message = CSV_ERRORS[case]
    path = _write(tmp_path, text)
    with pytest.raises(DataError) as info:
        read_sequences(path)
    assert str(info.value) == message.format(path=path)


def test_sequence_checks(tmp_path):
    short = from_arrays([np.zeros(3), np.zeros(1)], [0, 1])
    with pytest.raises(DataError) as info:
        check_sequences(short, labelled=True)
    assert str(info.value) == ("sequence 1 (0-based) of the arrays has 1 time step; the classifier needs at least 2 "
                               "per sequence. Drop or lengthen that sequence.")
    with pytest.raises(DataError, match=r"has a missing or infinite value; fill it or drop the sequence\.$"):
        check_sequences(from_arrays(np.array([[1.0, np.inf]]), [0]), labelled=True)
    with pytest.raises(DataError, match=r"^the arrays has no class labels; training needs one label per sequence"):
        check_sequences(from_arrays(np.zeros((2, 3))), labelled=True)
    with pytest.raises(DataError) as info:
        read_sequences(tmp_path / "data.txt")
    assert str(info.value) == f"cannot read {tmp_path / 'data.txt'}: expected a .ts (UCR/UEA) or .csv file; got the " \
                              f"suffix '.txt'."


BUNDLED_SHA256 = {
    "GunPoint_TRAIN.ts": "f842401779fd9800d247d8b33121a1a4643710a19b24917dbdd9a060ca8630d5",
    "GunPoint_TEST.ts": "79332750788a6227b325b96bd0d70130c8eb707b9731f8d7dec62b7a7d36017e",
}


def test_bundled_files_are_byte_for_byte_copies():
    for part in ("train", "test"):
        path = bundled_path("gunpoint", part)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == BUNDLED_SHA256[path.name]
    assert (bundled_path("gunpoint", "train").parent / "ATTRIBUTION.md").is_file()
