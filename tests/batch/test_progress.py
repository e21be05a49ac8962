"""The batch progress display: an honest average rate and ETA, and plain-text lines when stderr
is not a terminal (a log file)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from rich.console import Console

import framing
from framing.batch import label
from framing.batch.progress import RunProgress


def test_rate_is_the_average_since_start(monkeypatch: pytest.MonkeyPatch) -> None:
    p = RunProgress(enabled=False, total=100, skipped=20)
    with p:
        assert p.rate() is None  # nothing labelled yet: no rate, not 0 or a burst
        t0 = p._t0
        p.shard(3, 50, 10)
        # 10 records in 4 s: 2.5 docs/s whatever the update pattern was
        assert p.rate(t0 + 4.0) == pytest.approx(2.5)
        line = p.line(t0 + 4.0)
    assert line == ("labelling: 30/100 records (30.0 %), 2.5 docs/s, elapsed 0:00:04, "
                    "ETA 0:00:28")


def test_plain_lines_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    buf = io.StringIO()
    con = Console(file=buf, force_terminal=False, width=200)
    monkeypatch.setenv("FRAMING_PROGRESS_EVERY", "0.05")
    with RunProgress(enabled=True, total=6, console=con) as p:
        p.shard(0, 6, 1)  # before the interval: no line
        time.sleep(0.1)
        p.shard(0, 6, 3)
        p.shard_done(0, 6)
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("labelling: 3/6 records (50.0 %), ")
    assert lines[-1].startswith("labelling: 6/6 records (100.0 %), ")
    assert len(lines) == 2 and all("docs/s" in ln and "elapsed" in ln for ln in lines)
    assert "\x1b" not in buf.getvalue()  # no bar, no escape codes in a log file


def test_label_writes_progress_lines_to_a_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capfd: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": "Leave it to the states."}) + "\n"
                           for i in range(40)))
    monkeypatch.setenv("FRAMING_PROGRESS_EVERY", "0")
    label([src], tmp_path / "out/", analyzer=framing.load(rules_only=True), progress=True,
          shard_size=10)
    err = capfd.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("labelling: ")]
    assert lines and lines[-1].startswith("labelling: 40/40 records (100.0 %)")
