"""Sharded output: layout, manifest, per-shard rejects, reading back, determinism, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import framing
from framing.batch import label, load_manifest, read_output, read_rejects, read_table
from framing.batch.fsutil import sha256_file
from framing.batch.manifest import MANIFEST, Manifest
from framing.batch.shard import ShardTask, label_shard
from framing.batch.sinks import read_results
from framing.errors import FramingError, FramingWarning
from framing.ingest import Reject
from framing.types import Article

Corpus = tuple[Path, dict[str, list[Any]]]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


def test_shards_manifest_rejects_and_reading_back(tmp_path: Path, corpus: Corpus,
                                                  tiny_analyzer: framing.Analyzer) -> None:
    inp, expect = corpus
    out = tmp_path / "out"
    s = label([inp], out, analyzer=tiny_analyzer, shard_size=7, progress=False)
    assert (s.stats.read, s.stats.labelled, s.stats.rejected) == (
        60, len(expect["good"]), len(expect["bad"]))
    assert s.shards == 9 and "(9 shards)" in s.line()
    m = load_manifest(out)
    assert m.complete and m.n_shards == 9 and m.total_records == 60
    entries = m.ordered()
    # contiguous input ranges, each shard adds up on its own, files match their checksums
    assert [(e.start, e.end) for e in entries] == [(i, min(i + 7, 60)) for i in range(0, 60, 7)]
    for e in entries:
        assert e.read == e.labelled + e.rejected == e.end - e.start
        assert sha256_file(out / e.file) == e.sha256
        assert pq.read_table(out / e.file).num_rows == e.labelled
        rej_lines = [json.loads(x) for x in (out / e.rejects_file).read_text().splitlines()] \
            if e.rejects_file else []
        assert len(rej_lines) == e.rejected == sum(e.reasons.values())
        # a reject sits in the shard that holds its input record (line = record + 1 here)
        assert all(e.start < r["line"] <= e.end for r in rej_lines)
        if e.rejects_file:
            assert sha256_file(out / e.rejects_file) == e.rejects_sha256
    assert [r.id for r in read_output(out)] == expect["good"]
    assert [r["line"] for r in read_rejects(out)] == expect["bad"]
    assert {r["code"] for r in read_rejects(out)} == {"E101", "E104", "E105", "E106"}
    # a plain Parquet dataset read of the directory sees exactly the labelled records
    t = pq.read_table(out)
    assert t.column("id").to_pylist() == expect["good"]
    assert read_table(out, columns=["id", "outlet"]).column_names == ["id", "outlet"]
    assert [r.id for r in read_results(out)] == expect["good"]


def test_same_records_as_single_files(tmp_path: Path, corpus: Corpus,
                                      tiny_analyzer: framing.Analyzer) -> None:
    inp, _ = corpus
    label([inp], tmp_path / "one.jsonl", analyzer=tiny_analyzer, progress=False)
    label([inp], tmp_path / "one.parquet", analyzer=tiny_analyzer, progress=False,
          shard_size=5)
    label([inp], tmp_path / "dj", analyzer=tiny_analyzer, shard_size=8, shard_format="jsonl",
          progress=False)
    label([inp], tmp_path / "dp", analyzer=tiny_analyzer, shard_size=8, progress=False)
    m = load_manifest(tmp_path / "dj")
    joined = b"".join((tmp_path / "dj" / e.file).read_bytes() for e in m.ordered())
    assert joined == (tmp_path / "one.jsonl").read_bytes()
    single = [r.to_dict() for r in read_results(tmp_path / "one.parquet")]
    assert [r.to_dict() for r in read_output(tmp_path / "dp")] == single
    assert [r.to_dict() for r in read_output(tmp_path / "dj")] == single
    assert read_rejects(tmp_path / "dj") == read_rejects(tmp_path / "one.jsonl")
    assert not list(tmp_path.glob(".tmp-*"))


def test_rerun_is_byte_identical(tmp_path: Path, corpus: Corpus,
                                 tiny_analyzer: framing.Analyzer) -> None:
    inp, _ = corpus
    out = tmp_path / "out"
    label([inp], out, analyzer=tiny_analyzer, shard_size=10, progress=False)
    first = _files(out)
    label([inp], out, analyzer=tiny_analyzer, shard_size=10, progress=False, overwrite=True)
    assert _files(out) == first


def test_resume_keeps_finished_and_redoes_partial_shards(tmp_path: Path, corpus: Corpus,
                                                         tiny_analyzer: framing.Analyzer) -> None:
    inp, expect = corpus
    out = tmp_path / "out"
    label([inp], out, analyzer=tiny_analyzer, shard_size=6, progress=False)
    want = _files(out)
    # simulate a crash: two shards committed but not yet in the manifest, one shard written
    # but damaged, a temporary file half written, the run not marked complete
    m = Manifest.load(out)
    for i in (8, 9):
        del m.shards[i]
    (out / m.shards[2].file).write_bytes(b"torn")
    (out / ".tmp-part-000009.parquet.123").write_bytes(b"partial")
    m.complete = False
    m.save(out)
    mtime = (out / m.shards[0].file).stat().st_mtime_ns
    s = label([inp], out, analyzer=tiny_analyzer, shard_size=6, progress=False, resume=True)
    assert s.reused_shards == 7 and s.labelled_now == sum(
        e.labelled for i, e in load_manifest(out).shards.items() if i in (2, 8, 9))
    assert _files(out) == want
    assert (out / m.shards[0].file).stat().st_mtime_ns == mtime  # not relabelled
    assert [r.id for r in read_output(out)] == expect["good"]
    # resuming a finished run does nothing
    s = label([inp], out, analyzer=tiny_analyzer, shard_size=6, progress=False, resume=True)
    assert s.labelled_now == 0 and s.stats.read == 60


def test_reading_an_unfinished_run(tmp_path: Path, corpus: Corpus,
                                   tiny_analyzer: framing.Analyzer) -> None:
    inp, _ = corpus
    out = tmp_path / "out"
    label([inp], out, analyzer=tiny_analyzer, shard_size=20, progress=False)
    m = Manifest.load(out)
    del m.shards[2]
    m.complete = False
    m.save(out)
    with pytest.raises(FramingError, match=r"\[E609\].*--resume.*--allow-incomplete"):
        read_output(out)
    with pytest.warns(FramingWarning, match=r"W615.*unfinished"):
        got = read_output(out, allow_incomplete=True)
    assert len(got) == sum(e.labelled for e in m.shards.values())
    # a damaged shard is left out, with a warning that names it
    (out / m.shards[0].file).write_bytes(b"x")
    with pytest.warns(FramingWarning, match=r"W615.*part-000000.parquet has 1 bytes"):
        got = read_output(out, allow_incomplete=True)
    assert len(got) == m.shards[1].labelled
    with pytest.raises(FramingError, match=r"\[E610\]"):
        read_output(tmp_path)


def test_errors_are_numbered_and_say_what_to_do(tmp_path: Path, corpus: Corpus,
                                                tiny_analyzer: framing.Analyzer,
                                                load_kwargs: dict[str, Any]) -> None:
    inp, _ = corpus
    out = tmp_path / "out"
    label([inp], out, load_kwargs=load_kwargs, shard_size=10, progress=False)
    with pytest.raises(FramingError, match=r"\[E602\].*--resume.*--overwrite"):
        label([inp], out, load_kwargs=load_kwargs, shard_size=10, progress=False)
    with pytest.raises(FramingError, match=r"\[E601\](?s:.*)shard_size: 10 -> 20"):
        label([inp], out, load_kwargs=load_kwargs, shard_size=20, progress=False, resume=True)
    inp.write_bytes(inp.read_bytes() + json.dumps({"id": "new", "text": "More."}).encode() + b"\n")
    with pytest.raises(FramingError, match=r"\[E601\](?s:.*)inputs\[0\]\.size"):
        label([inp], out, load_kwargs=load_kwargs, shard_size=10, progress=False, resume=True)
    with pytest.raises(FramingError, match=r"\[E601\](?s:.*)model\.codebook"):
        label([inp], out, load_kwargs={"rules_only": True}, shard_size=10, progress=False,
              resume=True)
    with pytest.raises(FramingError, match=r"\[E605\]"):
        label([inp], tmp_path / "o.jsonl", analyzer=tiny_analyzer, resume=True,
              progress=False)
    with pytest.raises(FramingError, match=r"\[E606\].*workers.*shard-size"):
        label([inp], out, analyzer=tiny_analyzer, workers=0, shard_size=0, progress=False)
    with pytest.raises(FramingError, match=r"\[E606\].*not both"):
        label([inp], out, load_kwargs=load_kwargs, scheduler="tcp://x:1", dask_cluster="local",
              progress=False)
    with pytest.raises(FramingError, match=r"\[E608\]"):
        label([inp], out, analyzer=tiny_analyzer, workers=2, progress=False)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(FramingError, match=r"\[E603\].*notes\.txt"):
        label([inp], foreign, analyzer=tiny_analyzer, progress=False)
    (out / MANIFEST).write_text("{broken")
    with pytest.raises(FramingError, match=r"\[E604\]"):
        label([inp], out, load_kwargs=load_kwargs, shard_size=10, progress=False, resume=True)
    # --overwrite starts again
    s = label([inp], out, load_kwargs=load_kwargs, shard_size=10, progress=False,
              overwrite=True)
    assert s.stats.read == 61 and load_manifest(out).complete


class _Exploding:
    """An analyzer stand-in whose pipeline fails on one document."""

    def __init__(self, real: framing.Analyzer) -> None:
        self.real = real
        self.codebook = real.codebook

    def pipe(self, arts: list[Article], batch_size: int | None = None) -> Any:
        for a in arts:
            if "BOOM" in a.text:
                raise ValueError("kaboom")
        return self.real.pipe(arts, batch_size=batch_size)


def test_a_document_the_pipeline_fails_on_becomes_a_reject(
        tiny_analyzer: framing.Analyzer) -> None:
    items: list[Article | Reject] = [
        Article("a", "The states decide."), Reject("f", 2, "E101", "bad", "x"),
        Article("b", "BOOM goes the dynamite."), Article("c", "Police arrested him.")]
    res = label_shard(ShardTask(3, 30, items, "jsonl"), _Exploding(tiny_analyzer))  # type: ignore[arg-type]
    assert (res.read, res.labelled, res.rejected) == (4, 2, 2)
    rej = [json.loads(x) for x in res.rejects.decode().splitlines()]
    assert [(r["id"], r["code"]) for r in rej] == [("x", "E101"), ("b", "E612")]
    assert "input record 32" in rej[1]["reason"] and "kaboom" in rej[1]["reason"]
    assert res.reasons == {"E101": 1, "E612": 1}


def test_cli_directory_run_resume_and_refusals(tmp_path: Path, corpus: Corpus,
                                               tiny_cb_file: Path) -> None:
    from typer.testing import CliRunner

    from framing.cli import app

    runner = CliRunner()
    inp, expect = corpus
    base = ["label", str(inp), "--out", f"{tmp_path / 'out'}/", "--rules-only", "--codebook",
            str(tiny_cb_file), "--shard-size", "16"]
    r = runner.invoke(app, base)  # progress bar on (not a terminal here), then the summary
    assert r.exit_code == 0, r.output
    assert f"read 60, labelled {len(expect['good'])}, rejected {len(expect['bad'])}" in r.output
    assert "(4 shards)" in r.output and "_rejects" in r.output
    r = runner.invoke(app, [*base, "-q"])
    assert r.exit_code == 2 and "[E602]" in r.output and "--resume" in r.output
    r = runner.invoke(app, [*base, "-q", "--resume"])
    assert r.exit_code == 0 and "4 reused from an earlier run" in r.output
    r = runner.invoke(app, [*base, "-q", "--rejects", str(tmp_path / "r.jsonl"), "--overwrite"])
    assert r.exit_code == 2 and "[E606]" in r.output and "_rejects" in r.output
    r = runner.invoke(app, [*base, "-q", "--overwrite", "--strict"])
    assert r.exit_code == 1 and "(4 shards)" in r.output
    assert "Traceback" not in r.output


def test_resume_refuses_to_mix_models(tmp_path: Path, corpus: Corpus,
                                      tiny_analyzer: framing.Analyzer) -> None:
    inp, _ = corpus
    out = tmp_path / "out"
    label([inp], out, analyzer=tiny_analyzer, shard_size=20, progress=False)
    m = Manifest.load(out)
    assert m.model_info == tiny_analyzer.model_info
    del m.shards[1]
    m.complete = False
    m.model_info = {**m.model_info, "classifier": "an older model"}  # e.g. rebuilt since
    m.save(out)
    with pytest.raises(FramingError, match=r"\[E601\](?s:.*)model_info\.classifier"):
        label([inp], out, analyzer=tiny_analyzer, shard_size=20, progress=False, resume=True)
    assert sorted(Manifest.load(out).shards) == [0, 2]  # nothing of the other model mixed in
