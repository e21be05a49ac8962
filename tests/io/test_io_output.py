"""Reading labelled output: manifests are checked (unfinished, live, damaged, mixed runs),
one writer per output (the lock), the schema and the table helpers (issue 14 items 2-3,
issue 13's one results schema)."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import socket
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import framing
from framing.batch import label
from framing.errors import FramingError, FramingWarning
from framing.io import (
    OutputLock,
    check_run,
    documents_dataset,
    documents_frame,
    frame_of,
    read_output,
    read_table,
    row_to_result,
    score_column,
    sentences_dataset,
    sentences_frame,
)
from framing.io.lock import lock_path, writer_of
from framing.io.manifest import Manifest


def _corpus(path: Path, n: int = 30) -> Path:
    texts = ["Leave drug policy to the states. Police arrested ten people.",
             "The budget grew again this year.", "Federal prosecutors raided a shop."]
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": texts[i % 3], "outlet": f"o{i % 2}",
                                        "date": f"2020-0{1 + i % 9}-01"}) + "\n"
                            for i in range(n)))
    return path


@pytest.fixture()
def run_dir(tmp_path: Path, analyzer: framing.Analyzer) -> Path:
    out = tmp_path / "out"
    label([_corpus(tmp_path / "in.jsonl")], out, analyzer=analyzer, shard_size=10,
          progress=False)
    return out


def test_complete_run_reads(run_dir: Path) -> None:
    run = check_run(run_dir)
    assert [e.index for e in run.shards] == [0, 1, 2] and not run.problems
    assert [r.id for r in read_output(run_dir)] == [f"d{i}" for i in range(30)]


def test_tampered_shard_is_refused_or_left_out(run_dir: Path) -> None:
    shard = run_dir / "part-000001.parquet"
    data = bytearray(shard.read_bytes())
    data[100] ^= 1  # same size, different bytes
    shard.write_bytes(bytes(data))
    with pytest.raises(FramingError, match=r"\[E611\].*checksum.*--allow-incomplete"):
        read_output(run_dir)
    with pytest.warns(FramingWarning, match=r"W615.*part-000001"):
        got = read_output(run_dir, allow_incomplete=True)
    assert [r.id for r in got] == [f"d{i}" for i in range(30) if not 10 <= i < 20]


def test_missing_shard_is_refused(run_dir: Path) -> None:
    m = Manifest.load(run_dir)
    del m.shards[2]
    m.save(run_dir)  # still "complete": a shard is missing from the manifest
    with pytest.raises(FramingError, match=r"\[E611\].*missing from the manifest"):
        read_output(run_dir)


def test_unlisted_shard_of_a_complete_run_is_a_mix(run_dir: Path) -> None:
    (run_dir / "part-000009.parquet").write_bytes((run_dir / "part-000000.parquet").read_bytes())
    with pytest.raises(FramingError, match=r"\[E616\].*part-000009.*--overwrite"):
        read_output(run_dir)
    with pytest.warns(FramingWarning, match=r"W615.*does not list"):
        assert len(read_output(run_dir, allow_incomplete=True)) == 30


def _hold_lock(target: str, ready: Any, stop: Any) -> None:
    with OutputLock(target):
        ready.set()
        stop.wait(30)


def test_a_run_being_written_is_refused(run_dir: Path) -> None:
    ctx = mp.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=_hold_lock, args=(str(run_dir), ready, stop))
    proc.start()
    try:
        assert ready.wait(30)
        info = writer_of(run_dir)
        assert info is not None and info["pid"] == proc.pid
        assert info["host"] == socket.gethostname()
        with pytest.raises(FramingError, match=rf"\[E617\].*pid {proc.pid}"):
            read_output(run_dir)
        with pytest.raises(FramingError, match=rf"\[E614\].*pid {proc.pid}"):
            OutputLock(run_dir).acquire()
    finally:
        stop.set()
        proc.join(30)
    assert writer_of(run_dir) is None and not lock_path(run_dir).exists()


def _die_holding(target: str) -> None:
    OutputLock(target).acquire()
    os._exit(0)  # no release: the lock file stays, the kernel drops the lock


def test_stale_lock_is_taken_over(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    proc = mp.get_context("spawn").Process(target=_die_holding, args=(str(target),))
    proc.start()
    proc.join(30)
    assert lock_path(target).exists()  # left behind
    assert writer_of(target) is None  # its process is gone
    with pytest.warns(FramingWarning, match=rf"W619.*pid {proc.pid}"), OutputLock(target) as lk:
        assert json.loads(lk.path.read_text())["pid"] == os.getpid()
    assert not lock_path(target).exists()


def test_schema_names_live_in_one_place(run_dir: Path) -> None:
    t = pq.read_table(run_dir / "part-000000.parquet")
    frames = [f for f in map(frame_of, t.column_names) if f]
    assert frames == framing.Codebook.default().frame_ids
    assert score_column(frames[0]) in t.column_names
    back = row_to_result(t.to_pylist()[0])
    assert back.id == "d0" and back.meta["outlet"] == "o0"
    assert read_table(run_dir, columns=["id"]).num_rows == 30


def test_documents_and_sentences_as_tables(run_dir: Path) -> None:
    docs = documents_frame(run_dir)
    assert list(docs["id"]) == [f"d{i}" for i in range(30)]
    assert {"outlet", "date", "labels", "primary_frame", "stance", "meta"} <= set(docs.columns)
    assert score_column("federalism") in docs.columns
    assert "federalism" in docs.loc[0, "labels"]
    sents = sentences_frame(run_dir)
    first = sents[sents["id"] == "d0"]
    assert list(first["text"]) == ["Leave drug policy to the states.",
                                   "Police arrested ten people."]
    ev = first.iloc[0]["evidence"]
    assert ev and ev[0]["frame"] and ev[0]["source"].startswith("rule:")
    assert first.iloc[0]["text"][ev[0]["start"]:ev[0]["end"]] == ev[0]["text"]
    ds = sentences_dataset(run_dir)
    assert ds.num_rows == len(sents) and "evidence" in ds.column_names
    dd = documents_dataset(run_dir)
    assert dd.num_rows == 30 and json.loads(dd[0]["meta_json"])["outlet"] == "o0"


def test_duplicate_ids_are_reported_by_read_output(tmp_path: Path,
                                                   analyzer: framing.Analyzer) -> None:
    inp = _corpus(tmp_path / "in.jsonl", 3)
    inp.write_text(inp.read_text() * 2)
    with pytest.warns(FramingWarning, match=r"W614.*3 record"):
        s = label([inp], tmp_path / "o.jsonl", analyzer=analyzer, progress=False)
    assert s.duplicates == 3 and "3 repeated id(s)" in s.line()
    with pytest.warns(FramingWarning, match=r"W616.*3 document"):
        assert len(read_output(tmp_path / "o.jsonl")) == 6


def test_lock_waits_for_nobody(tmp_path: Path) -> None:
    t0 = time.monotonic()
    with OutputLock(tmp_path / "x"):
        pass
    assert time.monotonic() - t0 < 5
