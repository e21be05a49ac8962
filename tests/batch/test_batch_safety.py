"""Data safety of `framing label` (issue 14): one writer per output, stale locks and
temporary files of killed runs, bad records never stop a run (or --resume), workers die with
their parent, disk-full and read-only outputs are named errors, repeated ids are reported,
work is cut by words and the output does not depend on how."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import framing
from framing.batch import default_workers, label, load_manifest, read_output, read_rejects
from framing.batch import plan as plan_mod
from framing.cli import app
from framing.errors import FramingError, FramingWarning
from framing.io.lock import lock_path

runner = CliRunner()
posix = pytest.mark.skipif(sys.platform == "win32" or not hasattr(signal, "SIGKILL"),
                           reason="needs POSIX signals")


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "framing", "label", *args]


def _wait_for(cond: Any, timeout: float = 60.0) -> bool:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if cond():
            return True
        time.sleep(0.02)
    return False


fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


def _feed(pipe: Path, data: bytes) -> None:
    """Write ``data`` into the named pipe a run is reading, then end it (EOF)."""
    with open(pipe, "wb") as fh:
        fh.write(data)


@posix
@fifo
@pytest.mark.parametrize("kind", ["dir", "file"])
def test_second_run_into_the_same_output_is_refused(tmp_path: Path, tiny_cb_file: Path,
                                                    corpus_factory: Any, kind: str) -> None:
    data_file = tmp_path / "data.jsonl"
    corpus_factory(data_file, 50, broken_every=0)
    pipe = tmp_path / "in.jsonl"
    os.mkfifo(pipe)  # the first run holds its lock while it waits for input here
    out = f"{tmp_path / 'out'}/" if kind == "dir" else str(tmp_path / "out.jsonl")
    common = ["--rules-only", "--codebook", str(tiny_cb_file), "-q", "--workers", "1"]
    first = subprocess.Popen(_cli(str(pipe), "--out", out, *common), stderr=subprocess.PIPE,
                             text=True)
    try:
        assert _wait_for(lambda: lock_path(out).exists() and lock_path(out).stat().st_size > 0)
        second = subprocess.run(_cli(str(data_file), "--out", out, *common, "--overwrite"),
                                capture_output=True, text=True, timeout=300)
        assert first.poll() is None
        assert second.returncode == 2, second.stderr
        assert f"[E614] '{out.rstrip('/')}' is being written by another framing run " \
               f"(pid {first.pid}" in second.stderr.replace("\n", " ")
        _feed(pipe, data_file.read_bytes())
    finally:
        if first.poll() is None and not pipe.exists():
            first.kill()
        _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    got = read_output(out)  # the manifest (directory) matches its shards: nothing mixed
    assert [r.id for r in got] == [f"d{i}" for i in range(50)]
    assert not lock_path(out).exists()


@posix
@fifo
def test_killed_run_leaves_nothing_a_later_run_trips_on(tmp_path: Path, tiny_cb_file: Path,
                                                        corpus_factory: Any) -> None:
    data_file = tmp_path / "data.jsonl"
    corpus_factory(data_file, 50, broken_every=0)
    pipe = tmp_path / "in.jsonl"
    os.mkfifo(pipe)
    out = tmp_path / "out.jsonl"
    common = ["--rules-only", "--codebook", str(tiny_cb_file), "-q", "--workers", "1"]
    proc = subprocess.Popen(_cli(str(pipe), "--out", str(out), *common))
    tmp = tmp_path / f".tmp-{proc.pid}-out.jsonl"
    assert _wait_for(lambda: tmp.exists())  # its output is open, it waits for input
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert tmp.exists() and lock_path(out).exists() and not out.exists()
    r = subprocess.run(_cli(str(data_file), "--out", str(out), *common), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    text = r.stderr.replace("\n", " ")
    assert "[W618] removed 1 stale temporary file(s)" in text
    assert f"[W619] a lock on '{out}' was left by a run that is no longer running " \
           f"(pid {proc.pid}" in text
    assert not tmp.exists() and not lock_path(out).exists()
    assert len(read_output(out)) == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl", "in.jsonl", "out.jsonl"]


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (d / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@posix
@fifo
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_workers_die_with_their_parent(tmp_path: Path, tiny_cb_file: Path, method: str) -> None:
    pipe = tmp_path / "in.jsonl"
    os.mkfifo(pipe)
    # one long document per shard: each worker is busy for many seconds when the parent dies
    long = " ".join(["The governor asked the states and the police to decide."] * 30_000)
    proc = subprocess.Popen(_cli(str(pipe), "--out", f"{tmp_path / 'out'}/", "--rules-only",
                                 "--codebook", str(tiny_cb_file), "-q", "--workers", "3",
                                 "--shard-size", "1", "--start-method", method))
    fh = open(pipe, "wb")
    pids: list[int] = []
    try:
        for i in range(4):
            fh.write(json.dumps({"id": str(i), "text": long}).encode() + b"\n")
        fh.flush()

        def workers() -> list[int]:
            kids = _children(proc.pid)
            return [g for k in kids for g in [k, *_children(k)]]

        assert _wait_for(lambda: len(workers()) >= 2)
        time.sleep(1.0)  # the shards have reached the workers
        pids = workers()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # a worker still importing (a loaded machine) starts watching when its initializer
        # runs, so allow for that; a worker that outlived its parent would never go
        assert _wait_for(lambda: not any(_alive(p) for p in pids), timeout=30), \
            [p for p in pids if _alive(p)]
    finally:
        for p in {*pids, *_children(proc.pid)}:  # a failed run must not leave workers behind
            with contextlib.suppress(OSError):
                os.kill(p, signal.SIGKILL)
        with contextlib.suppress(OSError):
            fh.close()


def _bad_records(path: Path) -> int:
    lines = [
        '{"id": "\\ud800", "text": "Lone surrogate id."}',
        '{"id": "meta", "text": "Meta.", "meta": {"x": "\\udfff"}}',
        '{"id": "deep", "text": "x", "n": ' + "[" * 50_000 + "]" * 50_000 + "}",
        '{"id": [1], "text": "A list as id."}',
        '{"id": "ok1", "text": "The states decide, the governor said."}',
        '{"id": 7, "text": "An integer id."}',
        '{"id": "7", "text": "The same id as text."}',
    ]
    path.write_text("\n".join(lines * 3) + "\n")
    return len(lines) * 3


def test_bad_records_never_stop_a_run_or_resume(tmp_path: Path,
                                                tiny_analyzer: framing.Analyzer) -> None:
    inp = tmp_path / "in.jsonl"
    n = _bad_records(inp)
    out = tmp_path / "out"
    with pytest.warns(FramingWarning, match="W614"):
        s = label([inp], out, analyzer=tiny_analyzer, shard_size=4, progress=False)
    assert s.stats.read == n and s.stats.rejected == 12 and s.stats.labelled == 9
    assert load_manifest(out).complete and load_manifest(out).duplicate_ids == 7
    assert {r["code"] for r in read_rejects(out)} == {"E112", "E113", "E115"}
    # --resume of an interrupted run goes through the same records without getting stuck
    m = load_manifest(out)
    m.complete = False
    del m.shards[2]
    m.save(out)
    with pytest.warns(FramingWarning, match="W614"):
        s = label([inp], out, analyzer=tiny_analyzer, shard_size=4, progress=False,
                  resume=True)
    assert s.labelled_now and load_manifest(out).complete


def _mount_tmpfs(path: Path, options: str) -> bool:
    path.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                       capture_output=True)
    return r.returncode == 0


@contextlib.contextmanager
def _tmpfs(path: Path, options: str) -> Iterator[Path]:
    if sys.platform != "linux" or os.geteuid() != 0 or not _mount_tmpfs(path, options):
        pytest.skip("needs root to mount a small tmpfs (the monkeypatched tests below cover "
                    "the same code)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_disk_full_names_the_path(tmp_path: Path, tiny_cb_file: Path,
                                  corpus_factory: Any) -> None:
    inp = tmp_path / "in.jsonl"
    corpus_factory(inp, 400, words_per_doc=200, broken_every=0)
    before = _digest(inp)
    with _tmpfs(tmp_path / "small", "size=256k") as small:
        for out in (small / "out.jsonl", small / "dir"):
            r = runner.invoke(app, ["label", str(inp), "--out", str(out), "--rules-only",
                                    "--codebook", str(tiny_cb_file), "-q", "--workers", "1"])
            assert r.exit_code == 2, r.output
            assert "[E901] No space left on the device while writing" in r.output
            assert str(small) in r.output and "Traceback" not in r.output
        assert not [p for p in small.iterdir() if p.name.startswith(".tmp-")]
        assert not list(small.glob(".*.lock"))
    assert _digest(inp) == before


def test_read_only_output_names_the_path(tmp_path: Path, tiny_cb_file: Path,
                                         corpus_factory: Any) -> None:
    inp = tmp_path / "in.jsonl"
    corpus_factory(inp, 5)
    with _tmpfs(tmp_path / "ro", "ro,size=64k") as ro:
        r = runner.invoke(app, ["label", str(inp), "--out", str(ro / "out.jsonl"),
                                "--rules-only", "--codebook", str(tiny_cb_file), "-q"])
        assert r.exit_code == 2 and f"[E903] '{ro / 'out.jsonl'}' is on a read-only file " \
            "system" in r.output.replace("\n", " "), r.output


def test_permission_and_disk_errors_are_named_when_simulated(
        tmp_path: Path, tiny_cb_file: Path, corpus_factory: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same paths as the tmpfs tests, where mounting is not allowed (not root)."""
    inp = tmp_path / "in.jsonl"
    corpus_factory(inp, 20)
    import framing.batch.sinks as sinks

    real_write = sinks.JsonlSink.write_encoded

    def full(self: Any, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sinks.JsonlSink, "write_encoded", full)
    r = runner.invoke(app, ["label", str(inp), "--out", str(tmp_path / "o.jsonl"),
                            "--rules-only", "--codebook", str(tiny_cb_file), "-q"])
    assert r.exit_code == 2 and f"[E901] No space left on the device while writing " \
        f"'{tmp_path / 'o.jsonl'}'" in r.output.replace("\n", " "), r.output
    monkeypatch.setattr(sinks.JsonlSink, "write_encoded", real_write)
    real_open = os.open

    def denied(path: Any, *a: Any, **k: Any) -> int:
        if str(path).endswith(".lock"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr(os, "open", denied)
    r = runner.invoke(app, ["label", str(inp), "--out", str(tmp_path / "p.jsonl"),
                            "--rules-only", "--codebook", str(tiny_cb_file), "-q"])
    assert r.exit_code == 2 and f"[E902] Permission denied: '{tmp_path / 'p.jsonl'}'" \
        in r.output.replace("\n", " "), r.output


def test_single_file_output_does_not_depend_on_how_work_is_cut(
        tmp_path: Path, corpus: tuple[Path, Any], load_kwargs: dict[str, Any]) -> None:
    inp, _ = corpus
    outs = []
    for i, (words, workers) in enumerate([(100_000, 1), (150, 1), (150, 2), (40, 3)]):
        for fmt in ("jsonl", "parquet"):
            out = tmp_path / f"o{i}.{fmt}"
            label([inp], out, load_kwargs=load_kwargs, shard_words=words, workers=workers,
                  progress=False)
            outs.append((fmt, out.read_bytes(), (tmp_path / f"o{i}.rejects.jsonl").read_bytes()))
    for fmt in ("jsonl", "parquet"):
        same = {(o, r) for f, o, r in outs if f == fmt}
        assert len(same) == 1, fmt


def test_shards_are_cut_by_words(tmp_path: Path, tiny_analyzer: framing.Analyzer) -> None:
    inp = tmp_path / "in.jsonl"
    sizes = [3000, 10, 10, 10, 2500, 10, 10, 10, 10, 4000]
    inp.write_text("".join(json.dumps({"id": str(i), "text": "word " * n}) + "\n"
                           for i, n in enumerate(sizes)))
    label([inp], tmp_path / "out", analyzer=tiny_analyzer, shard_words=3000, progress=False)
    m = load_manifest(tmp_path / "out")
    assert [(e.start, e.end) for e in m.ordered()] == [(0, 1), (1, 9), (9, 10)]
    assert m.config["shard_words"] == 3000


def test_workers_default_to_what_pays_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          load_kwargs: dict[str, Any]) -> None:
    small = tmp_path / "small.jsonl"
    small.write_text('{"id": "a", "text": "x"}\n')
    big = tmp_path / "big.jsonl"
    big.write_bytes(b"x" * (plan_mod.PARALLEL_MIN_BYTES + 1))
    monkeypatch.setattr(plan_mod, "usable_cpus", lambda: 8)
    monkeypatch.setattr(plan_mod, "fork_is_safe", lambda kw: True)
    assert default_workers(load_kwargs, [small]) == 1
    assert default_workers(load_kwargs, [big]) == 4
    monkeypatch.setattr(plan_mod, "fork_is_safe", lambda kw: False)  # fresh interpreters
    assert default_workers(load_kwargs, [big]) == 1
    # with a model: several processes from a few hundred kB, whatever the start method
    assert default_workers({"model": "models/x"}, [big]) == 4
    assert default_workers(None, [big]) == 4
    mid = tmp_path / "mid.jsonl"
    mid.write_bytes(b"x" * (plan_mod.MODEL_PARALLEL_MIN_BYTES - 1))
    assert default_workers({"model": "models/x"}, [mid]) == 1
    monkeypatch.setattr(plan_mod, "usable_cpus", lambda: 2)
    assert default_workers({"model": "models/x"}, [big]) == 2
    monkeypatch.setattr(plan_mod, "usable_cpus", lambda: 1)
    assert default_workers(load_kwargs, [big]) == 1
    assert default_workers({"model": "models/x"}, [big]) == 1


def test_colliding_ids_are_reported(tmp_path: Path, tiny_analyzer: framing.Analyzer) -> None:
    d = tmp_path / "in"
    d.mkdir()
    (d / "good.txt").write_text("The states decide.")
    (d / "good.html").write_text("<html><body><article><p>The states decide their drug "
                                 "policy, the governor said in Denver today.</p></article>"
                                 "</body></html>")
    (d / "a.jsonl").write_text('{"id": 1, "text": "One."}\n{"id": "1", "text": "Also one."}\n')
    with pytest.warns(FramingWarning, match=r"W614\] 1 record.*'1'.*1 and \"1\""):
        s = label([d], tmp_path / "o.jsonl", analyzer=tiny_analyzer, progress=False)
    assert [r.id for r in read_output_quiet(tmp_path / "o.jsonl")] == [
        "1", "1", "good.html", "good.txt"]
    assert s.duplicates == 1


def read_output_quiet(path: Path) -> list[Any]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_output(path)


def test_refused_run_creates_nothing(tmp_path: Path, corpus: tuple[Path, Any],
                                     tiny_analyzer: framing.Analyzer) -> None:
    inp, _ = corpus
    foreign = tmp_path / "deep" / "er" / "out.jsonl"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("mine, not framing's\n")
    with pytest.raises(FramingError, match=r"\[E210\]"):
        label([inp], foreign, analyzer=tiny_analyzer, progress=False)
    assert sorted(p.name for p in foreign.parent.iterdir()) == ["out.jsonl"]
    with pytest.raises(FramingError, match=r"\[E201\]"):
        label([tmp_path / "missing.jsonl"], tmp_path / "new" / "o.jsonl",
              analyzer=tiny_analyzer, progress=False)
    assert not (tmp_path / "new").exists()
