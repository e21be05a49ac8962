"""The web page in a real browser (Debian's headless Chromium over the DevTools protocol): a
user tabs to the text box, pastes the op-ed that started the project, submits with the
keyboard, and sees the federalism and enforcement evidence highlighted.

Skipped, saying why, only where Chromium cannot be had (.ci/run installs it in CI)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from conftest import OPED
from serve_browser import Chromium, available

import framing

pytestmark = pytest.mark.skipif(available() is not None, reason=f"no browser: {available()}")


@pytest.fixture(scope="module")
def clf_url(serve: Any, clf_analyzer: framing.Analyzer) -> Any:
    with serve(clf_analyzer) as u:
        yield u


SEEN = """(() => {
  const box = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const sents = [...document.querySelectorAll('#doc .sent')].map(s => ({
    frames: s.dataset.frames.split(' '), text: s.textContent, clf: s.classList.contains('clf'),
    border: getComputedStyle(s).borderTopStyle, visible: box(s),
    marks: [...s.querySelectorAll('mark')].map(m => ({
      frame: m.dataset.frame, text: m.textContent, visible: box(m),
      bg: getComputedStyle(m).backgroundColor}))}));
  return {path: location.pathname, primary: document.querySelector('#primary').textContent,
          page: getComputedStyle(document.body).backgroundColor, sents: sents,
          json: document.querySelector('#json-link').href,
          rows: [...document.querySelectorAll('table.frames tbody th')].map(t => t.textContent)};
})()"""


def test_paste_the_oped_and_see_highlighted_evidence(clf_url: str) -> None:
    text = OPED.read_text(encoding="utf-8")
    with Chromium() as b:
        b.navigate(clf_url + "/")
        assert b.evaluate("document.title").startswith("Score a text")
        b.tab_to("text")  # keyboard only, from the top of the page
        b.insert_text(text)
        assert b.evaluate("document.querySelector('#text').value") == text
        b.tab_to("score-submit")
        b.events.clear()
        b.press("Enter")
        b.wait_event("Page.loadEventFired")
        seen = b.evaluate(SEEN)
    assert seen["path"] == "/ui/score"
    assert seen["primary"] in ("federalism", "legality_constitutionality_and_jurisprudence")
    sents = seen["sents"]

    def sentence(words: str) -> dict[str, Any]:
        hits = [s for s in sents if words in s["text"]]
        assert hits, f"no highlighted sentence with {words!r}"
        return hits[0]

    fed = sentence("should largely be left to the states")
    assert "federalism" in fed["frames"] and fed["visible"]
    assert any(m["frame"] == "federalism" and m["text"] == "left to the states" and m["visible"]
               for m in fed["marks"])
    enf = sentence("mandatory minimum sentences")
    assert "enforcement" in enf["frames"]
    assert any(m["frame"] == "enforcement" and m["visible"] for m in enf["marks"])
    # rule matches are tinted (the stylesheet loaded under the page's content policy) ...
    for s in sents:
        for m in s["marks"]:
            assert m["bg"] not in ("rgba(0, 0, 0, 0)", seen["page"]), m
    # ... and classifier-flagged sentences are boxed with a dashed border, the others not
    assert any(s["clf"] for s in sents)
    for s in sents:
        assert (s["border"] == "dashed") == s["clf"], s
    assert any(r.startswith("Federalism") for r in seen["rows"])
    assert any(r.startswith("Enforcement") for r in seen["rows"])
    d = httpx.get(seen["json"]).json()  # the linked JSON is the DocResult shown
    assert d["primary_frame"] == seen["primary"]
    assert {"federalism", "enforcement"} <= set(d["labels"])


def test_upload_a_file_to_label_and_download(clf_url: str, tmp_path: Any) -> None:
    src = tmp_path / "three.jsonl"
    src.write_text("\n".join([json.dumps({"id": "a", "text": "Leave it to the states."}),
                              "{oops",
                              json.dumps({"id": "c", "text": "Prosecutors charge them."})]))
    with Chromium() as b:
        b.navigate(clf_url + "/")
        b.set_files("#label-file", [str(src)])
        b.tab_to("label-submit")
        b.events.clear()
        b.press("Enter")
        b.wait_event("Page.loadEventFired")
        summary = b.evaluate("document.querySelector('.summary').textContent")
        href = b.evaluate("document.querySelector('#download').href")
    assert "read 3, labelled 2, rejected 1" in summary
    rows = [json.loads(x) for x in httpx.get(href).text.splitlines()]
    assert [r.get("id") or r["reject"]["code"] for r in rows] == ["a", "E101", "c"]
