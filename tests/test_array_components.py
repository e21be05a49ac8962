"""The array-based sentencizer and lemmatizer give exactly what spaCy's per-token versions give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.pipeline import Lemmatizer

import framing.pipeline  # noqa: F401  (registers the factories)
from framing.pipeline.lemmatizer import LowerLookupLemmatizer

TRICKY = [
    "", " ", "...", "Hi!! ... ok", "A. B", "\u201cYes.\u201d he said. \u2018No?\u2019 Then",
    "x\n\ny. ?", ". a", "States enforced laws; Prosecutors' U.S. 1990s don't",
    "The Governors met.\nPhoto: AP\n\nThe states sued!? Then (again) they lost...",
    "Mr. Smith went to Washington. He said: \"No!\" -- and left.",
]
SPEECHES = Path(__file__).resolve().parents[2] / "shared" / "data" / "presidential_speeches.jsonl"


def _texts() -> list[str]:
    texts = list(TRICKY)
    opeds = Path(__file__).resolve().parents[1] / "corpora" / "opeds" / "opeds.jsonl"
    with open(opeds, encoding="utf-8") as fh:
        texts += [json.loads(line)["text"] for line, _ in zip(fh, range(40), strict=False)]
    if SPEECHES.exists():
        with open(SPEECHES, encoding="utf-8") as fh:
            texts += [json.loads(line)["text"][:20000] for line, _ in
                      zip(fh, range(15), strict=False)]
    return texts


def _splitter(factory: str, line_breaks: bool) -> spacy.language.Language:
    nlp = spacy.blank("en")
    if line_breaks:
        nlp.add_pipe("line_breaks")
    nlp.add_pipe(factory, name="sentencizer")
    nlp.initialize()
    return nlp


@pytest.mark.parametrize("line_breaks", [True, False])
def test_sentencizer_matches_spacy(line_breaks: bool) -> None:
    ours, theirs = _splitter("framing_sentencizer", line_breaks), _splitter("sentencizer",
                                                                              line_breaks)
    for text in _texts():
        a, b = ours(text), theirs(text)
        assert [t.is_sent_start for t in a] == [t.is_sent_start for t in b], text[:80]


def test_sentencizer_custom_punct_and_serialisation(tmp_path: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("framing_sentencizer", config={"punct_chars": [";"]})
    assert [s.text for s in nlp("one; two. three").sents] == ["one;", "two. three"]
    nlp.to_disk(tmp_path / "p")
    again = spacy.load(tmp_path / "p")
    assert [s.text for s in again("one; two. three").sents] == ["one;", "two. three"]


def test_lemmatizer_matches_per_token_lookup() -> None:
    nlp = spacy.blank("en")
    lem = nlp.add_pipe("framing_lemmatizer")
    nlp.initialize()
    assert isinstance(lem, LowerLookupLemmatizer)
    for text in _texts():
        a, b = nlp.make_doc(text), nlp.make_doc(text)
        lem(a)
        Lemmatizer.__call__(lem, b)  # spaCy's loop over lookup_lemmatize, one token at a time
        assert [t.lemma_ for t in a] == [t.lemma_ for t in b], text[:80]
    assert [t.lemma_ for t in nlp("States \u201cenforced\u201d laws")] == \
        ["state", '"', "enforce", '"', "law"]


def test_lemmatizer_keeps_existing_lemmas_without_overwrite() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("framing_lemmatizer", config={"overwrite": False})
    nlp.initialize()
    doc = nlp.make_doc("States enforced laws")
    doc[0].lemma_ = "KEEP"
    nlp.get_pipe("framing_lemmatizer")(doc)
    assert [t.lemma_ for t in doc] == ["KEEP", "enforce", "law"]
