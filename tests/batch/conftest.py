"""Fixtures for batch tests: a small fast codebook and a synthetic corpus with broken records."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

import framing

TINY_CODEBOOK: dict[str, Any] = {
    "name": "tiny-batch", "version": "1",
    "frames": [
        {"id": "law", "name": "Law", "parent": None, "description": "legal",
         "patterns": [{"id": "law.court", "kind": "phrase",
                       "phrases": ["supreme court", "the constitution"], "weight": 0.9}]},
        {"id": "fed", "name": "Fed", "parent": "law", "description": "federalism",
         "patterns": [
             {"id": "fed.states", "kind": "phrase", "phrases": ["states' rights", "the states"],
              "weight": 0.8},
             {"id": "fed.weak", "kind": "token", "pattern": [{"LEMMA": "governor"}],
              "weight": 0.3}]},
        {"id": "enf", "name": "Enforcement", "parent": None, "description": "police",
         "patterns": [{"id": "enf.police", "kind": "token",
                       "pattern": [{"LEMMA": {"IN": ["police", "arrest", "prosecutor"]}}],
                       "weight": 0.7}]},
    ],
    "targets": [],
}

WORDS = ("the states", "governor", "supreme court", "police", "arrested", "prosecutors",
         "budget", "schools", "roads", "citizens", "weather", "market", "the constitution",
         "farmers", "rivers", "bridges", "debate", "council", "voters", "taxes")


def make_corpus(path: Path, n: int, seed: int = 7, words_per_doc: int = 60,
                broken_every: int = 9) -> dict[str, list[Any]]:
    """Write ``n`` records (every ``broken_every``-th one broken in a rotating way) to
    ``path``; return the expected good ids and bad lines."""
    rng = random.Random(seed)
    good: list[str] = []
    bad: list[int] = []
    lines: list[bytes] = []
    for i in range(n):
        line_no = i + 1
        if broken_every and i % broken_every == broken_every - 1:
            kind = (i // broken_every) % 4
            lines.append([b"{not json", json.dumps({"id": f"d{i}", "text": " "}).encode(),
                          json.dumps({"id": f"d{i}", "text": "x", "date": "never"}).encode(),
                          b"\xff\xfe bad bytes"][kind])
            bad.append(line_no)
            continue
        sents = []
        for _ in range(max(1, words_per_doc // 8)):
            ws = [rng.choice(WORDS) for _ in range(7)]
            sents.append(" ".join(ws).capitalize() + ".")
        rec = {"id": f"d{i}", "text": " ".join(sents), "outlet": f"o{i % 3}",
               "date": f"2019-0{1 + i % 9}-1{i % 10}"}
        lines.append(json.dumps(rec).encode())
        good.append(f"d{i}")
    path.write_bytes(b"\n".join(lines) + b"\n")
    return {"good": good, "bad": bad}


@pytest.fixture(scope="session")
def tiny_cb_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("cb") / "tiny.json"
    p.write_text(json.dumps(TINY_CODEBOOK))
    return p


@pytest.fixture(scope="session")
def load_kwargs(tiny_cb_file: Path) -> dict[str, Any]:
    return {"rules_only": True, "codebook": str(tiny_cb_file)}


@pytest.fixture(scope="session")
def tiny_analyzer(load_kwargs: dict[str, Any]) -> framing.Analyzer:
    return framing.load(**load_kwargs)


@pytest.fixture(scope="session")
def corpus_factory() -> Any:
    """:func:`make_corpus`, for tests that need another size."""
    return make_corpus


@pytest.fixture()
def corpus(tmp_path: Path) -> tuple[Path, dict[str, list[Any]]]:
    p = tmp_path / "in.jsonl"
    return p, make_corpus(p, 60)
