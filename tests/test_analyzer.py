"""The Analyzer and the DocResult JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import framing
from framing.errors import FramingError
from framing.types import Article, DocResult

DATA = Path(__file__).parent / "data"


def test_json_contract(analyzer: framing.Analyzer) -> None:
    res = analyzer({"id": "x1", "text": "Leave it to the states. Prosecutors enforce the law.",
                    "meta": {"outlet": "Ledger"}})
    d = json.loads(json.dumps(res.to_dict()))
    assert set(d) >= {"id", "meta", "frames", "labels", "primary_frame", "stance", "sentences",
                      "model"}
    assert d["id"] == "x1" and d["meta"] == {"outlet": "Ledger"}
    assert set(d["frames"]) == set(analyzer.codebook.frame_ids)
    assert all(0.0 <= v <= 1.0 for v in d["frames"].values())
    # the frames the document uses, closed under parents, best first by their own evidence
    # (a used child goes before the parent it implies)
    assert d["labels"] and set(d["labels"]) == set(analyzer.codebook.closure(d["labels"]))
    assert all(d["frames"][f] >= analyzer.doc_layer.threshold_ for f in d["labels"]
               if f in analyzer.doc_layer.frames)
    assert d["primary_frame"] == d["labels"][0]
    assert d["stance"] == []
    for s in d["sentences"]:
        assert set(s) >= {"start", "end", "text", "frames", "labels", "evidence"}
        for e in s["evidence"]:
            assert set(e) >= {"start", "end", "text", "frame", "source"}
            assert e["source"].startswith("rule:")
    assert d["model"]["rules"] is True and d["model"]["framing"] == framing.__version__
    assert DocResult.from_dict(d).to_dict() == d


def test_offsets_index_original_text(analyzer: framing.Analyzer) -> None:
    text = (DATA / "oped_states_drugs.txt").read_text()
    res = analyzer(text)
    for s in res.sentences:
        assert text[s.start:s.end] == s.text
        for e in s.evidence:
            assert text[e.start:e.end] == e.text
            assert s.start <= e.start < e.end <= s.end


def test_child_implies_parent_in_document_labels(analyzer: framing.Analyzer) -> None:
    # only a federalism cue: the parent's score is the child's ("The Tenth Amendment ..." also
    # carries a constitution cue of its own, so its parent scores higher there)
    res = analyzer("Drug policy should be left to the states.")
    assert "federalism" in res.labels
    assert "legality_constitutionality_and_jurisprudence" in res.labels
    assert res.primary_frame == "federalism"  # the child wins the tie with its parent


def test_no_frames_gives_null_primary(analyzer: framing.Analyzer) -> None:
    res = analyzer("Photo: Jane Doe/Staff")
    assert res.labels == [] and res.primary_frame is None


def test_pipe_keeps_order_and_ids(analyzer: framing.Analyzer) -> None:
    recs = ["First text.", Article("b", "Second text.", {"date": "2020-01-01"}),
            {"id": "c", "text": "Third."}]
    out = list(analyzer.pipe(recs, batch_size=2))
    assert [r.id for r in out][1:] == ["b", "c"]
    assert out[1].meta == {"date": "2020-01-01"}


def test_bad_record_type(analyzer: framing.Analyzer) -> None:
    with pytest.raises(FramingError, match=r"\[E304\]"):
        analyzer(42)  # type: ignore[arg-type]


def test_drug_oped_places_federalism_and_enforcement(analyzer: framing.Analyzer) -> None:
    """The motivating example: both frames, on the right sentences, none on credits."""
    text = (DATA / "oped_states_drugs.txt").read_text()
    res = analyzer(text)
    assert {"federalism", "enforcement"} <= set(res.labels)
    by_text = {s.text: set(s.labels) for s in res.sentences}

    def labels_of(prefix: str) -> set[str]:
        (hit,) = [v for k, v in by_text.items() if k.startswith(prefix)]
        return hit

    assert "federalism" in labels_of("It is time to admit that drug policy")
    assert "federalism" in labels_of("The Tenth Amendment reserves")
    assert "enforcement" in labels_of("Yet federal prosecutors")
    assert "enforcement" in labels_of("Meanwhile, mandatory minimum sentences")
    assert "enforcement" in labels_of("Supporters of the status quo say that enforcing")
    assert "federalism" in labels_of("Let the states experiment.")
    assert labels_of("Photo: A dispensary") == set()
    assert labels_of("By Morgan Ellery") == set()
    assert "enforcement" not in labels_of("Let the states experiment.")
    assert "federalism" not in labels_of("Meanwhile, mandatory minimum sentences")
