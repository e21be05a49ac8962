"""The frame_ruler's windowed token matching (the batch throughput work) finds exactly what one
spaCy Matcher over all patterns finds, in the order the ruler relies on."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from framing.codebook import Codebook
from framing.pipeline import build_nlp

DATA = Path(__file__).resolve().parents[1] / "data"

# Operators, flags, negations, optional and unbounded tokens, anchors and patterns without one
TRICKY: list[list[dict[str, Any]]] = [
    [{"LEMMA": {"IN": ["cost", "price", "tax"]}}, {"IS_ALPHA": True, "OP": "*"},
     {"LIKE_NUM": True}, {"LOWER": {"IN": ["percent", "%"]}}],
    [{"LOWER": {"IN": ["the", "many", "fifty"]}}, {"LOWER": {"IN": ["states", "cities"]}}],
    [{"LEMMA": {"IN": ["leave", "return"]}}, {"IS_PUNCT": False, "OP": "{0,8}"},
     {"LOWER": "to"}, {"LOWER": {"IN": ["the", "each"]}, "OP": "?"}, {"LOWER": "states"}],
    [{"LOWER": {"NOT_IN": ["drug", "trade"]}}, {"LOWER": {"IN": ["war", "wars"]}},
     {"LOWER": {"NOT_IN": ["on", "against"]}}],
    [{"IS_TITLE": True}, {"LOWER": {"IN": ["v.", "vs."]}}, {"IS_TITLE": True}],
    [{"LOWER": "very", "OP": "+"}, {"LOWER": {"IN": ["good", "bad"]}}],
    [{"LIKE_NUM": True}, {"LOWER": "years"}],
    [{"IS_TITLE": True}, {"IS_TITLE": True}],  # no anchor: scans the whole Doc
    [{"LOWER": "states", "OP": "!"}, {"LOWER": "rights"}],
    [{"LOWER": {"IN": ["police", "prosecutors"]}}],
    [{"ORTH": "ICE"}],
    [{"LEMMA": "police"}],  # same span and weight as the one above: a tie to order
    [{"LOWER": "government", "OP": "?"}, {"LOWER": {"IN": ["overreach", "mandates"]}}],
    [{"LOWER": {"IN": ["majority", "most"]}}, {"LOWER": "of", "OP": "?"},
     {"LOWER": {"IN": ["the", "all", "registered"]}, "OP": "*"},
     {"LEMMA": {"IN": ["american", "voter"]}}],
]

WORDS = ("the states", "leave it to the states", "return power to each states",
         "very very good", "Smith v. Jones", "cost of the new tax rose 5 percent",
         "most of the registered voters", "the war on drugs", "a long war ended", "police",
         "Police", "prosecutors", "ICE", "3 years", "states rights", "their rights",
         "government overreach", "mandates", ",", ".", "\n", "\n\n", "Fifty cities",
         "many states", "price", "10 %", "Most Americans", "war")


def _codebook() -> Codebook:
    frames = []
    for f in range(3):
        pats = [{"id": f"f{f}.p{i}", "kind": "token", "pattern": p, "weight": 0.5}
                for i, p in enumerate(TRICKY) if i % 3 == f or i in (9, 10, 11)]
        frames.append({"id": f"f{f}", "name": f"F{f}", "description": "test",
                       "patterns": pats})
    return Codebook.from_dict({"name": "tricky", "version": "1", "frames": frames})


def _texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 60))) for _ in range(n)]
    return [*out, (DATA / "oped_states_drugs.txt").read_text(encoding="utf-8")]


def _reference(ruler: Any, doc: Any) -> list[tuple[str, int, int]]:
    matcher = ruler._matchers[0]
    strings = doc.vocab.strings
    return [(strings[k], s, e) for k, s, e in matcher(doc)]


@pytest.mark.parametrize("codebook", ["default", "tricky"])
def test_windowed_matching_equals_one_matcher(codebook: str) -> None:
    nlp = build_nlp(Codebook.default() if codebook == "default" else _codebook())
    ruler = nlp.get_pipe("frame_ruler")
    order_checked = 0
    for text in _texts(150, seed=3):
        doc = nlp.make_doc(text)
        for name, proc in nlp.pipeline:
            if name != "frame_ruler":
                doc = proc(doc)
        fast = ruler._index.matches(doc)
        ref = _reference(ruler, doc)
        assert sorted(fast) == sorted(ref), text
        # what the ruler depends on: the order of matches on exactly the same tokens
        key: dict[tuple[int, int], list[str]] = {}
        for pid, s, e in ref:
            key.setdefault((s, e), []).append(pid)
        for (s, e), pids in key.items():
            if len(pids) > 1:
                assert [p for p, a, b in fast if (a, b) == (s, e)] == pids
                order_checked += 1
    if codebook == "tricky":
        assert order_checked > 0
