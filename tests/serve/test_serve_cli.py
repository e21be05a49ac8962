"""`framing serve` as a command: it starts, refuses bad settings with numbered errors, and a
SIGTERM lets requests in flight finish before it exits."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
import pytest
from conftest import ROOT
from typer.testing import CliRunner

from framing.cli import app

runner = CliRunner()


@pytest.mark.parametrize(("args", "code"), [
    (["--max-batch", "0"], "E811"),
    (["--timeout", "0"], "E811"),
    (["--reports", "no/such/folder"], "E812"),
    (["--token", " "], "E811"),
])
def test_bad_settings_are_numbered_errors(args: list[str], code: str) -> None:
    r = runner.invoke(app, ["serve", "--rules-only", *args])
    assert r.exit_code == 2
    assert f"[{code}]" in r.output and "Traceback" not in r.output


def test_port_in_use_is_e813_before_loading_models() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        t0 = time.monotonic()
        p = subprocess.run([sys.executable, "-m", "framing", "serve", "--port", str(port)],
                           capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 2
    assert "[E813]" in p.stderr and "port is in use" in p.stderr
    assert "Traceback" not in p.stderr
    assert time.monotonic() - t0 < 60


def test_sigterm_finishes_requests_in_flight(cli_server: Any) -> None:
    srv = cli_server("--rules-only", "--max-batch", "4", env={"FRAMING_SERVE_TOKEN": "tok"})
    auth = {"Authorization": "Bearer tok"}
    assert httpx.post(srv.url + "/score", json={"text": "x"}).status_code == 401
    text = (ROOT / "tests" / "data" / "oped_states_drugs.txt").read_text(encoding="utf-8")
    n = 120
    body = "".join(json.dumps({"id": f"d{i}", "text": text}) + "\n" for i in range(n))
    got: dict[str, Any] = {}

    def post() -> None:
        r = httpx.post(srv.url + "/label", content=body, timeout=300,
                       headers={**auth, "content-type": "application/x-ndjson"})
        got["status"], got["text"] = r.status_code, r.text

    t = threading.Thread(target=post)
    t.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until the model is working on the batch
        h = httpx.get(srv.url + "/health").json()
        if h["batching"]["docs"] > 1:
            break
        time.sleep(0.05)
    assert h["batching"]["docs"] < n, "the batch finished before the signal"
    srv.terminate()
    t.join(300)
    rc = srv.stop()
    assert got["status"] == 200
    rows = [json.loads(x) for x in got["text"].splitlines()]
    assert [r["id"] for r in rows] == [f"d{i}" for i in range(n)]  # none lost
    assert rc == 0, srv.output()
    with pytest.raises(httpx.TransportError):
        httpx.get(srv.url + "/health", timeout=5)
    assert "stopped (requests in flight were answered)" in srv.output()
    assert "Traceback" not in srv.output()


def test_ctrl_c_stops_cleanly(cli_server: Any) -> None:
    srv = cli_server("--rules-only", "--quiet")
    assert httpx.post(srv.url + "/score", json={"text": "States decide."}).status_code == 200
    srv.proc.send_signal(signal.SIGINT)
    assert srv.stop() == 0
    assert "Traceback" not in srv.output() and "KeyboardInterrupt" not in srv.output()


def test_listening_socket_says_tcp() -> None:
    """asyncio disables Nagle's algorithm only on sockets whose proto is IPPROTO_TCP; with a
    proto-0 socket every answer waited ~40 ms for the client's delayed ACK."""
    from framing.serve import ServeSettings
    from framing.serve.server import bind

    s = bind(ServeSettings(port=0))
    try:
        assert s.proto == socket.IPPROTO_TCP
    finally:
        s.close()
