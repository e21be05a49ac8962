"""Settings of ``framing serve``, checked once when the server starts.

Example:
    >>> ServeSettings(port=8080).max_body_bytes
    16777216
    >>> try:
    ...     ServeSettings(max_batch=0)
    ... except FramingError as e:
    ...     print(e)
    [E811] Invalid serve settings: --max-batch must be at least 1 (found 0)
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from framing.errors import Errors, FramingError


@dataclass
class ServeSettings:
    """How the server listens, batches and limits requests.

    Attributes:
        host: address to bind; loopback unless the user asks otherwise.
        port: TCP port (0: pick a free one).
        token: when set, every request except ``GET /health`` needs
            ``Authorization: Bearer <token>`` (the web page signs in with a cookie).
        max_batch: most texts per model call (1: one request at a time, no batching).
        max_wait_ms: how long the model worker waits for more texts to fill a batch.
        max_queue: most texts waiting for the model; more get 503 ``[E805]``.
        max_body_mb: largest request body (megabytes); larger get 413 ``[E801]``.
        max_chars: longest text (characters); longer ones are rejected with ``[E109]``.
        rate_limit: requests per minute per client address (0: no limit); 429 ``[E804]``.
        timeout: seconds one text may take from queue to result; 504 ``[E806]``.
        shutdown_timeout: seconds a stopping server waits for requests in flight.
        reports: a folder of HTML reports (``framing report --out``) to serve read-only.
        allowed_hosts: ``Host`` header values accepted (guards a loopback server against DNS
            rebinding); default: loopback names and the bound host.
        keep_results: web-page results kept for their JSON links and downloads.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    max_batch: int = 32
    max_wait_ms: float = 5.0
    max_queue: int = 1024
    max_body_mb: float = 16.0
    max_chars: int = 1_000_000
    rate_limit: int = 6000
    timeout: float = 120.0
    shutdown_timeout: float = 60.0
    reports: Path | None = None
    allowed_hosts: list[str] | None = None
    keep_results: int = 32

    def __post_init__(self) -> None:
        def bad(detail: str) -> FramingError:
            return FramingError(Errors.E811.format(detail=detail))

        for name, value, least in (("--max-batch", self.max_batch, 1),
                                   ("--max-queue", self.max_queue, 1),
                                   ("--max-chars", self.max_chars, 1),
                                   ("--keep-results", self.keep_results, 1),
                                   ("--rate-limit", self.rate_limit, 0),
                                   ("--port", self.port, 0)):
            if value < least:
                raise bad(f"{name} must be at least {least} (found {value})")
        if self.port > 65535:
            raise bad(f"--port must be at most 65535 (found {self.port})")
        for name, fvalue in (("--max-body-mb", self.max_body_mb), ("--timeout", self.timeout)):
            if not fvalue > 0:
                raise bad(f"{name} must be positive (found {fvalue})")
        if self.max_wait_ms < 0 or self.shutdown_timeout < 0:
            raise bad("--max-wait-ms and --shutdown-timeout must not be negative")
        if self.token is not None and not self.token.strip():
            raise bad("--token must not be empty")
        if self.reports is not None:
            self.reports = Path(self.reports)
            if not self.reports.is_dir():
                raise FramingError(Errors.E812.format(path=self.reports,
                                                      problem="does not exist or is no folder"))

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * 1024 * 1024)

    @property
    def loopback(self) -> bool:
        """Whether the server is reachable from this machine only."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host.strip("[]")).is_loopback
        except ValueError:
            return False

    def hosts(self) -> list[str]:
        """``Host`` header names the server answers to."""
        if self.allowed_hosts:
            return list(self.allowed_hosts)
        if not self.loopback:
            return ["*"]  # reachable by any name the user gave it on their network
        return ["127.0.0.1", "localhost", "::1", "[::1]", self.host]
