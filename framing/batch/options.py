"""What a run is asked to do (:class:`BatchOptions`), what it did (:class:`LabelSummary`), and
the backend that runs its shards.

Example:
    >>> BatchOptions(workers=2, shard_size=100).distributed
    False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing.batch.executors import DaskBackend, InlineBackend, ProcessBackend
from framing.batch.plan import DEFAULT_SHARD_WORDS
from framing.batch.sinks import SHARD_FORMATS
from framing.errors import Errors, FramingError
from framing.io.records import IngestStats

if TYPE_CHECKING:  # spaCy loads only where text is analysed
    from framing.analyzer import Analyzer

#: Input records per shard by default (shards also end at ``DEFAULT_SHARD_WORDS`` words).
DEFAULT_SHARD_SIZE = 500

Backend = InlineBackend | ProcessBackend | DaskBackend


@dataclass
class LabelSummary:
    """What a run did: counts, time, where things went.

    ``stats`` counts the whole output (shards reused from an earlier run included); the rates
    count only what this run labelled. ``duplicates`` counts records whose id repeats an
    earlier record's.
    """

    stats: IngestStats
    seconds: float
    out: Path
    rejects: Path | None
    shards: int = 0
    reused_shards: int = 0
    labelled_now: int | None = None
    words_now: int | None = None
    backend: str = "inline"
    workers: int = 1
    #: how worker processes started (``fork``, ``forkserver``, ``spawn``); None without them
    start_method: str | None = None
    duplicates: int = 0
    duplicate_examples: list[str] = field(default_factory=list)

    @property
    def docs_per_s(self) -> float:
        n = self.stats.labelled if self.labelled_now is None else self.labelled_now
        return n / self.seconds if self.seconds > 0 else 0.0

    @property
    def words_per_s(self) -> float:
        n = self.stats.words if self.words_now is None else self.words_now
        return n / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        s = self.stats
        rej = f" (reasons: {dict(sorted(s.reasons.items()))}; see {self.rejects})" \
            if s.rejected else ""
        where = str(self.out)
        if self.shards:
            where += f" ({self.shards} shards" + (
                f", {self.reused_shards} reused from an earlier run" if self.reused_shards
                else "") + ")"
        dup = f"; {self.duplicates} repeated id(s)" if self.duplicates else ""
        return (f"read {s.read}, labelled {s.labelled}, rejected {s.rejected}{rej}{dup} in "
                f"{self.seconds:.1f} s: {self.docs_per_s:.1f} docs/s, "
                f"{self.words_per_s:,.0f} words/s -> {where}")


@dataclass
class BatchOptions:
    """How a run executes; ``__post_init__`` rejects impossible combinations."""

    workers: int = 1
    shard_size: int = DEFAULT_SHARD_SIZE
    shard_format: str | None = None
    resume: bool = False
    overwrite: bool | None = None
    scheduler: Any = None
    dask_cluster: str | None = None
    start_method: str | None = None
    batch_size: int | None = None
    shard_words: int = DEFAULT_SHARD_WORDS

    def __post_init__(self) -> None:
        problems = []
        if self.workers < 1:
            problems.append(f"--workers must be at least 1 (got {self.workers})")
        if self.shard_size < 1:
            problems.append(f"--shard-size must be at least 1 (got {self.shard_size})")
        if self.shard_words < 1:
            problems.append(f"--shard-words must be at least 1 (got {self.shard_words})")
        if self.batch_size is not None and self.batch_size < 1:
            problems.append(f"--batch-size must be at least 1 (got {self.batch_size})")
        if self.shard_format is not None and self.shard_format not in SHARD_FORMATS:
            problems.append(f"--shard-format must be one of {', '.join(SHARD_FORMATS)} "
                            f"(got {self.shard_format!r})")
        if self.dask_cluster not in (None, "local"):
            problems.append(f"--dask-cluster must be 'local', not {self.dask_cluster!r}; for an "
                            "existing cluster pass --scheduler tcp://host:8786")
        if self.scheduler is not None and self.dask_cluster is not None:
            problems.append("give either --scheduler or --dask-cluster, not both")
        if self.start_method not in (None, "fork", "forkserver", "spawn"):
            problems.append("--start-method must be fork, forkserver or spawn "
                            f"(got {self.start_method!r})")
        if self.resume and self.overwrite:
            problems.append("--resume and --overwrite exclude each other")
        if problems:
            raise FramingError(Errors.E606.format(detail="; ".join(problems)))

    @property
    def distributed(self) -> bool:
        return self.scheduler is not None or self.dask_cluster is not None


def make_backend(opts: BatchOptions, analyzer: Analyzer | None,
                 load_kwargs: dict[str, Any] | None, progress: bool) -> Backend:
    if opts.distributed:
        assert load_kwargs is not None
        return DaskBackend(load_kwargs, scheduler=opts.scheduler, cluster=opts.dask_cluster,
                           workers=opts.workers, progress=progress)
    if opts.workers > 1:
        assert load_kwargs is not None
        return ProcessBackend(load_kwargs, opts.workers, start_method=opts.start_method)
    if analyzer is None:
        import framing

        analyzer = framing.load(**(load_kwargs or {}))
    return InlineBackend(analyzer)
