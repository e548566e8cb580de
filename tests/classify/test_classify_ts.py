"""The UCR/UEA .ts reader: univariate, multivariate, unequal lengths, headers, and every malformed row."""

from __future__ import annotations

import numpy as np
import pytest

from grukit.classify import read_ts
from grukit.classify.datasets import bundled_path
from grukit.errors import DataError

HEADER = "# a comment\n@problemName Toy\n@univariate {uni}\n@equalLength {equal}\n@classLabel true a b\n@data\n"


def _ts(tmp_path, rows: str, uni="true", equal="true", header=None, name="toy.ts"):
    path = tmp_path / name
    path.write_text((HEADER.format(uni=uni, equal=equal) if header is None else header) + rows)
    return path


def test_univariate_rows_with_comments_and_blank_lines(tmp_path):
    path = _ts(tmp_path, "1,2,3:a\n\n# between rows\n4.5,-5e-1,6:b\n")
    data = read_ts(path)
    assert [s.tolist() for s in data.sequences] == [[[1.0], [2.0], [3.0]], [[4.5], [-0.5], [6.0]]]
    assert data.labels == ["a", "b"] and data.lines == [7, 10]
    assert data.metadata == {"problemName": "Toy", "univariate": "true", "equalLength": "true",
                             "classLabel": "true a b"}


def test_multivariate_dimensions_become_channels(tmp_path):
    data = read_ts(_ts(tmp_path, "1,2,3:10,20,30:a\n4,5:40,50:b\n", uni="false", equal="false"))
    assert data.sequences[0].shape == (3, 2) and data.sequences[1].shape == (2, 2)  # unequal lengths
    np.testing.assert_array_equal(data.sequences[0][:, 1], [10, 20, 30])
    assert data.labels == ["a", "b"]


def test_unlabelled_file(tmp_path):
    header = "@problemName Toy\n@classLabel false\n@data\n"
    data = read_ts(_ts(tmp_path, "1,2,3\n4,5\n", header=header))
    assert data.labels is None and [len(s) for s in data.sequences] == [3, 2]


def test_bundled_gunpoint():
    train, test = read_ts(bundled_path("gunpoint", "train")), read_ts(bundled_path("gunpoint", "test"))
    assert len(train.sequences) == 50 and len(test.sequences) == 150
    assert {s.shape for s in train.sequences + test.sequences} == {(150, 1)}
    assert sorted(set(train.labels)) == ["1", "2"] and train.metadata["problemName"] == "GunPoint"


MALFORMED = {
    "not a number": ("1,2,x3:a\n", "line 7 of {path}: value 'x3' at position 3 of dimension 1 is not a number; a row "
                     "is comma-separated numbers per dimension, dimensions separated by ':', then ':label'."),
    "no label": ("1,2,3\n", "line 7 of {path}: no class label; @classLabel is true, so a row is comma-separated "
                 "numbers per dimension, dimensions separated by ':', then ':label'."),
    "empty label": ("1,2,3:\n", "line 7 of {path}: the class label after the last ':' is empty; a row is "
                    "comma-separated numbers per dimension, dimensions separated by ':', then ':label'."),
    "undeclared label": ("1,2,3:c\n", "line 7 of {path}: class label 'c' is not declared in @classLabel (a, b); "
                         "add it there or fix the row."),
    "empty dimension": ("1,2::a\n", "line 7 of {path}: dimension 2 is empty; a row is comma-separated numbers per "
                        "dimension, dimensions separated by ':', then ':label'."),
    "dimension count": ("1,2:3,4:a\n1,2:b\n", "line 8 of {path}: 1 dimensions, but the rows above have 2; every "
                        "row needs the same number of ':'-separated dimensions."),
    "ragged dimensions": ("1,2,3:4,5:a\n", "line 7 of {path}: dimension 2 has 2 values but dimension 1 has 3; the "
                          "dimensions of one sequence must have equal lengths."),
    "missing value": ("1,?,3:a\n", "line 7 of {path}: missing value '?' at position 2 of dimension 1; fill the gap "
                      "or drop the sequence, since the classifier needs complete sequences."),
    "header after data": ("1,2:a\n@seriesLength 2\n", "line 8 of {path}: header line '@seriesLength' after @data; "
                          "move every @ line above @data."),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_malformed_row_is_named_by_line(tmp_path, case):
    rows, message = MALFORMED[case]
    path = _ts(tmp_path, rows)
    with pytest.raises(DataError) as info:
        read_ts(path)
    assert str(info.value) == message.format(path=path)


def test_file_level_errors(tmp_path):
    empty = tmp_path / "empty.ts"
    empty.write_text("")
    no_data = _ts(tmp_path, "", header="@problemName Toy\n", name="nodata.ts")
    no_rows = _ts(tmp_path, "# nothing\n", name="norows.ts")
    early = _ts(tmp_path, "", header="1,2:a\n@data\n", name="early.ts")
    stamps = _ts(tmp_path, "(0,1),(1,2):a\n", header="@timeStamps true\n@data\n", name="stamps.ts")
    expected = {
        empty: f"{empty} is empty; expected a .ts file with @ header lines, @data and one row per sequence.",
        no_data: f"{no_data} has no @data line; a .ts file lists its @ header lines, then @data, then one row per "
                 f"sequence.",
        no_rows: f"{no_rows} has no data rows after @data; expected one row per sequence (a row is comma-separated "
                 f"numbers per dimension, dimensions separated by ':', then ':label').",
        early: f"line 1 of {early}: data row before @data; a .ts file lists its @ header lines, then @data, then one "
               f"row per sequence.",
        stamps: f"{stamps} declares @timeStamps true; grukit reads plain value lists only, not (t,v) pairs. "
                f"Resample the data to equal steps and write the values alone.",
    }
    for path, message in expected.items():
        with pytest.raises(DataError) as info:
            read_ts(path)
        assert str(info.value) == message
