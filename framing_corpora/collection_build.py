#!/usr/bin/env python3
"""Build the synthetic multi-outlet collection in ``corpora/collection/``.

The collection tests aggregation ("how framing shifts across outlets and over time"): its
documents are composed from a hand-written, labelled sentence bank
(``corpora/collection/src/sentences.jsonl``) according to a per-(outlet, issue, year) design, so
every shift in framing or stance is *planted* and known.  The design lives in this file (DESIGN
section below); the ground truth it implies is written to ``corpora/collection/shifts.json``.

Generation, per (outlet, issue):

1. Each year gets a fixed number of documents (``DOCS_PER_YEAR``), dated uniformly at random
   within the year.
2. Frame quotas.  For every own frame f (the labels written in the bank, children not parents)
   the design gives a document share s_f(year).  The number of documents in the year that use f is
   fixed by systematic rounding of s_f * n with the remainder carried across years, so the gold
   document share of f differs from the design by less than one document per year (there is no
   binomial sampling noise).  Documents receiving f are drawn at random; a repair step moves
   frames (never changing the counts) so that every document has 1..MAX_FRAMES frames.
3. Stance quotas, the same way: for targets whose sentences always carry a frame (``CARRIER``:
   federalism for state_drug_policy, enforcement for federal_drug_enforcement and
   federal_immigration_enforcement) the favor/against shares apply to the documents that use the
   carrier frame; for the other targets (every frame has stance sentences of both polarities) they
   apply to all documents.
4. Composition.  The primary frame is drawn among the document's frames (weights = design shares).
   Sentences are drawn from the bank for the document's issue: stance sentences realising the
   stance quota, one sentence per frame not yet covered (the primary first, as the lead), then
   extra framed sentences and unframed sentences (transitions, neutral scene-setting, credits) up
   to a length of 4..10 sentences.  A sentence is eligible only if ALL its labels are among the
   document's frames, so the document's gold frames are exactly the planned ones (plus parents).

Deterministic (fixed seed), stdlib + numpy only, runs in about a second:

    python scripts/build_collection.py            # writes collection.jsonl and shifts.json
    python scripts/build_collection.py --check    # rebuild in memory, fail if files differ

Replicates.  ``collection.jsonl`` is replicate A. ``collection-b.jsonl`` is replicate B: the same
design and truth (``shifts.json``), drawn again with its own seeds (document ids end in ``-b``).
The shipped demo (``make run``) labels both: 2,256 documents, 20 per planted outlet x issue x
year. One replicate is too small for its purpose: ``scripts/collection_power.py`` shows that
even a perfect classifier, on a randomly drawn collection of 1,128 documents of this design,
recovers at least 5 of the 6 planted shifts in only about two draws of three, and one with the
default model's measured error rates in none; at twice the size the latter finds 5.5 on
average. Replicate A alone stays the corpus the stance recipe, the tests and the regression
pins read.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

from framing_corpora import CODEBOOK_PATH as CODEBOOK
from framing_corpora import CORPORA_DIR

COLL = CORPORA_DIR / "collection"
BANK = COLL / "src" / "sentences.jsonl"
OUTLETS = COLL / "outlets.json"
OUT_DOCS = COLL / "collection.jsonl"
OUT_DOCS_B = COLL / "collection-b.jsonl"
OUT_SHIFTS = COLL / "shifts.json"

SEED = 20160101
YEARS = list(range(2016, 2024))
MIN_SENT, MAX_SENT = 4, 10
MAX_FRAMES = 6

# ---------------------------------------------------------------------------------------------
# DESIGN
# ---------------------------------------------------------------------------------------------
F = {  # short names used only in this file
    "eco": "economic", "cap": "capacity_and_resources", "mor": "morality",
    "fair": "fairness_and_equality", "leg": "legality_constitutionality_and_jurisprudence",
    "policy": "policy_prescription_and_evaluation", "crime": "crime_and_punishment",
    "sec": "security_and_defense", "hs": "health_and_safety", "qol": "quality_of_life",
    "cult": "cultural_identity", "po": "public_opinion", "polit": "political",
    "ext": "external_regulation_and_reputation", "other": "other", "fed": "federalism",
    "enf": "enforcement",
}


def _f(d: dict) -> dict:
    return {F[k]: v for k, v in d.items()}


# Baseline document shares of own frames per issue (before outlet overrides).
BASE = {
    "drug_policy": _f(dict(fed=.25, enf=.40, hs=.40, eco=.30, crime=.15, leg=.10, policy=.30,
                           polit=.15, po=.12, fair=.15, mor=.10, qol=.12, cap=.10, sec=.06,
                           cult=.06, ext=.06)),
    "immigration": _f(dict(fed=.25, enf=.40, hs=.20, eco=.30, crime=.12, leg=.15, policy=.30,
                           polit=.20, po=.15, fair=.15, mor=.12, qol=.15, cap=.15, sec=.25,
                           cult=.10, ext=.08)),
    "guns": _f(dict(leg=.25, fed=.10, enf=.15, crime=.30, hs=.35, eco=.10, polit=.25, po=.15,
                    mor=.12, fair=.10, policy=.35, qol=.15, cult=.12, sec=.10, cap=.06, ext=.08)),
    "health_care": _f(dict(eco=.45, hs=.35, cap=.20, qol=.20, policy=.40, polit=.20, po=.15,
                           fair=.15, mor=.10, leg=.10, fed=.12, enf=.06, crime=.05, ext=.08,
                           cult=.05)),
    "education": _f(dict(eco=.30, cap=.30, qol=.20, fair=.25, fed=.15, policy=.40, polit=.20,
                         po=.12, cult=.12, mor=.08, leg=.08, hs=.12, enf=.05, crime=.05, ext=.06)),
    "climate_energy": _f(dict(eco=.40, hs=.25, cap=.15, policy=.40, polit=.25, po=.12, ext=.15,
                              leg=.10, fed=.10, enf=.06, sec=.08, qol=.15, cult=.08, mor=.10,
                              fair=.10, crime=.04, other=.06)),
}

# Documents per year for each outlet and issue (each outlet concentrates on 2-3 issues).
DOCS_PER_YEAR = {
    "high-plains-sentinel": {"drug_policy": 10, "guns": 2, "education": 2},
    "bayline-chronicle": {"immigration": 11, "climate_energy": 2, "health_care": 2},
    "harrow-creek-weekly": {"guns": 10, "education": 4},
    "statehouse-wire": {"health_care": 10, "climate_energy": 2, "education": 2},
    "sawtooth-independent": {"immigration": 7, "drug_policy": 4, "guns": 3},
    "saltmarsh-beacon": {"immigration": 7, "health_care": 4, "climate_energy": 3},
    "northshore-courier-times": {"education": 6, "climate_energy": 5, "drug_policy": 3},
    "piedmont-evening-star": {"immigration": 5, "guns": 5, "health_care": 4},
    "evergreen-current": {"climate_energy": 10, "education": 2, "immigration": 2},
    "chesapeake-dispatch": {"drug_policy": 5, "immigration": 4, "education": 5},
}

# Outlet-specific, time-constant overrides of the baseline shares.
OVERRIDES = {
    ("high-plains-sentinel", "drug_policy"): _f(dict(crime=.25, mor=.18, cult=.10, policy=.25)),
    ("high-plains-sentinel", "guns"): _f(dict(leg=.40, cult=.25, crime=.35)),
    ("high-plains-sentinel", "education"): _f(dict(fed=.30, cult=.20)),
    ("bayline-chronicle", "immigration"): _f(dict(hs=.30, fair=.25, qol=.20, sec=.15)),
    ("harrow-creek-weekly", "guns"): _f(dict(hs=.40, qol=.25, polit=.20)),
    ("statehouse-wire", "health_care"): _f(dict(policy=.55, polit=.30)),
    ("sawtooth-independent", "immigration"): _f(dict(fed=.65, leg=.25, eco=.35, enf=.35)),
    ("sawtooth-independent", "drug_policy"): _f(dict(fed=.50, enf=.35, leg=.20)),
    ("sawtooth-independent", "guns"): _f(dict(leg=.40, fed=.25)),
    ("saltmarsh-beacon", "immigration"): _f(dict(fed=.10, sec=.12, hs=.35, mor=.20, fair=.25,
                                                 enf=.45)),
    ("saltmarsh-beacon", "health_care"): _f(dict(fair=.25, mor=.15)),
    ("saltmarsh-beacon", "climate_energy"): _f(dict(hs=.35, fair=.20)),
    ("piedmont-evening-star", "immigration"): _f(dict(sec=.60, crime=.25, enf=.50)),
    ("piedmont-evening-star", "guns"): _f(dict(leg=.35, crime=.35, sec=.20)),
    ("evergreen-current", "climate_energy"): _f(dict(ext=.20, fair=.20, eco=.35)),
}

# Planted shifts: the only time-varying parts of the design.
SHIFTS = [
    {"outlet": "high-plains-sentinel", "issue": "drug_policy", "frame": "enforcement",
     "kind": "step", "direction": "down", "change_date": "2019-01-01",
     "before_share": 0.70, "after_share": 0.20},
    {"outlet": "high-plains-sentinel", "issue": "drug_policy", "frame": "health_and_safety",
     "kind": "step", "direction": "up", "change_date": "2019-01-01",
     "before_share": 0.20, "after_share": 0.70},
    {"outlet": "bayline-chronicle", "issue": "immigration", "frame": "federalism",
     "kind": "trend", "direction": "up", "start_year": 2016, "end_year": 2023,
     "before_share": 0.10, "after_share": 0.75},
    {"outlet": "harrow-creek-weekly", "issue": "guns", "stance_target": "stricter_gun_laws",
     "kind": "stance", "direction": "up", "change_date": "2021-01-01",
     "before_share": 0.15, "after_share": 0.65,
     "against_before_share": 0.65, "against_after_share": 0.15},
    {"outlet": "statehouse-wire", "issue": "health_care", "frame": "economic",
     "kind": "step", "direction": "down", "change_date": "2020-01-01",
     "before_share": 0.75, "after_share": 0.25},
    {"outlet": "evergreen-current", "issue": "climate_energy", "frame": "health_and_safety",
     "kind": "trend", "direction": "up", "start_year": 2016, "end_year": 2023,
     "before_share": 0.10, "after_share": 0.80},
]

# Stance design: target -> (favor, against) shares; the rest is "none".  For CARRIER targets the
# shares are among documents that use the carrier frame, otherwise among all documents.
CARRIER = {"state_drug_policy": "federalism", "federal_drug_enforcement": "enforcement",
           "federal_immigration_enforcement": "enforcement"}
DEFAULT_STANCE = (0.20, 0.20)
STANCE = {
    ("high-plains-sentinel", "drug_policy"): {"state_drug_policy": (.30, .35),
                                              "federal_drug_enforcement": (.60, .10)},
    ("high-plains-sentinel", "guns"): {"stricter_gun_laws": (.10, .60)},
    ("bayline-chronicle", "immigration"): {"federal_immigration_enforcement": (.10, .60)},
    ("bayline-chronicle", "health_care"): {"universal_health_care": (.45, .15)},
    ("bayline-chronicle", "climate_energy"): {"carbon_regulation": (.55, .10)},
    # harrow-creek-weekly guns: planted stance shift (see SHIFTS)
    ("statehouse-wire", "health_care"): {"universal_health_care": (.15, .15)},
    ("statehouse-wire", "climate_energy"): {"carbon_regulation": (.20, .20)},
    ("sawtooth-independent", "immigration"): {"federal_immigration_enforcement": (.15, .45)},
    ("sawtooth-independent", "drug_policy"): {"state_drug_policy": (.70, .05),
                                              "federal_drug_enforcement": (.05, .60)},
    ("sawtooth-independent", "guns"): {"stricter_gun_laws": (.05, .65)},
    ("saltmarsh-beacon", "immigration"): {"federal_immigration_enforcement": (.05, .65)},
    ("saltmarsh-beacon", "health_care"): {"universal_health_care": (.60, .05)},
    ("saltmarsh-beacon", "climate_energy"): {"carbon_regulation": (.65, .05)},
    ("northshore-courier-times", "climate_energy"): {"carbon_regulation": (.25, .20)},
    ("northshore-courier-times", "drug_policy"): {"state_drug_policy": (.30, .20),
                                                  "federal_drug_enforcement": (.25, .25)},
    ("piedmont-evening-star", "immigration"): {"federal_immigration_enforcement": (.60, .05)},
    ("piedmont-evening-star", "guns"): {"stricter_gun_laws": (.10, .60)},
    ("piedmont-evening-star", "health_care"): {"universal_health_care": (.10, .60)},
    ("evergreen-current", "climate_energy"): {"carbon_regulation": (.60, .05)},
    ("evergreen-current", "immigration"): {"federal_immigration_enforcement": (.05, .55)},
    ("chesapeake-dispatch", "drug_policy"): {"state_drug_policy": (.15, .10),
                                             "federal_drug_enforcement": (.10, .10)},
    ("chesapeake-dispatch", "immigration"): {"federal_immigration_enforcement": (.10, .10)},
}

GROUP_DIFFERENCES = [
    {"issue": "immigration", "frame": "federalism",
     "shares": {"sawtooth-independent": 0.65, "saltmarsh-beacon": 0.10},
     "note": "The Sawtooth Independent frames immigration through federalism far more often than "
             "The Saltmarsh Beacon, in every year."},
    {"issue": "immigration", "frame": "security_and_defense",
     "shares": {"piedmont-evening-star": 0.60, "saltmarsh-beacon": 0.12},
     "note": "The Piedmont Evening Star frames immigration through security far more often than "
             "The Saltmarsh Beacon, in every year."},
    {"issue": "health_care", "stance_target": "universal_health_care", "label": "favor",
     "shares": {"saltmarsh-beacon": 0.60, "piedmont-evening-star": 0.10},
     "note": "Favor share toward government-guaranteed universal health care, constant over time."},
]

# Probability that a document opens with the outlet's dateline (news formats use them more).
DATELINE_P = {"high-plains-sentinel": .6, "bayline-chronicle": .7, "harrow-creek-weekly": .3,
              "statehouse-wire": .6, "sawtooth-independent": .2, "saltmarsh-beacon": .6,
              "northshore-courier-times": .7, "piedmont-evening-star": .6,
              "evergreen-current": .2, "chesapeake-dispatch": .5}

TOPICS = {
    "drug_policy": ["Marijuana", "Drug policy", "The overdose crisis", "Cannabis", "Fentanyl"],
    "immigration": ["Immigration", "The border", "Asylum", "Newcomers", "Immigration policy"],
    "guns": ["Guns", "Gun policy", "Firearms", "The gun debate", "Gun violence"],
    "health_care": ["Health care", "Health coverage", "Medicaid", "Hospitals", "Insurance"],
    "education": ["Schools", "Education", "The classroom", "The school board", "Public schools"],
    "climate_energy": ["Climate", "Energy", "The power grid", "Emissions", "Heat and smoke"],
}
HOOKS = {
    "federalism": ["Who gets to decide?", "A fight over local control", "The states push back"],
    "enforcement": ["Inside the crackdown", "Prosecutors change course",
                    "Arrests, raids and the courts"],
    "health_and_safety": ["A public health emergency", "What doctors are seeing", "Lives at stake"],
    "economic": ["Follow the money", "The bill comes due", "What it costs"],
    "capacity_and_resources": ["Stretched to the limit", "Not enough hands",
                               "A system at capacity"],
    "morality": ["A question of conscience", "What we owe each other", "Right and wrong"],
    "fairness_and_equality": ["Who pays the price?", "An uneven burden", "A question of fairness"],
    "legality_constitutionality_and_jurisprudence": ["The courts weigh in", "A legal showdown",
                                                     "What the law allows"],
    "policy_prescription_and_evaluation": ["Does the plan work?", "A better approach",
                                           "Grading the reform"],
    "crime_and_punishment": ["Crime and consequences", "The criminal side",
                             "Behind the crime numbers"],
    "security_and_defense": ["A security question", "Guarding the line", "Threats and defenses"],
    "quality_of_life": ["Life on the ground", "How families cope", "The daily toll"],
    "cultural_identity": ["Who we are", "A way of life", "Tradition and change"],
    "public_opinion": ["What voters think", "The polls shift", "The public weighs in"],
    "political": ["The politics of it", "A campaign fight", "A partisan standoff"],
    "external_regulation_and_reputation": ["How the world sees it", "Lessons from abroad",
                                           "Beyond our borders"],
    "other": ["The science and the technology", "An engineering question", "What the data show"],
}


# ---------------------------------------------------------------------------------------------
# design evaluation
# ---------------------------------------------------------------------------------------------
def _shift_value(s: dict, year: int) -> float:
    if s["kind"] == "trend":
        t = (year - s["start_year"]) / (s["end_year"] - s["start_year"])
        return round(s["before_share"] + t * (s["after_share"] - s["before_share"]), 4)
    before = year < int(s["change_date"][:4])
    return s["before_share"] if before else s["after_share"]


def frame_shares(outlet: str, issue: str, year: int) -> dict[str, float]:
    """Design document share of every own frame for one outlet, issue and year."""
    shares = dict(BASE[issue])
    shares.update(OVERRIDES.get((outlet, issue), {}))
    for s in SHIFTS:
        if s["outlet"] == outlet and s["issue"] == issue and "frame" in s:
            shares[s["frame"]] = _shift_value(s, year)
    return shares


def stance_shares(outlet: str, issue: str, target: str, year: int) -> tuple[float, float]:
    for s in SHIFTS:
        if (s["outlet"], s["issue"], s.get("stance_target")) == (outlet, issue, target):
            before = year < int(s["change_date"][:4])
            return ((s["before_share"], s["against_before_share"]) if before
                    else (s["after_share"], s["against_after_share"]))
    return STANCE.get((outlet, issue), {}).get(target, DEFAULT_STANCE)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class Codebook:
    def __init__(self, path: Path):
        cb = json.loads(path.read_text(encoding="utf-8"))
        self.order = [fr["id"] for fr in cb["frames"]]
        self.parent = {fr["id"]: fr["parent"] for fr in cb["frames"] if fr["parent"]}
        self.targets = {t["id"]: t for t in cb["targets"]}

    def expand(self, labels) -> list[str]:
        out = set(labels)
        for lab in labels:
            p = self.parent.get(lab)
            while p:
                out.add(p)
                p = self.parent.get(p)
        return sorted(out, key=self.order.index)

    def issue_targets(self, issue: str) -> list[str]:
        return [t for t, d in self.targets.items() if d["issue"] == issue]


def systematic_counts(shares: list[float], n: list[int], u: float) -> list[int]:
    """Counts per period whose running total tracks sum(share*n) within one (carried remainder)."""
    out, cum, prev = [], u, int(np.floor(u))
    for s, k in zip(shares, n, strict=True):
        cum += s * k
        c = int(np.floor(cum + 1e-9)) - prev
        prev += c
        out.append(max(0, min(k, c)))
    return out


def year_dates(rng: np.random.Generator, year: int, k: int) -> list[str]:
    start = dt.date(year, 1, 1)
    ndays = (dt.date(year + 1, 1, 1) - start).days
    days = sorted(int(x) for x in rng.integers(0, ndays, size=k))
    return [(start + dt.timedelta(days=d)).isoformat() for d in days]


# ---------------------------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------------------------
class Builder:
    def __init__(self):
        self.cb = Codebook(CODEBOOK)
        self.bank = load_jsonl(BANK)
        self.outlets = json.loads(OUTLETS.read_text(encoding="utf-8"))["outlets"]
        ids = [o["id"] for o in self.outlets]
        assert set(ids) == set(DOCS_PER_YEAR), "outlets.json and DOCS_PER_YEAR disagree"
        self.outlet_ids = ids
        self.added: list[tuple] = []  # frame uses added beyond the quota (cells too small)
        self.uses: dict[str, int] = {}  # how often each bank sentence has been used so far
        self.by_issue: dict[str, list[dict]] = {}
        self.datelines: dict[str, dict] = {}
        self.general = {"transition": [], "scene": [], "credit": []}
        for s in self.bank:
            if s["issue"] == "general":
                if s.get("kind") == "dateline":
                    self.datelines[s["outlet"]] = s
                else:
                    self.general[s["kind"]].append(s)
            else:
                self.by_issue.setdefault(s["issue"], []).append(s)
        self._validate_bank()

    # -- checks that the design can be realised exactly from the bank --
    def _validate_bank(self):
        known = set(self.cb.order)
        for s in self.bank:
            assert set(s["labels"]) <= known, s["id"]
            for t in s["stance"]:
                assert t in self.cb.targets, s["id"]
        for o in self.outlet_ids:
            assert o in self.datelines, f"no dateline for {o}"
            for issue in DOCS_PER_YEAR[o]:
                sents = self.by_issue[issue]
                for y in YEARS:
                    for fr, sh in frame_shares(o, issue, y).items():
                        if sh <= 0:
                            continue
                        single = [s for s in sents if s["labels"] == [fr] and not s["stance"]]
                        assert single, f"no single-label {fr} sentence for {issue}"
                for t in self.cb.issue_targets(issue):
                    for pol in ("favor", "against"):
                        ss = [s for s in sents if s["stance"].get(t) == pol]
                        assert ss, (t, pol)
                        if t in CARRIER:
                            assert all(CARRIER[t] in s["labels"] for s in ss), t
                            assert any(s["labels"] == [CARRIER[t]] for s in ss), (t, pol)
                        else:
                            for fr in BASE[issue]:
                                assert any(s["labels"] == [fr] for s in ss), (issue, t, pol, fr)

    # -- frame and stance assignment for one (outlet, issue) series --
    def plan_series(self, rng, outlet, issue):
        n_by_year = DOCS_PER_YEAR[outlet][issue]
        n = [n_by_year] * len(YEARS)
        frames = sorted(BASE[issue], key=self.cb.order.index)  # parents come before children
        design = [frame_shares(outlet, issue, y) for y in YEARS]
        counts = {}
        # offsets spread evenly over [0, 1) so that yearly totals of frame uses stay balanced
        offsets = (rng.permutation(len(frames)) + rng.random(len(frames))) / len(frames)
        for fr, u in zip(frames, offsets, strict=True):
            counts[fr] = systematic_counts([d[fr] for d in design], n, float(u))
        # parent/child pairs: the number of documents with the parent OR the child (= the
        # parent's document share) is also fixed, at its independence expectation
        union = {}
        for fr in frames:
            p = self.cb.parent.get(fr)
            if p in frames:
                sh = [1 - (1 - d[p]) * (1 - d[fr]) for d in design]
                union[fr] = systematic_counts(sh, n, float(rng.random()))
        docs = []
        for yi, y in enumerate(YEARS):
            cell = [set() for _ in range(n[yi])]
            for fr in frames:
                c = counts[fr][yi]
                p = self.cb.parent.get(fr)
                if fr in union:
                    has_p = [i for i in range(n[yi]) if p in cell[i]]
                    no_p = [i for i in range(n[yi]) if p not in cell[i]]
                    o = counts[p][yi] + c - union[fr][yi]
                    o = max(c - len(no_p), 0, min(o, c, len(has_p)))
                    pick = list(rng.choice(has_p, size=o, replace=False)) if o else []
                    pick += list(rng.choice(no_p, size=c - o, replace=False)) if c - o else []
                else:
                    pick = list(rng.choice(n[yi], size=c, replace=False))
                for d in pick:
                    cell[int(d)].add(fr)
            while sum(len(c) for c in cell) < len(cell):  # tiny cells only: add a use
                top = max(frames, key=lambda fr: design[yi][fr])
                cell[next(i for i, c in enumerate(cell) if not c)].add(top)
                self.added.append((outlet, issue, y, top))
            self._repair(rng, cell)
            dates = year_dates(rng, y, n[yi])
            for fs, date in zip(cell, dates, strict=True):
                docs.append({"year": y, "date": date, "frames": fs, "stance": {}})
        # stance
        for t in self.cb.issue_targets(issue):
            carrier = CARRIER.get(t)
            u_fav, u_ag = float(rng.random()), float(rng.random())
            elig = [[i for i, d in enumerate(docs) if d["year"] == y
                     and (carrier is None or carrier in d["frames"])] for y in YEARS]
            m = [len(e) for e in elig]
            want = [stance_shares(outlet, issue, t, y) for y in YEARS]
            fav = systematic_counts([w[0] for w in want], m, u_fav)
            ag = systematic_counts([w[1] for w in want], m, u_ag)
            for yi in range(len(YEARS)):
                idx = list(rng.permutation(elig[yi]))
                a = min(ag[yi], m[yi] - fav[yi])
                for i in idx[:fav[yi]]:
                    docs[int(i)]["stance"][t] = "favor"
                for i in idx[fav[yi]:fav[yi] + a]:
                    docs[int(i)]["stance"][t] = "against"
        return docs

    def _repair(self, rng, cell):
        """Move frames between documents so every doc has 1..MAX_FRAMES frames.

        A move never changes how many documents use a frame, nor how many use a parent together
        with its child (so parent document shares are unchanged too)."""
        related = {}
        for c, p in self.cb.parent.items():
            related.setdefault(c, set()).add(p)
            related.setdefault(p, set()).add(c)
        for _ in range(1000):
            sizes = [len(c) for c in cell]
            empty = [i for i, k in enumerate(sizes) if k == 0]
            big = [i for i, k in enumerate(sizes) if k > MAX_FRAMES]
            if not empty and not big:
                return
            if big:
                srcs, dsts = big, [i for i in range(len(cell)) if sizes[i] < MAX_FRAMES]
            else:
                srcs = [i for i, k in enumerate(sizes) if k >= 2]
                dsts = empty
            srcs = sorted(srcs, key=lambda i: -sizes[i])
            moves = [(a, b, fr) for a in srcs for b in dsts for fr in sorted(cell[a] - cell[b])
                     if all((r in cell[a]) == (r in cell[b]) for r in related.get(fr, ()))]
            if not moves:
                raise RuntimeError("cannot give every document 1..MAX_FRAMES frames")
            best = max(sizes[a] - sizes[b] for a, b, _ in moves)
            moves = [m for m in moves if sizes[m[0]] - sizes[m[1]] == best]
            a, b, fr = moves[int(rng.integers(len(moves)))]
            cell[a].discard(fr)
            cell[b].add(fr)
        raise RuntimeError("repair did not converge")

    # -- sentence composition for one document --
    def compose(self, rng, outlet, issue, plan):
        D = plan["frames"]
        sents = self.by_issue[issue]
        shares = frame_shares(outlet, issue, plan["year"])
        fr_list = sorted(D, key=self.cb.order.index)
        w = np.array([shares[f] for f in fr_list])
        primary = fr_list[int(rng.choice(len(fr_list), p=w / w.sum()))]
        used: set[str] = set()
        chosen: list[dict] = []

        def fits(s):
            return s["id"] not in used and set(s["labels"]) <= D

        def pick(pool, weights=None):
            """Random pick; sentences used less often so far are preferred (more variety)."""
            w = np.array([1.0 / (1.0 + self.uses.get(x["id"], 0)) for x in pool])
            if weights is not None:
                w = w * np.asarray(weights, dtype=float)
            x = pool[int(rng.choice(len(pool), p=w / w.sum()))]
            used.add(x["id"])
            return x

        def take(pool, prefer=None, uncovered=None):
            pool = [s for s in pool if fits(s)]
            if not pool:
                return None
            wts = None
            if prefer:
                wts = [3.0 if prefer in s["labels"] else 1.0 for s in pool]
            elif uncovered:
                wts = [1.0 + 2.0 * len(set(s["labels"]) & uncovered) for s in pool]
            s = pick(pool, wts)
            chosen.append(s)
            return s

        # stance sentences
        stance_sents = []
        for t, lab in sorted(plan["stance"].items()):
            pool = [s for s in sents if s["stance"] == {t: lab}]
            k = 2 if (len(plan["stance"]) == 1 and rng.random() < 0.3) else 1
            for _ in range(k):
                s = take(pool, prefer=primary)
                if s is None:
                    break
                stance_sents.append(s)
            assert any(s["stance"].get(t) == lab for s in stance_sents), (outlet, issue, t, lab, D)
        plain = [s for s in sents if s["labels"] and not s["stance"]]
        # lead: a sentence carrying the primary frame
        lead = None
        if stance_sents and primary in stance_sents[0]["labels"] and rng.random() < 0.4:
            lead = stance_sents[0]
        if lead is None:
            lead = take([s for s in plain if primary in s["labels"]])
            if lead is None:
                lead = next(s for s in stance_sents if primary in s["labels"])
        # cover the remaining frames
        covered = set().union(*(set(s["labels"]) for s in chosen))
        for fr in list(rng.permutation(fr_list)):
            if fr in covered:
                continue
            s = take([s for s in plain if fr in s["labels"]], uncovered=D - covered - {fr})
            assert s is not None, (issue, fr, D)
            covered |= set(s["labels"])
        assert covered == D, (covered, D)
        # length and fillers
        has_dl = rng.random() < DATELINE_P[outlet]
        target = int(rng.integers(MIN_SENT, MAX_SENT + 1))
        target = max(target, len(chosen) + has_dl)
        if target > MAX_SENT:
            has_dl = False
            target = max(MIN_SENT, len(chosen))
        assert target <= MAX_SENT, (outlet, issue, D)
        fillers: list[dict] = []
        issue_scene = [s for s in sents if not s["labels"]]

        def pick_filler(kind):
            n_of = lambda k: sum(1 for x in fillers if x.get("kind") == k)  # noqa: E731
            if kind in ("framed", "framed_any"):
                cnt: dict[str, int] = {}
                for x in chosen + fillers:
                    for lab in x["labels"]:
                        cnt[lab] = cnt.get(lab, 0) + 1
                cap = 3 if kind == "framed" else MAX_SENT
                pool = [x for x in plain if fits(x) and all(cnt.get(lab, 0) < cap
                                                            for lab in x["labels"])]
            elif kind == "transition":
                pool = self.general["transition"] if n_of("transition") < 2 else []
            elif kind == "credit":
                pool = self.general["credit"] if n_of("credit") < 1 else []
            elif kind == "scene":
                pool = []
                if n_of("scene") < 2:
                    pool = issue_scene * 3  # issue-specific scene-setting preferred
                    if not any(x in self.general["scene"] for x in fillers):
                        pool = pool + self.general["scene"]
            else:  # "scene_any"
                pool = issue_scene + self.general["scene"]
            pool = [x for x in pool if x["id"] not in used]
            if not pool:
                return None
            x = pick(pool)
            fillers.append(x)
            return x

        while len(chosen) + len(fillers) + has_dl < target:
            r = rng.random()
            if r < 0.55:
                prefs = ["framed", "scene", "transition"]
            elif r < 0.70:
                prefs = ["transition", "framed", "scene"]
            elif r < 0.75:
                prefs = ["credit", "framed", "scene"]
            else:
                prefs = ["scene", "framed", "transition"]
            for kind in [*prefs, "framed_any", "scene_any"]:
                if pick_filler(kind) is not None:
                    break
            else:
                raise RuntimeError("ran out of filler sentences")
        # order: dateline, lead, body (framed + scene), transitions before framed, credit last
        body = [s for s in chosen if s is not lead]
        body += [s for s in fillers if s.get("kind") not in ("transition", "credit")]
        body = [body[int(i)] for i in rng.permutation(len(body))]
        for tr in [s for s in fillers if s.get("kind") == "transition"]:
            slots = [i for i, s in enumerate(body)
                     if s["labels"] and (i == 0 or body[i - 1].get("kind") != "transition")]
            pos = slots[int(rng.integers(len(slots)))] if slots else len(body)
            body.insert(pos, tr)
        seq = ([self.datelines[outlet]] if has_dl else []) + [lead] + body
        seq += [s for s in fillers if s.get("kind") == "credit"]
        assert MIN_SENT <= len(seq) <= MAX_SENT, len(seq)
        assert len({s["id"] for s in seq}) == len(seq)
        return primary, seq

    def render(self, rng, outlet, issue, plan, primary, seq, doc_id):
        # paragraphs of 3-4 sentences (the dateline is glued to the lead)
        para_len, limit = 0, int(rng.integers(3, 5))
        text = ""
        spans = []
        for i, s in enumerate(seq):
            if i == 0:
                sep = ""
            elif seq[i - 1].get("kind") == "dateline" or para_len < limit:
                sep = " "
            else:
                sep = "\n\n"
                para_len, limit = 0, int(rng.integers(3, 5))
            text += sep
            start = len(text)
            text += s["text"]
            spans.append((start, len(text)))
            if s.get("kind") != "dateline":
                para_len += 1
        sentences = []
        for s, (a, b) in zip(seq, spans, strict=True):
            assert text[a:b] == s["text"]
            sentences.append({
                "start": a, "end": b, "labels": self.cb.expand(s["labels"]),
                "stance": [{"target": self.cb.targets[t]["text"], "target_id": t, "label": lab}
                           for t, lab in sorted(s["stance"].items())],
                "source_id": s["id"],
            })
        labels = self.cb.expand(set().union(*(set(s["labels"]) for s in sentences)))
        assert set(labels) == set(self.cb.expand(plan["frames"]))
        stance = [{"target": self.cb.targets[t]["text"], "target_id": t,
                   "label": plan["stance"].get(t, "none")} for t in self.cb.issue_targets(issue)]
        topic = TOPICS[issue][int(rng.integers(len(TOPICS[issue])))]
        hook = HOOKS[primary][int(rng.integers(len(HOOKS[primary])))]
        return {"id": doc_id, "outlet": outlet, "date": plan["date"], "issue": issue,
                "title": f"{topic}: {hook}", "text": text, "sentences": sentences,
                "labels": labels, "primary_frame": primary, "stance": stance}

    def build(self, replicate: str = "a"):
        """The documents of one replicate (``"a"``: the original draw; others draw again with
        their own seeds and carry the replicate in their ids)."""
        rep = [] if replicate == "a" else [ord(c) for c in replicate]
        suffix = "" if replicate == "a" else f"-{replicate}"
        docs = []
        for oi, outlet in enumerate(self.outlet_ids):
            per_year: dict[int, list] = {}
            for ii, issue in enumerate(sorted(DOCS_PER_YEAR[outlet])):
                rng = np.random.default_rng([SEED, oi, ii, *rep])
                for plan in self.plan_series(rng, outlet, issue):
                    per_year.setdefault(plan["year"], []).append((plan, issue, rng))
            seen = set()
            for y in YEARS:
                items = sorted(per_year[y], key=lambda t: (t[0]["date"], t[1]))
                for k, (plan, issue, rng) in enumerate(items, 1):
                    for _ in range(20):
                        primary, seq = self.compose(rng, outlet, issue, plan)
                        key = tuple(sorted(s["id"] for s in seq))
                        if key not in seen:
                            break
                    else:
                        raise RuntimeError("could not avoid a duplicate document")
                    seen.add(key)
                    for x in seq:
                        self.uses[x["id"]] = self.uses.get(x["id"], 0) + 1
                    docs.append(self.render(rng, outlet, issue, plan, primary, seq,
                                            f"{outlet}-{y}-{k:02d}{suffix}"))
        docs.sort(key=lambda d: (d["date"], d["id"]))
        all_keys = [tuple(sorted(s["source_id"] for s in d["sentences"])) for d in docs]
        assert len(set(all_keys)) == len(all_keys), "identical documents"
        return docs

    # -- ground truth --
    def expected(self, outlet, issue, year):
        """Design document-level shares incl. parents (overlap at independence expectation)."""
        own = frame_shares(outlet, issue, year)
        out = {}
        for fr in self.cb.order:
            group = [fr] + [c for c, p in self.cb.parent.items() if p == fr]
            miss = 1.0
            for g in group:
                miss *= 1.0 - own.get(g, 0.0)
            if miss < 1.0:
                out[fr] = round(1.0 - miss, 4)
        return out

    def expected_stance(self, outlet, issue, target, year):
        fav, ag = stance_shares(outlet, issue, target, year)
        c = CARRIER.get(target)
        base = frame_shares(outlet, issue, year)[c] if c else 1.0
        return {"favor": round(fav * base, 4), "against": round(ag * base, 4),
                "none": round(1 - (fav + ag) * base, 4),
                "conditional_on": c, "favor_given_carrier": fav, "against_given_carrier": ag}

    def shifts_json(self):
        shifted_frames, shifted_stance = {}, {}
        for s in SHIFTS:
            key = (s["outlet"], s["issue"])
            if "frame" in s:
                shifted_frames.setdefault(key, set()).add(s["frame"])
            else:
                shifted_stance.setdefault(key, set()).add(s["stance_target"])
        shifts = []
        for s in SHIFTS:
            e = dict(s)
            if s["kind"] == "trend":
                e["change_date"] = None
                e["yearly_shares"] = {str(y): _shift_value(s, y) for y in YEARS}
            e["docs_per_year"] = DOCS_PER_YEAR[s["outlet"]][s["issue"]]
            shifts.append(e)
        implied = []
        for s in SHIFTS:
            if "frame" not in s:
                continue
            o, i = s["outlet"], s["issue"]
            parent = self.cb.parent.get(s["frame"])
            if parent:
                ys = {str(y): self.expected(o, i, y)[parent] for y in YEARS}
                e = {"outlet": o, "issue": i, "frame": parent, "kind": s["kind"],
                     "direction": s["direction"], "implied_by": f"frame {s['frame']} (child)",
                     "note": "A child frame implies its parent in document labels; the parent's "
                             "own share is constant, so its document share moves with the child. "
                             "Parent share = 1 - (1 - own parent share) * (1 - child share): the "
                             "overlap of the two is fixed at its independence expectation.",
                     "yearly_shares": ys}
                if s["kind"] == "step":
                    e["change_date"] = s["change_date"]
                    cy = int(s["change_date"][:4])
                    e["before_share"] = self.expected(o, i, YEARS[0])[parent]
                    e["after_share"] = self.expected(o, i, cy)[parent]
                else:
                    e["before_share"], e["after_share"] = ys[str(YEARS[0])], ys[str(YEARS[-1])]
                implied.append(e)
            for t, c in CARRIER.items():
                if c == s["frame"] and t in self.cb.issue_targets(i):
                    fav, ag = stance_shares(o, i, t, YEARS[0])
                    ys = {str(y): self.expected_stance(o, i, t, y) for y in YEARS}
                    e = {"outlet": o, "issue": i, "stance_target": t, "kind": s["kind"],
                         "direction": s["direction"], "implied_by": f"frame {c} (carrier)",
                         "note": f"Stance sentences toward this target always use {c} framing; "
                                 f"the favor/against shares among documents using {c} are "
                                 f"constant ({fav}/{ag}), so the unconditional shares move with "
                                 f"the {c} share.",
                         "yearly_favor_share": {y: v["favor"] for y, v in ys.items()},
                         "yearly_against_share": {y: v["against"] for y, v in ys.items()}}
                    if s["kind"] == "step":
                        e["change_date"] = s["change_date"]
                    implied.append(e)
        stable = []
        for o in self.outlet_ids:
            for i in sorted(DOCS_PER_YEAR[o]):
                key = (o, i)
                fr_sh = shifted_frames.get(key, set())
                moved = set(fr_sh) | {self.cb.parent[f] for f in fr_sh if f in self.cb.parent}
                targets = self.cb.issue_targets(i)
                st_moved = set(shifted_stance.get(key, set()))
                st_moved |= {t for t in targets if CARRIER.get(t) in fr_sh}
                e = {"outlet": o, "issue": i}
                if not moved:
                    e["frames"] = "all"
                else:
                    present = {fr for fr in self.expected(o, i, YEARS[0])}
                    e["frames"] = sorted(present - moved, key=self.cb.order.index)
                    e["except"] = sorted(moved, key=self.cb.order.index)
                if not targets:
                    e["stance"] = "no targets"
                elif not st_moved:
                    e["stance"] = "all"
                else:
                    e["stance"] = sorted(set(targets) - st_moved)
                    e["stance_except"] = sorted(st_moved)
                e["docs_per_year"] = DOCS_PER_YEAR[o][i]
                stable.append(e)
        design = {
            o: {i: {"docs_per_year": DOCS_PER_YEAR[o][i],
                    "frame_shares": {str(y): self.expected(o, i, y) for y in YEARS},
                    "stance_shares": {t: {str(y): self.expected_stance(o, i, t, y) for y in YEARS}
                                      for t in self.cb.issue_targets(i)}}
                for i in sorted(DOCS_PER_YEAR[o])}
            for o in self.outlet_ids}
        return {
            "description": "Ground truth for corpora/collection. Frame shares are document shares: "
                           "the fraction of an outlet's documents on the issue whose gold "
                           "document labels (with parents) include the frame. Stance shares are "
                           "the fraction of documents whose document-level stance toward the "
                           "target has that label. Everything not listed in 'shifts' or "
                           "'implied_shifts' is constant over time by construction.",
            "seed": SEED, "period": {"start": "2016-01-01", "end": "2023-12-31"},
            "sampling": "quota: per outlet x issue x year the number of documents using each "
                        "frame (and holding each stance) equals the design share times the "
                        "number of documents, rounded with the remainder carried across years",
            "shifts": shifts,
            "implied_shifts": implied,
            "stable": stable,
            "group_differences": GROUP_DIFFERENCES,
            "design": design,
        }


def serialise_docs(docs) -> str:
    return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="rebuild in memory and exit 1 if the files on disk differ")
    args = ap.parse_args(argv)
    b = Builder()
    docs = b.build()
    doc_text = serialise_docs(docs)
    shifts_text = json.dumps(b.shifts_json(), indent=1, ensure_ascii=False) + "\n"
    b_text = serialise_docs(Builder().build("b"))
    if args.check:
        ok = (OUT_DOCS.read_text(encoding="utf-8") == doc_text
              and OUT_DOCS_B.read_text(encoding="utf-8") == b_text
              and OUT_SHIFTS.read_text(encoding="utf-8") == shifts_text)
        print("up to date" if ok else "OUT OF DATE: run scripts/build_collection.py")
        return 0 if ok else 1
    OUT_DOCS.write_text(doc_text, encoding="utf-8")
    OUT_DOCS_B.write_text(b_text, encoding="utf-8")
    OUT_SHIFTS.write_text(shifts_text, encoding="utf-8")
    n_out = {}
    for d in docs:
        n_out[d["outlet"]] = n_out.get(d["outlet"], 0) + 1
    print(f"{len(b.bank)} bank sentences -> {len(docs)} documents per replicate "
          f"({min(n_out.values())}-{max(n_out.values())} per outlet); wrote "
          f"{OUT_DOCS}, {OUT_DOCS_B} and {OUT_SHIFTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
