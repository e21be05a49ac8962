"""``framing aggregate`` and ``framing report`` through Typer's CliRunner, and the HTML page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from types import SimpleNamespace
from typing import ClassVar

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
    # n per period: the collection has 141 documents a year, every year
    counts = page[page.index("<h2>Documents per year</h2>"):]
    counts = counts[:counts.index("</table>")]
    assert counts.count("<b>141</b>") == 8 and "The Harrow Creek Weekly · guns" in counts


class _Page(HTMLParser):
    """Balanced-tag check and the visible text of a page (void elements need no end tag)."""

    VOID: ClassVar[set[str]] = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_report_template_escapes_values_and_parses(synth: SimpleNamespace,
                                                    tmp_path: Path) -> None:
    """Every value reaches the page escaped (a group name with markup stays text), the page is
    well formed, and the template ships as package data."""
    evil = '<script>alert("x")</script> & Sons'
    docs = synth.make_docs({evil: lambda y: {"economic": 0.2 if y < 2020 else 0.8},
                            "Plain": lambda y: {"economic": 0.3}}, range(2016, 2024), 30)
    path = build_report(synth.write_jsonl(docs, tmp_path / "d.jsonl"), tmp_path / "r",
                        title="Tom & Jerry <b>report</b>", n_bootstrap=199, max_findings=2)
    page = path.read_text(encoding="utf-8")
    assert "<script" not in page and "<b>report" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons" in page
    assert "<title>Tom &amp; Jerry &lt;b&gt;report&lt;/b&gt;</title>" in page
    parser = _Page()
    parser.feed(page)
    assert parser.problems == [] and parser.stack == []
    text = " ".join(" ".join(parser.text).split())
    assert evil in text and "Key findings" in text and "Methods and caveats" in text
    assert parser.tags.count("img") == page.count("data:image/png;base64,") >= 3
    # the stylesheet is inlined verbatim (no entity escaping inside <style>)
    style = page[page.index("<style>"):page.index("</style>")]
    assert "font:15px/1.55 Inter, 'Segoe UI'" in style and "&#39;" not in style
    assert (files("framing.report") / "templates" / "report.html.j2").is_file()


@pytest.mark.integration
def test_report_renders_in_headless_chromium(step_files: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    """The page as a browser builds it: every section and chart is in Chromium's DOM."""
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)
    if browser is None:
        pytest.skip("no headless Chromium on this machine")
    path = build_report(step_files[1], tmp_path / "r", by=["outlet"], max_findings=2,
                        n_bootstrap=199)
    try:
        out = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                              "--dump-dom", path.as_uri()], capture_output=True, text=True,
                             timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("Chromium did not answer within 120 s")
    dom = out.stdout
    assert "Key findings" in dom, out.stderr[-2000:]
    page = path.read_text(encoding="utf-8")
    assert dom.count("<section") == page.count("<section") >= 4
    assert dom.count("<img") == page.count("<img") >= 4
    assert dom.count('class="finding"') == 2
