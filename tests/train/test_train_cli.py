"""``framing train`` and ``framing evaluate`` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

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
