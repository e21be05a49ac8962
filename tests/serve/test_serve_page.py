"""The web page over HTTP: forms, results with evidence, uploads, downloads, reports,
accessibility basics, and that nothing is loaded from outside."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import OPED, ROOT

from framing.serve.guards import PAGE_CSP, REPORT_CSP
from framing.serve.render import FRAME_COLOURS, INK, MUTED, PAPER, contrast


class Tags(HTMLParser):
    """Start tags with their attributes, and the text of each <label>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


def tags(html: str) -> list[tuple[str, dict[str, str]]]:
    p = Tags()
    p.feed(html)
    return p.tags


def test_index_is_offline_labelled_and_scriptless(url: str) -> None:
    r = httpx.get(url + "/")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == PAGE_CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    t = tags(r.text)
    assert ("html", {"lang": "en"}) in t
    assert not [a for tag, a in t if tag == "script"]
    # every resource comes from this server
    for tag, a in t:
        for key in ("src", "href"):
            assert not a.get(key, "").startswith(("http:", "https:", "//")), (tag, a)
    # every form control has a label
    labelled = {a["for"] for tag, a in t if tag == "label"}
    controls = [a for tag, a in t if tag in ("input", "textarea", "select")]
    assert controls and all(a.get("id") in labelled for a in controls), controls
    css = httpx.get(url + "/static/app.css")
    assert css.status_code == 200 and "url(" not in css.text and "@import" not in css.text


def test_palette_has_enough_contrast(url: str) -> None:
    """Highlighted text keeps WCAG AA contrast (4.5:1); borders that mark evidence keep the
    3:1 of non-text graphics against the page."""
    for bg, border in FRAME_COLOURS:
        assert contrast(INK, bg) >= 4.5, bg
        assert contrast(border, PAPER) >= 3.0, border
        assert contrast(border, bg) >= 3.0, (border, bg)
    assert contrast(MUTED, PAPER) >= 4.5
    assert contrast("#ffffff", "#1d4e89") >= 4.5  # button text
    css = httpx.get(url + "/ui/frames.css")
    assert css.headers["content-type"].startswith("text/css")
    for bg, border in FRAME_COLOURS:
        assert bg in css.text and border in css.text


def test_score_form_shows_evidence_and_links_json(url: str) -> None:
    text = OPED.read_text(encoding="utf-8")
    r = httpx.post(url + "/ui/score", data={"text": text}, files={"file": ("", b"")},
                   timeout=60)
    assert r.status_code == 200, r.text
    page = r.text
    assert '<strong id="primary">federalism</strong>' in page
    marks = re.findall(r'<mark class="f\d" data-frame="([a-z_]+)"[^>]*>([^<]+)</mark>', page)
    frames = {f for f, _ in marks}
    assert {"federalism", "enforcement"} <= frames
    assert ("federalism", "left to the states") in marks
    # a span two frames match ("federal prosecutors": crime and enforcement) shows one of them
    assert any(f == "enforcement" and m in ("federal prosecutors", "U.S. attorney", "indictment")
               for f, m in marks)
    # every character of the text is on the page, in order (nothing dropped by highlighting)
    doc = page[page.index('<div class="doc" id="doc">'):]
    doc = doc[:doc.index("</div>")]
    shown = re.sub(r'<span class="tags">.*?</span></span>', "", doc)
    shown = re.sub(r"<[^>]+>", "", shown)
    import html as html_mod

    assert html_mod.unescape(shown) == text
    link = re.search(r'<a href="(/ui/results/[^"]+\.json)" id="json-link">', page)
    assert link
    d = httpx.get(url + link.group(1)).json()
    assert d["primary_frame"] == "federalism" and len(d["sentences"]) > 10
    api = httpx.post(url + "/score", json={"text": text}, timeout=60).json()
    assert d["frames"] == api["frames"] and d["sentences"] == api["sentences"]


def test_score_form_upload_html_and_errors(url: str) -> None:
    html_doc = ("<html><head><title>Op-ed</title></head><body><article><h1>Op-ed</h1>"
                "<p>Drug policy should largely be left to the states, and Congress should "
                "stop telling them what to do about marijuana.</p><p>Federal prosecutors "
                "keep charging businesses that follow state law, and that must end.</p>"
                "</article></body></html>")
    r = httpx.post(url + "/ui/score", data={"text": ""},
                   files={"file": ("oped.html", html_doc.encode(), "text/html")}, timeout=60)
    assert r.status_code == 200, r.text
    assert 'data-frame="federalism"' in r.text
    r = httpx.post(url + "/ui/score", data={"text": "  "})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in r.text and "E104" in r.text
    r = httpx.post(url + "/ui/score", files={"file": ("a.pdf", b"%PDF", "application/pdf")})
    assert r.status_code == 400 and "E202" in r.text


def test_label_form_counts_and_download(url: str) -> None:
    body = "\n".join([json.dumps({"id": "a", "text": "Leave it to the states."}),
                      "{oops", json.dumps({"id": "c", "text": "Prosecutors charge them."})])
    r = httpx.post(url + "/ui/label", files={"file": ("small.jsonl", body.encode())},
                   timeout=60)
    assert r.status_code == 200, r.text
    assert "read 3, labelled 2, rejected 1" in r.text
    assert "E101" in r.text  # the rejects table
    link = re.search(r'<a class="button" href="(/ui/results/[^"]+\.jsonl)"', r.text)
    assert link
    dl = httpx.get(url + link.group(1))
    assert "attachment" in dl.headers["content-disposition"]
    rows = [json.loads(x) for x in dl.text.splitlines()]
    assert [x.get("id") or x["reject"]["code"] for x in rows] == ["a", "E101", "c"]
    csv = "key,body\nk1,Leave it to the states.\n"
    r = httpx.post(url + "/ui/label", data={"text_field": "body", "id_field": "key"},
                   files={"file": ("small.csv", csv.encode())})
    assert "read 1, labelled 1, rejected 0" in r.text


def test_old_results_expire(serve: Any) -> None:
    with serve(keep_results=2) as u:
        urls = []
        for i in range(3):
            page = httpx.post(u + "/ui/score", data={"text": f"States decide {i}."}).text
            urls.append(re.search(r'href="(/ui/results/[^"]+)" id="json-link"', page).group(1))
        assert httpx.get(u + urls[0]).status_code == 404
        assert httpx.get(u + urls[2]).json()["id"] == "text"


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real report by `framing report`, on 300 documents of the shipped collection."""
    from framing.report import build_report

    root = tmp_path_factory.mktemp("reports")
    src = root.parent / "subset.jsonl"
    lines = (ROOT / "corpora" / "collection" / "collection.jsonl").read_text().splitlines()
    src.write_text("\n".join(lines[:300]) + "\n")
    build_report(src, root / "drug-policy", by=["outlet"], labels_from="gold",
                 frames=["federalism", "enforcement"], max_findings=1)
    return root


def test_reports_are_served_read_only(serve: Any, report_dir: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in report_dir.rglob("*")}
    with serve(reports=report_dir) as u:
        listing = httpx.get(u + "/reports/")
        assert listing.status_code == 200
        assert 'href="/reports/files/drug-policy/report.html"' in listing.text
        r = httpx.get(u + "/reports/files/drug-policy/report.html")
        assert r.status_code == 200 and "data:image/png;base64," in r.text
        assert r.headers["content-security-policy"] == REPORT_CSP
        png = httpx.get(u + "/reports/files/drug-policy/shares_over_time.png")
        assert png.headers["content-type"] == "image/png"
        assert httpx.get(u + "/reports/files/drug-policy/data/shares.csv").status_code == 200
        for bad in ("/reports/files/../../../../etc/passwd",
                    "/reports/files/%2e%2e/%2e%2e/etc/passwd", "/reports/files/nope.html"):
            assert httpx.get(u + bad).status_code == 404, bad
        assert httpx.post(u + "/reports/files/drug-policy/report.html").status_code == 405
        assert httpx.delete(u + "/reports/files/drug-policy/report.html").status_code == 405
    assert {p: p.stat().st_mtime_ns for p in report_dir.rglob("*")} == before


def test_reports_page_without_folder(url: str) -> None:
    r = httpx.get(url + "/reports/")
    assert r.status_code == 200 and "framing serve --reports" in r.text
