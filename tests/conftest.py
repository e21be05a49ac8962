"""Shared fixtures: the rule-only analyzer, small codebooks, temp inputs."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import framing
from framing.codebook import Codebook

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session", autouse=True)
def _rule_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The compiled-pattern cache of a test run lives in a temporary folder, not the user's
    cache (``framing.pipeline.rulecache``)."""
    old = os.environ.get("FRAMING_CACHE_DIR")
    os.environ["FRAMING_CACHE_DIR"] = str(tmp_path_factory.mktemp("framing-cache"))
    yield
    if old is None:
        os.environ.pop("FRAMING_CACHE_DIR", None)
    else:
        os.environ["FRAMING_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def analyzer() -> framing.Analyzer:
    return framing.load(rules_only=True)


@pytest.fixture(scope="session")
def codebook() -> Codebook:
    return Codebook.default()


@pytest.fixture()
def tiny_codebook_dict() -> dict:
    return {
        "name": "tiny", "version": "1",
        "frames": [
            {"id": "law", "name": "Law", "parent": None, "description": "legal",
             "patterns": [{"id": "law.court", "kind": "phrase", "phrases": ["supreme court"],
                           "weight": 0.9}]},
            {"id": "fed", "name": "Fed", "parent": "law", "description": "federalism",
             "patterns": [
                 {"id": "fed.states", "kind": "phrase", "phrases": ["states' rights"],
                  "weight": 0.8},
                 {"id": "fed.weak", "kind": "token", "pattern": [{"LEMMA": "governor"}],
                  "weight": 0.3}]},
            {"id": "money", "name": "Money", "parent": None, "description": "costs",
             "threshold": 0.4,
             "patterns": [{"id": "money.cost", "kind": "token",
                           "pattern": [{"LEMMA": {"IN": ["cost", "price"]}}], "weight": 0.45}]},
        ],
        "targets": [{"id": "t1", "text": "states' rights"}],
    }


@pytest.fixture()
def tiny_codebook(tiny_codebook_dict: dict) -> Codebook:
    return Codebook.from_dict(tiny_codebook_dict)


@pytest.fixture()
def tiny_codebook_file(tmp_path: Path, tiny_codebook_dict: dict) -> Path:
    p = tmp_path / "tiny.json"
    p.write_text(json.dumps(tiny_codebook_dict))
    return p
