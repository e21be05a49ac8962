"""Counting units of aggregation: documents, sentences (stored shares) and mentions (stored
mention counts), on real rules-only labelled output; older outputs without those fields."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import framing
from framing.aggregate.load import LabelledData, load_labelled
from framing.aggregate.shares import frame_shares
from framing.batch import label
from framing.cli import app
from framing.errors import FramingError
from framing.io import read_output, result_row, row_to_dict, row_to_result
from framing.io.schema import MENTIONS_PREFIX, N_SENTENCES, SHARE_PREFIX

COLLECTION = Path(__file__).resolve().parents[2] / "corpora" / "collection" / "collection.jsonl"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """40 documents of the project's collection labelled (rules only) to JSONL and Parquet."""
    d = tmp_path_factory.mktemp("units")
    rows = [json.loads(x) for x in COLLECTION.read_text(encoding="utf-8").splitlines()[:40]]
    inp = d / "in.jsonl"
    inp.write_text("".join(json.dumps({k: r[k] for k in ("id", "outlet", "date", "text")}) + "\n"
                           for r in rows), encoding="utf-8")
    analyzer = framing.load(rules_only=True)
    label([inp], d / "o.jsonl", analyzer=analyzer, progress=False)
    label([inp], d / "o.parquet", analyzer=analyzer, progress=False)
    return d / "o.jsonl", d / "o.parquet"


def _counts(data: LabelledData, frames: list[str]) -> np.ndarray:
    """k as documents x ``frames`` (a Parquet output declares every frame of the model, a
    JSONL reader only those it meets)."""
    out = np.zeros((data.n_documents, len(frames)), np.int64)
    for j, f in enumerate(frames):
        if f in data.frames:
            out[:, j] = data.k[:, data.frames.index(f)]
    return out


@pytest.mark.parametrize("unit", ["document", "sentence", "mention"])
def test_jsonl_and_parquet_count_the_same(outputs: tuple[Path, Path], unit: str) -> None:
    j, p = outputs
    dj = load_labelled(j, by=["outlet"], unit=unit)
    dp = load_labelled(p, by=["outlet"], unit=unit)
    frames = sorted(set(dj.frames) | set(dp.frames))
    assert set(dj.frames) <= set(dp.frames) and dj.n_documents == dp.n_documents == 40
    assert np.array_equal(dj.units, dp.units)
    assert np.array_equal(_counts(dj, frames), _counts(dp, frames))
    assert _counts(dj, frames).sum() > 0


def test_units_count_what_the_documents_say(outputs: tuple[Path, Path]) -> None:
    j, _ = outputs
    results = read_output(j)
    assert any(r.mentions for r in results) and any(r.shares for r in results)
    sent = load_labelled(j, by=["outlet"], unit="sentence")
    ment = load_labelled(j, by=["outlet"], unit="mention")
    doc = load_labelled(j, by=["outlet"], unit="document")
    for i, r in enumerate(results):
        assert sent.units[i] == len(r.sentences)
        assert ment.units[i] == len(r.evidence) == sum(r.mentions.values())
        for f in r.frames:
            assert _counts(sent, [f])[i, 0] == sum(1 for s in r.sentences if f in s.labels)
            assert _counts(ment, [f])[i, 0] == sum(1 for e in r.evidence if e.frame == f)
            assert _counts(doc, [f])[i, 0] == (f in r.labels)
    # the share of a cell is its frame's units over all units of the cell
    t = frame_shares(ment, pooled=True, n_bootstrap=49)
    row = t[t.k > 0].iloc[0]
    g = ment.groups[ment.groups.outlet == row.outlet].index[0]
    f = ment.frames.index(row.frame)
    docs = ment.group == g
    assert row.n == ment.units[docs].sum() and row.k == ment.k[docs, f].sum()
    assert row.share == pytest.approx(row.k / row.n)


def test_schema_round_trips_shares_and_mentions(outputs: tuple[Path, Path]) -> None:
    j, p = outputs
    results = read_output(j)
    frames = list(results[0].frames)
    for r in results:
        row = result_row(r, frames)
        assert row[N_SENTENCES] == len(r.sentences)
        back = row_to_result(row)
        assert back.shares == pytest.approx(r.shares, abs=1e-4) and back.mentions == r.mentions
    cols = pq.read_schema(p).names
    assert {f"{SHARE_PREFIX}{f}" for f in frames} <= set(cols)
    assert {f"{MENTIONS_PREFIX}{f}" for f in frames} <= set(cols)
    assert [r.mentions for r in read_output(p)] == [r.mentions for r in results]


def _old_outputs(outputs: tuple[Path, Path], d: Path) -> tuple[Path, Path]:
    """The same outputs as a framing version without shares and mentions wrote them."""
    j, p = outputs
    oj = d / "old.jsonl"
    lines = []
    for line in j.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        rec.pop("shares"), rec.pop("mentions")
        lines.append(json.dumps(rec))
    oj.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = pq.read_table(p)
    keep = [c for c in t.column_names if c != N_SENTENCES
            and not c.startswith((SHARE_PREFIX, MENTIONS_PREFIX))]
    op = d / "old.parquet"
    pq.write_table(t.select(keep), op)
    return oj, op


def test_older_outputs_read_by_documents_refused_by_other_units(
        outputs: tuple[Path, Path], tmp_path: Path) -> None:
    oj, op = _old_outputs(outputs, tmp_path)
    new = load_labelled(outputs[0], by=["outlet"])
    for old in (oj, op):
        d = load_labelled(old, by=["outlet"])
        assert np.array_equal(_counts(d, new.frames), _counts(new, new.frames))
        assert "shares" not in row_to_dict(pq.read_table(op).to_pylist()[0])
        for unit, what in (("sentence", "sentence shares"), ("mention", "mention counts")):
            with pytest.raises(FramingError, match=rf"\[E618\].*old\.\w+.*{what}.*{unit} unit"):
                load_labelled(old, by=["outlet"], unit=unit)


def test_cli_unit_mention_and_errors(outputs: tuple[Path, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    j, p = outputs
    r = runner.invoke(app, ["aggregate", str(p), "--out", str(tmp_path / "agg"), "--unit",
                            "mention", "--bootstrap", "99", "--no-vocab", "--quiet"])
    assert r.exit_code == 0, r.output
    import pandas as pd

    shares = pd.read_csv(tmp_path / "agg" / "shares.csv")
    assert set(shares["unit"]) == {"mention"}
    oj, _ = _old_outputs(outputs, tmp_path)
    r = runner.invoke(app, ["aggregate", str(oj), "--out", str(tmp_path / "agg2"), "--unit",
                            "sentence", "--quiet"])
    assert r.exit_code == 2 and "E618" in r.output
    r = runner.invoke(app, ["aggregate", str(j), "--out", str(tmp_path / "agg3"), "--unit",
                            "mention", "--correct", "--error-rates", str(tmp_path / "x.json")])
    assert r.exit_code == 2 and "E502" in r.output and "mentions" in r.output
    r = runner.invoke(app, ["aggregate", str(j), "--out", str(tmp_path / "agg4"), "--unit",
                            "word"])
    assert r.exit_code == 2 and "E502" in r.output
