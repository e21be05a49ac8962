"""Reading labelled data: formats, label sets, numbered errors, fingerprints, splits."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from framing.codebook import Codebook
from framing.errors import FramingError
from framing.models.frames.data import (
    LabelledData,
    close_labels,
    read_labelled,
    resolve_label_set,
    split_eval,
)


def test_jsonl_csv_parquet_read_the_same(tmp_path: Path) -> None:
    rows = [{"text": "Leave it to the states.", "labels": ["federalism"]},
            {"text": "Costs rose, police said.", "labels": ["economic", "enforcement"]},
            {"text": "Nothing.", "labels": []}]
    j = tmp_path / "d.jsonl"
    j.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    c = tmp_path / "d.csv"
    c.write_text('text,labels\n"Leave it to the states.",federalism\n'
                 '"Costs rose, police said.",economic; enforcement\nNothing.,\n')
    p = tmp_path / "d.parquet"
    pq.write_table(pa.table({"text": [r["text"] for r in rows],
                             "labels": [r["labels"] for r in rows]}), p)
    got = [read_labelled(x) for x in (j, c, p)]
    for d in got:
        assert d.texts == [r["text"] for r in rows]
        assert d.labels == [r["labels"] for r in rows]
    assert len({d.fingerprint() for d in got}) == 1


@pytest.mark.parametrize(("content", "match"), [
    ('{"text": "a", "labels": ["x"]}\n{broken\n', r"\[E402\] Training data line 2 of d.jsonl"),
    ('{"labels": ["x"]}\n', r"missing text field 'text'"),
    ('{"text": "  ", "labels": []}\n', r"empty text"),
    ('{"text": "a"}\n', r"missing labels field 'labels' \(use \[\]"),
    ('{"text": "a", "labels": "x;y"}\n', r"must be a list of label ids"),
    ('{"text": "a", "labels": [1]}\n', r"list of strings"),
    ('[1, 2]\n', r"expected a JSON object"),
])
def test_bad_rows_give_numbered_errors_with_line(tmp_path: Path, content: str,
                                                 match: str) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(content)
    with pytest.raises(FramingError, match=match):
        read_labelled(p)


def test_missing_file_unknown_format_missing_column(tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"\[E201\]"):
        read_labelled(tmp_path / "nope.jsonl")
    (tmp_path / "d.txt").write_text("x")
    with pytest.raises(FramingError, match=r"\[E404\]"):
        read_labelled(tmp_path / "d.txt")
    (tmp_path / "d.csv").write_text("body,labels\nx,y\n")
    with pytest.raises(FramingError, match=r"no column 'text'"):
        read_labelled(tmp_path / "d.csv")
    (tmp_path / "e.jsonl").write_text("\n")
    with pytest.raises(FramingError, match=r"\[E403\]"):
        read_labelled(tmp_path / "e.jsonl")


def test_codebook_restricts_labels_and_names_the_line(tmp_path: Path,
                                                      tiny_codebook: Codebook) -> None:
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"text": "a", "labels": ["fed"]}) + "\n"
                 + json.dumps({"text": "b", "labels": ["fedd"]}) + "\n")
    d = read_labelled(p)
    with pytest.raises(FramingError, match=r"\[E401\] Unknown label 'fedd' in line 2 of d.jsonl"):
        resolve_label_set(d, tiny_codebook)
    ok = LabelledData(["a", "b"], [["fed"], ["money"]])
    closed, n = close_labels(ok, tiny_codebook)
    assert closed.labels == [["law", "fed"], ["money"]] and n == 1
    assert resolve_label_set(closed, tiny_codebook) == ["law", "fed", "money"]
    assert resolve_label_set(ok, None) == ["fed", "money"]


def test_fingerprint_depends_on_rows_and_order() -> None:
    a = LabelledData(["x", "y"], [["a"], []])
    assert a.fingerprint() == LabelledData(["x", "y"], [["a"], []]).fingerprint()
    assert a.fingerprint() != LabelledData(["y", "x"], [[], ["a"]]).fingerprint()
    assert a.fingerprint() != LabelledData(["x", "y"], [["b"], []]).fingerprint()


def test_eval_split_is_seeded_and_disjoint() -> None:
    d = LabelledData([f"t{i}" for i in range(40)], [[] for _ in range(40)])
    tr, dev = split_eval(d, 0.25, seed=3)
    assert len(dev) == 10 and len(tr) == 30
    assert not set(tr.texts) & set(dev.texts)
    assert split_eval(d, 0.25, seed=3)[1].texts == dev.texts
    assert split_eval(d, 0.25, seed=4)[1].texts != dev.texts
