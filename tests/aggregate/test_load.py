"""Reading labelled data: JSONL and Parquet agree, gold vs predicted, periods, errors."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from framing.aggregate.load import iter_documents, load_labelled, period_of, period_start
from framing.errors import FramingError


def test_period_labels() -> None:
    assert period_of("2019-08-30", "month") == "2019-08"
    assert period_of("2019-08-30", "quarter") == "2019-Q3"
    assert period_of("1987-01-01", "decade") == "1980s"
    assert period_of("March 3, 2019", "year") == "2019"
    assert period_of("not a date", "year") is None
    assert period_of(None, "year") is None
    assert str(period_start("2019-Q3")) == "2019-07-01"


def test_jsonl_and_parquet_give_the_same_counts(step_files: tuple[Path, Path]) -> None:
    js, pq = step_files
    a = load_labelled(js, by=["outlet"], freq="year")
    b = load_labelled(pq, by=["outlet"], freq="year")
    assert a.n_documents == b.n_documents == 640
    assert a.periods == b.periods and list(a.groups["outlet"]) == list(b.groups["outlet"])
    assert a.frames == b.frames
    order_a = np.lexsort((a.period, a.group))
    order_b = np.lexsort((b.period, b.group))
    assert (a.k[order_a].sum(axis=0) == b.k[order_b].sum(axis=0)).all()
    assert len(a.stance_doc) == len(b.stance_doc) == 640


def test_parquet_groups_by_a_metadata_key_and_by_month(step_files: tuple[Path, Path]) -> None:
    d = load_labelled(step_files[1], by=["outlet", "issue"], freq="month")
    assert list(d.groups.columns) == ["outlet", "issue"]
    assert set(d.groups["issue"]) == {"drugs"}
    assert len(d.periods) == 8 * 12


def test_sentence_unit_counts_sentences(step_docs: list[dict[str, Any]]) -> None:
    d = load_labelled(step_docs[:10], by=["outlet"], unit="sentence")
    assert d.units.tolist() == [len(x["sentences"]) for x in step_docs[:10]]
    assert d.has_text


def test_collection_style_records_are_gold() -> None:
    rec = {"id": "c1", "outlet": "X", "date": "2017-02-01", "issue": "guns",
           "text": "Guns kill. The end.",
           "labels": ["health_and_safety"],
           "sentences": [{"start": 0, "end": 10, "labels": ["health_and_safety"],
                          "stance": [{"target": "gun laws", "label": "favor"}]},
                         {"start": 11, "end": 19, "labels": []}],
           "stance": [{"key": "T1", "target": "gun laws", "label": "favor"}]}
    doc = next(iter_documents([rec], by=["issue"]))
    assert doc.source == "gold" and doc.keys == ("guns",)
    assert doc.sentences == [("Guns kill.", ["health_and_safety"]), ("The end.", [])]
    assert doc.stance_sentences == [("gun laws", "favor", "Guns kill.")]
    with pytest.raises(FramingError, match=r"\[E505\].*--labels-from gold"):
        load_labelled([rec], by=["outlet"], labels_from="predicted")


def test_gold_labels_carried_in_meta_of_a_docresult(step_docs: list[dict[str, Any]]) -> None:
    rec = json.loads(json.dumps(step_docs[0]))
    rec["meta"]["labels"] = ["economic"]
    rec["meta"]["sentences"] = [{"start": 0, "end": 1, "labels": ["economic"]}]
    pred = next(iter_documents([rec], by=["outlet"], labels_from="predicted"))
    gold = next(iter_documents([rec], by=["outlet"], labels_from="gold"))
    assert pred.labels == rec["labels"] and gold.labels == ["economic"]
    with pytest.raises(FramingError, match=r"\[E505\]"):
        load_labelled([step_docs[1]], by=["outlet"], labels_from="gold")


def test_dataframe_input(step_docs: list[dict[str, Any]], tmp_path: Path,
                         synth: SimpleNamespace) -> None:
    df = pd.read_parquet(synth.write_parquet(step_docs[:50], tmp_path / "x.parquet"))
    d = load_labelled(df, by=["outlet"])
    assert d.n_documents == 50


def test_errors_are_numbered(tmp_path: Path, step_files: tuple[Path, Path]) -> None:
    with pytest.raises(FramingError, match=r"\[E501\].*'nope'.*Available: .*outlet"):
        load_labelled(step_files[0], by=["nope"])
    with pytest.raises(FramingError, match=r"\[E501\]"):
        load_labelled(step_files[1], by=["nope"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "labels": []}\n{broken\n')
    with pytest.raises(FramingError, match=r"\[E507\].*line 2"):
        load_labelled(bad)
    with pytest.raises(FramingError, match=r"\[E502\].*--freq"):
        load_labelled(step_files[0], freq="week")
    with pytest.raises(FramingError, match=r"\[E201\]"):
        load_labelled(tmp_path / "missing.jsonl")
    with pytest.raises(FramingError, match=r"\[E502\]"):
        load_labelled(step_files[0], by="outlet")  # type: ignore[arg-type]


def test_missing_group_values_and_undated_documents(step_docs: list[dict[str, Any]]) -> None:
    docs = json.loads(json.dumps(step_docs[:4]))
    del docs[0]["meta"]["outlet"]
    docs[1]["meta"]["date"] = None
    d = load_labelled(docs, by=["outlet"])
    assert "(missing)" in set(d.groups["outlet"])
    assert d.n_undated == 1


# ----- data safety (issue 14): manifests, duplicates, dates -----------------------------------
def _labelled_dir(tmp_path: Path, n: int = 40, shard_size: int = 10) -> Path:
    import framing
    from framing.batch import label

    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": f"d{i}", "outlet": f"o{i % 2}",
                                       "date": f"2020-0{1 + i % 3}-15",
                                       "text": "Leave it to the states. Police arrested him."})
                           + "\n" for i in range(n)))
    out = tmp_path / "run"
    label([inp], out, analyzer=framing.load(rules_only=True), shard_size=shard_size,
          progress=False)
    return out


def test_unfinished_or_damaged_runs_are_refused_unless_allowed(tmp_path: Path) -> None:
    from framing.aggregate.load import ReadOptions, read_options
    from framing.batch.manifest import Manifest
    from framing.errors import FramingWarning

    out = _labelled_dir(tmp_path)
    assert load_labelled(out).n_documents == 40
    m = Manifest.load(out)
    m.complete = False
    del m.shards[3]  # a run killed after 3 of 4 shards
    m.save(out)
    with pytest.raises(FramingError, match=r"\[E609\].*3 shard.*--allow-incomplete"):
        load_labelled(out)
    with pytest.warns(FramingWarning, match=r"W615.*unfinished"):
        assert load_labelled(out, options=ReadOptions(allow_incomplete=True)).n_documents == 30
    with read_options(allow_incomplete=True), pytest.warns(FramingWarning, match="W615"):
        assert load_labelled(out).n_documents == 30
    (out / "part-000001.parquet").write_bytes(b"PAR1 tampered")
    with read_options(allow_incomplete=True), pytest.warns(FramingWarning,
                                                           match=r"part-000001.*bytes"):
        assert load_labelled(out).n_documents == 20


def test_the_same_input_three_times_counts_once(tmp_path: Path, step_files: tuple[Path, Path]
                                                ) -> None:
    from framing.aggregate.load import ReadOptions
    from framing.errors import FramingWarning

    js, pq_ = step_files
    one = load_labelled(js)
    with pytest.warns(FramingWarning, match=r"W616\] 1280 document.*counted once"):
        three = load_labelled([js, js, pq_])
    assert three.n_documents == one.n_documents == 640 and three.n_duplicates == 1280
    assert (three.k.sum(axis=0) == one.k.sum(axis=0)).all()
    assert len(three.stance_doc) == len(one.stance_doc)
    with pytest.warns(FramingWarning, match=r"every copy is counted"):
        kept = load_labelled([js, js], options=ReadOptions(keep_duplicates=True))
    assert kept.n_documents == 1280 and kept.n_duplicates == 0
    docs = list(iter_documents([js, js]))
    assert len(docs) == 640
    run = _labelled_dir(tmp_path)
    with pytest.warns(FramingWarning, match="W616"):
        assert load_labelled([run, run]).n_documents == 40


def test_dates_use_the_one_parser_and_bad_ones_are_undated(step_docs: list[dict[str, Any]],
                                                           tmp_path: Path,
                                                           synth: SimpleNamespace) -> None:
    from framing.aggregate.load import ReadOptions
    from framing.errors import FramingWarning

    docs = json.loads(json.dumps(step_docs[:6]))
    for d, date in zip(docs, ["2020/03/05", "2020/07/05", "2020/11/05", "5", "03/05/2020",
                              "2020"], strict=True):
        d["meta"]["date"] = date
    with pytest.warns(FramingWarning, match=r"W617\] 2 document.*'5', '03/05/2020'"):
        d = load_labelled(docs, freq="month")
    assert d.periods == ["2020-03", "2020-07", "2020-11"]
    assert d.n_undated == 3 and d.n_bad_dates == 2  # "2020" is a year, not a month
    p = synth.write_parquet(docs, tmp_path / "dates.parquet")
    with pytest.warns(FramingWarning, match=r"W617\] 2 document"):
        assert load_labelled(p, freq="month").periods == d.periods
    e = load_labelled(docs[4:5], freq="month", options=ReadOptions(date_format="%d/%m/%Y"))
    assert e.periods == ["2020-05"]  # 3 May


def test_parquet_null_dates_are_undated(tmp_path: Path, step_docs: list[dict[str, Any]],
                                        synth: SimpleNamespace) -> None:
    docs = json.loads(json.dumps(step_docs[:3]))
    docs[1]["meta"].pop("date")
    p = synth.write_parquet(docs, tmp_path / "x.parquet")
    d = load_labelled(p, freq="month")
    assert d.n_undated == 1 and int((d.period >= 0).sum()) == 2


def test_corrupt_parquet_is_a_numbered_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.parquet"
    p.write_bytes(b"PAR1 not really parquet PAR1")
    with pytest.raises(FramingError, match=r"\[E905\].*bad.parquet"):
        load_labelled(p)
