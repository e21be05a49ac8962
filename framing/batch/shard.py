"""The unit of work: label one shard of input records into the bytes of its output files.

:func:`label_shard` is a pure function of the shard's records and the Analyzer, so the same
shard gives the same bytes in the parent process, in a worker process or on a Dask worker.
Workers build their Analyzer once (:func:`get_analyzer` caches it per process and thread) with
the same ``framing.load`` arguments as every other worker.

Example:
    >>> import framing
    >>> from framing.types import Article
    >>> task = ShardTask(index=0, start=0, items=[Article("a", "Leave it to the states.")],
    ...                  fmt="jsonl")
    >>> res = label_shard(task, framing.load(rules_only=True))
    >>> (res.read, res.labelled, res.rejected)
    (1, 1, 0)
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from framing import _torchless
from framing.batch.sinks import ShardEncoder
from framing.errors import Errors, FramingError
from framing.io.fsutil import sha256_bytes
from framing.io.records import Reject
from framing.types import Article

if TYPE_CHECKING:  # spaCy loads only where text is analysed
    from framing.analyzer import Analyzer

ProgressFn = Callable[[int], None]
#: Environment variable through which a forkserver learns which Analyzer to preload.
PRELOAD_ENV = _torchless.PRELOAD_ENV


@dataclass
class ShardTask:
    """Input records ``[start, start + len(items))`` of the run, in input order."""

    index: int
    start: int
    items: list[Article | Reject]
    fmt: str
    batch_size: int | None = None

    @property
    def end(self) -> int:
        return self.start + len(self.items)


@dataclass
class ShardResult:
    """What a worker sends back: counts and the encoded output and rejects files."""

    index: int
    start: int
    end: int
    read: int
    labelled: int
    rejected: int
    words: int
    data: bytes
    rejects: bytes
    reasons: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    model: dict[str, Any] = field(default_factory=dict)  # the Analyzer's model_info

    @property
    def sha256(self) -> str:
        return sha256_bytes(self.data)


def label_shard(task: ShardTask, analyzer: Analyzer,
                progress: ProgressFn | None = None) -> ShardResult:
    """Label the Articles of a shard; Rejects (and documents the pipeline fails on) are
    written to the shard's rejects, in input order."""
    t0 = time.perf_counter()
    articles = [it for it in task.items if isinstance(it, Article)]
    frame_ids = analyzer.codebook.frame_ids
    try:
        enc, failed = _pipe(analyzer, articles, task, frame_ids, progress)
    except FramingError:
        raise
    except Exception:  # one bad document must not sink the run: isolate it
        enc, failed = _pipe_one_by_one(analyzer, articles, task, frame_ids, progress)
    rejects: list[Reject] = []
    reasons: Counter[str] = Counter()
    words = 0
    pos = 0
    for i, it in enumerate(task.items):
        if isinstance(it, Reject):
            rejects.append(it)
            reasons[it.code] += 1
            continue
        if pos in failed:
            rej = Reject(file="", line=None, code="E612", id=it.id, reason=Errors.E612.format(
                record=task.start + i, detail=failed[pos]))
            rejects.append(rej)
            reasons[rej.code] += 1
        else:
            words += len(it.text.split())
        pos += 1
    return ShardResult(
        index=task.index, start=task.start, end=task.end, read=len(task.items),
        labelled=enc.count, rejected=len(rejects), words=words, data=enc.finish(),
        rejects=b"".join(r.to_line() for r in rejects),
        reasons=dict(sorted(reasons.items())), seconds=time.perf_counter() - t0,
        model=dict(getattr(analyzer, "model_info", {}) or {}))


def _add(enc: ShardEncoder, res: Any, pos: int, failed: dict[int, str]) -> None:
    """Encode one result; a result that cannot be stored rejects its document only."""
    try:
        enc.add(res)
    except Exception as e:
        failed[pos] = f"the result could not be stored: {type(e).__name__}: {e}"[:300]


def _pipe(analyzer: Analyzer, articles: list[Article], task: ShardTask, frame_ids: list[str],
          progress: ProgressFn | None) -> tuple[ShardEncoder, dict[int, str]]:
    enc = ShardEncoder(task.fmt, frame_ids)
    failed: dict[int, str] = {}
    for pos, res in enumerate(analyzer.pipe(articles, batch_size=task.batch_size)):
        _add(enc, res, pos, failed)
        if progress is not None:
            progress(pos + 1)
    return enc, failed


def _pipe_one_by_one(analyzer: Analyzer, articles: list[Article], task: ShardTask,
                     frame_ids: list[str], progress: ProgressFn | None
                     ) -> tuple[ShardEncoder, dict[int, str]]:
    enc = ShardEncoder(task.fmt, frame_ids)
    failed: dict[int, str] = {}
    for i, art in enumerate(articles):
        try:
            results = list(analyzer.pipe([art]))
        except FramingError:
            raise
        except Exception as e:
            failed[i] = f"{type(e).__name__}: {e}"[:300]
            results = []
        for res in results:
            _add(enc, res, i, failed)
        if progress is not None:
            progress(i + 1)
    return enc, failed


class Throttled:
    """Calls ``fn(n)`` at most every ``interval`` seconds (and always for the final count)."""

    def __init__(self, fn: Callable[[int], None], interval: float = 0.25) -> None:
        self.fn = fn
        self.interval = interval
        self._last = 0.0

    def __call__(self, n: int) -> None:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self.fn(n)


# ----- one Analyzer per worker ---------------------------------------------------------------
_local = threading.local()


def _key(load_kwargs: dict[str, Any]) -> str:
    return json.dumps(load_kwargs, sort_keys=True, default=repr)


def get_analyzer(load_kwargs: dict[str, Any]) -> Analyzer:
    """``framing.load(**load_kwargs)``, built once per process and thread, then reused."""
    import framing

    key = _key(load_kwargs)
    cached: tuple[str, Analyzer] | None = getattr(_local, "analyzer", None)
    if cached is None or cached[0] != key:
        cached = (key, framing.load(**load_kwargs))
        _local.analyzer = cached
    return cached[1]


# ----- process-pool worker -------------------------------------------------------------------
_worker: dict[str, Any] = {}


def framing_env() -> dict[str, str]:
    """This process's ``FRAMING_*`` environment variables (default models, precision,
    threads), for worker processes to use instead of their own."""
    return {k: v for k, v in os.environ.items() if k.startswith("FRAMING_")}


def _apply_env(env: dict[str, str]) -> None:
    """Make this process's ``FRAMING_*`` variables exactly ``env``. A worker forked from a
    forkserver has the environment the server started with, which may be older than the
    parent's (a notebook or test that changed ``FRAMING_PRECISION`` in between)."""
    for k in [k for k in os.environ if k.startswith("FRAMING_") and k not in env]:
        del os.environ[k]
    os.environ.update(env)


def watch_parent(pid: int, interval: float = 0.5) -> threading.Thread:
    """End this process as soon as process ``pid`` (the run's main process) is gone.

    A worker must not outlive its run: after a ``kill -9`` of the parent nobody would read its
    results, and it would keep a core busy (and files open) for nothing. A daemon thread checks
    every ``interval`` seconds (a forkserver worker's own parent is the server, so the run's
    pid is watched, not ``os.getppid()``)."""
    from framing.io.lock import pid_alive

    def run() -> None:
        while True:
            time.sleep(interval)
            if not pid_alive(pid):
                os._exit(70)  # EX_SOFTWARE; nothing to clean up that the parent wanted

    t = threading.Thread(target=run, name="framing-parent-watch", daemon=True)
    t.start()
    return t


def pool_init(load_kwargs: dict[str, Any], queue: Any, threads: int,
              env: dict[str, str] | None = None, parent: int | None = None) -> None:
    """Initializer of a worker process: watch the parent (``parent``: its pid), take its
    ``FRAMING_*`` environment, build the Analyzer once (errors are kept and raised with the
    first shard, so the parent can report them)."""
    if parent is not None:
        watch_parent(parent)
    if env is not None:
        _apply_env(env)
    _worker["queue"] = queue
    import signal

    # Ctrl-C is the parent's to handle (it keeps finished shards and stops the workers)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _torchless.needs_torch(load_kwargs):  # forked from a server of a rule-layer run
        _torchless.unblock_torch()
    try:
        _worker["analyzer"] = get_analyzer(load_kwargs)
    except BaseException as e:
        _worker["error"] = e
        return
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:  # N workers x all cores each would oversubscribe the machine
        torch.set_num_threads(max(1, threads))


def pool_run(task: ShardTask) -> ShardResult:
    """Run one shard in a worker process (see :func:`pool_init`)."""
    if "error" in _worker:
        raise _worker["error"]
    queue = _worker["queue"]

    def report(n: int) -> None:
        queue.put((task.index, n))

    return label_shard(task, _worker["analyzer"], Throttled(report) if queue is not None
                       else None)


# ----- Dask worker ---------------------------------------------------------------------------
def dask_run(task: ShardTask, load_kwargs: dict[str, Any], topic: str | None) -> ShardResult:
    """Run one shard on a Dask worker; progress goes to the client as worker events."""
    analyzer = get_analyzer(load_kwargs)
    progress: ProgressFn | None = None
    if topic:
        try:
            from distributed import get_worker

            worker = get_worker()

            def report(n: int) -> None:
                worker.log_event(topic, {"shard": task.index, "done": n})

            progress = Throttled(report, 0.5)
        except (ImportError, ValueError):
            progress = None
    return label_shard(task, analyzer, progress)
