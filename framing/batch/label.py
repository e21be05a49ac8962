"""``label()``: the main batch job, as a plain function the CLI calls.

Every input record ends up exactly once either in the output or in the rejects; the summary
checks ``read == labelled + rejected``. Inputs are read as a stream and cut into *shards* of
``shard_size`` input records; a shard is the unit of work (labelled in this process, in a pool
of ``workers`` processes, or on a Dask cluster) and of commit:

* ``out="labels.jsonl"`` / ``"labels.parquet"``: one output file (written under a temporary
  name and renamed when complete) plus ``labels.rejects.jsonl``;
* ``out="labels/"`` (a directory): one file per shard, each committed atomically, with its
  rejects beside it in ``_rejects/`` and a manifest (``_manifest.json``) of finished shards, so a
  killed run restarted with ``resume=True`` skips finished shards, redoes the rest and ends with
  the same bytes as an uninterrupted run. See :mod:`framing.batch.manifest` for the layout.

Shard contents depend only on the input, the model and the options in the fingerprint, not on
how many workers ran them or where, so local, ``workers=2`` and Dask runs give identical files.

Example:
    >>> import json, tempfile, pathlib, framing
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "in.jsonl").write_text(json.dumps({"id": "1", "text": "Leave it to the states."}))
    >>> s = label([d / "in.jsonl"], d / "out.jsonl", analyzer=framing.load(rules_only=True),
    ...           progress=False)
    >>> (s.stats.read, s.stats.labelled, s.stats.rejected)
    (1, 1, 0)
    >>> s = label([d / "in.jsonl"], d / "out", load_kwargs={"rules_only": True}, progress=False)
    >>> sorted(p.name for p in (d / "out").iterdir())
    ['_manifest.json', 'part-000000.parquet']
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from framing.batch.executors import DaskBackend, InlineBackend, ProcessBackend
from framing.batch.fsutil import TMP_PREFIX, atomic_write, fsync_dir, sha256_bytes
from framing.batch.manifest import (
    MANIFEST,
    REJECTS_DIR,
    Manifest,
    ShardEntry,
    describe_model,
    diff_configs,
    fingerprint,
    is_ours,
    rejects_name,
    run_config,
    shard_name,
)
from framing.batch.progress import RunProgress
from framing.batch.shard import ShardResult, ShardTask
from framing.batch.sinks import SHARD_FORMATS, SUFFIXES, open_sink
from framing.batch.units import cut_by_words, default_workers, input_bytes, unit_words
from framing.errors import Errors, FramingError
from framing.guard import check_outputs, check_replaceable, looks_like_output, looks_like_rejects
from framing.ingest import IngestConfig, IngestStats, read_records
from framing.ingest.readers import detect_format

if TYPE_CHECKING:  # spaCy loads only where text is analysed
    from framing.analyzer import Analyzer

#: Input records per shard by default: small enough to resume cheaply and balance workers,
#: large enough that per-shard overhead (a file, a manifest entry, a task) stays negligible.
DEFAULT_SHARD_SIZE = 500

Backend = InlineBackend | ProcessBackend | DaskBackend


@dataclass
class LabelSummary:
    """What a run did: counts, time, where things went.

    ``stats`` counts the whole output (shards reused from an earlier run included); the rates
    count only what this run labelled.
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
        return (f"read {s.read}, labelled {s.labelled}, rejected {s.rejected}{rej} in "
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

    def __post_init__(self) -> None:
        problems = []
        if self.workers < 1:
            problems.append(f"--workers must be at least 1 (got {self.workers})")
        if self.shard_size < 1:
            problems.append(f"--shard-size must be at least 1 (got {self.shard_size})")
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


def default_rejects_path(out: Path) -> Path:
    """``out.jsonl`` -> ``out.rejects.jsonl``."""
    return out.with_name(out.stem + ".rejects.jsonl")


def output_kind(out: str | Path) -> str:
    """``"dir"`` for a sharded output directory, else the file format (``jsonl``/``parquet``).

    A directory is a path ending in ``/``, an existing directory, or a name without suffix.
    """
    s = str(out)
    path = Path(s)
    if s.endswith(("/", os.sep)) or path.is_dir():
        return "dir"
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is not None:
        return fmt
    if not path.suffix:
        return "dir"
    raise FramingError(Errors.E204.format(path=path)
                       + " For sharded output give a directory: --out OUTDIR/.")


def estimate_total(paths: Sequence[str | Path], cfg: IngestConfig) -> int | None:
    """A cheap upper estimate of the number of records (for the progress bar's ETA)."""
    total = 0
    for p in paths:
        path = Path(p)
        try:
            fmt = cfg.input_format if cfg.input_format and not path.is_dir() \
                else detect_format(path)
        except FramingError:
            return None
        if fmt in ("jsonl", "csv", "tsv") and path.suffix != ".gz":
            with open(path, "rb") as fh:
                n = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
            total += max(0, n - (1 if fmt in ("csv", "tsv") else 0)) + 1
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            try:
                total += pq.ParquetFile(path).metadata.num_rows
            except Exception:
                return None
        elif fmt == "folder":
            total += sum(1 for f in path.rglob("*")
                         if f.is_file() and f.suffix.lower() in (".txt", ".html", ".htm"))
        else:
            total += 1
    return total


def label(inputs: Sequence[str | Path], out: str | Path, *, analyzer: Analyzer | None = None,
          load_kwargs: dict[str, Any] | None = None, config: IngestConfig | None = None,
          rejects: str | Path | None = None, progress: bool = True,
          overwrite: bool | None = None, batch_size: int | None = None,
          workers: int | None = None,
          shard_size: int = DEFAULT_SHARD_SIZE, shard_format: str | None = None,
          resume: bool = False, scheduler: Any = None, dask_cluster: str | None = None,
          start_method: str | None = None) -> LabelSummary:
    """Label every record of ``inputs`` into ``out``; see the module docstring.

    Args:
        inputs: files or folders (JSONL, CSV/TSV, Parquet, folders of .txt/.html).
        out: ``OUT.jsonl`` / ``OUT.parquet`` (one file) or ``OUTDIR/`` (shards + manifest).
        analyzer: a built Analyzer (runs in this process only).
        load_kwargs: arguments of :func:`framing.load`; each worker builds its own Analyzer from
            them. Default when neither is given: ``{}`` (the default model).
        config: how to read the inputs.
        rejects: the rejects file of single-file output (default ``OUT.rejects.jsonl``).
        progress: show progress bars on stderr.
        overwrite: replace an existing output (default: yes for a file; a directory holding a
            run needs ``overwrite=True`` or ``resume=True``).
        batch_size: documents per batch inside the Analyzer.
        workers: processes on this machine (or LocalCluster workers with ``dask_cluster``);
            default: what pays off (:func:`framing.batch.units.default_workers`).
        shard_size: input records per shard.
        shard_format: ``parquet`` (default) or ``jsonl`` shards (directory output only).
        resume: continue the run in ``out`` (a directory): finished shards are kept.
        scheduler: a Dask scheduler address (``tcp://host:8786``) or ``distributed.Client``.
        dask_cluster: ``"local"``: start a Dask LocalCluster with ``workers`` processes.
        start_method: ``spawn``, ``forkserver`` or (rule layer, Linux) ``fork`` for
            ``workers > 1`` (default: ``fork`` for a rule-layer run on Linux, else forkserver
            where available; see :func:`framing.batch.executors.default_start_method`).
    """
    cfg = config or IngestConfig()
    if workers is None:
        workers = 1 if analyzer is not None or scheduler is not None or dask_cluster \
            else default_workers({} if load_kwargs is None else load_kwargs, inputs)
    opts = BatchOptions(workers=workers, shard_size=shard_size, shard_format=shard_format,
                        resume=resume, overwrite=overwrite, scheduler=scheduler,
                        dask_cluster=dask_cluster, start_method=start_method,
                        batch_size=batch_size)
    kind = output_kind(out)
    for p in inputs:
        if not Path(p).exists():
            raise FramingError(Errors.E201.format(path=p))
    if kind == "dir" and rejects is not None:
        raise FramingError(Errors.E606.format(
            detail=f"--rejects applies to single-file output; '{out}' is a directory, which "
                   "keeps the rejects of each shard in its _rejects/ folder"))
    if kind != "dir":
        if opts.resume:
            raise FramingError(Errors.E605.format(path=out))
        if opts.shard_format is not None and opts.shard_format != kind:
            raise FramingError(Errors.E606.format(
                detail=f"--shard-format {opts.shard_format} conflicts with the output file "
                       f"'{out}'; shard formats apply to directory output (--out DIR/)"))
    if kind == "dir":
        check_outputs(inputs, {}, {"output directory": out})
    else:
        rej_path = Path(rejects) if rejects else default_rejects_path(Path(out))
        check_outputs(inputs, {"output file": out, "rejects file": rej_path})
        check_replaceable(Path(out), "output file", opts.overwrite,
                          looks_like_output(Path(out)))
        check_replaceable(rej_path, "rejects file", opts.overwrite,
                          looks_like_rejects(rej_path))
    parallel = opts.workers > 1 or opts.distributed
    if analyzer is None and load_kwargs is None:
        load_kwargs = {}
    if parallel and load_kwargs is None:
        raise FramingError(Errors.E608)
    if kind == "dir":
        return _label_dir(list(inputs), Path(out), cfg, opts, analyzer, load_kwargs, progress)
    return _label_file(list(inputs), Path(out), kind, cfg, opts, analyzer, load_kwargs,
                       rejects, progress)


# ----- planning and running shards ---------------------------------------------------------
class _Planner:
    """Cuts the record stream into shard tasks; skips shards that are already finished."""

    def __init__(self, inputs: list[str | Path], cfg: IngestConfig, opts: BatchOptions,
                 fmt: str, done: dict[int, ShardEntry] | None = None,
                 max_words: int | None = None) -> None:
        self.inputs, self.cfg, self.opts, self.fmt = inputs, cfg, opts, fmt
        self.max_words = max_words  # cut by words too (framing.batch.units)
        self.done = done or {}
        self.sizes: dict[int, int] = {}
        self.n_shards = 0
        self.total = 0

    def tasks(self) -> Iterator[ShardTask]:
        size = self.opts.shard_size
        index = start = 0
        records = read_records(self.inputs, self.cfg)
        units = cut_by_words(records, size, self.max_words) if self.max_words \
            else _by_count(records, size)
        for buf in units:
            yield from self._emit(index, start, buf)
            index, start = index + 1, start + len(buf)
        self.n_shards, self.total = index, start

    def _emit(self, index: int, start: int, items: list[Any]) -> Iterator[ShardTask]:
        entry = self.done.get(index)
        if entry is not None and entry.start == start and entry.end == start + len(items):
            return  # finished in an earlier run (a different range cannot happen with an
            # equal fingerprint; it would simply be redone)
        self.sizes[index] = len(items)
        yield ShardTask(index=index, start=start, items=items, fmt=self.fmt,
                        batch_size=self.opts.batch_size)


def _by_count(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    buf: list[Any] = []
    for item in items:
        buf.append(item)
        if len(buf) == size:
            yield buf
            buf = []
    if buf:
        yield buf


def _backend(opts: BatchOptions, analyzer: Analyzer | None,
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


def _add(stats: IngestStats, read: int, labelled: int, rejected: int, words: int,
         reasons: dict[str, int]) -> None:
    stats.read += read
    stats.labelled += labelled
    stats.rejected += rejected
    stats.words += words
    for k, v in reasons.items():
        stats.reasons[k] += v


# ----- one output file ------------------------------------------------------------------------
def _label_file(inputs: list[str | Path], out: Path, fmt: str, cfg: IngestConfig,
                opts: BatchOptions, analyzer: Analyzer | None,
                load_kwargs: dict[str, Any] | None, rejects: str | Path | None,
                progress: bool) -> LabelSummary:
    rej_path = Path(rejects) if rejects else default_rejects_path(out)
    stats = IngestStats()
    t0 = time.perf_counter()
    total = estimate_total(inputs, cfg) if progress else None
    # one file: units cut by words keep every worker busy; their cut never shows in the file
    planner = _Planner(inputs, cfg, opts, fmt,
                       max_words=unit_words(input_bytes(inputs), opts.workers))
    backend = _backend(opts, analyzer, load_kwargs, progress)
    frame_ids = backend.analyzer.codebook.frame_ids if isinstance(backend, InlineBackend) \
        else None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{TMP_PREFIX}{os.getpid()}-{out.name}")
    # rejects go to a temporary file too: a failed run leaves the previous output and its
    # rejects as they were, a finished one replaces both
    rej_tmp = rej_path.with_name(f"{TMP_PREFIX}{os.getpid()}-{rej_path.name}")
    rej_fh: IO[bytes] | None = None
    pending: dict[int, ShardResult] = {}
    nxt = 0
    try:
        with open_sink(tmp, frame_ids) as sink, \
                RunProgress(progress, total) as prog:
            def on_progress(i: int, n: int) -> None:
                prog.shard(i, planner.sizes.get(i, 0), n)

            for res in backend.run(planner.tasks(), on_progress):
                pending[res.index] = res
                while nxt in pending:  # results may finish out of order; write in order
                    r = pending.pop(nxt)
                    sink.write_encoded(r.data)
                    if r.rejects:
                        if rej_fh is None:
                            rej_path.parent.mkdir(parents=True, exist_ok=True)
                            rej_fh = open(rej_tmp, "wb")
                        rej_fh.write(r.rejects)
                    _add(stats, r.read, r.labelled, r.rejected, r.words, r.reasons)
                    prog.shard_done(r.index, r.read)
                    nxt += 1
        if rej_fh is not None:
            rej_fh.close()
            rej_fh = None
            os.replace(rej_tmp, rej_path)
        elif rej_path.exists():  # the previous run's rejects (checked to be ours above)
            rej_path.unlink()
        os.replace(tmp, out)
    except BaseException:
        backend.close(abort=True)
        if rej_fh is not None:
            rej_fh.close()
        tmp.unlink(missing_ok=True)
        rej_tmp.unlink(missing_ok=True)
        raise
    else:
        backend.close()
    seconds = time.perf_counter() - t0
    if not stats.balanced or stats.read != planner.total:  # a bug, never a user error
        raise RuntimeError(f"record accounting broken: {stats}, {planner.total} records read")
    return LabelSummary(stats=stats, seconds=seconds, out=out,
                        rejects=rej_path if stats.rejected else None, backend=backend.name,
                        workers=backend.workers,
                        start_method=getattr(backend, "start_method", None))


# ----- a sharded output directory -------------------------------------------------------------
class _ManifestWriter:
    """Rewrites the manifest after each commit, but spends at most ~10% of the time on it
    (a big manifest of a long run is rewritten less often; shards finished but not yet listed
    are simply redone after a crash)."""

    def __init__(self, manifest: Manifest, root: Path) -> None:
        self.manifest, self.root = manifest, root
        self._last = 0.0
        self._cost = 0.0
        self.dirty = False

    def save(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 10 * self._cost:
            self.dirty = True
            return
        self.manifest.save(self.root)
        self._last = time.monotonic()
        self._cost = self._last - now
        self.dirty = False


#: Exactly the names a sharded run writes (shards, and the temporary names of atomic_write);
#: nothing else in an output directory is ever removed.
_OUR_TOP = re.compile(r"part-\d{6}\.(?:parquet|jsonl)$"
                      r"|\.tmp-(?:part-\d{6}\.(?:parquet|jsonl)|_manifest\.json)\.\d+$")
_OUR_REJECTS = re.compile(r"part-\d{6}\.rejects\.jsonl$|\.tmp-part-\d{6}\.rejects\.jsonl\.\d+$")


def _remove_ours(root: Path, keep: set[str] | frozenset[str] = frozenset()) -> None:
    """Delete files a sharded run wrote (temporary files, shards not in ``keep``); a file
    whose name a run would not write (a user's own file) is never touched."""
    for p in list(root.iterdir()):
        if p.name == REJECTS_DIR and p.is_dir():
            for q in p.iterdir():
                if q.is_file() and _OUR_REJECTS.match(q.name) and \
                        f"{REJECTS_DIR}/{q.name}" not in keep:
                    q.unlink()
            continue
        if p.is_file() and _OUR_TOP.match(p.name) and p.name not in keep:
            p.unlink()


def _check_dir(root: Path, fp: str, config: dict[str, Any], opts: BatchOptions
               ) -> Manifest | None:
    """Raise a clear error when ``root`` cannot take this run (changing nothing); return the
    manifest to resume from, or ``None`` to start afresh."""
    if root.exists() and not root.is_dir():
        raise FramingError(Errors.E603.format(path=root, name=root.name))
    if not root.exists():
        return None
    names = sorted(os.listdir(root))
    foreign = [n for n in names if not is_ours(n)]
    if (root / MANIFEST).exists():
        if opts.resume:
            old = Manifest.load(root)
            if old.fingerprint != fp:
                diff = diff_configs(old.config, config) or ["(settings differ)"]
                raise FramingError(Errors.E601.format(
                    path=root, n=len(diff), diff="\n".join(f"  - {d}" for d in diff)))
            return old
        if not opts.overwrite:
            old = Manifest.load(root)
            state = ", complete" if old.complete else ", unfinished"
            raise FramingError(Errors.E602.format(path=root, done=len(old.shards), state=state))
    elif names:  # a run writes its manifest before anything else: without one, not ours
        raise FramingError(Errors.E603.format(path=root, name=(foreign or names)[0]))
    return None


def _setup_dir(root: Path, old: Manifest | None, fresh: Manifest) -> Manifest:
    """Make ``root`` ready: keep the intact finished shards of ``old`` (and nothing else of
    an earlier attempt), or clear it for ``fresh``; write the manifest."""
    if old is None:
        root.mkdir(parents=True, exist_ok=True)
        _remove_ours(root)
        fresh.save(root)
        return fresh
    kept = {i: e for i, e in old.shards.items() if e.verify(root) is None}
    keep = {e.file for e in kept.values()} | {e.rejects_file for e in kept.values()
                                               if e.rejects_file}
    _remove_ours(root, keep)
    old.complete = old.complete and len(kept) == old.n_shards
    old.shards = kept
    old.save(root)
    return old


def _label_dir(inputs: list[str | Path], root: Path, cfg: IngestConfig, opts: BatchOptions,
               analyzer: Analyzer | None, load_kwargs: dict[str, Any] | None,
               progress: bool) -> LabelSummary:
    fmt = opts.shard_format or "parquet"
    model = describe_model(load_kwargs) if load_kwargs is not None else describe_model(
        None, model_info=analyzer.model_info if analyzer else None,
        codebook=analyzer.codebook if analyzer else None)
    config = run_config(inputs, cfg, model, opts.shard_size, fmt)
    fp = fingerprint(config)
    t0 = time.perf_counter()
    old = _check_dir(root, fp, config, opts)
    fresh = Manifest(fingerprint=fp, config=config, shard_format=fmt,
                     shard_size=opts.shard_size)
    manifest: Manifest | None = None
    if old is not None and old.complete:  # a finished run: check it, maybe nothing to do
        manifest = _setup_dir(root, old, fresh)
        if manifest.complete:
            return _summary(root, manifest, time.perf_counter() - t0)
    # start the workers before touching the directory: a bad scheduler address leaves no trace
    backend = _backend(opts, analyzer, load_kwargs, progress)
    if manifest is None:
        try:
            manifest = _setup_dir(root, old, fresh)
        except BaseException:
            backend.close()
            raise
    resumed = old is not None
    reused = dict(manifest.shards)
    stats = IngestStats()
    for e in reused.values():
        _add(stats, e.read, e.labelled, e.rejected, e.words, e.reasons)
    labelled_now = words_now = 0
    planner = _Planner(inputs, cfg, opts, fmt, done=reused)
    total = estimate_total(inputs, cfg) if progress else None
    if progress and resumed:
        from rich.console import Console

        Console(stderr=True).print(
            f"resuming {root}: {len(reused)} finished shard(s) ({stats.read} records) kept",
            highlight=False)
    writer = _ManifestWriter(manifest, root)
    try:
        with RunProgress(progress, total, skipped=stats.read) as prog:
            def on_progress(i: int, n: int) -> None:
                prog.shard(i, planner.sizes.get(i, 0), n)

            for res in backend.run(planner.tasks(), on_progress):
                _commit(root, fmt, res, manifest)
                writer.save()
                _add(stats, res.read, res.labelled, res.rejected, res.words, res.reasons)
                labelled_now += res.labelled
                words_now += res.words
                prog.shard_done(res.index, res.read)
    except BaseException:
        backend.close(abort=True)
        raise
    else:
        backend.close()
    finally:
        if writer.dirty:  # list every committed shard, so --resume keeps it
            writer.save(force=True)
    manifest.complete = True
    manifest.n_shards = planner.n_shards
    manifest.total_records = planner.total
    writer.save(force=True)
    seconds = time.perf_counter() - t0
    if not stats.balanced or stats.read != planner.total or \
            sorted(manifest.shards) != list(range(planner.n_shards)):
        raise RuntimeError(f"record accounting broken: {stats}, {planner.total} records read, "
                           f"shards {sorted(manifest.shards)}")
    return LabelSummary(stats=stats, seconds=seconds, out=root,
                        rejects=root / REJECTS_DIR if stats.rejected else None,
                        shards=planner.n_shards, reused_shards=len(reused),
                        labelled_now=labelled_now, words_now=words_now, backend=backend.name,
                        workers=backend.workers,
                        start_method=getattr(backend, "start_method", None))


def _summary(root: Path, manifest: Manifest, seconds: float) -> LabelSummary:
    stats = IngestStats()
    for e in manifest.shards.values():
        _add(stats, e.read, e.labelled, e.rejected, e.words, e.reasons)
    return LabelSummary(stats=stats, seconds=seconds, out=root,
                        rejects=root / REJECTS_DIR if stats.rejected else None,
                        shards=len(manifest.shards), reused_shards=len(manifest.shards),
                        labelled_now=0, words_now=0)


def _commit(root: Path, fmt: str, res: ShardResult, manifest: Manifest) -> None:
    """Write a shard's files atomically, then list it in the (in-memory) manifest."""
    if manifest.model_info is None:
        manifest.model_info = res.model
    elif res.model != manifest.model_info:
        # e.g. a default model rebuilt between a crash and --resume: never mix two models
        diff = diff_configs(manifest.model_info, res.model, "model_info") or ["model_info"]
        raise FramingError(Errors.E601.format(path=root, n=len(diff),
                                              diff="\n".join(f"  - {d}" for d in diff)))
    name = shard_name(res.index, fmt)
    atomic_write(root / name, res.data, sync_dir=False)
    rname = rejects_name(res.index)
    if res.rejects:
        atomic_write(root / rname, res.rejects, sync_dir=False)
        fsync_dir(root / REJECTS_DIR)
    else:  # left over from an earlier attempt at this shard
        (root / rname).unlink(missing_ok=True)
    fsync_dir(root)
    manifest.shards[res.index] = ShardEntry(
        index=res.index, start=res.start, end=res.end, read=res.read, labelled=res.labelled,
        rejected=res.rejected, words=res.words, file=name, bytes=len(res.data),
        sha256=res.sha256, reasons=dict(res.reasons),
        rejects_file=rname if res.rejects else None, rejects_bytes=len(res.rejects),
        rejects_sha256=sha256_bytes(res.rejects) if res.rejects else None)
