"""Fusion, the frame_classifier spaCy component and the Analyzer with a classifier."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import spacy

import framing
import framing.pipeline.classifier
from framing.errors import FramingError
from framing.models.frames import FrameModel
from framing.models.frames.fusion import Fusion
from framing.pipeline import build_nlp

TEXT = ("Leave it to the states in the city. Police arrested dozens yesterday.\n\n"
        "Photo: Jane Doe/Staff\n\nSome residents spoke on monday.")


def test_fusion_fit_uses_rule_evidence() -> None:
    rng = np.random.default_rng(0)
    n = 300
    y = (rng.random((n, 2)) < 0.3).astype(int)
    p = np.clip(0.5 + (y - 0.5) * 0.3 + rng.normal(0, 0.2, (n, 2)), 0.01, 0.99)
    r = np.where(y == 1, 0.9 * (rng.random((n, 2)) < 0.7), 0.0)  # precise, partial rules
    r[:, 1] = 0.0
    y[:10, 1] = 0
    fz = Fusion.fit(["a", "b"], p, r, y, min_positives=5)
    assert fz.coefs["a"] is not None and fz.coefs["a"][0][1] > 0  # rule score pushes up
    fused = fz.apply(p, r)
    # with a precise rule, fused beats the classifier alone on label a
    from framing.models.metrics import prf, tune_thresholds

    f_clf = prf(y[:, 0], p[:, 0] >= tune_thresholds(y, p).thresholds[0])[2]
    f_fused = prf(y[:, 0], fused[:, 0] >= fz.thresholds["a"])[2]
    assert f_fused > f_clf
    rt = Fusion.from_dict(json.loads(json.dumps(fz.to_dict())), ["a", "b"])
    assert np.allclose(rt.apply(p, r), fused)


def test_fusion_falls_back_to_p_with_few_positives() -> None:
    y = np.zeros((20, 1), dtype=int)
    y[:3] = 1
    p = np.linspace(0.01, 0.99, 20).reshape(-1, 1)
    fz = Fusion.fit(["a"], p, np.zeros_like(p), y, p_thresholds=np.array([0.4]))
    assert fz.coefs["a"] is None and fz.thresholds["a"] == 0.4
    assert np.array_equal(fz.apply(p, np.ones_like(p)), p)


def test_component_sets_scores_and_roundtrips(tiny_model: Path, tmp_path: Path) -> None:
    nlp = build_nlp()
    nlp.add_pipe("frame_classifier", config={"model": str(tiny_model)})
    doc = nlp(TEXT)
    n = len(doc._.frame_sentences)
    assert n == 4
    assert len(doc._.clf_sentence_scores) == n == len(doc._.fused_sentence_scores)
    labels = ["economic", "enforcement", "federalism"]
    assert set(doc._.clf_doc_scores) == set(labels) == set(doc._.fused_doc_scores)
    # sentence-level model: the document pools its sentences (max)
    for lab in labels:
        assert doc._.clf_doc_scores[lab] == pytest.approx(
            max(s[lab] for s in doc._.clf_sentence_scores))
        assert doc._.fused_doc_scores[lab] == pytest.approx(
            max(s[lab] for s in doc._.fused_sentence_scores))
    fm = FrameModel.load(tiny_model)
    p = fm.predict_proba([TEXT.split(". ")[0] + "."])
    assert doc._.clf_sentence_scores[0]["federalism"] == pytest.approx(p[0, 2])
    # pipe and call agree
    piped = list(nlp.pipe([TEXT, "Tax revenue grew.", ""], batch_size=2))
    # (the same up to float32 rounding: the batch holds other sentences then)
    for a, b in zip(piped[0]._.fused_sentence_scores, doc._.fused_sentence_scores, strict=True):
        assert a == pytest.approx(b, abs=1e-6)
    # the photo credit line is not sent to the model: no classifier score, no fused score
    assert doc._.frame_sentences[2]["heading"]
    assert set(doc._.clf_sentence_scores[2].values()) == {0.0}
    assert set(doc._.fused_sentence_scores[2].values()) == {0.0}
    assert piped[2]._.clf_sentence_scores == [] and piped[2]._.fused_doc_scores["economic"] == 0
    # to_disk / spacy.load round trip writes and reads the model directory
    nlp.to_disk(tmp_path / "pipe")
    assert (tmp_path / "pipe" / "frame_classifier" / "model.safetensors").is_file()
    loaded = spacy.load(tmp_path / "pipe")
    again = loaded(TEXT)
    assert again._.fused_doc_scores == pytest.approx(doc._.fused_doc_scores)
    assert again._.clf_sentence_scores == doc._.clf_sentence_scores


def test_analyzer_fusion_contract(tiny_model: Path) -> None:
    an = framing.load(model=tiny_model)
    assert an.nlp.pipe_names[-2:] == ["frame_ruler", "frame_classifier"]
    res = an(TEXT)
    d = json.loads(json.dumps(res.to_dict()))
    assert set(d["frames"]) == set(an.codebook.frame_ids)
    assert all(0 <= v <= 1 for v in d["frames"].values())
    # the frames the document uses (closed under parents), each at or above the layer's
    # threshold; best first by own evidence, a used child before the parent it implies
    assert set(d["labels"]) == set(an.codebook.closure(d["labels"]))
    assert an.doc_layer is not None
    assert all(d["frames"][f] >= an.doc_layer.threshold_ for f in d["labels"]
               if f in an.doc_layer.frames)
    model = d["model"]["classifier"]
    assert model["method"] == "transformer" and model["name"] == "tiny"
    assert len(model["data_fingerprint"]) == 64 and model["base_model"]
    fm = an.classifier
    assert fm is not None
    p_th = dict(zip(fm.labels, fm.thresholds, strict=True))
    f_th = dict(zip(fm.labels, fm.fused_thresholds, strict=True))
    sources = {e["source"].split(":")[0] for s in d["sentences"] for e in s["evidence"]}
    assert {"rule", "classifier"} <= sources
    for s in d["sentences"]:
        assert TEXT[s["start"]:s["end"]] == s["text"]
        for e in s["evidence"]:
            assert TEXT[e["start"]:e["end"]] == e["text"]
            if e["source"] == "classifier":
                assert (e["start"], e["end"]) == (s["start"], s["end"])
                assert e["frame"] in s["labels"] and e["score"] >= p_th[e["frame"]] - 1e-4
        for f in s["labels"]:
            if f in f_th:
                assert s["frames"][f] >= f_th[f] - 1e-4 or any(
                    c in s["labels"] for c in an.codebook.children(f))
    first = d["sentences"][0]
    assert "federalism" in first["labels"]
    assert any(e["source"].startswith("rule:federalism") for e in first["evidence"])
    assert d["sentences"][2]["text"] == "Photo: Jane Doe/Staff"
    assert framing.DocResult.from_dict(d).to_dict() == d


def test_load_modes(tiny_model: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert framing.load(model=tiny_model, rules_only=True).classifier is None
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", "none")
    assert framing.load().classifier is None
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", str(tmp_path / "not-built"))
    an = framing.load()
    assert an.classifier is None and an.model_info["classifier"] is None
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", str(tiny_model))
    an = framing.load()
    assert an.classifier is not None and an("Costs rose.").model["classifier"]["name"] == "tiny"
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    (broken / "config.json").unlink()
    with pytest.raises(FramingError, match=r"\[E301\]"):
        framing.load(model=broken)


def test_model_with_custom_labels_gets_a_rule_free_codebook(synth_dir: Path,
                                                            tmp_path: Path) -> None:
    from framing.train import TrainConfig, train

    rows = [json.loads(x) for x in (synth_dir / "train.jsonl").read_text().splitlines()]
    ren = {"economic": "money", "enforcement": "cops", "federalism": "states"}
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"text": r["text"],
                                        "labels": [ren[x] for x in r["labels"]]}) + "\n"
                            for r in rows))
    train(data, tmp_path / "m", TrainConfig(method="tfidf"), progress=False)
    assert not (tmp_path / "m" / "codebook.json").exists()
    an = framing.load(model=tmp_path / "m")
    assert an.codebook.frame_ids == ["cops", "money", "states"]
    res = an("Police arrested dozens yesterday.")
    assert res.labels == ["cops"]
    assert [e.source for e in res.sentences[0].evidence] == ["classifier"]
