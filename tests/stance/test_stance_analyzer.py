"""The stance layer inside the Analyzer: --target handling and the JSON contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import framing
from framing.cli import app


def test_analyzer_fills_stance_for_user_and_codebook_targets(tiny_stance: Path) -> None:
    an = framing.load(model=None, targets=["legal marijuana"],
                      stance_model=tiny_stance)
    assert an.stance_model is not None
    res = an({"id": "a", "text": "Drug policy should be left to the states. It is time.",
              "meta": {"issue": "drug_policy"}})
    targets = [s.target for s in res.stance]
    # the codebook's default targets of the document's issue first, then the user's
    assert targets == ["states deciding their own drug policy",
                       "federal enforcement of drug laws", "legal marijuana"]
    d = res.to_dict()
    for st in d["stance"]:
        assert st["label"] in ("favor", "against", "none") and 0.0 <= st["score"] <= 1.0
        for e in st["evidence"]:
            assert e["source"].startswith(("stance_model", "stance_cue:"))
    assert d["model"]["stance"] is not None


def test_rules_only_has_no_stance(tiny_stance: Path) -> None:
    an = framing.load(rules_only=True, targets=["x"], stance_model=tiny_stance)
    assert an("Leave it to the states.").stance == []


def test_score_cli_target(tiny_stance: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["score", "--text", "We must leave it to the states.",
                                 "--target", "states deciding", "--stance-model",
                                 str(tiny_stance), "-f", "json"])
    assert r.exit_code == 0, r.output
    assert '"target": "states deciding"' in r.stdout


def test_train_and_evaluate_task_stance_cli(stance_rows: dict, tmp_path: Path) -> None:
    import json

    train = tmp_path / "train.jsonl"
    test = tmp_path / "test.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in stance_rows["train"]))
    test.write_text("".join(json.dumps(r) + "\n" for r in stance_rows["test"]))
    out = tmp_path / "m"
    r = CliRunner().invoke(app, ["train", str(train), "--out", str(out), "--task", "stance",
                                 "--method", "tfidf", "--quiet"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, ["evaluate", str(test), "--model", str(out), "--task", "stance",
                                 "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert {"accuracy", "macro_f1", "f_avg"} <= set(d)
    assert d["accuracy"] > 0.5


def test_evaluate_documents_uses_the_codebook_opposites(stance_rows: dict, tmp_path: Path,
                                                        monkeypatch: Any) -> None:
    """`framing evaluate --level document` pools like the Analyzer: with the declared opposite
    targets of the shipped codebook (the `auto` pairing multiplies both views for those)."""
    import json

    import framing.pipeline.stance as ps
    from framing.codebook import Codebook

    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in stance_rows["train"]))
    out = tmp_path / "m"
    r = CliRunner().invoke(app, ["train", str(train), "--out", str(out), "--task", "stance",
                                 "--method", "tfidf", "--quiet"])
    assert r.exit_code == 0, r.output
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"text": f"{r['text']} Nothing else.",
                                        "target": r["target"], "stance": r["stance"]}) + "\n"
                            for r in stance_rows["test"][:12]))
    seen: list[Any] = []
    real = ps.doc_inputs

    def spy(*a: Any, **kw: Any) -> Any:
        seen.append(kw.get("opposites"))
        return real(*a, **kw)

    monkeypatch.setattr(ps, "doc_inputs", spy)
    for level in ("document", "sentence"):
        r = CliRunner().invoke(app, ["evaluate", str(docs), "--model", str(out), "--task",
                                     "stance", "--level", level, "--format", "json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["level"] == level
    assert seen == [Codebook.default().opposites()]  # document level only, once
