"""Precision of the rule layer on real prose (issue 18, item 3).

* Probes: short sentences written for these tests (not quoted from anywhere) in the style of
  today's news, for the failure cases seen on real articles and their kin: names (Bill, Grant,
  Justice, Will, Ms. Brown), idioms (a fair question, fair enough, hand in the cookie jar, held
  hostage by traffic, arrested development, killing it), job titles used as attribution
  (National Security Council, Health Secretary, a Justice Department spokesman), arrests that
  are incidental to another story, headlines and bylines. Each asserts no label where a careful
  annotator would give none, and a label where one is due.
* The motivating op-ed keeps every federalism and enforcement sentence and gets nothing on its
  title, byline, photo credit or bio.
* The ruler features the patterns rely on (neighbour tests, cue variants, headlines).
* The audit data (``corpora/ruleaudit``): schema, no text, consistent with the sample design,
  and, when ``../shared/data`` is there, with the speeches (span hashes).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import framing
from framing.codebook import Codebook, default_codebook_path
from framing.pipeline import build_nlp

REPO = Path(__file__).resolve().parent.parent
AUDIT = REPO / "corpora" / "ruleaudit"
DATA = REPO.parent / "shared" / "data"
OPED = Path(__file__).parent / "data" / "oped_states_drugs.txt"


def _load_script(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


audit = _load_script("audit_rules")


@pytest.fixture(scope="module")
def analyzer() -> framing.Analyzer:
    return framing.load(rules_only=True)


def _labels(analyzer: framing.Analyzer, text: str) -> set[str]:
    # the rule layer's sentence labels: the document decision is the document layer's
    return {f for s in analyzer(text).sentences for f in s.labels}


# ----------------------------------------------------------------------------------------------
# probes: no label where none is due
# ----------------------------------------------------------------------------------------------
UNFRAMED = [
    # names
    "Former President Bill Clinton attended the dinner with his wife.",
    "Senator Warren sat next to Bill Gates at the lunch.",
    "Grant Thompson, the team's coach, declined to comment.",
    "Governor Jim Justice cut the ribbon at the new bridge on Monday.",
    "Will Ferguson coached the high school team for a decade.",
    "The Whites and their two children moved to Ohio last spring.",
    "The first lady arrived with Barron, his 10-year-old son, and her parents.",
    "Mr. Hunt and his daughter opened a bakery on Main Street.",
    "The United States will decide the host city for the games next spring.",
    "The United States has the power to host the largest trade fair in the region.",
    "The senator spent the afternoon greeting the American men's World Cup soccer team.",
    "He was named after his grandfather, a world-class sprinter.",
    # idioms
    "That is a fair question, the governor said.",
    "Fair enough, replied the spokesman.",
    "It was a fair jab at an opponent, and the audience laughed.",
    "Critics said the mayor was caught with his hand in the cookie jar.",
    "Commuters were held hostage by traffic on the bridge for three hours.",
    "The band's new album is a study in arrested development.",
    "The rookie quarterback has been killing it all season.",
    "The county fair opens next week with a pie contest.",
    # job titles as attribution
    "Before running for office, Sestak had worked on the National Security Council staff.",
    "A Justice Department spokesman declined to comment on the report.",
    "The Health Secretary toured the new children's museum on Tuesday.",
    "The Secretary of State arrived in Paris on Sunday evening.",
    "The White House said the president would travel to Ohio on Monday.",
    "The vice president's motorcade left the hotel at noon.",
    "Mr. President, thank you for having us.",
    # incidental arrests
    "More than 200 people were arrested near the inauguration parade on Friday.",
    "Dozens of fans were arrested after the championship game.",
    # headlines, bylines, credits
    "Let the States Lead on Drug Policy",
    "By Morgan Ellery, Contributing Columnist",
    "Photo: Jane Doe for The Harbor City Courier",
    # news boilerplate (captions, links, notes, bios): no frame whatever the words
    "Photo: Deputies escort a prisoner past the county jail on Monday. (Staff photo)",
    "Related: Drug arrests fall for a third year in the county",
    "Editor's note: An earlier version misstated the prosecutor's name.",
    "This story has been updated with the sentencing date.",
    "Pell covers courts and crime for The Harbor City Courier.",
    # a technology or an inspector mentioned in passing
    "She checked the forecast on her computer before leaving for the bridge.",
    "Inspectors found two cracked beams during a routine review of the bridge.",
]


@pytest.mark.parametrize("text", UNFRAMED)
def test_unframed_probe_gets_no_label(analyzer: framing.Analyzer, text: str) -> None:
    assert _labels(analyzer, text) == set(), text


NOT_THIS_FRAME = [
    # the sentence may carry some frame, but not this one
    ("Ms. Brown was the only candidate from the county.", "fairness_and_equality"),
    ("The United States should decide soon whether to join the talks.", "federalism"),
    ("The states of Europe signed the accord in Brussels.", "federalism"),
    ("The proceeds will go to the children's hospital.", "fairness_and_equality"),
    ("She decided to proceed with the merger after the vote.", "economic"),
    ("It would be appropriate for the board to meet again.", "economic"),
    ("The rebels vowed to wage war until the capital fell.", "economic"),
    ("The patient survived a cardiac arrest in the ambulance.", "enforcement"),
    ("The program helped arrest the decline of the town's main street.", "enforcement"),
    ("The survey of the coast was finished by the Navy.", "public_opinion"),
    ("The foreign minister met the ambassador at the airport.", "morality"),
]


@pytest.mark.parametrize(("text", "frame"), NOT_THIS_FRAME)
def test_probe_not_this_frame(analyzer: framing.Analyzer, text: str, frame: str) -> None:
    assert frame not in _labels(analyzer, text), (text, frame)


# ----------------------------------------------------------------------------------------------
# probes: a label where one is due
# ----------------------------------------------------------------------------------------------
FRAMED = [
    ("Police arrested 40 people for selling marijuana after the county stepped up its "
     "crackdown.", "enforcement"),
    ("Dozens of protesters were arrested on charges of blocking the highway.", "enforcement"),
    ("Federal prosecutors charged the former mayor with bribery and fraud.", "enforcement"),
    ("The judge sentenced him to 15 years in federal prison.", "enforcement"),
    ("ICE agents detained dozens of workers in a raid on the meatpacking plant.",
     "enforcement"),
    ("Governors argue that marijuana policy should be left to the states, not Washington.",
     "federalism"),
    ("Critics say the mandate is federal overreach that tramples on states' rights.",
     "federalism"),
    ("The states should decide for themselves how to regulate the drug.", "federalism"),
    ("The bombing was claimed by the Islamic State, officials said.", "security_and_defense"),
    ("Senators are negotiating a bipartisan deal to avoid a government shutdown.",
     "political"),
    ("The plan would cost taxpayers $3 billion over five years.", "economic"),
    ("Overdose deaths rose again last year as fentanyl spread through rural counties.",
     "health_and_safety"),
    ("Black Americans are nearly four times as likely as white Americans to be arrested for "
     "marijuana possession.", "fairness_and_equality"),
    ("Congress should pass a law requiring background checks on all gun sales.",
     "policy_prescription_and_evaluation"),
    ("A new poll found that 62 percent of voters support the measure.", "public_opinion"),
    ("China imposed retaliatory tariffs on American soybeans after the trade talks collapsed.",
     "external_regulation_and_reputation"),
    ("The Supreme Court struck down the law as unconstitutional.",
     "legality_constitutionality_and_jurisprudence"),
    ("It is morally wrong to separate children from their parents at the border.", "morality"),
    ("The county jail is overcrowded, and the court has a backlog of 2,000 cases.",
     "capacity_and_resources"),
    ("Rising rents have forced many working families out of the neighborhood.",
     "quality_of_life"),
    ("The governor's campaign raised $2 million from donors in the final quarter.",
     "political"),
]


@pytest.mark.parametrize(("text", "frame"), FRAMED)
def test_framed_probe_gets_its_label(analyzer: framing.Analyzer, text: str, frame: str) -> None:
    assert frame in _labels(analyzer, text), (text, frame)


def test_motivating_oped_keeps_its_positives(analyzer: framing.Analyzer) -> None:
    text = OPED.read_text()
    by_text = {s.text: set(s.labels) for s in analyzer(text).sentences}

    def labels_of(prefix: str) -> set[str]:
        (hit,) = [v for k, v in by_text.items() if k.startswith(prefix)]
        return hit

    federalism = ["It is time to admit", "The Constitution never gave Congress",
                  "The Tenth Amendment reserves", "That is a fair point, but",
                  "Let the states experiment."]
    enforcement = ["Yet federal prosecutors", "A shop owner in Colorado",
                   "Meanwhile, mandatory minimum sentences", "Supporters of the status quo"]
    for prefix in federalism:
        assert "federalism" in labels_of(prefix), prefix
    for prefix in enforcement:
        assert "enforcement" in labels_of(prefix), prefix
    for prefix in ("Let the States Lead", "By Morgan Ellery", "Photo: A dispensary",
                   "Riley Ortiz/Staff", "Morgan Ellery writes"):
        assert labels_of(prefix) == set(), prefix


# ----------------------------------------------------------------------------------------------
# ruler features the patterns use
# ----------------------------------------------------------------------------------------------
def _one_frame(patterns: list[dict[str, Any]]) -> Codebook:
    return Codebook.from_dict({"frames": [{"id": "f", "patterns": patterns}]})


def test_neighbour_tests_exclude_without_matching() -> None:
    cb = _one_frame([
        {"id": "f.states", "kind": "token", "weight": 0.8, "pattern": [
            {"LOWER": "states", "_": {"prev_lower": {"NOT_IN": ["united"]}}},
            {"LOWER": "should"}]},
        {"id": "f.arrest", "kind": "token", "weight": 0.7, "pattern": [
            {"LEMMA": "arrest", "_": {"next_lower": {"NOT_IN": ["development"]}}}]}])
    nlp = build_nlp(cb)
    assert nlp("The United States should act.")._.frame_scores["f"] == 0.0
    assert nlp("States should act.")._.frame_scores["f"] == pytest.approx(0.8)
    doc = nlp("Police arrested him.")
    assert [s.text for s in doc.spans["frame_evidence"]] == ["arrested"]  # neighbour not in it
    assert nlp("A case of arrested development.")._.frame_scores["f"] == 0.0


def test_neighbour_tests_same_matches_as_plain_matcher() -> None:
    """The windowed fast path of the ruler finds what one spaCy Matcher finds."""
    from spacy.matcher import Matcher

    pats = [[{"LOWER": "states", "_": {"prev_lower": {"NOT_IN": ["united"]}}}],
            [{"LEMMA": {"IN": ["arrest", "charge"]}, "_": {"next_lower": {"NOT_IN": ["the"]}}},
             {"IS_PUNCT": False, "OP": "{0,2}"}, {"LOWER": "for"}],
            [{"LOWER": "fair", "_": {"prev_lower": {"NOT_IN": ["a"]},
                                     "next_lower": {"NOT_IN": ["enough"]}}}]]
    cb = _one_frame([{"id": f"f.p{i}", "kind": "token", "weight": 0.5, "pattern": p}
                     for i, p in enumerate(pats)])
    nlp = build_nlp(cb)
    text = ("The United States and the states arrested him for fraud. Fair enough, a fair "
            "deal is fair. They charge the man for it; states.")
    doc = nlp(text)
    plain = Matcher(nlp.vocab)
    for i, p in enumerate(pats):
        plain.add(f"f.p{i}", [p])
    want = {(nlp.vocab.strings[k], s, e) for k, s, e in plain(doc)}
    got = {(sp.id_, sp.start, sp.end) for sp in doc.spans["frame_evidence"]}
    assert got == want and got


def test_variants_of_one_cue_count_once() -> None:
    cb = _one_frame([
        {"id": "f.kin", "kind": "phrase", "phrases": ["son"], "weight": 0.4},
        {"id": "f.kin.parents", "kind": "phrase", "phrases": ["parents"], "weight": 0.3},
        {"id": "f.other", "kind": "phrase", "phrases": ["school"], "weight": 0.3}])
    nlp = build_nlp(cb)
    assert nlp("His son and her parents came.")._.frame_scores["f"] == 0.0  # 0.4, below 0.5
    scores = nlp("His son and her parents came.")._.frame_sentences[0]["scores"]
    assert scores["f"] == pytest.approx(0.4)  # the strongest variant, not 1 - 0.6 * 0.7
    two = nlp("His son came to school.")._.frame_sentences[0]["scores"]["f"]
    assert two == pytest.approx(1 - 0.6 * 0.7)  # distinct cues still add up


def test_headlines_carry_no_frame() -> None:
    cb = _one_frame([{"id": "f.s", "kind": "phrase", "phrases": ["the states"],
                      "weight": 0.9}])
    nlp = build_nlp(cb)
    doc = nlp("Let the States Lead on Drug Policy\n\nLeave it to the states.")
    sents = doc._.frame_sentences
    assert sents[0]["matches"] == [] and sents[0]["scores"] == {}
    assert sents[-1]["scores"]["f"] == pytest.approx(0.9)
    assert nlp("DEPARTMENT OF THE STATES")._.frame_scores["f"] == 0.0


def test_boilerplate_carries_no_frame() -> None:
    cb = _one_frame([{"id": "f.j", "kind": "phrase", "phrases": ["jail"], "weight": 0.9}])
    nlp = build_nlp(cb)
    doc = nlp("Photo: The county jail on Monday. (Staff photo)\n\nThe jail is full.\n\n"
              "Related: Jail costs rise\n\nPell covers the jail for The Courier.")
    labelled = [s for s in doc._.frame_sentences if s["scores"]]
    assert [doc.text[s["start"]:s["end"]].strip() for s in labelled] == ["The jail is full."]


# ----------------------------------------------------------------------------------------------
# pattern files and audit data
# ----------------------------------------------------------------------------------------------
def _pattern_rows() -> list[dict[str, Any]]:
    rows = []
    for f in sorted((default_codebook_path().parent / "patterns").glob("*.jsonl")):
        rows += [json.loads(line) for line in f.read_text().splitlines() if line.strip()]
    return rows


def test_pattern_weights_document_their_source() -> None:
    rows = _pattern_rows()
    assert len(rows) >= 596
    for r in rows:
        src = r.get("weight_source", "")
        assert src.startswith(("audit:", "hand-set")), r["id"]
        if src.startswith("audit:") and not audit.standalone(r):
            # a cue that may not stand alone stays below every frame's threshold
            assert r["weight"] <= audit.WEAK_CAP, r["id"]


def test_statistics_helpers() -> None:
    lo, hi = audit.wilson(8, 10)
    assert 0.4 < lo < 0.8 < hi < 1.0
    est = audit.weighted_precision([(1.0, True), (3.0, False)])
    assert est["precision"] == 0.25 and est["n_eff"] == pytest.approx(1.6)
    assert audit.weighted_precision([])["precision"] is None
    assert [audit.sample_size(n, 4, 16) for n in (0, 2, 100, 10_000)] == [0, 2, 4, 16]


def test_fit_shrinks_and_caps() -> None:
    cb = _one_frame([
        {"id": "f.strong", "kind": "phrase", "phrases": ["aaa"], "weight": 0.8},
        {"id": "f.weak", "kind": "phrase", "phrases": ["bbb"], "weight": 0.3}])
    keys = [("d", i, i + 1) for i in range(10)]
    units = {"f": [audit.Unit(k, "f", True, 1.0) for k in keys]}
    rescored = {k: {"scores": {"f": 0.9}, "patterns": {"f.strong", "f.weak"}} for k in keys}
    hand = {"f.strong": 0.8, "f.weak": 0.3}
    fit = audit.fit_weights(units, rescored, cb, hand, strength=4.0)
    assert fit["f.strong"]["weight"] == 0.95  # all ten judged correct, capped at 0.95
    assert fit["f.weak"]["weight"] == audit.WEAK_CAP and fit["f.weak"]["capped"]
    units["f"][:5] = [audit.Unit(k, "f", False, 1.0) for k in keys[:5]]
    half = audit.fit_weights(units, rescored, cb, hand, strength=4.0)
    assert half["f.strong"]["weight"] == pytest.approx(0.5, abs=0.01)
    # labelled training sentences count as gold_weight judgments each: ten misses at 0.5
    gold = audit.fit_weights(units, rescored, cb, hand, strength=4.0,
                             gold={"f.strong": (10, 0), "f.new": (0, 0)}, gold_weight=0.5)
    assert gold["f.strong"]["weight"] == pytest.approx((5 + 0 + 4 * 0.5) / (10 + 5 + 4), abs=0.01)
    assert gold["f.strong"]["n_gold"] == 10 and "f.new" not in gold


def test_judgments_hold_no_text_and_match_the_design() -> None:
    judgments = audit.load_judgments(AUDIT / "judgments.jsonl")
    design = json.loads((AUDIT / "design.json").read_text())
    sample = audit.load_sample(AUDIT / "sample.jsonl")
    assert len(judgments) >= 3000
    allowed = {"doc_id", "sent_start", "sent_end", "sha1", "frame", "pattern", "match_start",
               "match_end", "verdict", "parent_verdict", "note"}
    for line in (AUDIT / "judgments.jsonl").read_text().splitlines():
        assert set(json.loads(line)) <= allowed
    frames = set(Codebook.default().frame_ids)
    for j in judgments:
        assert j.frame in frames and design["patterns"][j.pattern]["frame"] == j.frame
        assert j.sent_start <= j.match_start < j.match_end <= j.sent_end
        assert j.key in sample and sample[j.key]["sha1"] == j.sha1
        assert j.pattern in sample[j.key]["patterns"]
        assert (j.parent_verdict is not None) == (j.frame in ("federalism", "enforcement"))
        assert j.note is None or len(j.note) <= 120
    drawn = sum(v["n"] for v in design["patterns"].values())
    assert drawn == len(judgments)  # every drawn match judged


def test_precision_file_for_the_model_card() -> None:
    prec = json.loads((AUDIT / "precision.json").read_text())
    frames = Codebook.default().frame_ids
    for block in ("baseline", "current"):
        assert set(prec[block]["frames"]) == set(frames)
        for f in frames:
            lab = prec[block]["frames"][f]["label"]
            if lab["precision"] is not None:
                assert lab["low"] <= lab["precision"] <= lab["high"]
        if "corpus" in prec[block]:  # whole-corpus scans are slow: not rerun for every change
            assert 0 < prec[block]["corpus"]["label_rate"] < 1
    # the held-out check of sentence labels, before and after
    hold = prec["holdout"]
    for block in ("baseline", "current"):
        assert set(hold[block]["frames"]) == set(frames)
        for f in frames:
            x = hold[block]["frames"][f]
            assert x["correct"] <= x["n_judged"] <= x["labels_in_population"]
            if x["n_judged"]:
                assert x["low"] <= x["precision"] <= x["high"]
        assert hold[block]["all_labels"]["n_judged"] >= 100


def test_audit_skips_without_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in ("counts", "report", "fit", "sample"):
        assert audit.main(["--data-dir", str(tmp_path), cmd]) == 0
        assert "skip" in capsys.readouterr().err


def test_judged_sentences_match_the_speeches() -> None:
    speeches = DATA / "presidential_speeches.jsonl"
    if not speeches.exists():
        pytest.skip(f"{speeches} not found")
    judgments = audit.load_judgments(AUDIT / "judgments.jsonl")
    texts = audit.check_text({(j.doc_id, j.sent_start, j.sent_end, j.sha1) for j in judgments},
                             speeches)  # raises DriftError on a mismatch
    for j in judgments[:200]:
        sent = texts[j.key]
        assert sent[j.match_start - j.sent_start:j.match_end - j.sent_start].strip()
