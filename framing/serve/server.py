"""Running the app on uvicorn: in the foreground (``framing serve``) or in a background thread
(tests, benchmarks, notebooks).

Stopping (Ctrl-C or SIGTERM in the foreground, leaving the ``with`` block in the background)
is graceful: the server stops accepting connections, finishes the requests in flight (up to
``shutdown_timeout`` seconds), then the model worker finishes what they queued.

Example:
    >>> import framing, httpx
    >>> from framing.serve import ServeSettings, background
    >>> with background(framing.load(rules_only=True), ServeSettings(port=0)) as url:
    ...     r = httpx.post(url + "/score", json={"text": "Leave it to the states."})
    >>> r.json()["primary_frame"]
    'federalism'
"""

from __future__ import annotations

import contextlib
import errno
import math
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import uvicorn

from framing.errors import Errors, FramingError
from framing.serve.app import create_app
from framing.serve.settings import ServeSettings

if TYPE_CHECKING:
    from fastapi import FastAPI

    from framing.analyzer import Analyzer


def bind(settings: ServeSettings) -> socket.socket:
    """The listening socket, or ``[E813]`` (port in use, address not on this machine)."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off only on sockets that say
    # TCP, and with it on, a response written in two parts waits for the client's delayed ACK
    # (about 40 ms a request)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host.strip("[]"), settings.port))
    except OSError as e:
        sock.close()
        detail = "the port is in use" if e.errno == errno.EADDRINUSE else str(e)
        raise FramingError(Errors.E813.format(host=settings.host, port=settings.port,
                                              detail=detail)) from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def make_server(app: FastAPI, settings: ServeSettings, log_level: str = "warning",
                access_log: bool = False) -> uvicorn.Server:
    config = uvicorn.Config(
        app, log_level=log_level, access_log=access_log, lifespan="on",
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout),
        timeout_keep_alive=5, server_header=False, proxy_headers=False,
        # more open connections than this get 503 before reaching the app
        limit_concurrency=max(64, settings.max_queue + 64))
    return uvicorn.Server(config)


class _Stopped(Exception):
    """SIGTERM, raised again by uvicorn once its graceful shutdown is done."""


def _stopped(signum: int, frame: object) -> None:
    raise _Stopped


def run(analyzer: Analyzer, settings: ServeSettings, log_level: str = "info",
        access_log: bool = True, ready: Callable[[str], None] | None = None) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM, then return once the requests in
    flight are answered; ``ready(url)`` is called once the socket is bound (before the first
    request is accepted)."""
    sock = bind(settings)
    server = make_server(create_app(analyzer, settings), settings, log_level, access_log)
    if ready is not None:
        ready(url_of(sock))
    # uvicorn handles the signals while it serves and raises them again when it has shut
    # down; a stop that was asked for is a normal end, not a crash (or a traceback)
    main = threading.current_thread() is threading.main_thread()
    before = signal.signal(signal.SIGTERM, _stopped) if main else None
    try:
        server.run(sockets=[sock])
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        sock.close()
        if before is not None:
            signal.signal(signal.SIGTERM, before)


@contextlib.contextmanager
def background(analyzer: Analyzer, settings: ServeSettings | None = None,
               startup_timeout: float = 60.0) -> Iterator[str]:
    """Serve in a thread; yields the base URL (``settings.port=0`` picks a free port)."""
    settings = settings or ServeSettings(port=0)
    sock = bind(settings)
    server = make_server(create_app(analyzer, settings), settings)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                              name="framing-serve", daemon=True)
    thread.start()
    try:
        started = threading.Event()

        def wait() -> None:
            while not server.started and thread.is_alive():
                started.wait(0.02)

        waiter = threading.Thread(target=wait, daemon=True)
        waiter.start()
        waiter.join(startup_timeout)
        if not server.started:
            raise FramingError(Errors.E813.format(host=settings.host, port=settings.port,
                                                  detail="the server did not start"))
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(settings.shutdown_timeout + 10)
        sock.close()
