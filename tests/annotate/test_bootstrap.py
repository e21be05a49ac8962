"""New frames without labelled data: seeds from the codebook, the zero-shot scorer (similarity,
Platt calibration, persistence), candidate proposal and the first-round task file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from framing.annotate.bootstrap import (
    FrameSeeds,
    ZeroShotScorer,
    bootstrap_tasks,
    fit_report,
    propose_candidates,
)
from framing.annotate.embed import SentenceEncoder
from framing.annotate.items import items_from_results
from framing.batch import read_output
from framing.codebook import Codebook
from framing.errors import FramingError

NEW = {"id": "states_decide", "name": "States decide", "parent": None,
       "description": "Which level of government should decide: the states, not Washington.",
       "patterns": [{"id": "states_decide.seeds", "kind": "phrase", "weight": 0.6,
                     "phrases": ["left to the states", "states' rights", "tenth amendment",
                                 "federal overreach", "local control", "state law",
                                 "federal law", "home rule", "preempt",
                                 "laboratories of democracy"]}]}


def new_codebook(tmp: Path) -> Path:
    data = Codebook.default().to_dict()
    data["frames"].append(NEW)
    p = tmp / "codebook.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def test_seeds_come_from_the_codebook(tmp_path: Path) -> None:
    cb = Codebook.load(new_codebook(tmp_path))
    fs = FrameSeeds.from_codebook(cb, "states_decide")
    assert fs.seeds[:3] == ("left to the states", "states' rights", "tenth amendment")
    assert len(fs.seeds) == 10
    assert fs.description.startswith("Which level")
    with pytest.raises(FramingError, match=r"\[E859\]"):
        FrameSeeds.from_codebook(cb, "nope")


def test_similarity_prefers_the_seeds_own_wording(tiny_encoder: Path) -> None:
    zs = ZeroShotScorer("states_decide", "", ["left to the states"], tiny_encoder)
    sim = zs.similarity(["This should be left to the states.", "Prices rose in March."])
    assert sim[0] > sim[1]


def test_platt_calibration_and_persistence(tiny_encoder: Path, tmp_path: Path) -> None:
    texts = ["It should be left to the states.", "The tenth amendment reserves power.",
             "Prices rose in March.", "The team won the match.", "Leave it to the states.",
             "Rain fell all week."]
    y = [1, 1, 0, 0, 1, 0]
    zs = ZeroShotScorer("states_decide", NEW["description"], NEW["patterns"][0]["phrases"],
                        SentenceEncoder(tiny_encoder))
    with pytest.raises(FramingError, match=r"\[E860\].*not calibrated"):
        zs.predict_proba(texts)
    with pytest.raises(FramingError, match=r"\[E860\].*one text with it"):
        zs.fit(texts, [0] * 6)
    zs.fit(texts, y)
    p = zs.predict_proba(texts)
    assert ((p >= 0.5) == np.array(y, bool)).mean() >= 4 / 6  # monotone in similarity
    assert np.all(np.diff(p[np.argsort(zs.similarity(texts))]) >= -1e-12)
    zs.save(tmp_path / "zs.json")
    again = ZeroShotScorer.load(tmp_path / "zs.json", SentenceEncoder(tiny_encoder))
    assert np.allclose(again.predict_proba(texts), p)
    assert 0.0 < again.to_dict()["n_positive"] == 3
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(FramingError, match=r"\[E860\]"):
        ZeroShotScorer.load(tmp_path / "bad.json")


def test_fit_report_cross_validates(tiny_encoder: Path) -> None:
    texts = [f"It should be left to the states, case {i}." for i in range(6)] + \
            [f"Prices rose in March, week {i}." for i in range(6)]
    zs = ZeroShotScorer("states_decide", "", ["left to the states"], tiny_encoder)
    rep = fit_report(zs, texts, [1] * 6 + [0] * 6)
    assert rep["labels"] == 12 and rep["positive"] == 6
    # the ranking is perfect; at a 0.5 threshold a fold's logistic fit on a random tiny
    # encoder's near-tied similarities may flip one borderline text (a clean-clone suite gave
    # 0.923 once where it passes alone; probably float differences from state earlier tests
    # leave, such as torch's thread count: not pinned down)
    assert rep["roc_auc"] == 1.0 and rep["cross_validated"]["f1"] >= 0.85


def test_propose_mixes_rules_similar_and_random(labelled: Path, tiny_encoder: Path) -> None:
    cb = Codebook.default()
    items = items_from_results(read_output(labelled), "sentence")
    zs = ZeroShotScorer.from_codebook(cb, "federalism", tiny_encoder)
    got = propose_candidates(items, zs, 20, seed=1)
    why = [it.reason["why"] for it in got if it.reason]
    assert len(got) == 20 == len({it.id for it in got})
    assert why.count("rule") == 8 and why.count("random") == 4 and why.count("similar") == 8
    for it in got:
        assert it.reason and (it.reason["why"] != "rule" or it.reason["rules"])
        assert it.labels in ([], ["federalism"])


def test_bootstrap_tasks_ask_about_the_new_frame_only(oped_inputs: Path, tiny_encoder: Path,
                                                      tmp_path: Path) -> None:
    cb = new_codebook(tmp_path)
    out = tmp_path / "round1.json"
    s = bootstrap_tasks([oped_inputs], out, "label-studio", "states_decide", cb, 15,
                        encoder=tiny_encoder)
    tasks = json.loads(out.read_text())
    assert s.tasks == 15 and len(tasks) == 15
    choices = {c for t in tasks for r in t["predictions"][0]["result"]
               if r["type"] == "choices" for c in r["value"]["choices"]}
    assert choices <= {"states_decide", "no_frame"}
    spans = [r["value"]["labels"][0] for t in tasks for r in t["predictions"][0]["result"]
             if r["type"] == "labels"]
    assert set(spans) <= {"states_decide"}
    assert {t["data"]["selected_because"]["why"] for t in tasks} >= {"similar", "random"}
