"""The ASGI application of ``framing serve``: the JSON API and the web page.

API (JSON; errors are ``{"error": {"code": "E104", "message": "[E104] ..."}}`` with a 4xx/5xx
status, the same numbered errors as the command line):

* ``POST /score``: one text -> its DocResult. Body: JSON ``{"text", "id"?, "meta"?,
  "targets"?}`` or ``text/plain`` (``?id=...&target=...``).
* ``POST /label``: a batch (JSON Lines, a JSON list, CSV, TSV, Parquet, or a multipart upload
  of such a file) -> JSON Lines streamed back in input order: a DocResult per record, or
  ``{"reject": {file, line, id, code, reason}}`` for a record that could not be used (the
  rejects of ``framing label``; nothing is dropped).
* ``GET /codebook``, ``GET /health``, ``GET /version``, ``GET /openapi.json``.

Web page: ``GET /`` (paste or upload a text, upload a file to label), ``/reports/`` (reports
written by ``framing report``, served read-only when the server was given ``--reports``).

Example:
    >>> import framing
    >>> from framing.serve import ServeSettings, create_app
    >>> app = create_app(framing.load(rules_only=True), ServeSettings())
    >>> sorted(r.path for r in app.routes if "POST" in getattr(r, "methods", ()))
    ['/label', '/login', '/score', '/ui/label', '/ui/score']
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import (
    FileResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from framing.errors import Errors, FramingError
from framing.ingest import IngestConfig, Reject, detect_format, make_article, read_records
from framing.serve.batcher import MicroBatcher
from framing.serve.guards import (
    COOKIE,
    BodyLimit,
    RateLimit,
    SecurityHeaders,
    TokenAuth,
    cookie_value,
)
from framing.serve.render import document_view, palette_css
from framing.serve.settings import ServeSettings
from framing.types import Article, DocResult
from framing.version import __version__

if TYPE_CHECKING:
    from framing.analyzer import Analyzer

#: HTTP status of each serve error (input errors of other stages are 400).
STATUS = {"E801": 413, "E803": 401, "E804": 429, "E805": 503, "E806": 504, "E807": 415,
          "E809": 503, "E810": 404, "E814": 500}
#: Content types POST /label reads, and the ingest reader each one means.
BODY_FORMATS = {"application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
                "application/json-lines": "jsonl", "application/jsonlines": "jsonl",
                "application/json": "json", "text/csv": "csv",
                "text/tab-separated-values": "tsv", "application/vnd.apache.parquet": "parquet",
                "application/x-parquet": "parquet"}
_CODE = re.compile(r"^\[(E\d{3})\]")
_SAFE_NAME = re.compile(r"[^\w.\- ]")
_PAGES = ("/", "/ui/", "/reports", "/login")
#: Records read from an upload per trip to the reader thread.
_READ_CHUNK = 64

_PKG = resources.files("framing") / "serve"


def error_code(message: str) -> str:
    """The ``Exxx`` code a numbered message starts with (``E000`` when it has none)."""
    m = _CODE.match(message)
    return m.group(1) if m else "E000"


def is_page(scope: Scope) -> bool:
    """Whether a path belongs to the web page (errors as HTML) rather than the API (JSON)."""
    path: str = scope["path"]
    return path == "/" or path.startswith(_PAGES[1:])


class ApiError(FramingError):
    """A numbered error with its HTTP status."""

    def __init__(self, message: str, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status or STATUS.get(error_code(message), 400)
        self.headers = headers


@dataclass
class LabelCounts:
    """What a POST /label request read, labelled and rejected."""

    read: int = 0
    labelled: int = 0
    rejected: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)


class ResultStore:
    """Web-page results (score JSON, label JSON Lines) in a folder the server made, the
    ``keep`` newest kept for their links; the folder goes when the server stops."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.root: Path | None = None  # made with the first result
        self._items: OrderedDict[str, Path] = OrderedDict()

    def new(self, ext: str) -> tuple[str, Path]:
        if self.root is None:
            self.root = Path(tempfile.mkdtemp(prefix="framing-serve-results-"))
        key = f"{secrets.token_urlsafe(12)}.{ext}"
        path = self.root / key
        self._items[key] = path
        while len(self._items) > self.keep:
            _, old = self._items.popitem(last=False)
            old.unlink(missing_ok=True)
        return key, path

    def get(self, key: str) -> Path | None:
        path = self._items.get(key)
        return path if path is not None and path.is_file() else None

    def close(self) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
            self._items.clear()


class Service:
    """The warm Analyzer behind the batcher, and the request logic both API and page use."""

    def __init__(self, analyzer: Analyzer, settings: ServeSettings) -> None:
        self.analyzer = analyzer
        self.settings = settings
        #: /score requests whose text is being read (the batcher waits only for those)
        self.arriving = 0
        self.batcher = MicroBatcher(analyzer, max_batch=settings.max_batch,
                                    max_wait=settings.max_wait_ms / 1000.0,
                                    max_queue=settings.max_queue,
                                    more_coming=lambda: self.arriving > 0)
        self.results = ResultStore(settings.keep_results)
        self.started = time.time()
        self.stance = getattr(analyzer, "stance_model", None) is not None
        self.targets = list(getattr(analyzer, "targets", []))
        self.reports = settings.reports

    # ----- scoring ---------------------------------------------------------------------------
    def check_targets(self, targets: Sequence[Any] | None) -> list[str] | None:
        """Validated request targets (``None``: use the server's)."""
        if targets is None:
            return None
        if not isinstance(targets, list):
            raise ApiError(Errors.E802.format(
                path="/score", detail=f"'targets' must be a list of strings, found "
                                      f"{type(targets).__name__}"))
        for i, t in enumerate(targets):
            if not isinstance(t, str) or not t.strip():
                raise ApiError(Errors.E706.format(where=f"#{i + 1}", value=t))
        if targets and not self.stance:
            raise ApiError(Errors.E808)
        return [t.strip() for t in targets]

    async def score(self, art: Article, targets: Sequence[str] | None) -> DocResult:
        fut = self.batcher.submit(art, targets)
        try:
            return await asyncio.wait_for(fut, self.settings.timeout)
        except asyncio.TimeoutError:
            raise ApiError(Errors.E806.format(timeout=self.settings.timeout)) from None

    def article(self, obj: dict[str, Any], where: str) -> Article:
        cfg = IngestConfig(max_chars=self.settings.max_chars)
        item = make_article(obj, where, None, cfg, default_id=str(obj.get("id") or "text"))
        if isinstance(item, Reject):
            raise ApiError(item.reason)
        return item

    # ----- batches ---------------------------------------------------------------------------
    async def save_upload(self, request: Request, folder: Path) -> tuple[Path, str, str | None]:
        """Write the request's batch into ``folder``: (path, name to show, input format)."""
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "multipart/form-data":
            form = await request.form(max_files=1, max_fields=16)
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ApiError(Errors.E802.format(
                    path=request.url.path, detail="the form has no file in its 'file' field"))
            return await self.save_file(upload, folder), upload.filename, None
        fmt = BODY_FORMATS.get(ctype)
        if fmt is None:
            raise ApiError(Errors.E807.format(
                found=ctype or "(none)", path=request.url.path,
                expected="JSON Lines (application/x-ndjson), a JSON list (application/json), "
                         "CSV (text/csv), TSV (text/tab-separated-values), Parquet "
                         "(application/vnd.apache.parquet) or a multipart/form-data upload "
                         "in a field named 'file'"))
        # records without an id get "request.jsonl:<line>", as `framing label request.jsonl`
        path = folder / f"request.{fmt}"
        with open(path, "wb") as fh:
            async for chunk in request.stream():
                fh.write(chunk)
        return path, "request body", fmt

    async def save_file(self, upload: UploadFile, folder: Path) -> Path:
        """The upload under its own name (so records without an id get the ids `framing
        label` gives them: ``name.jsonl:<line>``), in the server's temporary folder."""
        name = _SAFE_NAME.sub("_", Path(upload.filename or "upload").name).lstrip(".") or "x"
        detect_format(Path(name))  # E202 for a suffix no reader knows
        path = folder / name
        with open(path, "wb") as fh:
            while chunk := await upload.read(1 << 20):
                fh.write(chunk)
        return path

    async def label_lines(self, items: Iterator[Any], shown: str, path: Path,
                          targets: Sequence[str] | None, counts: LabelCounts,
                          first: list[Any]) -> AsyncIterator[bytes]:
        """JSON Lines for every record, in input order; the model works on a window of
        records at a time (so a big upload neither floods the queue nor waits for all)."""
        window = max(2 * self.settings.max_batch, 8)
        pending: list[tuple[int, Article | Reject, asyncio.Future[DocResult] | None]] = []
        n = 0
        try:
            chunk = first
            while chunk:
                for item in chunk:
                    n += 1
                    fut = None
                    if isinstance(item, Article):
                        fut = await self.batcher.submit_wait(item, targets)
                    pending.append((n, item, fut))
                    while pending and (len(pending) > window or pending[0][2] is None
                                       or pending[0][2].done()):
                        yield await self._line(*pending.pop(0), shown, path, counts)
                chunk = await run_in_threadpool(_take, items, _READ_CHUNK)
            while pending:
                yield await self._line(*pending.pop(0), shown, path, counts)
        finally:
            for _, _, f in pending:
                if f is not None:
                    f.cancel()

    async def _line(self, n: int, item: Article | Reject, fut: asyncio.Future[DocResult] | None,
                    shown: str, path: Path, counts: LabelCounts) -> bytes:
        counts.read += 1
        if isinstance(item, Reject):
            rej = _shown_reject(item, shown, path)
        else:
            assert fut is not None
            try:
                res = await asyncio.wait_for(fut, self.settings.timeout)
            except asyncio.TimeoutError:
                rej = {"file": shown, "line": n, "id": item.id, "code": "E806",
                       "reason": Errors.E806.format(timeout=self.settings.timeout)}
            except FramingError as e:
                msg = str(e)
                code = error_code(msg)
                if code == "E814":  # the pipeline failed on it: `framing label` says E612
                    code, msg = "E612", Errors.E612.format(record=n, detail=msg)
                rej = {"file": shown, "line": n, "id": item.id, "code": code, "reason": msg}
            else:
                counts.labelled += 1
                return (json.dumps(res.to_dict(), ensure_ascii=False) + "\n").encode()
        counts.rejected += 1
        if len(counts.rejects) < 50:
            counts.rejects.append(rej)
        return (json.dumps({"reject": rej}, ensure_ascii=False) + "\n").encode()

    async def label(self, request: Request, cfg: IngestConfig, targets: Sequence[str] | None,
                    counts: LabelCounts) -> AsyncIterator[bytes]:
        """Read the batch of ``request`` and return its JSON Lines stream. Errors that concern
        the whole input (an unknown format, a missing Parquet column) raise here, before the
        answer starts, so they come back as a 4xx."""
        folder = Path(tempfile.mkdtemp(prefix="framing-serve-upload-"))
        try:
            path, shown, fmt = await self.save_upload(request, folder)
            if fmt is not None:
                cfg.input_format = fmt
            items = read_records([path], cfg)
            first = await run_in_threadpool(_take, items, _READ_CHUNK)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

        async def stream() -> AsyncIterator[bytes]:
            try:
                async for line in self.label_lines(items, shown, path, targets, counts, first):
                    yield line
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        return stream()

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "uptime_s": round(time.time() - self.started, 1),
                "waiting": self.batcher.waiting, "batching": self.batcher.stats.to_dict(),
                "max_batch": self.settings.max_batch, "auth": self.settings.token is not None}


def _take(items: Iterator[Any], n: int) -> list[Any]:
    return list(islice(items, n))


def _shown_reject(rej: Reject, shown: str, path: Path) -> dict[str, Any]:
    d = rej.to_dict()
    if d["file"] == str(path):  # the server's temporary copy: show the user's name
        d["file"] = shown
    return d


def _targets_param(values: list[str] | None) -> list[str] | None:
    return list(values) if values else None


# ----- the application -------------------------------------------------------------------------
def create_app(analyzer: Analyzer, settings: ServeSettings | None = None) -> FastAPI:
    """The FastAPI app serving ``analyzer`` (see the module docstring).

    The model worker thread starts with the app (its lifespan) and, when the server stops,
    finishes every text already queued before the app ends.
    """
    settings = settings or ServeSettings()
    svc = Service(analyzer, settings)
    templates = Jinja2Templates(directory=str(_PKG / "templates"))
    # what every page shows (the error page too): fixed for the server's life
    templates.env.globals.update(
        version=__version__, stance=svc.stance, targets=svc.targets, mode=_mode(analyzer),
        reports=settings.reports is not None, auth=settings.token is not None,
        max_mb=settings.max_body_mb, codebook=analyzer.codebook)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc.batcher.start()
        try:
            yield
        finally:
            # uvicorn has finished the requests in flight; drain what they queued, then stop
            await run_in_threadpool(svc.batcher.close, settings.shutdown_timeout)
            svc.results.close()

    app = FastAPI(
        title="framing", version=__version__, lifespan=lifespan,
        docs_url=None, redoc_url=None,  # their pages load scripts from a CDN
        description="Frames, stance and evidence for op-eds and news, from a warm model. "
                    "Errors are numbered (`[E104] ...`) as on the command line.")
    app.state.service = svc

    def respond(scope: Scope, status: int, message: str,
                headers: dict[str, str] | None = None) -> Response:
        if is_page(scope):
            return templates.TemplateResponse(
                Request(scope), "error.html",
                {"status": status, "message": message, "code": error_code(message)},
                status_code=status, headers=headers)
        return JSONResponse({"error": {"code": error_code(message), "message": message}},
                            status_code=status, headers=headers)

    @app.exception_handler(FramingError)
    async def _framing_error(request: Request, exc: FramingError) -> Response:
        status = exc.status if isinstance(exc, ApiError) else STATUS.get(
            error_code(str(exc)), 400)
        headers = exc.headers if isinstance(exc, ApiError) else None
        return respond(request.scope, status, str(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}"
                           for e in exc.errors())
        return respond(request.scope, 400, Errors.E802.format(path=request.url.path,
                                                              detail=detail))

    @app.exception_handler(404)
    async def _not_found(request: Request, exc: Exception) -> Response:
        return respond(request.scope, 404, Errors.E810.format(what=request.url.path))

    @app.exception_handler(405)
    async def _method(request: Request, exc: Exception) -> Response:
        allowed = getattr(exc, "headers", None) or {}
        return respond(request.scope, 405, Errors.E802.format(
            path=request.url.path, detail=f"{request.method} is not allowed here; use "
                                          f"{allowed.get('Allow', 'another method')}"), allowed)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        return respond(request.scope, 500, Errors.E814.format(
            detail=f"{type(exc).__name__}: {exc}"[:300]))

    # ----- JSON API ----------------------------------------------------------------------------
    @app.post("/score", tags=["api"], summary="Score one text",
              openapi_extra=_score_body_schema(),
              responses={200: {"description": "The DocResult of the text (the JSON of "
                                              "`framing score --format json`)."},
                         **_error_responses(400, 401, 413, 415, 429, 503, 504)})
    async def score(request: Request,
                    id: str | None = Query(None, description="Document id (text/plain body)."),
                    target: list[str] | None = Query(
                        None, description="A stance target (text/plain body); repeatable.")
                    ) -> Response:
        svc.arriving += 1
        try:
            art, targets = await _score_request(svc, request, id, target)
        finally:
            svc.arriving -= 1
        res = await svc.score(art, targets)
        return JSONResponse(res.to_dict())

    @app.post("/label", tags=["api"], summary="Label a batch (streamed JSON Lines)",
              openapi_extra=_label_body_schema(),
              responses={200: {"description": "One JSON line per input record, in input "
                                              "order: a DocResult, or {\"reject\": {file, line,"
                                              " id, code, reason}}.",
                               "content": {"application/x-ndjson": {}}},
                         **_error_responses(400, 401, 413, 415, 429, 503)})
    async def label(request: Request,
                    text_field: str = Query("text", description="Field holding the text."),
                    id_field: str = Query("id", description="Field holding the document id."),
                    date_field: str | None = Query(None, description="Field holding the date."),
                    target: list[str] | None = Query(
                        None, description="A stance target for every record; repeatable.")
                    ) -> Response:
        targets = svc.check_targets(_targets_param(target))
        cfg = IngestConfig(text_field=text_field, id_field=id_field, date_field=date_field,
                           max_chars=settings.max_chars)
        stream = await svc.label(request, cfg, targets, LabelCounts())
        return StreamingResponse(stream, media_type="application/x-ndjson")

    @app.get("/codebook", tags=["api"], summary="The codebook in use")
    async def codebook() -> dict[str, Any]:
        return analyzer.codebook.to_dict()

    @app.get("/health", tags=["api"], summary="Liveness and batching statistics")
    async def health() -> dict[str, Any]:
        return svc.health()

    @app.get("/version", tags=["api"], summary="Versions of framing and the models")
    async def version() -> dict[str, Any]:
        return {"framing": __version__, "model": dict(analyzer.model_info),
                "stance": svc.stance, "targets": svc.targets}

    # ----- web page ----------------------------------------------------------------------------
    app.mount("/static", StaticFiles(directory=str(_PKG / "static")), name="static")
    if settings.reports is not None:
        app.mount("/reports/files", StaticFiles(directory=str(settings.reports), html=True),
                  name="reports")

    def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status)

    @app.get("/", include_in_schema=False)
    async def index(request: Request) -> Response:
        return page(request, "index.html")

    @app.get("/ui/frames.css", include_in_schema=False)
    async def frames_css(request: Request) -> Response:
        return templates.TemplateResponse(request, "frames.css", palette_css(),
                                          media_type="text/css")

    @app.post("/ui/score", include_in_schema=False)
    async def ui_score(request: Request) -> Response:
        form = await request.form(max_files=1, max_fields=16)
        text = form.get("text")
        upload = form.get("file")
        targets_raw = form.get("targets")
        targets = None
        if isinstance(targets_raw, str) and targets_raw.strip():
            targets = svc.check_targets([t for t in targets_raw.splitlines() if t.strip()])
        if isinstance(upload, UploadFile) and upload.filename:
            art = await _read_upload_text(svc, upload)
        else:
            art = svc.article({"text": text if isinstance(text, str) else "", "id": "text"},
                              "form")
        res = await svc.score(art, targets)
        key, path = svc.results.new("json")
        data = res.to_dict()
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        view = document_view(art.text, res, analyzer.codebook)
        return page(request, "result.html", res=res, view=view, json_url=f"/ui/results/{key}",
                    text=art.text)

    @app.post("/ui/label", include_in_schema=False)
    async def ui_label(request: Request) -> Response:
        counts = LabelCounts()
        form = await request.form(max_files=1, max_fields=16)  # kept for svc.label
        def field(name: str, default: str) -> str:
            v = form.get(name)
            return v.strip() if isinstance(v, str) and v.strip() else default

        cfg = IngestConfig(text_field=field("text_field", "text"),
                           id_field=field("id_field", "id"), max_chars=settings.max_chars)
        stream = await svc.label(request, cfg, None, counts)
        key, path = svc.results.new("jsonl")
        with open(path, "wb") as fh:
            async for line in stream:
                fh.write(line)
        return page(request, "label.html", counts=counts, url=f"/ui/results/{key}")

    @app.get("/ui/results/{key}", include_in_schema=False)
    async def ui_result(key: str) -> Response:
        path = svc.results.get(key)
        if path is None:
            raise ApiError(Errors.E810.format(
                what=f"result '{key}' (the server keeps the {settings.keep_results} newest "
                     f"results of the web page, until it stops)"))
        if key.endswith(".jsonl"):
            return FileResponse(path, media_type="application/x-ndjson",
                                filename="framing-labels.jsonl")
        return FileResponse(path, media_type="application/json")

    @app.get("/reports", include_in_schema=False)
    @app.get("/reports/", include_in_schema=False)
    async def reports(request: Request) -> Response:
        found = _find_reports(settings.reports) if settings.reports is not None else []
        return page(request, "reports.html", found=found, folder=settings.reports)

    @app.get("/login", include_in_schema=False)
    async def login_form(request: Request) -> Response:
        return page(request, "login.html")

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=4)
        given = form.get("token")
        if settings.token is None:
            return RedirectResponse("/", status_code=303)
        if not isinstance(given, str) or not secrets.compare_digest(
                given.strip().encode(), settings.token.encode()):
            return page(request, "login.html", status=401, failed=True)
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, cookie_value(settings.token), httponly=True, samesite="strict",
                        secure=False, path="/")
        return resp

    # outermost first: host check, body size, rate, token, headers
    app.add_middleware(SecurityHeaders)
    if settings.token is not None:
        app.add_middleware(TokenAuth, token=settings.token, respond=respond, is_page=is_page)
    app.add_middleware(RateLimit, per_minute=settings.rate_limit, respond=respond,
                       clock=time.monotonic)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, respond=respond)
    if settings.hosts() != ["*"]:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.hosts())
    return app


async def _score_request(svc: Service, request: Request, rid: str | None,
                         target: list[str] | None) -> tuple[Article, list[str] | None]:
    """The text and targets of a POST /score request (JSON, or plain text with ``rid``)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if ctype == "application/json":
        try:
            obj = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ApiError(Errors.E101.format(detail=e)) from None
        if not isinstance(obj, dict):
            raise ApiError(Errors.E102.format(kind=type(obj).__name__))
        targets = svc.check_targets(obj.pop("targets", None))
    elif ctype in ("text/plain", ""):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ApiError(Errors.E105.format(encoding="UTF-8",
                                              detail=f"byte {e.start}")) from None
        obj = {"text": text, "id": rid or "text"}
        targets = svc.check_targets(_targets_param(target))
    else:
        raise ApiError(Errors.E807.format(
            found=ctype, path="/score",
            expected="JSON (application/json: {\"text\": ..., \"targets\": [...]}) or "
                     "plain text (text/plain)"))
    return svc.article(obj, "request body"), targets


async def _read_upload_text(svc: Service, upload: UploadFile) -> Article:
    """A .txt or .html file uploaded on the page, read as `framing score FILE` reads it."""
    folder = Path(tempfile.mkdtemp(prefix="framing-serve-upload-"))
    try:
        name = Path(upload.filename or "upload.txt").name
        if detect_format(Path(name)) not in ("txt", "html"):
            raise ApiError(Errors.E802.format(
                path="/ui/score", detail=f"'{name}' is not a .txt or .html file; upload "
                                         "collections in the 'Label a file' form"))
        path = await svc.save_file(upload, folder)
        cfg = IngestConfig(max_chars=svc.settings.max_chars)
        item = await run_in_threadpool(lambda: next(iter(read_records([path], cfg))))
        if isinstance(item, Reject):
            raise ApiError(f"[{item.code}] {name}: {item.reason}", 400)
        return Article(id=Path(name).stem, text=item.text, meta=item.meta)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _mode(analyzer: Analyzer) -> str:
    clf = analyzer.model_info.get("classifier")
    if not clf:
        return "rules only"
    name = clf.get("name") if isinstance(clf, dict) else None
    return f"rules + classifier ({name})" if name else "rules + classifier"


def _find_reports(root: Path) -> list[dict[str, str]]:
    """report.html files in ``root`` and its folders (two levels), newest first."""
    found = []
    for depth in ("report.html", "*/report.html", "*/*/report.html"):
        for p in root.glob(depth):
            if p.is_file() and not any(part.startswith(".") for part in
                                       p.relative_to(root).parts):
                rel = p.parent.relative_to(root).as_posix()
                found.append({"name": rel if rel != "." else root.name,
                              "url": "/reports/files/" + (f"{rel}/" if rel != "." else "")
                                     + "report.html",
                              "mtime": time.strftime("%Y-%m-%d %H:%M",
                                                     time.localtime(os.path.getmtime(p)))})
    return sorted(found, key=lambda r: r["mtime"], reverse=True)


def _error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    what = {400: "Bad input ([E1xx] as in the rejects file, [E802], [E706], [E808])",
            401: "Token missing or wrong ([E803])", 413: "Body over --max-body-mb ([E801])",
            415: "Unsupported body type ([E807])", 429: "Over --rate-limit ([E804])",
            503: "Queue full ([E805]) or shutting down ([E809])",
            504: "Over --timeout ([E806])"}
    schema = {"type": "object", "properties": {"error": {
        "type": "object", "properties": {"code": {"type": "string"},
                                         "message": {"type": "string"}}}}}
    return {c: {"description": what[c], "content": {"application/json": {"schema": schema}}}
            for c in codes}


def _score_body_schema() -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": {
            "type": "object", "required": ["text"],
            "properties": {
                "text": {"type": "string", "description": "The text to score."},
                "id": {"type": "string"},
                "meta": {"type": "object", "description": "outlet, date, title, issue, ..."},
                "targets": {"type": "array", "items": {"type": "string"},
                            "description": "Stance targets (default: the server's --target)."},
            }},
            "example": {"text": "Drug policy should largely be left to the states."}},
        "text/plain": {"schema": {"type": "string"}}}}}


def _label_body_schema() -> dict[str, Any]:
    record = {"type": "object", "required": ["text"],
              "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
              "additionalProperties": True}
    return {"requestBody": {"required": True, "content": {
        "application/x-ndjson": {"schema": {"type": "string",
                                            "description": "One JSON record per line."}},
        "application/json": {"schema": {"type": "array", "items": record}},
        "text/csv": {"schema": {"type": "string"}},
        "text/tab-separated-values": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}}}}}}
