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
