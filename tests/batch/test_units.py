"""Work units cut by words (``framing.batch.units``) and the default number of workers."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from framing.batch import label, read_rejects, units
from framing.batch.units import cut_by_words, default_workers, unit_words
from framing.ingest import Reject
from framing.types import Article

label_mod = importlib.import_module("framing.batch.label")


def _arts(lengths: list[int]) -> list[Article]:
    return [Article(f"a{i}", " ".join(["word"] * n)) for i, n in enumerate(lengths)]


def test_units_keep_order_and_every_record() -> None:
    items: list[Any] = _arts([50, 500, 20, 20, 20, 3000, 10])
    items.insert(3, Reject(file="f", line=4, code="E101", id=None, reason="bad"))
    cut = list(cut_by_words(iter(items), max_records=100, max_words=100))
    assert [x for u in cut for x in u] == items  # nothing lost, merged or reordered
    sizes = [sum(units.approx_words(x.text) for x in u if isinstance(x, Article)) for u in cut]
    # a unit ends before the record that would take it past 100 words; longer ones are alone
    assert sizes == [50, 500, 60, 3000, 10]
    assert all(len(u) == 1 for u, s in zip(cut, sizes, strict=True) if s > 100)


def test_record_cap_still_applies() -> None:
    cut = list(cut_by_words(iter(_arts([1] * 10)), max_records=4, max_words=10_000))
    assert [len(u) for u in cut] == [4, 4, 2]


def test_long_documents_make_balanced_units() -> None:
    """A few hundred long documents of uneven length: units of similar word counts, dozens of
    them, where 500-record shards made one unit (no parallelism at all)."""
    import random

    rng = random.Random(3)
    lengths = [rng.randint(500, 12_000) for _ in range(300)]
    total = sum(lengths)
    per = unit_words(total * units.BYTES_PER_WORD, 2)
    cut = list(cut_by_words(iter(_arts(lengths)), max_records=500, max_words=per))
    sizes = [sum(len(a.text.split()) for a in u) for u in cut]
    assert len(cut) >= 2 * units.UNITS_PER_WORKER * 0.8
    assert max(sizes) <= per + 12_000 and sum(sizes) == total


def test_unit_words_bounds() -> None:
    assert unit_words(0, 2) == units.MIN_UNIT_WORDS
    assert unit_words(10**12, 2) == units.MAX_UNIT_WORDS
    assert unit_words(60_000_000, 4) < unit_words(60_000_000, 2)


def test_default_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"id": "1", "text": "x"}) + "\n")
    big = tmp_path / "big.jsonl"
    with open(big, "wb") as fh:  # size is all that is read
        fh.truncate(units.PARALLEL_MIN_BYTES + 1)
    rules = {"rules_only": True}
    from framing._torchless import needs_torch

    # as on Linux with torch not imported (this test process may have imported it)
    monkeypatch.setattr("framing.batch.executors.fork_is_safe", lambda kw: not needs_torch(kw))
    monkeypatch.setattr(units, "usable_cpus", lambda: 2)
    assert default_workers(rules, [small]) == 1
    assert default_workers(rules, [big]) == 2
    assert default_workers({"rules_only": False}, [big]) == 1  # a classifier: one process
    assert default_workers(None, [big]) == 1  # a built Analyzer runs here only
    monkeypatch.setattr(units, "usable_cpus", lambda: 64)
    assert default_workers(rules, [big]) == units.MAX_DEFAULT_WORKERS
    monkeypatch.setattr(units, "usable_cpus", lambda: 1)
    assert default_workers(rules, [big]) == 1
    # workers that cannot be forked (macOS, torch imported) are asked for, never a default
    monkeypatch.setattr(units, "usable_cpus", lambda: 2)
    monkeypatch.setattr("framing.batch.executors.fork_is_safe", lambda kw: False)
    assert default_workers(rules, [big]) == 1


def test_single_file_output_same_bytes_whatever_the_cut(
        tmp_path: Path, corpus_factory: Any, load_kwargs: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    inp = tmp_path / "in.jsonl"
    expect = corpus_factory(inp, 80, words_per_doc=200)
    kw = {"load_kwargs": load_kwargs, "progress": False}
    label([inp], tmp_path / "one.jsonl", workers=1, **kw)
    seen: list[int] = []
    real = label_mod.cut_by_words

    def spy(items: Any, max_records: int, max_words: int) -> Any:
        for u in real(items, max_records, 300):  # ~ two documents per unit
            seen.append(len(u))
            yield u

    monkeypatch.setattr(label_mod, "cut_by_words", spy)
    s = label([inp], tmp_path / "par.jsonl", workers=2, **kw)
    assert s.workers == 2 and len(seen) > 20
    assert (tmp_path / "par.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert read_rejects(tmp_path / "par.jsonl") == read_rejects(tmp_path / "one.jsonl")
    ids = [json.loads(ln)["id"] for ln in (tmp_path / "par.jsonl").read_text().splitlines()]
    assert ids == expect["good"]  # input order


def test_workers_default_in_label(tmp_path: Path, corpus: Any, load_kwargs: dict[str, Any]
                                  ) -> None:
    inp, _ = corpus  # small input: one process pays off best
    s = label([inp], tmp_path / "o.jsonl", load_kwargs=load_kwargs, progress=False)
    assert (s.workers, s.backend) == (1, "inline")
