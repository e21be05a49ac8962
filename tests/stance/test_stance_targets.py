"""Stance that tells targets apart (issue 17): declared opposite targets, cues bound to the
clause they govern, issue inference, target-contrastive pairs and the target-swap test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from framing.codebook import Codebook
from framing.errors import FramingError
from framing.models.stance.data import (
    StanceData,
    add_contrastive_pairs,
    content_words,
    paraphrase_target,
)
from framing.models.stance.pooling import PoolingRule
from framing.models.stance.swap import opposite_target, swap_consistency
from framing.pipeline.issue import infer_issue, inferred_targets
from framing.pipeline.stance import (
    build_stance_nlp,
    clause_about,
    stance_for_each,
    targets_for,
)

REPO = Path(__file__).resolve().parents[2]
OPED = REPO / "tests" / "data" / "oped_states_drugs.txt"
STATES = "states deciding their own drug policy"
FEDERAL = "federal enforcement of drug laws"


# ----- the codebook ------------------------------------------------------------------------
def _cb(targets: list[dict[str, Any]], issues: list[dict[str, Any]] | None = None) -> Codebook:
    data = {"frames": [{"id": "f", "name": "F", "parent": None, "description": "",
                        "patterns": []}], "targets": targets}
    if issues is not None:
        data["issues"] = issues
    return Codebook.from_dict(data)


def test_default_codebook_declares_the_drug_targets_opposite() -> None:
    cb = Codebook.default()
    assert cb.opposites() == {STATES: FEDERAL, FEDERAL: STATES}
    assert {i.id for i in cb.issues} >= {t.issue for t in cb.targets}
    again = Codebook.from_dict(cb.to_dict())
    assert again.opposites() == cb.opposites() and again.issues == cb.issues


def test_codebook_rejects_bad_opposites_and_issues() -> None:
    with pytest.raises(FramingError, match="'opposite' must be the id of another target"):
        _cb([{"id": "a", "text": "A", "opposite": "zzz"}])
    with pytest.raises(FramingError, match="names 'c' as its opposite"):
        _cb([{"id": "a", "text": "A", "opposite": "b"}, {"id": "b", "text": "B", "opposite": "c"},
             {"id": "c", "text": "C"}])
    with pytest.raises(FramingError, match="'keywords' must be a list"):
        _cb([], [{"id": "x", "keywords": "drugs"}])
    with pytest.raises(FramingError, match="duplicate issue id"):
        _cb([], [{"id": "x"}, {"id": "x"}])


# ----- cues bound to their clause ----------------------------------------------------------
def _cues(text: str) -> list[tuple[str, str, str]]:
    doc = build_stance_nlp()(text)
    return [(c.pattern, text[c.start:c.end], text[c.clause_start:c.clause_end])
            for s in doc._.stance_cue_sentences for c in s["cues"]]


def test_modal_is_bound_to_the_clause_it_governs() -> None:
    got = _cues("That ought to be the case whether we like the Attorney General's approach "
                "to enforcement or not.")
    assert got == [("cue.ought_to", "ought to", "That ought to be the case")]
    got = _cues("It is time to admit that drug policy should largely be left to the states.")
    clauses = {p: c for p, _, c in got}
    assert clauses["cue.modal"] == "drug policy should largely be left to the states"
    assert clauses["cue.time_to"].endswith("left to the states")
    got = _cues("Prosecutors should spend their time on cartels; the states can handle the rest.")
    assert got[0][2] == "Prosecutors should spend their time on cartels"


def test_clause_relevance_without_an_encoder_uses_shared_words() -> None:
    class NoEncoder:
        relevance = None

    about = clause_about(NoEncoder(), ["That ought to be the case",
                                       "federal prosecutors should stand down"], [FEDERAL])
    assert about == {("That ought to be the case", FEDERAL): False,
                     ("federal prosecutors should stand down", FEDERAL): True}


class _ByTarget:
    """A stance model stand-in for the rule tests: each (target, sentence) pair's
    probabilities come from a table (unlisted pairs: none), with the real pooling rule."""

    relevance = None

    def __init__(self, table: dict[tuple[str, str], tuple[float, float, float]]) -> None:
        self.labels = ["favor", "against", "none"]
        self.table = table
        self.pooling = PoolingRule(doc_threshold=0.5, cue_weight=0.5)

    def predict_proba(self, pairs: list[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        rows = [self.table.get((t, x), (0.05, 0.05, 0.9)) for t, x in pairs]
        return np.array(rows, dtype=np.float64).reshape(-1, 3)


def test_cue_counts_only_toward_targets_its_clause_is_about() -> None:
    s1 = "Federal prosecutors should stand down."
    s2 = "That ought to be the case whether we like it or not."
    model = _ByTarget({(FEDERAL, s1): (0.1, 0.8, 0.1), (FEDERAL, s2): (0.7, 0.2, 0.1),
                       ("the weather", s2): (0.7, 0.2, 0.1)})
    doc = build_stance_nlp()(f"{s1} {s2}")
    fed, weather = stance_for_each(model, [doc], [[FEDERAL, "the weather"]])[0]
    cues = {e.source for e in fed.evidence if e.source.startswith("stance_cue:")}
    # "should" governs "Federal prosecutors should stand down" (about the target); "ought to"
    # governs "That ought to be the case", which shares no word with either target
    assert fed.label == "against" and cues == {"stance_cue:cue.modal"}
    assert weather.label == "favor"
    assert not [e for e in weather.evidence if e.source.startswith("stance_cue:")]


# ----- opposed targets ---------------------------------------------------------------------
def test_opposed_targets_cannot_both_be_favored() -> None:
    s1 = "Drug policy should be left to the states."
    s2 = "Federal prosecutors keep charging licensed shops."
    s3 = "The states are laboratories of democracy."
    table = {(STATES, s1): (0.9, 0.05, 0.05), (FEDERAL, s1): (0.6, 0.3, 0.1),
             (STATES, s2): (0.2, 0.3, 0.5), (FEDERAL, s2): (0.7, 0.2, 0.1),
             (STATES, s3): (0.8, 0.1, 0.1), (FEDERAL, s3): (0.55, 0.2, 0.25)}
    model = _ByTarget(table)
    doc = build_stance_nlp()(f"{s1} {s2} {s3}")
    plain = stance_for_each(model, [doc], [[STATES, FEDERAL]])[0]
    assert [r.label for r in plain] == ["favor", "favor"]  # the failure the issue describes
    states, fed = stance_for_each(model, [doc], [[STATES, FEDERAL]],
                                  opposites=Codebook.default().opposites())[0]
    assert (states.label, fed.label) == ("favor", "against")
    assert "declared opposites" in (states.note or "") and fed.note == states.note
    shown = [e.text for e in fed.evidence if e.source == "stance_model"]
    # the evidence is the sentences that favor states over federal enforcement most
    assert shown[0] == s1 and s2 not in shown
    # targets without a declared opposite are left alone
    alone = stance_for_each(model, [doc], [[STATES]], opposites={STATES: FEDERAL})[0]
    assert alone[0].label == "favor" and alone[0].note is None


# ----- issue inference ---------------------------------------------------------------------
def test_issue_is_inferred_from_keywords_when_metadata_has_none() -> None:
    cb = Codebook.default()
    text = OPED.read_text(encoding="utf-8")
    guess = infer_issue(cb, text)
    assert guess is not None and guess.issue == "drug_policy"
    assert "marijuana" in guess.matched
    ts = targets_for(cb, {}, ["stricter gun laws"], text=text)
    assert [getattr(t, "text", t) for t in ts] == [STATES, FEDERAL, "stricter gun laws"]
    assert ts[0].issue == "drug_policy" and "inferred" in ts[0].reason
    # an issue in the metadata is never overridden, and an unclear text gets no guess
    assert targets_for(cb, {"issue": "guns"}, [], text=text) == ["stricter gun laws"]
    assert inferred_targets(cb, {}, "The weather was mild and the game ended late.") == []
    assert infer_issue(cb, "One gun. One marijuana plant.") is None


def test_inferred_issue_is_flagged_in_results() -> None:
    s = "Marijuana and drug laws belong to the states, not to federal drug agents."
    model = _ByTarget({(STATES, s): (0.9, 0.05, 0.05), (FEDERAL, s): (0.1, 0.8, 0.1)})
    cb = Codebook.default()
    doc = build_stance_nlp()(s)
    res = stance_for_each(model, [doc], [targets_for(cb, {}, [], text=s)])[0]
    assert [(r.target, r.label, r.inferred_issue) for r in res] == [
        (STATES, "favor", "drug_policy"), (FEDERAL, "against", "drug_policy")]
    assert res[0].to_dict()["inferred_issue"] == "drug_policy"
    assert "inferred from the text" in res[0].to_dict()["note"]


# ----- contrastive pairs and the swap test -------------------------------------------------
def test_contrastive_pairs() -> None:
    assert paraphrase_target("This house believes that boxing should be banned") == \
        "boxing should be banned"
    assert content_words("the author supports: a ban") == {"author"}
    rows = [{"text": f"Ban boxing now, reason {i}.", "target": "a ban on boxing",
             "stance": "favor"} for i in range(10)]
    rows += [{"text": "Carbon taxes raise prices.", "target": "a carbon tax",
              "stance": "against"}, {"text": "A boxing match was held.",
                                     "target": "a carbon tax", "stance": "none"}]
    d = StanceData.from_rows(rows)
    aug, n = add_contrastive_pairs(d, 0, paraphrased=0.5, unrelated=1.0, hard_negatives=1.0)
    assert 0 < n["paraphrased"] < 12 and n["unrelated"] == 11 and n["hard_negatives"] == 1
    new = list(zip(aug.targets[len(d):], aug.labels[len(d):], aug.where[len(d):], strict=True))
    assert all(lab == "none" for t, lab, w in new if "unrelated" in w)
    assert all(t in ("a carbon tax", "a ban on boxing") for t, _, w in new if "unrelated" in w)
    assert ("a ban on boxing", "none", "row 12 of <memory> (hard negatives target)") in new
    again, n2 = add_contrastive_pairs(d, 0, paraphrased=0.5, unrelated=1.0, hard_negatives=1.0)
    assert n2 == n and again.targets == aug.targets


def test_swap_helpers() -> None:
    assert opposite_target(STATES, Codebook.default().opposites()) == FEDERAL
    assert opposite_target("This house would ban boxing") == "This house would not ban boxing"
    assert swap_consistency(["favor", "none"], ["none", "favor"])["consistency"] == 0.0
    with pytest.raises(ValueError):
        swap_consistency(["favor"], [])


def test_target_template_is_stored_and_applied(tiny_bert: Path, tmp_path: Path,
                                               stance_rows: dict[str, list[dict[str, Any]]]
                                               ) -> None:
    from stance_synth import tiny_settings

    from framing.errors import FramingError as FE
    from framing.models import train
    from framing.models.stance import StanceModel, StanceSettings

    with pytest.raises(FE, match="target_template must contain"):
        StanceSettings(target_template="the author supports")
    cfg = tiny_settings(tiny_bert, epochs=1, target_template="the author supports: {target}",
                        negated_targets=0.5, paraphrased_targets=0.5, unrelated_targets=0.25)
    res = train("stance", stance_rows["train"][:80], tmp_path / "m", cfg, progress=False)
    m = StanceModel.load(tmp_path / "m")
    assert m.target_template == "the author supports: {target}"
    meta = json.loads((tmp_path / "m" / "framing_model.json").read_text())
    assert meta["target_template"] == m.target_template
    win = m.head.encode(m.tokenizer, [("gun laws", "text")], m)
    plain = m.head.encode(m.tokenizer, [("gun laws", "text")], cfg.__class__(
        **{**cfg.to_dict(), "target_template": "{target}"}))
    # the hypothesis wording is part of the encoded target: more tokens than the bare target
    assert len(win.input_ids[0]) > len(plain.input_ids[0])
    assert res.model is not None


def test_targets_script_skips_cleanly_without_data(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "eval_stance_targets.py"),
                          "--data-dir", str(tmp_path), "--skip-opeds"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "not found" in out.stdout


# ----- the real default model --------------------------------------------------------------
@pytest.mark.integration
@pytest.mark.parametrize("name", ["oped_states_drugs.txt", "oped_states_flexibility.txt"])
def test_default_model_separates_opposed_drug_targets(name: str) -> None:
    from framing.models.directory import is_built
    from framing.models.stance import StanceModel
    from framing.pipeline.stance import document_stance

    d = REPO / "models" / "stance-default"
    if not is_built(d):
        pytest.skip("the default stance model is not built")
    text = (REPO / "tests" / "data" / name).read_text(encoding="utf-8")
    model = StanceModel.load(d)
    states, fed = document_stance(model, text, [STATES, FEDERAL],
                                  opposites=Codebook.default().opposites())
    assert (states.label, fed.label) == ("favor", "against"), (states.to_dict(), fed.to_dict())
    if model.opposite_pairing != "off":
        # the stance toward one target alone is the flip of the stance toward its opposite
        alone = [document_stance(model, text, [t], opposites=Codebook.default().opposites())[0]
                 for t in (STATES, FEDERAL)]
        assert [r.label for r in alone] == ["favor", "against"]
        assert alone[0].score == pytest.approx(alone[1].score)
    for r in (states, fed):
        shown = [e for e in r.evidence if e.source == "stance_model"]
        assert shown and all(text[e.start:e.end] == e.text for e in r.evidence)
        cues = [e.text for e in r.evidence if e.source.startswith("stance_cue:")]
        assert "ought to" not in cues


def test_codebook_saved_before_issues_gets_the_shipped_issues_and_opposites() -> None:
    from framing.pipeline.issue import issues_of, opposites_of

    old = Codebook.default().to_dict()
    old.pop("issues")
    for t in old["targets"]:
        t.pop("opposite", None)
    cb = Codebook.from_dict(old)
    assert not cb.issues and not cb.opposites()
    assert opposites_of(cb) == Codebook.default().opposites()
    assert {i.id for i in issues_of(cb)} == {t.issue for t in cb.targets}
    ts = targets_for(cb, {"file": "x.txt"}, [], text=OPED.read_text(encoding="utf-8"))
    assert [getattr(t, "text", t) for t in ts] == [STATES, FEDERAL]
    custom = _cb([{"id": "a", "text": "A", "issue": "zzz"}])
    assert issues_of(custom) == [] and opposites_of(custom) == {}
