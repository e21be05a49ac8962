"""``framing aggregate`` and ``framing report`` through Typer's CliRunner, and the HTML page."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

from framing.cli import app
from framing.report import build_report

runner = CliRunner()


def test_aggregate_cli_writes_every_table(step_files: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "agg"
    r = runner.invoke(app, ["aggregate", str(step_files[1]), "--by", "outlet", "--by", "issue",
                            "--freq", "year", "--out", str(out), "--bootstrap", "199"])
    assert r.exit_code == 0, r.output
    for name in ("shares.csv", "shares.parquet", "stance_shares.csv", "shifts.csv",
                 "group_diffs.csv", "vocab.csv", "findings.csv", "summary.json"):
        assert (out / name).is_file(), name
    shares = pd.read_csv(out / "shares.csv")
    assert list(shares.columns[:3]) == ["outlet", "issue", "period"]
    assert {"n", "k", "share", "ci_low", "ci_high", "method", "corrected"} <= set(shares)
    st = pd.read_csv(out / "stance_shares.csv")
    assert {"target", "label", "n", "share", "ci_low", "ci_high"} <= set(st)
    shifts = pd.read_csv(out / "shifts.csv")
    assert {"diff", "diff_low", "diff_high", "log_or", "p_value", "q_value",
            "significant"} <= set(shifts)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == 640 and summary["label_sources"] == {"predicted": 640}
    assert "enforcement framing" in r.output


def test_aggregate_cli_correct_and_errors(step_files: tuple[Path, Path], tmp_path: Path) -> None:
    rates = tmp_path / "rates.json"
    rates.write_text(json.dumps({f: {"tp": 80, "fn": 20, "fp": 10, "tn": 190}
                                 for f in ("economic", "enforcement")}))
    out = tmp_path / "c"
    r = runner.invoke(app, ["aggregate", str(step_files[0]), "--out", str(out), "--correct",
                            "--error-rates", str(rates), "--no-vocab", "-q"])
    assert r.exit_code == 0, r.output
    shares = pd.read_csv(out / "shares.csv")
    assert set(shares.loc[shares["corrected"], "frame"]) == {"economic", "enforcement"}
    assert "corrected 2 label(s)" in r.output
    r = runner.invoke(app, ["aggregate", str(step_files[0]), "--out", str(out), "--correct"])
    assert r.exit_code == 2 and "[E502]" in r.output
    r = runner.invoke(app, ["aggregate", str(step_files[0]), "--out", str(out), "--by", "x"])
    assert r.exit_code == 2 and "[E501]" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["aggregate", str(tmp_path / "none.jsonl"), "--out", str(out)])
    assert r.exit_code == 2 and "[E201]" in r.output


def test_report_cli_is_self_contained(step_files: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "rep"
    r = runner.invoke(app, ["report", str(step_files[1]), "--out", str(out), "--by", "outlet",
                            "--frames", "enforcement,economic", "--max-findings", "2"])
    assert r.exit_code == 0, r.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    # no external resources: every src is inline, no links to scripts or stylesheets
    assert re.findall(r'src="(?!data:image/png;base64,)', page) == []
    assert "<script" not in page and "<link" not in page and "http://" not in page
    assert page.count("data:image/png;base64,") >= 4
    assert "use of enforcement framing fell" in page
    assert "Before (" in page and "After (" in page  # evidence sentences for the finding
    assert "Federal prosecutors raided the dispensary" in page
    for png in ("finding_01.png", "shares_over_time.png", "group_frame_heatmap.png",
                "stance_over_time.png"):
        assert (out / png).stat().st_size > 10_000, png
    assert (out / "data" / "shares.csv").is_file()
    r = runner.invoke(app, ["report", str(step_files[1]), "--out", str(out), "--frames", "nope"])
    assert r.exit_code == 2 and "[E508]" in r.output


def test_report_on_the_collection_with_names(tmp_path: Path, synth: SimpleNamespace) -> None:
    coll = synth.collection / "collection.jsonl"
    if not coll.is_file():
        pytest.skip("corpora/collection not built")
    path = build_report(coll, tmp_path / "r", by=["outlet", "issue"], labels_from="gold",
                        names=synth.collection / "outlets.json", max_findings=2,
                        n_bootstrap=199)
    page = path.read_text(encoding="utf-8")
    assert "The Harrow Creek Weekly" in page  # display names from outlets.json
    assert "across outlets and issues" in page
    assert page.count('class="finding"') == 2
