"""Document pooling: one strong sentence carries a document; conflicts; cue weighting."""

from __future__ import annotations

import numpy as np

from framing.models.stance.pooling import PoolingRule, SentenceCue

L3 = ["favor", "against", "none"]


def _p(*rows: tuple[float, float]) -> np.ndarray:
    return np.array([[f, a, max(0.0, 1 - f - a)] for f, a in rows])


def test_one_strong_sentence_carries_the_document() -> None:
    neutral = [(0.05, 0.05)] * 30
    probs = _p(*neutral[:15], (0.9, 0.05), *neutral[15:])
    d = PoolingRule(doc_threshold=0.6).pool(probs, L3)
    assert d.label == "favor" and d.evidence == [15] and d.score > 0.85
    # the same sentence among more neutral ones: same answer (max, not mean)
    d2 = PoolingRule(doc_threshold=0.6).pool(_p(*neutral, (0.9, 0.05), *neutral), L3)
    assert d2.label == "favor" and d2.score == d.score


def test_no_carrying_sentence_is_none() -> None:
    d = PoolingRule(doc_threshold=0.6).pool(_p((0.3, 0.2), (0.1, 0.5)), L3)
    assert d.label == "none" and d.evidence == [] and d.score == 0.5
    assert PoolingRule().pool(np.zeros((0, 3)), L3).label == "none"


def test_conflict_goes_to_the_larger_evidence_mass() -> None:
    probs = _p((0.95, 0.0), (0.0, 0.7), (0.0, 0.75), (0.0, 0.72))
    d = PoolingRule(doc_threshold=0.6).pool(probs, L3)
    assert d.conflict and d.label == "against" and d.evidence == [2, 3, 1]
    # the contested score is lowered by the winner's share of the evidence
    assert d.score < 0.75


def test_conflict_tie_goes_to_the_strongest_sentence() -> None:
    probs = _p((0.9, 0.0), (0.0, 0.85))
    d = PoolingRule(doc_threshold=0.6, conflict_margin=0.1).pool(probs, L3)
    assert d.conflict and d.label == "favor"


def test_cues_weight_sentences() -> None:
    probs = _p((0.55, 0.0), (0.0, 0.58))
    plain = PoolingRule(doc_threshold=0.6, cue_weight=0.5).pool(probs, L3)
    assert plain.label == "none"
    cued = [SentenceCue(strength=0.8), SentenceCue()]
    d = PoolingRule(doc_threshold=0.6, cue_weight=0.5).pool(probs, L3, cued)
    assert d.label == "favor" and d.evidence == [0]
    # reported speech counts less: the author's own sentence wins the conflict
    probs2 = _p((0.8, 0.0), (0.0, 0.8))
    rep = [SentenceCue(), SentenceCue(reported=True)]
    d2 = PoolingRule(doc_threshold=0.6, reported_weight=0.5).pool(probs2, L3, rep)
    assert d2.label == "favor" and not d2.conflict


def test_two_label_model_never_says_none() -> None:
    probs = np.array([[0.45, 0.55], [0.9, 0.1], [0.6, 0.4]])
    d = PoolingRule().pool(probs, ["favor", "against"])
    assert d.label == "favor"


def test_tune_prefers_defaults_and_fits_dev() -> None:
    docs = []
    gold = []
    for i in range(15):
        lab = ["favor", "against", "none"][i % 3]
        p = {"favor": (0.45, 0.02), "against": (0.02, 0.45), "none": (0.2, 0.2)}[lab]
        docs.append((_p((0.05, 0.05), p), None))
        gold.append(lab)
    rule = PoolingRule.tune(docs, gold, L3, default_threshold=0.5)
    assert 0.2 < rule.doc_threshold <= 0.45
    assert [rule.pool(p, L3, c).label for p, c in docs] == gold
    small = PoolingRule.tune(docs[:3], gold[:3], L3, default_threshold=0.4)
    assert small.doc_threshold == 0.4 and small.how.startswith("default")


def test_relevance_gate() -> None:
    probs = _p((0.95, 0.0))
    rule = PoolingRule(doc_threshold=0.6, relevance_threshold=0.3)
    d = rule.pool(probs, L3, None, relevance=0.1)
    assert d.label == "none" and d.gated and d.evidence == [] and d.score == 0.9
    assert rule.pool(probs, L3, None, relevance=0.5).label == "favor"
    assert rule.pool(probs, L3, None, relevance=None).label == "favor"   # no encoder
    # tuning finds the gate when dev documents include targets they do not discuss
    docs, gold = [], []
    for i in range(20):
        lab = ["favor", "against", "none", "none"][i % 4]
        p = {"favor": (0.9, 0.02), "against": (0.02, 0.9), "none": (0.9, 0.02)}[lab]
        docs.append((_p(p), None, 0.6 if lab != "none" else 0.15))
        gold.append(lab)
    tuned = PoolingRule.tune(docs, gold, L3)
    assert 0.15 < tuned.relevance_threshold <= 0.6
    assert [tuned.pool(d[0], L3, d[1], d[2]).label for d in docs] == gold
