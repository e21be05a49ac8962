"""Codebook loading, hierarchy and validation with locations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framing.codebook import Codebook, default_codebook_path, validate_file
from framing.errors import FramingError

PFC = [
    "economic", "capacity_and_resources", "morality", "fairness_and_equality",
    "legality_constitutionality_and_jurisprudence", "policy_prescription_and_evaluation",
    "crime_and_punishment", "security_and_defense", "health_and_safety", "quality_of_life",
    "cultural_identity", "public_opinion", "political", "external_regulation_and_reputation",
    "other",
]


def test_default_has_pfc_and_subframes(codebook: Codebook) -> None:
    assert codebook.frame_ids[:15] == PFC
    assert codebook.parent("federalism") == "legality_constitutionality_and_jurisprudence"
    assert codebook.parent("enforcement") == "crime_and_punishment"
    assert all(codebook.parent(f) is None for f in PFC)
    assert codebook.targets, "default codebook declares stance targets"


def test_every_frame_has_patterns_with_unique_ids(codebook: Codebook) -> None:
    ids = [p.id for p in codebook.patterns]
    assert len(ids) == len(set(ids))
    for f in codebook.frames:
        assert f.patterns, f"frame {f.id} has no rule patterns"
        assert all(p.id.startswith(f.id + ".") for p in f.patterns)


def test_default_file_validates() -> None:
    assert validate_file(default_codebook_path()) == []


def test_closure_and_ancestors(tiny_codebook: Codebook) -> None:
    assert tiny_codebook.ancestors("fed") == ["law"]
    assert tiny_codebook.closure(["fed", "money"]) == ["law", "fed", "money"]
    assert tiny_codebook.children("law") == ["fed"]
    assert tiny_codebook.threshold("money") == 0.4
    assert tiny_codebook.threshold("fed") == 0.5


def test_unknown_frame_error_lists_known(tiny_codebook: Codebook) -> None:
    with pytest.raises(FramingError, match=r"\[E004\].*known frames: law, fed, money"):
        tiny_codebook.frame("nope")


def test_roundtrip_to_dict(tiny_codebook: Codebook, tmp_path: Path) -> None:
    tiny_codebook.to_json(tmp_path / "cb.json")
    again = Codebook.load(tmp_path / "cb.json")
    assert again.to_dict() == tiny_codebook.to_dict()


def test_yaml_codebook(tmp_path: Path, tiny_codebook_dict: dict) -> None:
    yaml = pytest.importorskip("yaml")
    p = tmp_path / "cb.yaml"
    p.write_text(yaml.safe_dump(tiny_codebook_dict))
    assert Codebook.load(p).frame_ids == ["law", "fed", "money"]


def test_validate_reports_every_problem_with_location(tmp_path: Path) -> None:
    (tmp_path / "pats.jsonl").write_text(
        '{"id": "a.x", "kind": "phrase", "phrases": ["ok"]}\n'
        "{not json\n"
        '{"id": "a.y", "kind": "regex", "weight": 2}\n'
        '{"id": "a.z", "kind": "token", "pattern": [{"LEMA": "x"}]}\n'
    )
    bad = {
        "frames": [
            {"id": "a", "parent": "ghost", "patterns": "pats.jsonl"},
            {"id": "a", "patterns": [{"id": "a.x", "kind": "phrase", "phrases": []}]},
            {"name": "no id"},
            {"id": "b", "patterns": "missing.jsonl", "threshold": 3, "colour": "red"},
        ],
        "targets": [{"description": "no text"}],
    }
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(bad))
    problems = validate_file(p)
    text = "\n".join(problems)
    expected = [
        "frames[0] ('a'): parent 'ghost' is not a frame id",
        "pats.jsonl line 2: invalid JSON",
        "pats.jsonl line 3: 'weight' must be in (0, 1]",
        "pats.jsonl line 3: 'kind' must be one of",
        "pats.jsonl line 4: token 0 has unknown attribute(s) ['LEMA']",
        "frames[1] ('a'): duplicate frame id",
        "frames[1] ('a').patterns[0]: 'phrases' must be a non-empty list",
        "frames[2]: missing or empty 'id'",
        "frames[3] ('b'): pattern file 'missing.jsonl' not found",
        "frames[3] ('b'): 'threshold' must be in (0, 1]",
        "frames[3] ('b'): unknown key(s) ['colour']",
        "targets[0]: each target needs a non-empty 'text'",
    ]
    for e in expected:
        assert e in text, f"missing problem: {e}\n--- got ---\n{text}"
    with pytest.raises(FramingError, match=r"\[E003\]"):
        Codebook.load(p)


def test_parent_cycle_detected(tmp_path: Path) -> None:
    p = tmp_path / "cyc.json"
    p.write_text(json.dumps({"frames": [{"id": "a", "parent": "b"}, {"id": "b", "parent": "a"}]}))
    assert any("cycle" in x for x in validate_file(p))


def test_missing_and_unparseable_files(tmp_path: Path) -> None:
    assert "[E001]" in validate_file(tmp_path / "nope.json")[0]
    (tmp_path / "x.json").write_text("{oops")
    assert "[E002]" in validate_file(tmp_path / "x.json")[0]
