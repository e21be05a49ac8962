"""The stance_cues component: cue spans, negation, reported speech, serialisation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import spacy

from framing.errors import FramingError
from framing.pipeline.stance import build_stance_nlp
from framing.pipeline.stance_cues import read_cues


@pytest.fixture(scope="module")
def nlp() -> Any:
    return build_stance_nlp()


def _sent(nlp: Any, text: str) -> dict:
    doc = nlp(text)
    assert len(doc._.stance_cue_sentences) == 1
    return doc._.stance_cue_sentences[0]


def _ids(s: dict) -> list[str]:
    return [c.pattern for c in s["cues"]]


@pytest.mark.parametrize("text, pid, polarity", [
    ("Drug policy should be left to the states.", "cue.modal", 1),
    ("It is time to admit that Washington failed.", "cue.time_to", 1),
    ("We urge Congress to act.", "cue.we_urge", 1),
    ("Leave it to the states.", "cue.leave_it_to", 1),
    ("The crackdown was a mistake.", "cue.mistake", -1),
    ("We oppose the new tax.", "cue.oppose", -1),
    ("We support the plan.", "cue.support", 1),
])
def test_explicit_cues(nlp: Any, text: str, pid: str, polarity: int) -> None:
    s = _sent(nlp, text)
    assert pid in _ids(s)
    assert s["polarity"] == polarity and s["strength"] > 0.4


@pytest.mark.parametrize("text, pid, polarity", [
    ("Washington should not run drug policy.", "cue.modal_not", -1),
    ("Prosecutors shouldn't raid shops.", "cue.modal_not", -1),
    ("Washington should no longer decide.", "cue.modal_no_longer", -1),
    ("It is time to end the raids.", "cue.time_to_stop", -1),
    ("Legalisation was not a mistake.", "cue.mistake", 1),   # negator flips an evaluation
    ("We do not support the ban.", "cue.support", -1),
    ("The states were never wrong about this.", "cue.mistake", 1),
])
def test_negation(nlp: Any, text: str, pid: str, polarity: int) -> None:
    s = _sent(nlp, text)
    assert pid in _ids(s), _ids(s)
    assert s["polarity"] == polarity
    # the negated modal is one cue, not "should" (+1) as well
    assert "cue.modal" not in _ids(s)


def test_reported_speech_and_spans(nlp: Any) -> None:
    doc = nlp("Critics say the plan is wrong. Photo: Jane Doe/Staff\nThe plan works.")
    sents = doc._.stance_cue_sentences
    assert sents[0]["reported"] and "cue.reported_group" in _ids(sents[0])
    assert not sents[1]["cues"]
    group = doc.spans["stance_cues"]
    assert {sp.id_ for sp in group} >= {"cue.reported_group", "cue.mistake"}
    for sp in group:  # offsets index the text
        assert doc.text[sp.start_char:sp.end_char] == sp.text
    c = sents[0]["cues"][0]
    assert doc.text[c[0]:c[1]] == "Critics say"


def test_round_trip_and_factory(tmp_path: Path) -> None:
    nlp1 = spacy.blank("en")
    nlp1.add_pipe("sentencizer")
    cues = nlp1.add_pipe("stance_cues", config={"negation_window": 2})
    cues.set_cues([{"id": "my.cue", "type": "evaluative", "polarity": -1, "weight": 0.9,
                    "phrases": ["bad idea"]}])
    nlp1.to_disk(tmp_path / "p")
    nlp2 = spacy.load(tmp_path / "p")
    s = nlp2("This is a bad idea.")._.stance_cue_sentences[0]
    assert _ids(s) == ["my.cue"] and s["polarity"] == -1
    assert nlp2.get_pipe("stance_cues").negation_window == 2
    assert nlp2("It is not a bad idea.")._.stance_cue_sentences[0]["polarity"] == 1


def test_invalid_cue_file_lists_problems(tmp_path: Path) -> None:
    p = tmp_path / "cues.jsonl"
    p.write_text("\n".join([
        json.dumps({"id": "a", "type": "evaluative", "polarity": 2, "phrases": ["x"]}),
        "{broken",
        json.dumps({"id": "a", "type": "nope", "polarity": 1, "pattern": [{"LOWER": "x"}],
                    "phrases": ["y"]}),
    ]), encoding="utf-8")
    with pytest.raises(FramingError) as e:
        read_cues(p)
    msg = str(e.value)
    assert msg.startswith("[E708]")
    for frag in ("line 1: 'polarity'", "line 2: invalid JSON", "line 3: duplicate id",
                 "line 3: 'type'", "line 3: give exactly one"):
        assert frag in msg


def test_shipped_cues_are_valid() -> None:
    from framing.pipeline.stance_cues import default_cues_path

    cues = read_cues(default_cues_path())
    assert len(cues) >= 20 and len({c["id"] for c in cues}) == len(cues)
