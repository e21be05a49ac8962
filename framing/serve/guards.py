"""ASGI middleware that guards the server: body size, rate limit, token, response headers.

Each is a plain ASGI wrapper, so it acts before FastAPI reads a byte of the body. Errors are
the numbered ``[E8xx]`` messages, as JSON for API clients and as a page for the browser (the
app passes ``respond``, which chooses).

Example:
    >>> bucket = TokenBucket(per_minute=60)
    >>> [bucket.take("a", now=0.0) == 0.0 for _ in range(60)].count(True)
    60
    >>> bucket.take("a", now=0.0)     # the 61st within the minute waits a second
    1.0
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from framing.errors import Errors

Respond = Callable[[Scope, int, str, dict[str, str] | None], Response]

#: Paths anyone may reach without a token: the liveness probe, the page's CSS, the sign-in.
PUBLIC = ("/health", "/static/", "/login")
COOKIE = "framing_session"


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a body passes the limit while it is being read."""


class BodyLimit:
    """413 ``[E801]`` for a body over ``limit`` bytes: at once when Content-Length says so,
    else as soon as the streamed bytes pass it."""

    def __init__(self, app: ASGIApp, limit: int, respond: Respond) -> None:
        self.app, self.limit, self.respond = app, limit, respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = Errors.E801.format(limit=self.limit)
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self.respond(scope, 413, message, {"Connection": "close"})(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return msg

        async def tracked(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if started:
                raise
            await self.respond(scope, 413, message, {"Connection": "close"})(scope, receive, send)


class TokenBucket:
    """Per-client token buckets: ``per_minute`` requests a minute, bursts up to that many."""

    def __init__(self, per_minute: int, max_clients: int = 10_000) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, client: str, now: float) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        tokens, last = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[client] = (tokens - 1.0, now)
            self._prune(now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        if len(self._buckets) <= self.max_clients:
            return
        # a client whose bucket has refilled has nothing to remember
        full = [c for c, (t, last) in self._buckets.items()
                if t + (now - last) * self.rate >= self.capacity]
        for c in full:
            del self._buckets[c]


class RateLimit:
    """429 ``[E804]`` with ``Retry-After`` for a client address over its request rate."""

    def __init__(self, app: ASGIApp, per_minute: int, respond: Respond,
                 clock: Callable[[], float]) -> None:
        self.app, self.respond, self.clock = app, respond, clock
        self.per_minute = per_minute
        self.bucket = TokenBucket(per_minute) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.bucket is None or scope["type"] != "http" or \
                scope["path"].startswith(("/health", "/static/")):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.bucket.take(client, self.clock())
        if wait > 0:
            retry = max(1, math.ceil(wait))
            msg = Errors.E804.format(client=client, limit=self.per_minute, retry=retry)
            await self.respond(scope, 429, msg, {"Retry-After": str(retry)})(
                scope, receive, send)
            return
        await self.app(scope, receive, send)


def cookie_value(token: str) -> str:
    """What the sign-in cookie holds: a keyed hash of the token, not the token itself."""
    return hmac.new(token.encode(), b"framing-serve-cookie", hashlib.sha256).hexdigest()


class TokenAuth:
    """With a token: ``Authorization: Bearer <token>`` or the sign-in cookie, else 401
    ``[E803]`` (API) or a redirect to the sign-in form (web page)."""

    def __init__(self, app: ASGIApp, token: str, respond: Respond,
                 is_page: Callable[[Scope], bool]) -> None:
        self.app, self.respond, self.is_page = app, respond, is_page
        self._bearer = f"Bearer {token}".encode()
        self._cookie = cookie_value(token)

    def allowed(self, scope: Scope) -> bool:
        headers = Headers(scope=scope)
        auth = headers.get("authorization", "").encode()
        if auth and hmac.compare_digest(auth, self._bearer):
            return True
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE and hmac.compare_digest(value.encode(), self._cookie.encode()):
                return True
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC) or self.allowed(scope):
            await self.app(scope, receive, send)
            return
        if self.is_page(scope) and scope["method"] == "GET":
            resp: Response = Response(status_code=303, headers={"Location": "/login"})
        else:
            resp = self.respond(scope, 401, Errors.E803, {"WWW-Authenticate": "Bearer"})
        await resp(scope, receive, send)


#: Pages of the server: no scripts at all, styles and images from the server only.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")
#: A report written by `framing report` has inline CSS and base64 charts; it needs no more.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
              "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class SecurityHeaders:
    """No sniffing, no framing, no referrer, and a content policy that keeps pages offline."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = REPORT_CSP if scope["path"].startswith("/reports/files/") else PAGE_CSP

        async def with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(msg.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = {b"x-content-type-options": b"nosniff",
                         b"referrer-policy": b"no-referrer",
                         b"x-frame-options": b"DENY",
                         b"content-security-policy": csp.encode()}
                headers += [(k, v) for k, v in extra.items() if k not in names]
                msg = {**msg, "headers": headers}
            await send(msg)

        await self.app(scope, receive, with_headers)

