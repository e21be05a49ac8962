"""The spaCy components: lemmatizer, line breaks, frame_ruler scoring and serialisation."""

from __future__ import annotations

import math
from pathlib import Path

import spacy

from framing.codebook import Codebook
from framing.pipeline import build_nlp
from framing.pipeline.ruler import SPANS_KEY


def test_lowercase_lookup_lemmas() -> None:
    nlp = build_nlp()
    assert [t.lemma_ for t in nlp("Prosecutors Enforced States’ laws")] == [
        "prosecutor", "enforce", "state", "'", "law"]


def test_line_breaks_split_credit_lines() -> None:
    nlp = build_nlp()
    doc = nlp("Photo: Jane Doe/Staff\nDrug policy should be left to the states.\n\nNew para"
              "graph here. It continues\nacross a wrapped line.")
    sents = [s.text.strip() for s in doc.sents]
    assert sents == ["Photo: Jane Doe/Staff", "Drug policy should be left to the states.",
                     "New paragraph here.", "It continues\nacross a wrapped line."]


def test_noisy_or_parent_lift_and_doc_score(tiny_codebook: Codebook) -> None:
    nlp = build_nlp(tiny_codebook)
    doc = nlp("The governor spoke. Governors and the Supreme Court defend states' rights. "
              "The price is high.")
    s = doc._.frame_sentences
    assert len(s) == 3
    # weak cue alone stays below threshold
    assert math.isclose(s[0]["scores"]["fed"], 0.3, abs_tol=1e-6)
    # two distinct patterns combine by noisy-OR: 1 - 0.7 * 0.2
    assert math.isclose(s[1]["scores"]["fed"], 1 - 0.7 * 0.2, abs_tol=1e-6)
    # parent lifted to the child's score, and its own pattern counts too
    assert math.isclose(s[1]["scores"]["law"], max(0.9, 1 - 0.7 * 0.2), abs_tol=1e-6)
    # document: noisy-OR over the sentences that carry the frame; the weak first one does not
    assert math.isclose(doc._.frame_scores["fed"], 1 - 0.7 * 0.2, abs_tol=1e-5)
    assert math.isclose(doc._.frame_scores["money"], 0.45, abs_tol=1e-5)  # threshold 0.4
    density = build_nlp(tiny_codebook, doc_pooling="density")(doc.text)
    total = 0.3 + (1 - 0.7 * 0.2)
    assert math.isclose(density._.frame_scores["fed"],
                        1 - math.exp(-3.0 * total / math.sqrt(3)), abs_tol=1e-5)
    labels = {sp.label_ for sp in doc.spans[SPANS_KEY]}
    assert labels == {"fed", "law", "money"}
    assert {sp.id_ for sp in doc.spans[SPANS_KEY]} >= {"fed.states", "fed.weak", "law.court"}


def test_same_pattern_twice_counts_once(tiny_codebook: Codebook) -> None:
    nlp = build_nlp(tiny_codebook)
    doc = nlp("The governor met another governor.")
    assert math.isclose(doc._.frame_sentences[0]["scores"]["fed"], 0.3, abs_tol=1e-6)


def test_evidence_offsets_index_text() -> None:
    nlp = build_nlp()
    text = "  Intro.\n\nDrug policy should largely be left to the states, said the prosecutor."
    doc = nlp(text)
    for s in doc._.frame_sentences:
        for start, end, frame, pid, w in s["matches"]:
            assert text[start:end] == doc.char_span(start, end).text
            assert pid.startswith(frame + ".") and 0 < w <= 1


def test_span_extension_matches_sentence_scores() -> None:
    nlp = build_nlp()
    doc = nlp("Nothing here. The Tenth Amendment matters.")
    sents = list(doc.sents)
    assert sents[0]._.frame_scores == {}
    assert sents[1]._.frame_scores["federalism"] >= 0.5


def test_ruler_to_disk_from_disk_roundtrip(tmp_path: Path, tiny_codebook: Codebook) -> None:
    nlp = build_nlp(tiny_codebook)
    ruler = nlp.get_pipe("frame_ruler")
    ruler.to_disk(tmp_path / "ruler")
    other = build_nlp()  # default codebook
    other.get_pipe("frame_ruler").from_disk(tmp_path / "ruler")
    assert other.get_pipe("frame_ruler").codebook.to_dict() == tiny_codebook.to_dict()
    text = "Governors defend states' rights at the Supreme Court."
    assert nlp(text)._.frame_scores == other(text)._.frame_scores


def test_whole_pipeline_roundtrip_with_spacy_load(tmp_path: Path,
                                                  tiny_codebook: Codebook) -> None:
    nlp = build_nlp(tiny_codebook)
    nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    assert loaded.pipe_names == nlp.pipe_names
    text = "Prosecutors and governors cite states' rights. Costs rise."
    a, b = nlp(text), loaded(text)
    assert a._.frame_scores == b._.frame_scores
    assert [(s.start, s.end, s.label_, s.id_) for s in a.spans[SPANS_KEY]] == \
        [(s.start, s.end, s.label_, s.id_) for s in b.spans[SPANS_KEY]]


def test_frame_ruler_in_a_users_pipeline(tiny_codebook_file: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("frame_ruler", config={"codebook": str(tiny_codebook_file)})
    doc = nlp("They argued for states' rights. It was expensive.")
    # no lemmatizer: phrases match on lower case, and rules still fire
    assert doc._.frame_scores["fed"] > 0.5


def test_empty_and_whitespace_docs() -> None:
    nlp = build_nlp()
    for text in ["", "   \n\n  "]:
        doc = nlp(text)
        assert doc._.frame_sentences == []
        assert all(v == 0.0 for v in doc._.frame_scores.values())
