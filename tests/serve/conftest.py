"""Fixtures for the serve tests: real servers on loopback (uvicorn in a thread, or the
`framing serve` command in a subprocess) around rule-layer analyzers and small local models.

Nothing needs the default models (CI does not build them) or the network.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

import framing
from framing.serve import ServeSettings, background

DATA = Path(__file__).resolve().parents[1] / "data"
OPED = DATA / "oped_states_drugs.txt"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def serve_analyzer() -> framing.Analyzer:
    """A rule-layer Analyzer of its own (the model thread changes its stance targets)."""
    return framing.load(rules_only=True)


ServerFactory = Callable[..., AbstractContextManager[str]]


@pytest.fixture(scope="session")
def serve(serve_analyzer: framing.Analyzer) -> ServerFactory:
    """``with serve(**settings) as url``: a server on a free loopback port."""

    def start(analyzer: framing.Analyzer | None = None, **kw: Any
              ) -> AbstractContextManager[str]:
        kw.setdefault("port", 0)
        kw.setdefault("rate_limit", 0)
        return background(analyzer or serve_analyzer, ServeSettings(**kw))

    return start


@pytest.fixture(scope="session")
def url(serve: ServerFactory) -> Iterator[str]:
    """One shared server with default settings (loopback, batching on)."""
    with serve() as u:
        yield u


@pytest.fixture(scope="session")
def tfidf_stance_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TF-IDF stance model trained here on synthetic rows (see tests/stance)."""
    sys.path.insert(0, str(ROOT / "tests" / "stance"))
    from stance_synth import make_rows

    from framing.stance import StanceSettings, train_stance

    out = tmp_path_factory.mktemp("serve_stance") / "tfidf"
    train_stance(make_rows(240, 1), out, StanceSettings(method="tfidf"),
                 dev_rows=make_rows(80, 2), test_rows=make_rows(60, 3), progress=False)
    return out


class CliServer:
    """`framing serve` in a subprocess; ``url`` once it says it listens."""

    def __init__(self, *args: str, env: dict[str, str] | None = None,
                 timeout: float = 180.0) -> None:
        cmd = [sys.executable, "-m", "framing", "serve", "--port", "0", *args]
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"framing-serve-{os.getpid()}-" \
            f"{time.monotonic_ns()}.log"
        self._fh = open(self.log, "w+b")
        self.proc = subprocess.Popen(cmd, stdout=self._fh, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=ROOT,
                                     env={**os.environ, **(env or {})})
        deadline = time.monotonic() + timeout
        self.url = ""
        while time.monotonic() < deadline:
            m = re.search(r"on (http://127\.0\.0\.1:\d+)", self.output())
            if m:
                self.url = m.group(1)
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        if not self.url:
            self.stop()
            raise AssertionError(f"framing serve did not start:\n{self.output()}")
        _wait_ready(self.url)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def terminate(self) -> None:
        self.proc.send_signal(signal.SIGTERM)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._fh.close()
        rc = self.proc.returncode
        return rc


def _wait_ready(url: str, timeout: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer /health")


@pytest.fixture()
def cli_server() -> Iterator[Callable[..., CliServer]]:
    started: list[CliServer] = []

    def start(*args: str, **kw: Any) -> CliServer:
        s = CliServer(*args, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()
        s.log.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def tfidf_frame_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A TF-IDF frame classifier trained here on the synthetic sentences of tests/train: the
    classifier path (fused scores, classifier-flagged sentences) without the default model."""
    sys.path.insert(0, str(ROOT / "tests" / "train"))
    from train_synth import make_rows, write_jsonl

    from framing.train import TrainConfig, train

    d = tmp_path_factory.mktemp("serve_tfidf")
    write_jsonl(d / "train.jsonl", make_rows(240, 1))
    write_jsonl(d / "dev.jsonl", make_rows(80, 2))
    train(d / "train.jsonl", d / "frames", TrainConfig(method="tfidf"),
          eval_data=d / "dev.jsonl", progress=False)
    return d / "frames"


@pytest.fixture(scope="session")
def clf_analyzer(tfidf_frame_model: Path) -> framing.Analyzer:
    """Rules + the TF-IDF classifier, and no stance model even where the default one is built
    (this machine's models/ must not change what the tests see)."""
    saved = os.environ.get("FRAMING_DEFAULT_STANCE_MODEL")
    os.environ["FRAMING_DEFAULT_STANCE_MODEL"] = "none"
    try:
        return framing.load(tfidf_frame_model)
    finally:
        if saved is None:
            del os.environ["FRAMING_DEFAULT_STANCE_MODEL"]
        else:
            os.environ["FRAMING_DEFAULT_STANCE_MODEL"] = saved
