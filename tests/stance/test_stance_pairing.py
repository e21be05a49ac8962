"""Target-antisymmetric stance inference (issue 17): a stance toward a target and toward its
opposite are tied, so asking about the opposite gives exactly the flipped answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import spacy

from framing.codebook import Codebook
from framing.errors import FramingError
from framing.models.stance.pairing import flip_columns, is_canonical, paired_proba
from framing.models.stance.pooling import PoolingRule
from framing.models.stance.swap import opposite_target
from framing.pipeline.stance import build_stance_nlp, stance_for_each

LABELS = ["favor", "against", "none"]
STATES = "states deciding their own drug policy"
FEDERAL = "federal enforcement of drug laws"
TEXT = ("Gun laws are a disaster for everyone. The weather was mild today. "
        "Stricter gun laws would save lives, and we should pass them.")


class _Counting:
    """The raw network stand-in: seeded pseudo-random probabilities per (target, text) pair,
    with no relation between a target and its opposite (as an untrained model), and a record
    of every pair it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def __call__(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        self.asked += pairs
        out = []
        for t, x in pairs:
            rng = np.random.default_rng(abs(hash((t, x))) % (2 ** 32))
            p = rng.random(3) + 0.05
            out.append(p / p.sum())
        return np.array(out)


def test_flip_columns_and_canonical_member() -> None:
    assert flip_columns(LABELS) == [1, 0, 2]
    assert flip_columns(["favor", "against"]) == [1, 0]
    assert is_canonical("gun laws", "opposition to gun laws")
    assert not is_canonical("opposition to gun laws", "gun laws")
    # declared opposites: exactly one of the two is canonical, whichever way it is asked
    assert is_canonical(STATES, FEDERAL) != is_canonical(FEDERAL, STATES)


@pytest.mark.parametrize("mode", ["mean", "product", "canonical", "auto"])
def test_paired_proba_flips_exactly_toward_the_opposite(mode: str) -> None:
    opp = Codebook.default().opposites()
    pairs = [("stricter gun laws", "a"), ("This house would ban boxing", "b"), (STATES, "c")]
    score = _Counting()
    p = paired_proba(score, pairs, LABELS, mode, opp)
    swapped = paired_proba(score, [(opposite_target(t, opp), x) for t, x in pairs], LABELS,
                           mode, opp)
    np.testing.assert_allclose(swapped, p[:, [1, 0, 2]])
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    raw = score(pairs)
    raw_swapped = score([(opposite_target(t, opp), x) for t, x in pairs])
    # the raw stand-in is not antisymmetric: the guarantee comes from the pairing alone
    assert not np.allclose(raw_swapped, raw[:, [1, 0, 2]])


def test_mean_pairing_averages_both_views_and_scores_each_pair_once() -> None:
    score = _Counting()
    pairs = [("gun laws", "a"), ("opposition to gun laws", "a"), ("gun laws", "b")]
    p = paired_proba(score, pairs, LABELS, "mean")
    # the pair and its opposite are asked together once: 4 distinct pairs, not 6
    assert sorted(score.asked) == sorted({("gun laws", "a"), ("opposition to gun laws", "a"),
                                          ("gun laws", "b"), ("opposition to gun laws", "b")})
    raw = {q: r for q, r in zip(score.asked, score(score.asked), strict=True)}
    want = (raw[("gun laws", "a")] + raw[("opposition to gun laws", "a")][[1, 0, 2]]) / 2
    np.testing.assert_allclose(p[0], want)
    score2 = _Counting()
    paired_proba(score2, pairs, LABELS, "canonical")
    # canonical: only one member of each {T, not T} pair is asked
    assert sorted(score2.asked) == [("gun laws", "a"), ("gun laws", "b")]
    with pytest.raises(ValueError, match="opposite_pairing"):
        paired_proba(score, pairs, LABELS, "sometimes")


def test_auto_pairing_uses_both_views_only_for_declared_opposites() -> None:
    opp = Codebook.default().opposites()
    score = _Counting()
    p = paired_proba(score, [(STATES, "a"), ("gun laws", "a")], LABELS, "auto", opp)
    # declared: both targets asked (product of the two views); negation: the canonical one
    assert sorted(score.asked) == sorted([(STATES, "a"), (FEDERAL, "a"), ("gun laws", "a")])
    raw = {q: r for q, r in zip(score.asked, score(score.asked), strict=True)}
    c = raw[(STATES, "a")] * raw[(FEDERAL, "a")][[1, 0, 2]]
    np.testing.assert_allclose(p[0], c / c.sum())
    np.testing.assert_allclose(p[1], raw[("gun laws", "a")])
    # a confident view that the other view agrees with stays confident (a mean would not)
    sharp = paired_proba(lambda ps: np.array([[0.9, 0.05, 0.05] if t == "x" else
                                              [0.05, 0.9, 0.05] for t, _ in ps]),
                         [("x", "s")], LABELS, "product", {"x": "y", "y": "x"})
    assert sharp[0, 0] > 0.99


# ----- the tiny trained model --------------------------------------------------------------
@pytest.mark.parametrize("mode", ["mean", "product", "canonical"])
def test_tiny_model_answers_the_opposite_target_flipped(tiny_stance: Path, mode: str) -> None:
    from framing.models.stance import StanceModel

    m = StanceModel.load(tiny_stance)
    assert m.opposite_pairing == "off"  # built without the setting: the raw network
    targets = ["gun laws", "stricter gun laws", "This house would ban boxing"]
    texts = ["Gun laws are a disaster.", "Boxing is brutal and should go.", "It rained."]
    pairs = [(t, x) for t in targets for x in texts]
    swapped = [(opposite_target(t), x) for t, x in pairs]
    raw, raw_sw = m.predict_proba(pairs), m.predict_proba(swapped)
    # the random tiny network knows nothing of negation: its answers do not flip
    assert not np.allclose(raw_sw, raw[:, [1, 0, 2]], atol=1e-3)
    m.opposite_pairing = mode
    p, p_sw = m.predict_proba(pairs), m.predict_proba(swapped)
    np.testing.assert_allclose(p_sw, p[:, [1, 0, 2]], atol=1e-6)
    flip = {"favor": "against", "against": "favor", "none": "none"}
    assert m.predict(swapped) == [flip[x] for x in m.predict(pairs)]
    # an explicit pairing overrides the model's
    np.testing.assert_allclose(m.predict_proba(pairs, pairing="off"), raw, atol=1e-6)


def test_document_stance_toward_the_opposite_is_flipped(tiny_stance: Path) -> None:
    """Through the spaCy component path: sentences scored, gated and pooled as the Analyzer
    does; with the pairing on, the opposite target gets the flipped label, the same score and
    the same evidence sentences, for negated and for declared opposites."""
    from framing.models.stance import StanceModel

    m = StanceModel.load(tiny_stance)
    # a low threshold so that the random tiny network's sentences carry labels
    m.pooling = PoolingRule(doc_threshold=0.34, cue_weight=0.25,
                            relevance_threshold=m.pooling.relevance_threshold)
    nlp = build_stance_nlp()
    docs = [nlp(TEXT), nlp("Drug policy should be left to the states. Prosecutors disagree.")]
    opp = Codebook.default().opposites()
    tgts = [["stricter gun laws", "gun laws"], [STATES]]
    swapped = [[opposite_target(t, opp) for t in ts] for ts in tgts]

    def run(pairing: str | None) -> tuple[list[Any], list[Any]]:
        a = stance_for_each(m, docs, tgts, pairing=pairing, opposites=opp)
        b = stance_for_each(m, docs, swapped, pairing=pairing, opposites=opp)
        return [r for rs in a for r in rs], [r for rs in b for r in rs]

    flip = {"favor": "against", "against": "favor", "none": "none"}
    a, b = run("off")
    assert [flip[r.label] for r in a] != [r.label for r in b] or any(
        abs(x.score - y.score) > 1e-6 for x, y in zip(a, b, strict=True))
    m.opposite_pairing = "mean"
    a, b = run(None)  # the model's own setting
    assert any(r.label != "none" for r in a)
    assert [flip[r.label] for r in a] == [r.label for r in b]
    for x, y in zip(a, b, strict=True):
        assert x.score == pytest.approx(y.score, abs=1e-6)
        assert [(e.start, e.end) for e in x.evidence if e.source == "stance_model"] == \
            [(e.start, e.end) for e in y.evidence if e.source == "stance_model"]


def test_gated_targets_are_not_sent_to_the_model(tiny_stance: Path, tiny_bert: Path) -> None:
    """A target the relevance gate answers none is not scored (its answer does not depend on
    the sentences), and the result is the same as scoring it."""
    from framing.models.stance import StanceModel
    from framing.models.stance.relevance import RelevanceEncoder

    m = StanceModel.load(tiny_stance)
    m.relevance = RelevanceEncoder.resolve(str(tiny_bert))
    m.pooling = PoolingRule(doc_threshold=0.34, relevance_threshold=0.99)  # gate everything
    m.opposite_pairing = "mean"
    asked: list[Any] = []
    real = m.predict_proba

    def spy(pairs: Any, *a: Any, **kw: Any) -> Any:
        asked.extend(pairs)
        return real(pairs, *a, **kw)

    m.predict_proba = spy  # type: ignore[method-assign]
    doc = build_stance_nlp()(TEXT)
    res = stance_for_each(m, [doc], [["stricter gun laws"]])[0]
    assert not asked and res[0].label == "none"
    again = stance_for_each(m, [doc], [["stricter gun laws"]], score_gated=True)[0]
    assert asked and again[0].label == "none" and again[0].score == res[0].score


def test_pairing_setting_is_stored_checked_and_switchable(
        tiny_bert: Path, tmp_path: Path, stance_rows: dict[str, list[dict[str, Any]]]) -> None:
    from stance_synth import tiny_settings

    from framing.models import train
    from framing.models.stance import StanceModel, StanceSettings

    with pytest.raises(FramingError, match="opposite_pairing must be one of"):
        StanceSettings(opposite_pairing="both")
    cfg = tiny_settings(tiny_bert, epochs=1, opposite_pairing="mean")
    train("stance", stance_rows["train"][:80], tmp_path / "m", cfg,
          eval_data=stance_rows["dev"][:40], progress=False)
    meta_path = tmp_path / "m" / "framing_model.json"
    meta = json.loads(meta_path.read_text())
    assert meta["opposite_pairing"] == "mean"
    m = StanceModel.load(tmp_path / "m")
    assert m.opposite_pairing == "mean" and m.info()["opposite_pairing"] == "mean"
    meta["opposite_pairing"] = "sometimes"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(FramingError, match="E720"):
        StanceModel.load(tmp_path / "m")
    nlp = build_stance_nlp()
    with pytest.raises(FramingError, match="E720"):
        nlp.add_pipe("stance_detector", config={"opposite_pairing": "sometimes"})
    det = nlp.add_pipe("stance_detector", config={"opposite_pairing": "off"})
    assert det.opposite_pairing == "off"  # type: ignore[attr-defined]


def test_tfidf_model_pairs_too(tfidf_stance: Path) -> None:
    from framing.models.stance import StanceModel

    m = StanceModel.load(tfidf_stance)
    m.opposite_pairing = "mean"
    pairs = [("gun laws", "Gun laws are a disaster."), ("boxing", "Boxing is fine.")]
    p = m.predict_proba(pairs)
    sw = m.predict_proba([(opposite_target(t), x) for t, x in pairs])
    np.testing.assert_allclose(sw, p[:, flip_columns(m.labels)])


def test_a_detector_without_a_model_passes_spacys_protocol_checks(monkeypatch: Any) -> None:
    """spaCy's add_pipe checks every component against a runtime protocol with hasattr(c,
    "model"), in an order set by the hash seed: a detector whose model is missing (here: no
    default stance model) must answer False there, and still say E709 when it is used."""
    from spacy.ty import ListenedToComponent

    monkeypatch.setenv("FRAMING_DEFAULT_STANCE_MODEL", "none")
    nlp = build_stance_nlp()
    det = nlp.add_pipe("stance_detector", config={"opposite_pairing": "off"})
    assert not hasattr(det, "model")
    assert not isinstance(det, ListenedToComponent)
    nlp.add_pipe("sentencizer", name="after")  # links the components again: no error
    with pytest.raises(FramingError, match="E709"):
        _ = det.model  # type: ignore[attr-defined]
    import framing.pipeline.classifier  # noqa: F401  (registers the factory)

    clf = spacy.blank("en").add_pipe("frame_classifier")
    assert not hasattr(clf, "model") and not isinstance(clf, ListenedToComponent)
    with pytest.raises(FramingError, match="E301"):
        _ = clf.model  # type: ignore[attr-defined]
