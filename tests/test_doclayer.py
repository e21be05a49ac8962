"""The document layer: learned 'uses' decisions over sentence-score statistics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from framing.doclayer import FEATURES, DocScores, DocumentLayer, features
from framing.errors import FramingError


def _corpus(n: int = 120, seed: int = 0) -> tuple[list[DocScores], np.ndarray]:
    """Documents where a frame is *used* when many sentences carry it, and merely *mentioned*
    (one strong sentence) otherwise: the case a noisy-OR gets wrong."""
    rng = np.random.default_rng(seed)
    docs, ys = [], []
    for _ in range(n):
        m = int(rng.integers(10, 50))
        s = rng.random((m, 3)) * 0.2
        y = np.zeros(3, bool)
        for j in range(3):
            kind = rng.integers(3)  # 0 absent, 1 mentioned once, 2 used
            if kind == 1:
                s[rng.integers(m), j] = 0.9
            elif kind == 2:
                rows = rng.choice(m, size=max(3, m // 5), replace=False)
                s[rows, j] = rng.uniform(0.6, 1.0, size=len(rows))
                y[j] = True
        docs.append(DocScores(s))
        ys.append(y)
    return docs, np.array(ys)


def test_features_shape_and_bounds() -> None:
    d = DocScores(np.array([[0.9, 0.1], [0.2, 0.7], [0.1, 0.1]]), title=np.array([0.5, 0.0]))
    x = features(d)
    assert x.shape == (2, len(FEATURES))
    col = dict(zip(FEATURES, x[0], strict=True))
    assert col["max"] == pytest.approx(0.9) and col["share"] == pytest.approx(1 / 3)
    assert col["first"] == 0.0 and col["title"] == 0.5
    assert dict(zip(FEATURES, x[1], strict=True))["first"] == pytest.approx(1 / 3)
    empty = features(DocScores(np.zeros((0, 2))), 2)
    assert empty[:, FEATURES.index("first")].tolist() == [1.0, 1.0]


def test_learns_use_not_mention_and_beats_noisy_or() -> None:
    docs, y = _corpus()
    layer = DocumentLayer(frames=["a", "b", "c"]).fit(docs[:80], y[:80])
    pred = np.array([layer.predict(d) for d in docs[80:]])
    any_sentence = np.array([(d.scores >= 0.5).any(axis=0) for d in docs[80:]])
    acc = (pred == y[80:]).mean()
    assert acc > 0.9
    assert acc > (any_sentence == y[80:]).mean() + 0.2
    assert 0.2 <= layer.threshold_ <= 0.7 and layer.cv_micro_f1_ > 0.8


def test_child_lifts_parent() -> None:
    docs, y = _corpus()
    y[:, 1] |= y[:, 2]  # c is a child of b: gold has parents added
    layer = DocumentLayer(frames=["a", "b", "c"], parents={"c": "b"}).fit(docs, y)
    for d in docs[:20]:
        p = layer.predict_proba(d)
        assert p[1] >= p[2]


def test_json_round_trip_is_exact() -> None:
    docs, y = _corpus(60)
    layer = DocumentLayer(frames=["a", "b", "c"], C=0.5).fit(docs, y)
    back = DocumentLayer.from_dict(json.loads(json.dumps(layer.to_dict())))
    for d in docs:
        assert np.allclose(back.predict_proba(d), layer.predict_proba(d), atol=1e-6)
    assert back.threshold_ == layer.threshold_


def test_bad_inputs_are_numbered_errors() -> None:
    docs, y = _corpus(10)
    with pytest.raises(FramingError, match=r"\[E490\]"):
        DocumentLayer(frames=["a", "b"]).fit(docs, y)  # 3 columns of scores, 2 frames
    with pytest.raises(FramingError, match=r"\[E490\]"):
        DocumentLayer(frames=["a", "b", "c"]).fit(docs, np.zeros((10, 3), bool))
    with pytest.raises(FramingError, match=r"\[E490\]"):
        DocumentLayer(frames=["a", "b", "c"]).predict(docs[0])
    with pytest.raises(FramingError, match=r"\[E490\]"):
        DocumentLayer.from_dict({"format": "something else"})
    with pytest.raises(FramingError, match=r"\[E490\]"):
        DocumentLayer(frames=["a", "b", "c"], parents={"c": "x"}).fit(docs, y)


# ----- wiring: the Analyzer, the shipped layer, the news evaluation ---------------------------

LONG = " ".join(
    ["The city council met on Tuesday to review the annual budget for road repairs."] * 2
    + ["Federal prosecutors arrested three men in a drug raid, the police chief said."]
    + ["Residents at the meeting asked about parking on Main Street and the new library."] * 30)


def test_sample_weights_and_tuning_subset_change_the_fit() -> None:
    docs, y = _corpus(80)
    plain = DocumentLayer(["a", "b", "c"]).fit(docs, y)
    w = np.where(np.arange(80) < 40, 1.0, 0.01)
    weighted = DocumentLayer(["a", "b", "c"]).fit(docs, y, sample_weight=w,
                                                   tune_on=np.arange(80) < 40)
    assert not np.allclose(plain.coef_, weighted.coef_)
    with pytest.raises(FramingError, match="E490"):
        DocumentLayer(["a", "b", "c"]).fit(docs[:3], y)


def test_saved_layer_round_trips_with_its_info(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from framing.doclayer import load_layer, save

    docs, y = _corpus(60)
    layer = DocumentLayer(["a", "b", "c"]).fit(docs, y)
    path = save(layer, tmp_path / "doc_layer.json", fitted_on="a test corpus")
    back = load_layer(path)
    assert back.info_["fitted_on"] == "a test corpus"
    assert back.describe()["source"] == str(path)
    np.testing.assert_allclose(back.predict_proba(docs[0]), layer.predict_proba(docs[0]),
                               rtol=1e-5, atol=1e-7)  # 8 decimals in the file
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(FramingError, match="E490"):
        load_layer(tmp_path / "bad.json")
    (tmp_path / "old.json").write_text(json.dumps({**layer.to_dict(), "features": ["max"]}))
    with pytest.raises(FramingError, match="E490"):
        load_layer(tmp_path / "old.json")


def test_the_analyzer_labels_documents_with_the_shipped_layer() -> None:
    """A long article about a council meeting that mentions one arrest in passing: the
    sentence union labels enforcement and crime; the layer does not, while the sentence keeps
    its labels and the frame its share and mentions."""
    import framing
    from framing.doclayer import default_rules_layer

    layer = default_rules_layer()
    assert layer.info_["fitted_on"].startswith("corpora/news")
    union = framing.load(rules_only=True, document_layer=False)(LONG)
    used = framing.load(rules_only=True)(LONG)
    assert "enforcement" in union.labels and "enforcement" not in used.labels
    assert used.shares["enforcement"] == pytest.approx(1 / 33, abs=0.01)
    assert used.mentions["enforcement"] >= 1
    assert any("enforcement" in s.labels for s in used.sentences)
    assert used.model["document_layer"]["source"].endswith("doc_layer_rules.json")
    assert union.model["document_layer"] is None
    assert 0 <= used.frames["enforcement"] < layer.threshold_
    # a short text that is about enforcement uses it
    short = framing.load(rules_only=True)(
        "Federal agents arrested 40 people in immigration raids. Prosecutors charged them "
        "with illegal reentry, and police detained more at the border.")
    assert "enforcement" in short.labels


def test_document_metrics_and_excerpts() -> None:
    from framing.doclayer import document_metrics
    from framing.models.frames.doceval import excerpts, prior_baseline
    from framing.types import SentenceResult

    m = document_metrics([["a", "b"], []], [["a"], ["b"]], ["a", "b"])
    assert (m["micro_precision"], m["micro_recall"]) == (0.5, 0.5)
    assert m["per_frame"]["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1,
                                   "predicted": 1}
    gold = {"sentences": [{"start": 0, "end": 5, "labels": ["a"]},
                          {"start": 6, "end": 11, "labels": []},
                          {"start": 12, "end": 17, "labels": ["b"]}]}
    sents = [SentenceResult(start=i * 6, end=i * 6 + 5, text="x", frames={}, labels=[],
                            evidence=[]) for i in range(3)]
    cut = excerpts(gold, sents, sizes=(1, 2, 3))
    assert [(len(s), g) for s, g in cut] == [(1, ["a"]), (2, ["a"])]  # 3 is the whole text
    assert prior_baseline([{"frames": ["a", "b"]}, {"frames": ["a"]}], 2) == [["a", "b"]] * 2
