"""``framing train`` and ``framing evaluate`` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from framing.cli import app

runner = CliRunner()
KEYS = {"micro_f1", "macro_f1", "per_label", "n"}


def test_train_then_evaluate_json(tiny_base: Path, synth_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "m"
    r = runner.invoke(app, ["train", str(synth_dir / "train.jsonl"), "--out", str(out),
                            "--eval", str(synth_dir / "dev.jsonl"), "--base-model",
                            str(tiny_base), "--epochs", "1", "--max-length", "32", "--lr",
                            "0.003", "--seed", "3", "--quiet"])
    assert r.exit_code == 0, r.output
    assert "epoch 1/1" in r.output and "dev micro-F1" in r.output
    assert (out / "framing_model.json").is_file()
    r = runner.invoke(app, ["evaluate", str(synth_dir / "test.jsonl"), "--model", str(out),
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(d) == KEYS and d["n"] == 60
    assert set(d["per_label"]) == {"economic", "enforcement", "federalism"}
    for m in d["per_label"].values():
        assert set(m) == {"precision", "recall", "f1", "support"}


def test_evaluate_compare_rules_json_and_pretty(tiny_model: Path, synth_dir: Path) -> None:
    r = runner.invoke(app, ["evaluate", str(synth_dir / "test.jsonl"), "-m", str(tiny_model),
                            "-f", "json", "--compare-rules"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert set(d) == KEYS | {"rules", "fused"}
    assert set(d["rules"]) == KEYS and set(d["fused"]) == KEYS
    assert d["rules"]["per_label"].keys() == d["per_label"].keys()
    r = runner.invoke(app, ["evaluate", str(synth_dir / "test.jsonl"), "-m", str(tiny_model),
                            "--compare-rules"])
    assert r.exit_code == 0, r.output
    assert "micro-F1" in r.stdout and "F1 rules" in r.stdout and "F1 fused" in r.stdout
    assert "gold \\ pred" in r.stdout


def test_tfidf_method_via_cli(synth_dir: Path, tmp_path: Path) -> None:
    csv = tmp_path / "train.csv"
    rows = [json.loads(x) for x in (synth_dir / "train.jsonl").read_text().splitlines()]
    csv.write_text("text,labels\n" + "".join(
        f"\"{r['text']}\",{';'.join(r['labels'])}\n" for r in rows))
    r = runner.invoke(app, ["train", str(csv), "--out", str(tmp_path / "tf"), "--method",
                            "tfidf", "--eval-split", "0.2", "--quiet"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["evaluate", str(synth_dir / "test.jsonl"), "-m",
                            str(tmp_path / "tf"), "-f", "json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["micro_f1"] > 0.8


@pytest.mark.parametrize("negatives", [True, False])
def test_tfidf_with_one_label(tmp_path: Path, negatives: bool) -> None:
    # one label column is a binary target to scikit-learn (issue 14: a traceback, exit 1)
    data = tmp_path / "one.jsonl"
    data.write_text("".join(json.dumps({
        "text": f"Leave it to the states, says letter {i}." if i % 2 or not negatives
        else f"Prices rose again in week {i}.",
        "labels": ["federalism"] if i % 2 or not negatives else []}) + "\n" for i in range(24)))
    r = runner.invoke(app, ["train", str(data), "--out", str(tmp_path / "m"), "--method",
                            "tfidf", "--eval-split", "0.25", "--quiet"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["score", "--text", "Leave it to the states.", "-m",
                            str(tmp_path / "m"), "-f", "json"])
    assert r.exit_code == 0, r.output
    assert 0.0 <= json.loads(r.stdout)["frames"]["federalism"] <= 1.0


def test_cli_errors_exit_2_without_traceback(tiny_model: Path, synth_dir: Path,
                                             tmp_path: Path, tiny_codebook_file: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "a", "labels": ["federalism"]}) + "\n"
                   + json.dumps({"text": "b", "labels": ["fedralism"]}) + "\n")
    cases = [
        (["train", str(bad), "--out", str(tmp_path / "x"), "--method", "tfidf", "--codebook",
          str(tiny_codebook_file)], "[E401]"),
        (["train", str(synth_dir / "train.jsonl"), "--out", str(tmp_path / "y"), "--eval",
          str(synth_dir / "dev.jsonl"), "--eval-split", "0.1"], "[E406]"),
        (["train", str(synth_dir / "train.jsonl"), "--out", str(tmp_path / "z"), "--level",
          "paragraph"], "Invalid value for '--level'"),
        (["train", str(synth_dir / "train.jsonl"), "--out", str(tmp_path / "z"), "--level",
          "document", "--max-target-tokens", "8"], "[E413]"),
        (["train", str(synth_dir / "train.jsonl"), "--out", str(tmp_path / "z"), "--task",
          "stance", "--level", "document", "--pooling", "mean"], "[E413] --level, --pooling"),
        (["evaluate", str(synth_dir / "test.jsonl"), "-m", str(tiny_model), "--level",
          "document"], "[E413] --level"),
        (["evaluate", str(synth_dir / "test.jsonl"), "-m", str(tiny_model), "--task",
          "stance"], "[E416]"),
        (["evaluate", str(bad), "-m", str(tiny_model)], "[E407]"),
        (["evaluate", str(synth_dir / "test.jsonl"), "-m", str(tmp_path / "none")], "[E301]"),
        (["evaluate", str(synth_dir / "test.jsonl"), "-m", str(tiny_model), "-f", "xml"],
         "Invalid value for '--format'"),
    ]
    for args, code in cases:
        r = runner.invoke(app, args)
        assert r.exit_code == 2, (args, r.output)
        assert code in r.output and "Traceback" not in r.output


def test_evaluate_documents(tiny_model: Path, tmp_path: Path) -> None:
    """Document-level metrics: whole documents through the Analyzer and its document layer,
    beside the sentence union."""
    docs = tmp_path / "docs.jsonl"
    docs.write_text("\n".join(json.dumps(d) for d in [
        {"text": "States should decide their own drug policy. Washington should not dictate "
                 "it. The council met on Tuesday.", "labels": ["federalism"]},
        {"text": "Police arrested twelve people in a raid. Prosecutors charged them.",
         "labels": ["enforcement"]},
        {"text": "The weather was mild and the parade went on as planned.", "labels": []},
    ]) + "\n")
    r = runner.invoke(app, ["evaluate", str(docs), "-m", str(tiny_model), "--documents",
                            "-f", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for key in ("documents", "sentence_union"):
        assert d[key]["documents"] == 3 and d[key]["gold_labels_per_doc"] > 0
        assert 0 <= d[key]["micro_f1"] <= 1
    assert d["document_layer"]["source"]
    r = runner.invoke(app, ["evaluate", str(docs), "-m", str(tiny_model), "--documents"])
    assert r.exit_code == 0 and "(documents)" in r.stdout and "micro-F1" in r.stdout
