"""The README walkthrough, end to end through the command line: a new frame goes from a
codebook entry with seed phrases to a trained, evaluated classifier:
bootstrap -> export -> (simulated) annotation -> import -> train -> evaluate, plus a zero-shot
scorer in between and a second round picked by active selection.

The annotator is simulated from the op-ed corpus's gold labels: the new frame "states_decide"
stands in for the corpus's ``federalism`` (its seeds and description are a user's own words,
not the shipped patterns). The encoder is the tiny local BERT so the test is fast; the TF-IDF
method trains the classifier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tool_exports as tx
from conftest import read_jsonl, write_jsonl
from test_bootstrap import new_codebook
from tool_exports import Answer
from typer.testing import CliRunner

from framing.cli import app
from framing.corpora import CorpusDocument, load_opeds

runner = CliRunner()
GOLD = "federalism"
NEW = "states_decide"


def gold_of(docs: dict[str, CorpusDocument], doc_id: str, start: int, end: int) -> bool:
    """The gold answer for a task: the frame is in the corpus sentence that holds the middle
    of the task's text."""
    mid = (start + end) // 2
    for s in docs[doc_id].sentences:
        if s.start <= mid < s.end:
            return GOLD in s.labels
    return False


def annotate(tasks: list[dict], docs: dict[str, CorpusDocument]) -> dict[str, list[Answer]]:
    out = {}
    for t in tasks:
        d = t["data"]
        out[d["framing_id"]] = [Answer("alice", [NEW] if gold_of(
            docs, d["doc_id"], d["start"], d["end"]) else ["no_frame"])]
    return out


def run(*args: str) -> str:
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r.output


def test_new_frame_from_seed_phrases_to_an_evaluated_classifier(
        tiny_encoder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the same run with or without built default models (a fresh clone has none)
    monkeypatch.setenv("FRAMING_DEFAULT_MODEL", "none")
    monkeypatch.setenv("FRAMING_DEFAULT_STANCE_MODEL", "none")
    train_docs = load_opeds(split="train")[:40]
    docs = {d.id: d for d in load_opeds()}
    corpus = write_jsonl(tmp_path / "corpus.jsonl",
                         [{"id": d.id, "text": d.text} for d in train_docs])
    cb = new_codebook(tmp_path)
    # 1. candidates for the first round, as Label Studio tasks
    out = run("bootstrap", "propose", corpus, "--codebook", cb, "--frame", NEW, "--tool",
              "label-studio", "--n", "80", "--out", tmp_path / "round1.json", "--encoder",
              tiny_encoder)
    assert "wrote 80 label-studio task(s)" in out
    tasks = json.loads((tmp_path / "round1.json").read_text())
    # 2. annotation (simulated from gold), exported the way Label Studio exports it
    answers = annotate(tasks, docs)
    (tmp_path / "export1.json").write_text(json.dumps(tx.label_studio(
        tasks, answers, {"alice": 7})))
    n_pos = sum(a[0].labels == [NEW] for a in answers.values())
    assert 10 <= n_pos <= 70  # the candidates are enriched for the frame, not only positives
    # 3. back to training rows
    run("annotate", "import", tmp_path / "export1.json", "--codebook", cb, "--out",
        tmp_path / "rows1.jsonl")
    rows = read_jsonl(tmp_path / "rows1.jsonl")
    assert len(rows) == 80 and sum(r["labels"] == [NEW] for r in rows) == n_pos
    # 4. a zero-shot scorer calibrated on these labels labels text in the meantime
    out = run("bootstrap", "fit", tmp_path / "rows1.jsonl", "--codebook", cb, "--frame", NEW,
              "--out", tmp_path / "zs.json", "--encoder", tiny_encoder)
    report = json.loads(out.strip().splitlines()[-1])
    assert report["labels"] == 80 and "cross_validated" in report
    run("bootstrap", "score", corpus, "--scorer", tmp_path / "zs.json", "--out",
        tmp_path / "scored.jsonl", "--encoder", tiny_encoder)
    scored = read_jsonl(tmp_path / "scored.jsonl")
    assert len(scored) == 40 and all(0 <= s["probability"] <= 1 for s in scored)
    # 5. a first classifier (TF-IDF) on round 1
    run("train", tmp_path / "rows1.jsonl", "--codebook", cb, "--method", "tfidf", "--out",
        tmp_path / "model1", "-q")
    # 6. round 2: what the model is least sure of, excluding round 1
    run("label", corpus, "--model", tmp_path / "model1", "--out", tmp_path / "labels1.jsonl",
        "--quiet")
    run("annotate", "select", tmp_path / "labels1.jsonl", "--codebook", cb, "--frames", NEW,
        "--tool", "label-studio", "--n", "60", "--exclude", tmp_path / "rows1.jsonl",
        "--encoder", tiny_encoder, "--out", tmp_path / "round2.json")
    tasks2 = json.loads((tmp_path / "round2.json").read_text())
    ids1 = {r["id"] for r in rows}
    assert len(tasks2) == 60 and not ids1 & {t["data"]["framing_id"] for t in tasks2}
    (tmp_path / "export2.json").write_text(json.dumps(tx.label_studio(
        tasks2, annotate(tasks2, docs), {"alice": 7})))
    run("annotate", "import", tmp_path / "export2.json", "--codebook", cb, "--out",
        tmp_path / "rows2.jsonl")
    all_rows = rows + read_jsonl(tmp_path / "rows2.jsonl")
    write_jsonl(tmp_path / "rows.jsonl", all_rows)
    # 7. the classifier on both rounds, evaluated on the test split's sentences
    run("train", tmp_path / "rows.jsonl", "--codebook", cb, "--method", "tfidf", "--out",
        tmp_path / "model", "-q")
    test_rows = [{"text": s.text, "labels": [NEW] if GOLD in s.labels else []}
                 for d in load_opeds(split="test") for s in d.sentences]
    write_jsonl(tmp_path / "test.jsonl", test_rows)
    out = run("evaluate", tmp_path / "test.jsonl", "--model", tmp_path / "model", "--format",
              "json")
    metrics = json.loads(out)
    got = metrics["per_label"][NEW]
    # 140 labels of a new frame give a weak but real classifier: clearly more precise than the
    # prevalence p, and it finds some (precision > 1.5p at any rate means an F1 above 1.5x that
    # of labelling the same share of sentences at random). Its operating point moves with the
    # sentences round 2 selects: runs gave precision 0.26-0.3 at recall ~0.5, and 0.7 at recall
    # 0.08 in a clean-clone full suite, so F1 against "call everything positive" is no bar.
    p = got["support"] / metrics["n"]
    assert got["precision"] > 1.5 * p and got["recall"] > 0, metrics
