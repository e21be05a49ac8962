"""Property-based fuzzing of the readers (issue 14): generated and corrupted JSONL, CSV, TSV,
Parquet, gzip and HTML inputs through `label` (rule layer, in-process). No exception escapes,
read == labelled + rejected, every valid record no corruption touched is labelled, the inputs
are byte-identical afterwards. ``scripts/fuzz_inputs.py`` runs the same with 10,000+ inputs
per format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import framing
from framing.io.fuzzing import FUZZ_FORMATS, Recipe, build, check, recipes

TINY = {
    "name": "fuzz", "version": "1", "targets": [],
    "frames": [{"id": "enf", "name": "Enforcement", "parent": None, "description": "police",
                "patterns": [{"id": "enf.police", "kind": "token",
                              "pattern": [{"LEMMA": {"IN": ["police", "arrest"]}}],
                              "weight": 0.7}]}],
}
EXAMPLES = {"html": 120}


@pytest.fixture(scope="module")
def fuzz_analyzer() -> framing.Analyzer:
    return framing.load(rules_only=True, codebook=framing.Codebook.from_dict(TINY))


@pytest.mark.parametrize("fmt", FUZZ_FORMATS)
def test_generated_and_corrupted_inputs(fmt: str, fuzz_analyzer: framing.Analyzer,
                                        tmp_path: Path) -> None:
    seen = {"inputs": 0, "read": 0}

    @settings(max_examples=EXAMPLES.get(fmt, 200), deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(recipes(fmt))
    def one(recipe: Recipe) -> None:
        out = check(build(recipe), fuzz_analyzer, tmp_path)
        seen["inputs"] += 1
        seen["read"] += out.read
        assert out.error is None, out.error
        assert not out.lost, f"lost {out.lost}"
        assert not out.changed, f"changed {out.changed}"

    one()
    assert seen["inputs"] >= 50 and seen["read"] > seen["inputs"]


def test_the_harness_finds_a_lost_record(fuzz_analyzer: framing.Analyzer,
                                         tmp_path: Path, monkeypatch: Any) -> None:
    """The oracle can fail: a reader that drops a row is caught."""
    import framing.io.csvrows as csvrows

    real = csvrows._csv_row
    monkeypatch.setattr(csvrows, "_csv_row", lambda f, h, loc, o: (
        real(f, h, loc, o) if loc.line != 3 else csvrows.Reject.at(loc, "[E111] dropped")))
    case = build(Recipe("csv", [{"id": "a", "text": "One."}, {"id": "b", "text": "Two."}], []))
    out = check(case, fuzz_analyzer, tmp_path)
    assert out.lost == ["b"] and not out.ok
