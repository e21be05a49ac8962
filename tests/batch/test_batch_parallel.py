"""The same job gives identical output inline, with worker processes and on Dask."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from framing.batch import label, read_output, read_rejects
from framing.batch.manifest import MANIFEST
from framing.cli import app

Corpus = tuple[Path, dict[str, list[Any]]]
runner = CliRunner()


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file of an output directory; the manifest without its absolute input paths."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                           dashboard_address=None)
    client = Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_inline_processes_and_dask_identical(tmp_path: Path, corpus: Corpus,
                                             load_kwargs: dict[str, Any],
                                             dask_cluster: Any) -> None:
    inp, expect = corpus
    kw = {"load_kwargs": load_kwargs, "shard_size": 7, "progress": False}
    ref = label([inp], tmp_path / "inline", **kw)
    par = label([inp], tmp_path / "procs", workers=2, **kw)  # forkserver where available
    dsk = label([inp], tmp_path / "dask", scheduler=dask_cluster, **kw)
    assert (par.backend, par.workers, dsk.backend) == ("processes", 2, "dask")
    want = _snapshot(tmp_path / "inline")
    assert MANIFEST in want and len(want) == 1 + 9 + sum(
        1 for _ in (tmp_path / "inline" / "_rejects").iterdir())
    assert _snapshot(tmp_path / "procs") == want  # manifests included: same order, same sums
    assert _snapshot(tmp_path / "dask") == want
    for s in (ref, par, dsk):
        assert (s.stats.read, s.stats.labelled, s.stats.rejected) == (
            60, len(expect["good"]), len(expect["bad"]))
    # single-file output from parallel shards is written in input order
    label([inp], tmp_path / "one.jsonl", **kw)
    label([inp], tmp_path / "par.jsonl", workers=3, start_method="spawn", **kw)
    assert (tmp_path / "par.jsonl").read_bytes() == (tmp_path / "one.jsonl").read_bytes()
    assert read_rejects(tmp_path / "par.jsonl") == read_rejects(tmp_path / "one.jsonl")


def test_cli_on_a_dask_scheduler_address(tmp_path: Path, corpus: Corpus, tiny_cb_file: Path,
                                         dask_cluster: Any) -> None:
    inp, expect = corpus
    address = dask_cluster.scheduler.address
    common = [str(inp), "--rules-only", "--codebook", str(tiny_cb_file), "--shard-size", "8",
              "--shard-format", "jsonl"]
    r = runner.invoke(app, ["label", *common, "--out", f"{tmp_path / 'd'}/", "--scheduler",
                            address])
    assert r.exit_code == 0, r.output
    assert f"read 60, labelled {len(expect['good'])}, rejected {len(expect['bad'])}" in r.output
    assert "(8 shards)" in r.output
    r = runner.invoke(app, ["label", *common, "--out", f"{tmp_path / 'l'}/", "-q"])
    assert r.exit_code == 0, r.output
    assert _snapshot(tmp_path / "d") == _snapshot(tmp_path / "l")
    assert [x.id for x in read_output(tmp_path / "d")] == expect["good"]
    lines = (tmp_path / "d" / "part-000000.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["id"] == "d0"


def test_cli_bad_scheduler_is_a_clear_error(tmp_path: Path, corpus: Corpus,
                                            tiny_cb_file: Path) -> None:
    inp, _ = corpus
    r = runner.invoke(app, ["label", str(inp), "--out", f"{tmp_path / 'd'}/", "--rules-only",
                            "--codebook", str(tiny_cb_file), "--dask-cluster", "kubernetes"])
    assert r.exit_code == 2 and "[E606]" in r.output and "--scheduler" in r.output
    assert "Traceback" not in r.output


FORK_SCRIPT = """
import json, sys
from framing._torchless import torch_blocked
from framing.batch import label
from framing.batch.executors import default_start_method
kw = json.loads(sys.argv[1])
with torch_blocked(kw):
    method = default_start_method(kw)
    s = label([sys.argv[2]], sys.argv[3], load_kwargs=kw, workers=2, shard_size=7,
              progress=False)
print(json.dumps({"default": method, "used": s.start_method, "torch": "torch" in sys.modules
                  and sys.modules["torch"] is not None}))
"""


def test_rule_layer_workers_fork_from_the_parent(tmp_path: Path, corpus: Corpus,
                                                 load_kwargs: dict[str, Any]) -> None:
    """A rule-layer run in a fresh interpreter (as from the CLI) forks its workers from the
    parent, with the parent's Analyzer, and writes what the inline run writes."""
    import subprocess
    import sys

    inp, _ = corpus
    label([inp], tmp_path / "inline", load_kwargs=load_kwargs, shard_size=7, progress=False)
    r = subprocess.run([sys.executable, "-c", FORK_SCRIPT, json.dumps(load_kwargs), str(inp),
                        str(tmp_path / "forked")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout.strip().splitlines()[-1])
    assert info == {"default": "fork", "used": "fork", "torch": False}
    assert _snapshot(tmp_path / "forked") == _snapshot(tmp_path / "inline")


def test_fork_only_for_a_torchless_rule_layer(load_kwargs: dict[str, Any]) -> None:
    import sys

    from framing.batch.executors import ProcessBackend, default_start_method, fork_is_safe
    from framing.batch.label import BatchOptions
    from framing.errors import FramingError

    classifier = {k: v for k, v in load_kwargs.items() if k != "rules_only"}
    assert not fork_is_safe(classifier)
    assert default_start_method(classifier) in ("forkserver", "spawn")
    with pytest.raises(FramingError, match=r"\[E606\].*'fork'.*rule-layer"):
        ProcessBackend(classifier, workers=2, start_method="fork")
    with pytest.raises(FramingError, match=r"\[E606\].*--start-method must be"):
        BatchOptions(workers=2, start_method="threads")
    # torch already imported here (a notebook, a test session): its thread pools rule out fork
    import torch  # noqa: F401

    assert "torch" in sys.modules and not fork_is_safe(load_kwargs)
    assert default_start_method(load_kwargs) != "fork"
