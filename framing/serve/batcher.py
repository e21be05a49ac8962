"""Micro-batching: concurrent requests share one ``analyzer.pipe`` call in one model thread.

The Analyzer is not safe to call from several threads at once, and a transformer scores a
batch of sentences in about the time of a few single ones. So every text a request wants
scored goes into one bounded queue; a single worker thread takes the first waiting text,
collects whatever else arrives within ``max_wait`` seconds (up to ``max_batch`` texts; the
server stops waiting as soon as no request is being read), and scores them all in one
``analyzer.pipe`` call. Results go back to the asyncio futures of the
requests that asked. Under load the queue fills while the model works, so batches grow by
themselves; when idle a lone request waits at most ``max_wait``.

Example:
    >>> import asyncio, framing
    >>> from framing.types import Article
    >>> b = MicroBatcher(framing.load(rules_only=True), max_batch=8, max_wait=0.002)
    >>> b.start()
    >>> async def two():
    ...     futs = [b.submit(Article(id=i, text="Leave drug policy to the states."))
    ...             for i in ("a", "b")]
    ...     return [r.primary_frame for r in await asyncio.gather(*futs)]
    >>> asyncio.run(two())
    ['federalism', 'federalism']
    >>> b.close(); b.stats.docs
    2
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from framing.errors import Errors, FramingError
from framing.types import Article, DocResult

if TYPE_CHECKING:
    from framing.analyzer import Analyzer


class Busy(FramingError):
    """The queue is full (``[E805]``); the HTTP layer answers 503."""


class ShuttingDown(FramingError):
    """The batcher takes no new texts (``[E809]``); the HTTP layer answers 503."""


class ModelFailure(FramingError):
    """The pipeline raised on one text (``[E814]``); other texts of its batch are unaffected."""


@dataclass
class _Job:
    article: Article
    targets: tuple[str, ...] | None
    future: asyncio.Future[DocResult]
    loop: asyncio.AbstractEventLoop


@dataclass
class BatchStats:
    """What the worker did: texts scored, model calls, and how big the batches were."""

    docs: int = 0
    batches: int = 0
    max_batch: int = 0
    skipped: int = 0
    failed: int = 0
    busy_seconds: float = 0.0
    sizes: Counter[int] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {"docs": self.docs, "batches": self.batches, "max_batch": self.max_batch,
                "mean_batch": round(self.docs / self.batches, 2) if self.batches else 0.0,
                "skipped": self.skipped, "failed": self.failed,
                "busy_seconds": round(self.busy_seconds, 3)}


_STOP = object()


class MicroBatcher:
    """One model thread fed by a bounded queue (see the module docstring).

    Args:
        analyzer: the Analyzer; only the worker thread calls it once :meth:`start` ran.
        max_batch: most texts per ``analyzer.pipe`` call (1 turns batching off).
        max_wait: seconds the worker waits for more texts after the first of a batch.
        max_queue: most texts waiting; :meth:`submit` raises :class:`Busy` beyond it.
        more_coming: whether texts are on their way (requests being read); when given, the
            worker waits for a batch to fill only while it says so, so a lone request is
            scored at once.
    """

    def __init__(self, analyzer: Analyzer, max_batch: int = 32, max_wait: float = 0.005,
                 max_queue: int = 1024, more_coming: Callable[[], bool] | None = None
                 ) -> None:
        if max_batch < 1 or max_queue < 1 or max_wait < 0:
            raise FramingError(Errors.E811.format(
                detail="max_batch and max_queue must be at least 1 and max_wait at least 0"))
        self.analyzer = analyzer
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.max_queue = max_queue
        self.stats = BatchStats()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._thread: threading.Thread | None = None
        self._closing = False
        self._default_targets = list(getattr(analyzer, "targets", []))
        self._more_coming = more_coming

    # ----- request side (event loop) ---------------------------------------------------------
    @property
    def waiting(self) -> int:
        """Texts in the queue now (not counting the batch being scored)."""
        return self._queue.qsize()

    def submit(self, article: Article, targets: Sequence[str] | None = None
               ) -> asyncio.Future[DocResult]:
        """Queue one text; the returned future (of the running loop) resolves to its result.

        ``targets`` replaces the server's stance targets for this text (``None`` keeps them).
        Raises :class:`Busy` when the queue is full and :class:`ShuttingDown` after
        :meth:`close`. Cancelling the future before its batch starts skips the text.
        """
        if self._closing:
            raise ShuttingDown(Errors.E809)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[DocResult] = loop.create_future()
        job = _Job(article, tuple(targets) if targets is not None else None, fut, loop)
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            raise Busy(Errors.E805.format(n=self.max_queue)) from None
        return fut

    async def submit_wait(self, article: Article, targets: Sequence[str] | None = None,
                          poll: float = 0.005) -> asyncio.Future[DocResult]:
        """Like :meth:`submit`, but wait for room in the queue instead of raising Busy
        (for a batch request that has already started streaming its answer)."""
        while True:
            try:
                return self.submit(article, targets)
            except Busy:
                await asyncio.sleep(poll)

    # ----- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the model thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="framing-model", daemon=True)
            self._thread.start()

    def close(self, timeout: float | None = None) -> None:
        """Take no new texts, finish every text already queued, then stop the thread."""
        self._closing = True
        if self._thread is None:
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:  # the queue may be full: wait for room for the stop marker
            try:
                self._queue.put(_STOP, timeout=0.1)
                break
            except queue.Full:
                if deadline is not None and time.monotonic() > deadline:
                    break
        self._thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        self._thread = None

    # ----- worker thread -------------------------------------------------------------------------
    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is _STOP:
                break
            batch: list[_Job] = [first]
            until = time.monotonic() + self.max_wait
            while len(batch) < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    left = until - time.monotonic()
                    if left <= 0 or (self._more_coming is not None and not self._more_coming()):
                        break  # nothing is on its way: waiting would only add latency
                    try:
                        job = self._queue.get(timeout=min(left, 0.001))
                    except queue.Empty:
                        continue
                if job is _STOP:
                    stop = True  # finish this batch (and nothing is queued behind the marker)
                    break
                batch.append(job)
            self._score(batch)

    def _score(self, batch: list[_Job]) -> None:
        live = [j for j in batch if not j.future.cancelled()]  # timed out or client gone
        self.stats.skipped += len(batch) - len(live)
        if not live:
            return
        # counted before the answers go out, so a client that reads /health after its
        # answer sees its text counted
        self.stats.docs += len(live)
        self.stats.batches += 1
        self.stats.sizes[len(live)] += 1
        self.stats.max_batch = max(self.stats.max_batch, len(live))
        t0 = time.perf_counter()
        groups: dict[tuple[str, ...] | None, list[_Job]] = {}
        for j in live:
            groups.setdefault(j.targets, []).append(j)
        for targets, jobs in groups.items():
            self._score_group(jobs, targets)
        self.stats.busy_seconds += time.perf_counter() - t0

    def _score_group(self, jobs: list[_Job], targets: tuple[str, ...] | None) -> None:
        an = self.analyzer
        # the stance layer reads analyzer.targets; only this thread touches the analyzer
        an.targets = list(targets) if targets is not None else self._default_targets
        try:
            try:
                results = list(an.pipe([j.article for j in jobs], batch_size=len(jobs)))
            except Exception:  # one bad text must not fail the others: isolate it
                for j in jobs:
                    try:
                        self._deliver(j, an(j.article), None)
                    except Exception as e:
                        self.stats.failed += 1
                        self._deliver(j, None, e)
                return
            for j, res in zip(jobs, results, strict=True):
                self._deliver(j, res, None)
        finally:
            an.targets = self._default_targets

    @staticmethod
    def _deliver(job: _Job, result: DocResult | None, error: BaseException | None) -> None:
        def settle() -> None:
            if job.future.done():
                return
            if error is None:
                job.future.set_result(result)  # type: ignore[arg-type]
            elif isinstance(error, FramingError):
                job.future.set_exception(error)
            else:
                job.future.set_exception(ModelFailure(Errors.E814.format(
                    detail=f"{type(error).__name__}: {error}"[:300])))

        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
            job.loop.call_soon_threadsafe(settle)
