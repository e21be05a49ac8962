"""A small headless-Chromium driver over the Chrome DevTools Protocol (a websocket), for the
browser test and the README screenshot. Debian's /usr/bin/chromium; nothing is downloaded.

Example (needs Chromium)::

    with Chromium() as b:
        b.navigate("http://127.0.0.1:8000/")
        b.evaluate("document.title")
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio",
         "--hide-scrollbars", "--force-color-profile=srgb", "--remote-debugging-port=0",
         "--remote-debugging-address=127.0.0.1"]
KEYS = {"Tab": 9, "Enter": 13, " ": 32}


def available() -> str | None:
    """None when the browser test can run, else why not."""
    if not CHROMIUM.exists():
        return (f"{CHROMIUM} is missing: install Debian's Chromium (`apt-get install -y "
                "chromium`; .ci/run does this in CI)")
    try:
        import websocket  # noqa: F401
    except ImportError:
        return "websocket-client is not installed (pip install -e '.[dev]')"
    return None


class Chromium:
    """One headless Chromium with a fresh profile, and its first page."""

    def __init__(self, width: int = 1280, height: int = 900, timeout: float = 60.0) -> None:
        import websocket

        self.timeout = timeout
        self.profile = Path(tempfile.mkdtemp(prefix="framing-chromium-"))
        # the browser's log goes to a file: a pipe nobody reads would fill up and stall it
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        try:
            port = self._port()
            deadline = time.monotonic() + timeout
            while True:  # the page target appears shortly after the port
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list",
                                            timeout=10) as r:
                    pages = [t for t in json.load(r) if t.get("type") == "page"]
                if pages or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
            if not pages:
                raise RuntimeError("Chromium opened no page")
            self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"],
                                                  timeout=timeout, suppress_origin=True)
        except BaseException:
            self.close()
            raise
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.send("Page.enable")
        self.send("Runtime.enable")

    def _port(self) -> int:
        marker = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                err = self.log.read().decode(errors="replace")
                raise RuntimeError(f"Chromium exited with {self.proc.returncode}: {err[-800:]}")
            if marker.exists():
                text = marker.read_text().split()
                if text:
                    return int(text[0])
            time.sleep(0.05)
        raise RuntimeError("Chromium did not open its DevTools port")

    # ----- protocol ------------------------------------------------------------------------
    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a DevTools method and return its result (events seen meanwhile are kept)."""
        self._id += 1
        mid = self._id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return dict(msg.get("result", {}))
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        """The first ``method`` event not yet consumed (waiting for it if need be)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, ev in enumerate(self.events):
                if ev["method"] == method:
                    return self.events.pop(i)
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} within {timeout or self.timeout} s")
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)

    # ----- what a user does ----------------------------------------------------------------
    def navigate(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                             "awaitPromise": True})
        if "exceptionDetails" in res:
            raise RuntimeError(f"{expression!r}: {res['exceptionDetails']}")
        return res.get("result", {}).get("value")

    def press(self, key: str, shift: bool = False) -> None:
        """A key press as a keyboard sends it (keyDown with its text, then keyUp)."""
        code = KEYS[key]
        text = {"Enter": "\r", " ": " "}.get(key)
        down: dict[str, Any] = {"type": "keyDown" if text else "rawKeyDown", "key": key,
                                "code": "Space" if key == " " else key,
                                "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code,
                                "modifiers": 8 if shift else 0}
        if text:
            down["text"] = text
        self.send("Input.dispatchKeyEvent", down)
        self.send("Input.dispatchKeyEvent", {**down, "type": "keyUp", "text": ""})

    def insert_text(self, text: str) -> None:
        """Text arriving as a paste does: one input event into the focused field."""
        self.send("Input.insertText", {"text": text})

    def active_id(self) -> str:
        return str(self.evaluate("document.activeElement && document.activeElement.id || ''"))

    def tab_to(self, element_id: str, limit: int = 30) -> int:
        """Press Tab until the element has focus; returns how many presses it took."""
        for n in range(1, limit + 1):
            self.press("Tab")
            if self.active_id() == element_id:
                return n
        raise AssertionError(f"#{element_id} is not reachable with Tab in {limit} presses")

    def set_files(self, selector: str, paths: list[str]) -> None:
        doc = self.send("DOM.getDocument")
        node = self.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"],
                                               "selector": selector})
        self.send("DOM.setFileInputFiles", {"nodeId": node["nodeId"], "files": paths})

    def screenshot(self, path: str | Path, full_page: bool = True, width: int = 1280) -> None:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            params.update(captureBeyondViewport=True, clip={
                "x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1})
        data = self.send("Page.captureScreenshot", params)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    # ----- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
