"""Tests of the real-text development set ``corpora/realdev`` and its evaluation
(:mod:`framing_corpora.realdev_eval`, run by ``scripts/eval_realdev.py``).

The annotation file is checked on its own (schema, label ids, selections). Checks that need the
speech text (span hashes, the rule layer's precision floor) read ``$FRAMING_DATA_DIR`` (else
``../shared/data``) and skip when it is absent, as on a user's machine.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from framing.corpora import codebook_frames, label_closure
from framing_corpora import realdev_eval as evalmod

REPO = Path(__file__).resolve().parent.parent
ANNOTATIONS = REPO / "corpora" / "realdev" / "speeches_dev.jsonl"
#: The speech data: $FRAMING_DATA_DIR, else ../shared/data next to the checkout (tests, like
#: scripts, may know the repository's surroundings; the library may not).
DATA_DIR = Path(os.environ.get("FRAMING_DATA_DIR") or REPO.parent / "shared" / "data")
SPEECHES = evalmod.speeches_path(DATA_DIR)
FIELDS = {"doc_id", "start", "end", "labels", "selection", "sha1"}
OPTIONAL = {"note"}

#: Floor on the rule layer's precision for the two subframes on the federalism/enforcement
#: candidate subsets (when the set was built: federalism 0.62, enforcement 0.67 on those 400
#: sentences).
PRECISION_FLOOR = 0.6


@pytest.fixture(scope="module")
def records() -> list[dict]:
    with ANNOTATIONS.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_schema(records: list[dict]) -> None:
    frames, _ = codebook_frames()
    assert 550 <= len(records) <= 650
    seen = set()
    for r in records:
        assert FIELDS <= set(r) <= FIELDS | OPTIONAL, r
        assert isinstance(r["doc_id"], str) and r["doc_id"]
        assert isinstance(r["start"], int) and isinstance(r["end"], int)
        assert 0 <= r["start"] < r["end"]
        assert r["selection"] in evalmod.SELECTIONS
        assert re.fullmatch(r"[0-9a-f]{12}", r["sha1"])
        assert isinstance(r["labels"], list)
        assert set(r["labels"]) <= set(frames), r["labels"]
        assert len(set(r["labels"])) == len(r["labels"])
        if "note" in r:
            assert isinstance(r["note"], str) and r["note"].strip()
        key = (r["doc_id"], r["start"])
        assert key not in seen, key
        seen.add(key)


def test_selection_balance_and_labels(records: list[dict]) -> None:
    sel = Counter(r["selection"] for r in records)
    assert all(150 <= sel[s] <= 250 for s in evalmod.SELECTIONS), sel
    counts = Counter(f for r in records for f in label_closure(r["labels"]))
    frames, _ = codebook_frames()
    assert all(counts[f] > 0 for f in frames), counts
    assert counts["federalism"] >= 60 and counts["enforcement"] >= 60
    assert any(not r["labels"] for r in records)  # unframed sentences are kept as []


def test_annotations_hold_no_text(records: list[dict]) -> None:
    # the speech text stays in ../shared/data; notes are short annotator remarks
    for r in records:
        assert "text" not in r
        assert len(r.get("note", "")) <= 120


def test_spans_match_shared_data() -> None:
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found")
    items = evalmod.load_annotations(ANNOTATIONS)
    evalmod.attach_text(items, SPEECHES)  # raises DriftError on any mismatch
    assert all(it.text.strip() == it.text and it.text for it in items)


def test_drift_is_detected(tmp_path: Path) -> None:
    doc = {"id": "d1", "date": "2000-01-01", "speaker": "x", "title": "t",
           "text": "The states should decide. Nothing else."}
    data = tmp_path / "speeches.jsonl"
    data.write_text(json.dumps(doc) + "\n")
    span = doc["text"][0:25]
    good = evalmod.Item("d1", 0, 25, ["federalism"], "random", evalmod.span_hash(span))
    evalmod.attach_text([good], data)
    assert good.text == span
    bad = evalmod.Item("d1", 0, 24, ["federalism"], "random", evalmod.span_hash(span))
    with pytest.raises(evalmod.DriftError):
        evalmod.attach_text([bad], data)
    missing = evalmod.Item("nope", 0, 5, [], "random", "0" * 12)
    with pytest.raises(evalmod.DriftError):
        evalmod.attach_text([missing], data)


def test_scores_close_parents() -> None:
    sc = evalmod.Scores()
    legal = "legality_constitutionality_and_jurisprudence"
    sc.add(label_closure(["federalism"]), label_closure([legal]))
    frames, _ = codebook_frames()
    s = sc.summary(frames)
    assert s["per_frame"][legal]["tp"] == 1
    assert s["per_frame"]["federalism"]["fn"] == 1
    assert s["per_frame"]["federalism"]["precision"] is None


def test_skips_without_data(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            monkeypatch: pytest.MonkeyPatch) -> None:
    rc = evalmod.main(["--rules-only", "--data", str(tmp_path / "absent.jsonl")])
    assert rc == 0
    assert "skip" in capsys.readouterr().err
    rc = evalmod.main(["--rules-only", "--data-dir", str(tmp_path)])
    assert rc == 0 and "skip" in capsys.readouterr().err
    # no folder given and none in the environment: the library default is "none", not a guess
    monkeypatch.delenv("FRAMING_DATA_DIR", raising=False)
    rc = evalmod.main(["--rules-only"])
    assert rc == 0 and "FRAMING_DATA_DIR unset" in capsys.readouterr().err
    with pytest.raises(evalmod.DriftError, match="FRAMING_DATA_DIR"):
        evalmod.attach_text([], evalmod.speeches_path())


@pytest.mark.integration
def test_rule_precision_floor(capsys: pytest.CaptureFixture[str]) -> None:
    if not SPEECHES.exists():
        pytest.skip(f"{SPEECHES} not found")
    items = evalmod.load_annotations(ANNOTATIONS)
    evalmod.attach_text(items, SPEECHES)
    results = evalmod.predict(items, rules_only=True)
    report = evalmod.evaluate(items, results,
                              selections=["federalism_candidate", "enforcement_candidate"])
    fed = report["per_frame"]["federalism"]
    enf = report["per_frame"]["enforcement"]
    with capsys.disabled():
        print(f"\nrealdev rules (fed+enf candidates, n={report['n_sentences']}): "
              f"federalism P={fed['precision']:.3f} R={fed['recall']:.3f}; "
              f"enforcement P={enf['precision']:.3f} R={enf['recall']:.3f}")
    assert fed["precision"] >= PRECISION_FLOOR, fed
    assert enf["precision"] >= PRECISION_FLOOR, enf


# ----- corpora/realtrain: the training supplement --------------------------------------------
TRAIN_ANNOTATIONS = REPO / "corpora" / "realtrain" / "speeches_train.jsonl"
TRAIN_SELECTIONS = {"federalism_weak", "federalism_strong", "enforcement_weak",
                    "enforcement_strong", "random",  # round 1: keywords
                    "model_added", "model_borderline", "rules_flagged",  # round 2: a model
                    "fed_model_added", "fed_model_borderline", "fed_rules_flagged"}  # round 3


def test_realtrain_schema_and_separation() -> None:
    """Schema of the supplement, and no sentence from a held-out speech or from realdev (no
    speech text needed)."""
    from framing_corpora.realdev import half_of

    frames, _ = codebook_frames()
    rows = [json.loads(line) for line in TRAIN_ANNOTATIONS.open(encoding="utf-8")]
    assert len(rows) == 1196
    dev = [json.loads(line) for line in ANNOTATIONS.open(encoding="utf-8")]
    for r in rows:
        assert FIELDS <= set(r) <= FIELDS | OPTIONAL, r
        assert r["selection"] in TRAIN_SELECTIONS
        assert set(r["labels"]) <= set(frames) and len(set(r["labels"])) == len(r["labels"])
        assert half_of(r["doc_id"]) == "calibration", r
        assert not any(d["doc_id"] == r["doc_id"] and d["start"] < r["end"] and
                       r["start"] < d["end"] for d in dev), r
    assert len({(r["doc_id"], r["start"]) for r in rows}) == len(rows)
    assert Counter(r["selection"] for r in rows) == {  # 4 dropped: same text as realdev's
        "federalism_weak": 140, "federalism_strong": 60, "enforcement_weak": 78,
        "enforcement_strong": 60, "random": 60, "model_added": 199, "model_borderline": 99,
        "rules_flagged": 100, "fed_model_added": 250, "fed_model_borderline": 75,
        "fed_rules_flagged": 75}


def test_load_realtrain_refuses_leaks(tmp_path: Path) -> None:
    """A supplement with a held-out speech or a realdev sentence is refused before training."""
    from framing_corpora.realdev import DriftError, half_of, load_realtrain

    dev = [json.loads(line) for line in ANNOTATIONS.open(encoding="utf-8")]
    held = next(d for d in dev if half_of(d["doc_id"]) == "heldout")
    cal = next(d for d in dev if half_of(d["doc_id"]) == "calibration")
    for bad, why in ((held, "heldout-half speech"), (cal, "overlaps a development-set")):
        p = tmp_path / "train.jsonl"
        p.write_text(json.dumps({**bad, "start": bad["start"] + 1}) + "\n")
        with pytest.raises(DriftError, match=why):
            load_realtrain(p, speeches=tmp_path / "absent.jsonl")


@pytest.mark.skipif(not SPEECHES.exists(), reason="shared speech data not present")
def test_load_realtrain_refuses_a_realdev_text_elsewhere(tmp_path: Path) -> None:
    """A passage repeated in another speech is the same sentence: refused too."""
    from framing_corpora.realdev import DriftError, half_of, load_realtrain, span_hash

    dev = [json.loads(line) for line in ANNOTATIONS.open(encoding="utf-8")]
    texts = {}
    with SPEECHES.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            texts[d["id"]] = d["text"]
    cal_ids = sorted(i for i in texts if half_of(i) == "calibration")
    for d in dev:  # a realdev sentence whose words recur in another calibration-half speech
        words = texts[d["doc_id"]][d["start"]:d["end"]]
        other = next((i for i in cal_ids if i != d["doc_id"] and words in texts[i]), None)
        if other is not None:
            break
    else:
        pytest.skip("no realdev sentence recurs in another speech")
    start = texts[other].index(words)
    p = tmp_path / "train.jsonl"
    p.write_text(json.dumps({"doc_id": other, "start": start, "end": start + len(words),
                             "labels": [], "selection": "random", "sha1": span_hash(words)}))
    with pytest.raises(DriftError, match="same text as development-set sentence"):
        load_realtrain(p, speeches=SPEECHES)


@pytest.mark.skipif(not SPEECHES.exists(), reason="shared speech data not present")
def test_realtrain_spans_match_the_speeches() -> None:
    from framing_corpora.realdev import load_realtrain

    items = load_realtrain(speeches=SPEECHES)  # raises DriftError on any hash mismatch
    assert len(items) == 1196 and all(it.text.strip() for it in items)
