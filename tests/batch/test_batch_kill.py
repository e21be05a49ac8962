"""A run killed with SIGKILL at random points and resumed ends with exactly the records of an
uninterrupted run: same shard bytes, same rejects, same manifest."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from framing.batch import label, load_manifest, read_output, read_rejects
from framing.batch.manifest import MANIFEST

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL") or sys.platform == "win32",
                                reason="needs POSIX signals and process groups")


def _snapshot(root: Path) -> dict[str, Any]:
    """Every shard and rejects file, and the manifest's shard list (its config records the
    exact framing.load arguments, which the CLI and this test need not spell alike)."""
    files: dict[str, Any] = {str(p.relative_to(root)): p.read_bytes()
                             for p in sorted(root.rglob("*"))
                             if p.is_file() and p.name != MANIFEST}
    m = json.loads((root / MANIFEST).read_text())
    files[MANIFEST] = (m["shards"], m["totals"], m["model_info"], m["complete"])
    return files


def _wait_started(proc: subprocess.Popen[bytes], manifest: Path, before: int | None,
                  timeout: float = 60.0) -> None:
    """Until this attempt has (re)written the manifest, i.e. is past start-up."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout and proc.poll() is None:
        if manifest.exists() and manifest.stat().st_mtime_ns != before:
            return
        time.sleep(0.02)


def test_sigkill_at_random_points_then_resume(tmp_path: Path, tiny_cb_file: Path,
                                              corpus_factory: Any) -> None:
    inp = tmp_path / "in.jsonl"
    corpus_factory(inp, 600, seed=11, words_per_doc=300, broken_every=13)
    kwargs: dict[str, Any] = {"rules_only": True, "codebook": str(tiny_cb_file)}
    ref = tmp_path / "ref"
    label([inp], ref, load_kwargs=kwargs, shard_size=9, batch_size=8, progress=False)

    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "framing", "label", str(inp), "--out", f"{out}/",
           "--rules-only", "--codebook", str(tiny_cb_file), "--shard-size", "9",
           "--batch-size", "8", "--quiet"]
    rng = random.Random(20240607)
    kills = 0
    for attempt in range(3):
        manifest = out / MANIFEST
        before = manifest.stat().st_mtime_ns if manifest.exists() else None
        proc = subprocess.Popen(cmd + (["--resume"] if attempt else []),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                start_new_session=True)
        _wait_started(proc, manifest, before)
        time.sleep(rng.uniform(0.0, 0.5))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read() if proc.stderr \
            else ""
        if proc.stderr:
            proc.stderr.close()
    assert kills >= 2, "the runs finished before they could be killed; use a bigger input"
    done = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "read 600" in done.stderr

    m = load_manifest(out)
    assert m.complete and m.total_records == 600
    assert _snapshot(out) == _snapshot(ref)  # every shard, every reject file, the shard list
    assert [r.to_dict() for r in read_output(out)] == [r.to_dict() for r in read_output(ref)]
    got_rejects = read_rejects(out)
    assert got_rejects == read_rejects(ref)
    ids = [r.id for r in read_output(out)] + [x["id"] for x in got_rejects]
    assert len(ids) == len(set(ids)) == 600  # every record exactly once
