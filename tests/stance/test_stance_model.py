"""Training round trip, targets, documents, evaluation and model-directory validation, on a
tiny random BERT (see conftest.py) and the TF-IDF baseline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import spacy
from stance_synth import make_rows, tiny_settings

from framing.errors import FramingError
from framing.stance import (
    StanceModel,
    StanceSettings,
    document_stance,
    evaluate_stance,
    stance_for_docs,
    train_stance,
)
from framing.types import StanceResult


def test_round_trip_and_card(tiny_stance: Path, stance_rows: dict) -> None:
    m = StanceModel.load(tiny_stance)
    assert m.labels == ["favor", "against", "none"] and m.method == "transformer"
    meta = json.loads((tiny_stance / "framing_model.json").read_text())
    assert meta["task"] == "stance" and len(meta["data"]["fingerprint"]) == 64
    assert {"none_threshold", "how"} <= set(meta["decision"])
    assert meta["pooling"]["how"].startswith("tuned on 40 dev documents")
    assert (tiny_stance / "model.safetensors").is_file()
    metrics = json.loads((tiny_stance / "metrics.json").read_text())
    assert {"dev", "test", "dev_documents", "history"} <= set(metrics)
    card = (tiny_stance / "README.md").read_text()
    assert "Stance model" in card and "F-avg" in card
    pairs = [(r["target"], r["text"]) for r in stance_rows["test"][:10]]
    p1 = m.predict_proba(pairs)
    p2 = StanceModel.load(tiny_stance).predict_proba(pairs)
    assert p1.shape == (10, 3) and np.allclose(p1.sum(axis=1), 1)
    assert np.allclose(p1, p2)
    # batch size and order do not change a pair's probabilities (dynamic padding)
    assert np.allclose(m.predict_proba(pairs[::-1], batch_size=3)[::-1], p1, atol=1e-5)


def test_training_learns_and_is_deterministic(tiny_bert: Path, stance_rows: dict,
                                              tmp_path: Path) -> None:
    cfg = tiny_settings(tiny_bert, epochs=2)
    rows = stance_rows["train"][:120]
    a = train_stance(rows, tmp_path / "a", cfg, dev_rows=stance_rows["dev"], progress=False)
    b = train_stance(rows, tmp_path / "b", cfg, dev_rows=stance_rows["dev"], progress=False)
    pairs = [(r["target"], r["text"]) for r in stance_rows["test"]]
    assert np.array_equal(a.model.predict_proba(pairs), b.model.predict_proba(pairs))
    assert a.metrics["history"][0]["loss"] > 0


def test_tiny_model_beats_chance(tiny_stance: Path, stance_rows: dict) -> None:
    rep = evaluate_stance(tiny_stance, stance_rows["test"])
    assert rep["macro_f1"] > 0.45, rep


def test_targets_several_and_unseen(tiny_stance: Path) -> None:
    m = StanceModel.load(tiny_stance)
    text = "Yesterday the tax works."
    pairs = [("the tax", text), ("federal agents", text), ("the mayor of a town we never "
                                                           "trained on", text)]
    p = m.predict_proba(pairs)
    assert p.shape == (3, 3) and np.all(np.isfinite(p))
    # a target is part of the input: different targets, different probabilities
    assert not np.allclose(p[0], p[1])
    long_target = " ".join(["policy"] * 200)
    assert m.predict_proba([(long_target, text)]).shape == (1, 3)   # cut to max_target_tokens
    with pytest.raises(FramingError, match=r"\[E706\]"):
        m.predict_proba([("  ", text)])


def test_long_text_is_windowed(tiny_stance: Path) -> None:
    m = StanceModel.load(tiny_stance)
    long_text = " ".join(["the tax works"] * 100)
    p = m.predict_proba([("the tax", long_text)])
    assert p.shape == (1, 3) and np.isclose(p.sum(), 1)


def test_document_stance_evidence_offsets(tiny_stance: Path) -> None:
    m = StanceModel.load(tiny_stance)
    m.pooling.doc_threshold = 0.05   # make sure something carries
    m.pooling.cue_weight = 0.0
    text = ("Photo: Staff\n\nYesterday the tax works. In the city the police budget fell. "
            "The tax should matter, we urge it.")
    res = document_stance(m, text, ["the tax", "the police budget"])
    assert [r.target for r in res] == ["the tax", "the police budget"]
    for r in res:
        assert isinstance(r, StanceResult) and r.label in m.labels
        StanceResult.from_dict(json.loads(json.dumps(r.to_dict())))
        for e in r.evidence:
            assert text[e.start:e.end] == e.text
            assert e.source == "stance_model" or e.source.startswith("stance_cue:cue.")
            assert e.frame == r.label
    cue_ev = [e for r in res for e in r.evidence if e.source.startswith("stance_cue:")]
    model_ev = [e for r in res for e in r.evidence if e.source == "stance_model"]
    assert model_ev and all(any(s.start <= c.start and c.end <= s.end for s in model_ev)
                            for c in cue_ev)
    # the same through a batch of Docs and through the spaCy component
    from framing.pipeline.stance import build_stance_nlp

    nlp = build_stance_nlp()
    batch = stance_for_docs(m, [nlp(text), nlp("Nothing here.")], ["the tax"])
    assert batch[0][0].to_dict() == res[0].to_dict()
    assert len(batch[1]) == 1


def test_stance_detector_component(tiny_stance: Path, tmp_path: Path) -> None:
    from framing.pipeline.stance import build_stance_nlp

    nlp = build_stance_nlp()
    nlp.add_pipe("stance_detector", config={"model": str(tiny_stance),
                                            "targets": ["the tax", "the tax", "federal agents"]})
    docs = list(nlp.pipe(["Yesterday the tax works.", "Federal agents fell."]))
    assert [[s.target for s in d._.stance] for d in docs] == [["the tax", "federal agents"]] * 2
    # a Doc's own targets (set before the pipeline runs, as the Analyzer does) come first
    doc = nlp.make_doc("Yesterday the tax works.")
    doc._.stance_targets = ["federal agents"]
    assert [s.target for s in nlp(doc)._.stance] == ["federal agents"]
    nlp.to_disk(tmp_path / "pipe")
    nlp2 = spacy.load(tmp_path / "pipe")
    assert nlp2("Yesterday the tax works.")._.stance == docs[0]._.stance


def test_evaluate_json_contract(tiny_stance: Path, stance_rows: dict, tmp_path: Path) -> None:
    p = tmp_path / "test.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in stance_rows["test"]), encoding="utf-8")
    rep = evaluate_stance(tiny_stance, p)
    assert {"accuracy", "macro_f1", "f_avg", "per_label"} <= set(rep)
    assert set(rep["per_label"]) == {"favor", "against", "none"}
    assert set(rep["per_label"]["favor"]) == {"precision", "recall", "f1", "support"}
    json.loads(json.dumps(rep))
    docs = [{"text": f"{r['text']} Nothing else.", "target": r["target"],
             "stance": r["stance"]} for r in stance_rows["test"][:20]]
    drep = evaluate_stance(tiny_stance, docs, level="document")
    assert drep["level"] == "document" and drep["n"] == 20
    polar = [r for r in stance_rows["test"] if r["stance"] != "none"]
    prep = evaluate_stance(tiny_stance, polar, restrict_to_gold=True)
    assert "none" not in prep["confusion"]["favor"] or prep["confusion"]["favor"]["none"] == 0


def test_tfidf_baseline(tfidf_stance: Path, stance_rows: dict) -> None:
    m = StanceModel.load(tfidf_stance)
    assert m.method == "tfidf" and (tfidf_stance / "model.skops").is_file()
    rep = evaluate_stance(m, stance_rows["test"])
    assert 0 <= rep["f_avg"] <= 1
    assert m.predict_proba([("the tax", "The tax works.")]).shape == (1, 3)


def test_two_label_training(tmp_path: Path) -> None:
    rows = [r for r in make_rows(200, 5) if r["stance"] != "none"]
    res = train_stance(rows, tmp_path / "m", StanceSettings(method="tfidf", eval_split=0.3),
                       progress=False)
    assert res.model.labels == ["favor", "against"]
    assert "favor_threshold" in res.model.meta["decision"]
    assert set(res.model.predict([("the tax", "The tax works.")])) <= {"favor", "against"}
    with pytest.raises(FramingError, match=r"\[E707\]"):
        evaluate_stance(res.model, [{"text": "x", "target": "t", "stance": "none"}])


def test_training_data_errors(tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"\[E704\]"):
        train_stance([{"text": "a", "target": "t", "stance": "favor"}] * 10, tmp_path / "m",
                     StanceSettings(method="tfidf"), progress=False)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(FramingError, match=r"\[E409\]"):
        train_stance(make_rows(40, 1), tmp_path / "full", StanceSettings(method="tfidf"),
                     progress=False)


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _edit_meta(d: Path, **kw: Any) -> None:
    meta = json.loads((d / "framing_model.json").read_text())
    meta.update(kw)
    (d / "framing_model.json").write_text(json.dumps(meta))


def test_model_dir_validation(tiny_stance: Path, tfidf_stance: Path, tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"\[E301\].*does not exist"):
        StanceModel.load(tmp_path / "nope")
    d = _copy(tiny_stance, tmp_path / "no_meta")
    (d / "framing_model.json").unlink()
    with pytest.raises(FramingError, match=r"\[E301\].*framing_model.json' is missing"):
        StanceModel.load(d)
    d = _copy(tiny_stance, tmp_path / "frames")
    _edit_meta(d, task="frames")
    with pytest.raises(FramingError, match=r"\[E705\]"):
        StanceModel.load(d)
    d = _copy(tiny_stance, tmp_path / "labels")
    _edit_meta(d, labels=["favor", "none"])
    with pytest.raises(FramingError, match=r"\[E301\].*'labels'"):
        StanceModel.load(d)
    d = _copy(tiny_stance, tmp_path / "no_weights")
    (d / "model.safetensors").unlink()
    with pytest.raises(FramingError, match=r"\[E301\].*model.safetensors"):
        StanceModel.load(d)
    d = _copy(tiny_stance, tmp_path / "broken_weights")
    (d / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(FramingError, match=r"\[E301\].*unreadable"):
        StanceModel.load(d)
    d = _copy(tiny_stance, tmp_path / "two_labels")
    _edit_meta(d, labels=["favor", "against"], decision={"favor_threshold": 0.5})
    with pytest.raises(FramingError, match=r"\[E301\].*3 labels"):
        StanceModel.load(d)
    d = _copy(tiny_stance, tmp_path / "bad_rule")
    _edit_meta(d, decision={"none_threshold": 3})
    with pytest.raises(FramingError, match=r"\[E301\]"):
        StanceModel.load(d)
    d = _copy(tfidf_stance, tmp_path / "tfidf_no_weights")
    (d / "model.skops").unlink()
    with pytest.raises(FramingError, match=r"\[E301\].*model.skops"):
        StanceModel.load(d)


def test_default_targets_by_issue_and_per_doc_targets(tiny_stance: Path) -> None:
    from framing.codebook import Codebook
    from framing.pipeline.stance import build_stance_nlp
    from framing.stance import stance_for_each, targets_for

    cb = Codebook.default()
    got = targets_for(cb, {"issue": "drug_policy"}, ["the tax", "federal enforcement of "
                                                     "drug laws"])
    assert got == ["states deciding their own drug policy", "federal enforcement of drug laws",
                   "the tax"]
    assert targets_for(cb, {}, ["the tax"]) == ["the tax"]
    with pytest.raises(FramingError, match=r"\[E706\]"):
        targets_for(cb, {}, [""])
    nlp = build_stance_nlp()
    m = StanceModel.load(tiny_stance)
    docs = [nlp("The tax works."), nlp("Federal agents fell.")]
    res = stance_for_each(m, docs, [["the tax"], ["federal agents", "the states"]])
    assert [[r.target for r in rs] for rs in res] == [["the tax"], ["federal agents",
                                                                    "the states"]]
    alone = stance_for_docs(m, docs[1:], ["federal agents", "the states"])[0]
    assert [r.to_dict() for r in alone] == [r.to_dict() for r in res[1]]


def test_frozen_embeddings_stay_as_the_base(tiny_bert: Path, stance_rows: dict,
                                            tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    res = train_stance(stance_rows["train"][:48], tmp_path / "m",
                       tiny_settings(tiny_bert, epochs=1, freeze_embeddings=True),
                       dev_rows=stance_rows["dev"][:20], progress=False)
    base = load_file(str(tiny_bert / "model.safetensors"))
    tuned = load_file(str(res.path / "model.safetensors"))
    key = next(k for k in tuned if k.endswith("word_embeddings.weight"))
    base_key = next(k for k in base if k.endswith("word_embeddings.weight"))
    assert np.array_equal(base[base_key], tuned[key])
    enc = next(k for k in tuned if k.endswith("layer.0.attention.self.query.weight"))
    assert not np.array_equal(base[next(k for k in base if k.endswith(
        "layer.0.attention.self.query.weight"))], tuned[enc])


def test_train_layers_freezes_the_lower_layers(tiny_bert: Path, stance_rows: dict,
                                               tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    res = train_stance(stance_rows["train"][:48], tmp_path / "m",
                       tiny_settings(tiny_bert, epochs=1, train_layers=1),
                       dev_rows=stance_rows["dev"][:20], progress=False)
    base = load_file(str(tiny_bert / "model.safetensors"))
    tuned = load_file(str(res.path / "model.safetensors"))

    def same(suffix: str) -> bool:
        a = next(v for k, v in base.items() if k.endswith(suffix))
        b = next(v for k, v in tuned.items() if k.endswith(suffix))
        return bool(np.array_equal(a, b))

    assert same("layer.0.attention.self.query.weight")
    assert same("position_embeddings.weight")
    assert not same("layer.1.attention.self.query.weight")
    with pytest.raises(FramingError, match=r"\[E701\]"):
        StanceSettings(train_layers=-1)


def test_relevance_gate_on_documents(tiny_stance: Path, tiny_bert: Path,
                                     tmp_path: Path) -> None:
    from framing.models.stance.relevance import RelevanceEncoder

    m = StanceModel.load(tiny_stance)
    # the gate stayed off on the tiny dev documents, so the directory names no encoder
    assert m.relevance is None and m.pooling.relevance_threshold == 0
    m.relevance = RelevanceEncoder.resolve(str(tiny_bert))
    assert m.info()["relevance"] == str(tiny_bert.resolve())
    m.pooling.relevance_threshold = 0.999999   # nothing is that similar: every answer is none
    res = document_stance(m, "Yesterday the tax works. Federal agents fell.", ["the tax"])
    assert res[0].label == "none" and res[0].evidence == []
    d = _copy(tiny_stance, tmp_path / "bad_relevance")
    _edit_meta(d, relevance={"encoder": str(tmp_path / "no_such_encoder")})
    with pytest.raises(FramingError, match=r"\[E301\].*relevance encoder"):
        StanceModel.load(d)
    d = _copy(tiny_stance, tmp_path / "with_relevance")
    _edit_meta(d, relevance={"encoder": str(tiny_bert)})
    assert StanceModel.load(d).relevance is not None
