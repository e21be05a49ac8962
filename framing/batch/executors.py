"""Where shards run: in this process, in a pool of worker processes, or on a Dask cluster.

Every backend takes shards in input order and yields their results as they finish, keeping
at most ``window`` shards in flight, so the parent reads ahead only a little and memory stays
flat however large the input. Progress inside a shard comes back through ``on_progress(index,
labelled_so_far)``: directly (inline), over a multiprocessing queue (processes) or as Dask
worker events (Dask).

Example:
    >>> import framing
    >>> from framing.types import Article
    >>> from framing.batch.shard import ShardTask
    >>> run = InlineBackend(framing.load(rules_only=True))
    >>> tasks = [ShardTask(i, i, [Article(str(i), "Leave it to the states.")], "jsonl")
    ...          for i in range(2)]
    >>> [r.index for r in run.run(iter(tasks), lambda i, n: None)]
    [0, 1]
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import queue as _queue
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as cf_wait
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from framing import _torchless
from framing.batch.shard import (
    PRELOAD_ENV,
    ShardResult,
    ShardTask,
    Throttled,
    dask_run,
    framing_env,
    get_analyzer,
    label_shard,
    pool_init,
    pool_run,
)
from framing.errors import Errors, FramingError

if TYPE_CHECKING:  # spaCy loads only where text is analysed
    from framing.analyzer import Analyzer

OnProgress = Callable[[int, int], None]


def _fail(task: ShardTask, e: BaseException) -> FramingError:
    if isinstance(e, FramingError):
        return e
    return FramingError(Errors.E613.format(index=task.index, start=task.start, end=task.end,
                                           detail=f"{type(e).__name__}: {e}"))


class InlineBackend:
    """Runs shards one after another in this process."""

    name = "inline"
    workers = 1

    def __init__(self, analyzer: Analyzer) -> None:
        self.analyzer = analyzer

    def run(self, tasks: Iterator[ShardTask], on_progress: OnProgress) -> Iterator[ShardResult]:
        for task in tasks:
            idx = task.index

            def progress(n: int, idx: int = idx) -> None:
                on_progress(idx, n)

            try:
                yield label_shard(task, self.analyzer, progress)
            except FramingError:
                raise
            except Exception as e:
                raise _fail(task, e) from e

    def close(self, abort: bool = False) -> None:
        pass


def default_start_method(load_kwargs: dict[str, Any] | None = None) -> str:
    """How worker processes start.

    ``fork`` for a rule-layer run on Linux while torch is not imported (see
    :func:`fork_is_safe`): the parent builds its Analyzer first and the workers are forked
    from it, so they start labelling at once with the model already in (shared) memory; no
    second interpreter imports spaCy and builds the pipeline again. Otherwise ``forkserver``
    where available (a forked copy of torch's thread pools is not safe), else ``spawn``."""
    if load_kwargs is not None and fork_is_safe(load_kwargs):
        return "fork"
    return "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"


def usable_cpus() -> int:
    """Cores this process may run on (its affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def fork_is_safe(load_kwargs: dict[str, Any]) -> bool:
    """Whether worker processes may be forked from this one: Linux (macOS system libraries
    are not fork-safe), a rule-layer run that never needs torch, and torch not imported
    here (its OpenMP and intra-op thread pools do not survive a fork)."""
    return (sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()
            and not _torchless.needs_torch(load_kwargs) and sys.modules.get("torch") is None)


class ProcessBackend:
    """``workers`` labelling processes on this machine: a pool of worker processes (fork,
    forkserver or spawn), each with an Analyzer from ``framing.load(**load_kwargs)``, and, with
    ``parent_works`` (the default), this process as one of them.

    The parent reads the input, hands shards to the pool, commits results and, whenever the
    pool has enough queued and nothing finished, labels a shard itself. A rule-layer run on
    Linux forks the workers from the parent once its Analyzer is built (they start with it);
    otherwise the forkserver imports spaCy (and, for the rule layer, builds the Analyzer) once,
    in the background, for all of them, while the parent builds its own.
    """

    name = "processes"

    def __init__(self, load_kwargs: dict[str, Any], workers: int,
                 start_method: str | None = None, window: int | None = None,
                 parent_works: bool = True) -> None:
        method = start_method or default_start_method(load_kwargs)
        if method == "fork" and not fork_is_safe(load_kwargs):
            raise FramingError(Errors.E606.format(
                detail="the 'fork' start method is only supported for a rule-layer run on "
                       "Linux with torch not imported (use spawn or forkserver)"))
        self.start_method = method
        self.workers = workers
        self.load_kwargs = load_kwargs
        self.parent_works = parent_works and workers > 1
        n_procs = workers - 1 if self.parent_works else workers
        # four shards per worker process: one running, one in the pool's call queue and two
        # waiting, so a worker does not starve while the parent labels a long shard; when the
        # input ends, the parent takes the waiting ones back (they can still be cancelled)
        self.window = window or 4 * n_procs
        ctx = mp.get_context(method)
        if method == "forkserver":
            _start_forkserver(ctx, load_kwargs)
        self._queue: Any = ctx.Queue()
        # the cores this process may use, shared out: every labelling process (the parent
        # included) runs torch on its share, so N processes never oversubscribe the cores
        threads = max(1, usable_cpus() // workers)
        self.threads = threads
        self._pool = _pool_without_extra_queue(
            max_workers=n_procs, mp_context=ctx, initializer=pool_init,
            initargs=(load_kwargs, self._queue, threads, framing_env(), os.getpid()))
        self._analyzer: Analyzer | None = None
        self._threads_before: int | None = None

    def _drain(self, on_progress: OnProgress) -> None:
        while True:
            try:
                idx, n = self._queue.get_nowait()
            except (_queue.Empty, OSError, ValueError):
                return
            on_progress(idx, n)

    def _label_here(self, task: ShardTask, on_progress: OnProgress) -> ShardResult:
        assert self._analyzer is not None

        def progress(n: int) -> None:
            on_progress(task.index, n)
            self._drain(on_progress)

        try:
            return label_shard(task, self._analyzer, Throttled(progress))
        except FramingError:
            raise
        except Exception as e:
            raise _fail(task, e) from e

    def run(self, tasks: Iterator[ShardTask], on_progress: OnProgress) -> Iterator[ShardResult]:
        pending: dict[Any, ShardTask] = {}
        more = True
        started = False
        while True:
            if not started and (self.parent_works or self.start_method == "fork"):
                # before the first submit: forked workers inherit this Analyzer (the cache of
                # get_analyzer); with a forkserver, starting a worker waits for the server to
                # finish its preload (about as long as this build), so build meanwhile
                started = True
                analyzer = get_analyzer(self.load_kwargs)
                if self.parent_works:
                    self._analyzer = analyzer
                    self._threads_before = share_threads(self.threads)
            while more and len(pending) < self.window:
                task = next(tasks, None)
                if task is None:
                    more = False
                    break
                pending[self._pool.submit(pool_run, task)] = task
            if not pending and not more:
                return
            done = {f for f in pending if f.done()}
            if not done and more and self._analyzer is not None:
                task = next(tasks, None)
                if task is None:
                    more = False
                else:
                    yield self._label_here(task, on_progress)
                    continue
            if not done and not more and self._analyzer is not None:
                # the input has ended: label a shard still waiting for a worker here rather
                # than idle (only one no worker has picked up yet can be cancelled)
                stolen = next((f for f in sorted(pending, key=lambda f: -pending[f].index)
                               if f.cancel()), None)
                if stolen is not None:
                    yield self._label_here(pending.pop(stolen), on_progress)
                    continue
            if not done:
                if not pending:
                    continue
                done, _ = cf_wait(list(pending), timeout=0.2, return_when=FIRST_COMPLETED)
            self._drain(on_progress)
            for fut in sorted(done, key=lambda f: pending[f].index):
                task = pending.pop(fut)
                try:
                    yield fut.result()
                except BrokenProcessPool as e:
                    raise FramingError(Errors.E613.format(
                        index=task.index, start=task.start, end=task.end,
                        detail=f"a worker process died ({e}); out of memory?")) from None
                except Exception as e:
                    raise _fail(task, e) from None

    def close(self, abort: bool = False) -> None:
        """Stop the workers; ``abort`` (after an error or Ctrl-C) does not wait for the shards
        they are labelling (those are redone by ``--resume``)."""
        if abort:
            for proc in list(getattr(self._pool, "_processes", {}).values()):
                proc.terminate()
        self._pool.shutdown(wait=not abort, cancel_futures=True)
        if self._threads_before is not None:
            share_threads(self._threads_before)
            self._threads_before = None
        self._queue.close()
        self._queue.join_thread()


def share_threads(n: int) -> int | None:
    """Set torch's intra-op threads of this process to ``n`` when torch is imported (a
    labelling process with a classifier); returns the previous count (None without torch)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    before = int(torch.get_num_threads())
    torch.set_num_threads(max(1, n))
    return before


def _pool_without_extra_queue(**kwargs: Any) -> ProcessPoolExecutor:
    """A ProcessPoolExecutor whose call queue holds no shard beyond the ones running.

    The standard pool hands each worker one extra task ahead of time; such a task can no
    longer be cancelled, so at the end of the input the parent could not take it back and sat
    idle while a worker labelled two more shards (about 1.5 s of a 15 s run on 2 cores). The
    next shard now reaches a worker when it asks (a few milliseconds), and every waiting
    shard stays cancellable."""
    import concurrent.futures.process as cfp

    saved = cfp.EXTRA_QUEUED_CALLS
    setattr(cfp, "EXTRA_QUEUED_CALLS", 0)  # read once, by the constructor  # noqa: B010
    try:
        return ProcessPoolExecutor(**kwargs)
    finally:
        setattr(cfp, "EXTRA_QUEUED_CALLS", saved)  # noqa: B010


def _start_forkserver(ctx: Any, load_kwargs: dict[str, Any]) -> None:
    """Start the forkserver now, in the background, with spaCy imported and (rule layer) the
    Analyzer built, so workers forked from it are ready at once; see ``framing._forkserver``.
    The parent goes on reading the input meanwhile."""
    import json
    from multiprocessing import forkserver

    ENV = PRELOAD_ENV
    try:
        os.environ[ENV] = json.dumps(load_kwargs)
    except TypeError:  # e.g. a Codebook object: the workers build their own
        os.environ.pop(ENV, None)
    # one top-level module, imported before spaCy: it decides whether torch may be imported
    ctx.set_forkserver_preload(["framing._forkserver"])
    try:
        forkserver.ensure_running()
    finally:
        os.environ.pop(ENV, None)


class DaskBackend:
    """Runs shards as tasks on a Dask distributed cluster (``tcp://host:8786``, an ``inproc://``
    address, a ``distributed.Client``, or ``"local"`` for a LocalCluster of ``workers``
    single-threaded processes). Workers build the Analyzer once per process and thread."""

    name = "dask"

    def __init__(self, load_kwargs: dict[str, Any], scheduler: Any = None,
                 cluster: str | None = None, workers: int = 1, progress: bool = True) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as e:  # an optional extra: framing[dask]
            option = "--dask-cluster local" if cluster is not None else "--scheduler"
            raise FramingError(Errors.E510.format(option=option, detail=e)) from None
        self.load_kwargs = load_kwargs
        self._cluster: Any = None
        self._own_client = True
        address = scheduler
        try:
            if cluster is not None:
                if cluster != "local":
                    raise FramingError(Errors.E606.format(
                        detail=f"--dask-cluster must be 'local', not {cluster!r}; for an "
                               "existing cluster pass --scheduler tcp://host:8786"))
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                             processes=True, dashboard_address=None,
                                             silence_logs=logging.ERROR)
                address = self._cluster
                self.client = Client(self._cluster)
            elif isinstance(scheduler, Client):
                self.client = scheduler
                self._own_client = False
            else:
                self.client = Client(scheduler, timeout="20s")
        except FramingError:
            raise
        except Exception as e:
            if self._cluster is not None:
                self._cluster.close()
            raise FramingError(Errors.E607.format(address=address, detail=e)) from None
        nthreads = sum(self.client.nthreads().values()) or 1
        self.workers = nthreads
        self.window = 2 * nthreads
        self.topic = f"framing-progress-{uuid.uuid4().hex[:8]}" if progress else None
        self._events: _queue.SimpleQueue[tuple[int, int]] = _queue.SimpleQueue()
        if self.topic:
            try:
                self.client.subscribe_topic(self.topic, self._on_event)
            except Exception:  # older distributed: no live progress inside shards
                self.topic = None

    def _on_event(self, event: Any) -> None:
        _, msg = event
        self._events.put((int(msg["shard"]), int(msg["done"])))

    def run(self, tasks: Iterator[ShardTask], on_progress: OnProgress) -> Iterator[ShardResult]:
        from distributed import wait as dwait

        pending: dict[Any, tuple[ShardTask, Any]] = {}
        more = True
        while True:
            while more and len(pending) < self.window:
                task = next(tasks, None)
                if task is None:
                    more = False
                    break
                data = self.client.scatter(task, hash=False)
                fut = self.client.submit(dask_run, data, self.load_kwargs, self.topic,
                                         key=f"framing-shard-{task.index}-{uuid.uuid4().hex}",
                                         retries=1)
                pending[fut] = (task, data)
            if not pending:
                return
            try:
                done = dwait(list(pending), timeout=0.2, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                done = set()
            while not self._events.empty():
                on_progress(*self._events.get())
            for fut in sorted(done, key=lambda f: pending[f][0].index):
                task, data = pending.pop(fut)
                try:
                    res = fut.result()
                except Exception as e:
                    raise _fail(task, e) from None
                finally:
                    fut.release()
                    data.release()
                yield res

    def close(self, abort: bool = False) -> None:
        if self.topic:
            with contextlib.suppress(Exception):
                self.client.unsubscribe_topic(self.topic)
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
