"""A sharded output directory: check it can take the run, set it up, commit shards, resume.

``out="labels/"`` gets one file per shard, each committed atomically, with its rejects beside
it in ``_rejects/`` and a manifest (``_manifest.json``) of finished shards, so a killed run
restarted with ``resume=True`` skips finished shards, redoes the rest and ends with the same
bytes as an uninterrupted run. See :mod:`framing.io.manifest` for the layout. Only names a run
writes are ever removed from the directory, and only while the run holds its lock.

Example:
    >>> import json, tempfile, pathlib
    >>> from framing.batch import label
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "in.jsonl").write_text(json.dumps({"id": "1", "text": "The states decide."}))
    >>> s = label([d / "in.jsonl"], d / "out", load_kwargs={"rules_only": True}, progress=False)
    >>> sorted(p.name for p in (d / "out").iterdir())
    ['_manifest.json', 'part-000000.parquet']
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from framing.batch.options import BatchOptions, LabelSummary, make_backend
from framing.batch.plan import Planner, estimate_total
from framing.batch.progress import RunProgress
from framing.batch.shard import ShardResult
from framing.errors import Errors, FramingError
from framing.io.articles import IngestConfig
from framing.io.fsutil import atomic_write, fsync_dir, os_error, sha256_bytes
from framing.io.records import IngestStats

if TYPE_CHECKING:
    from framing.analyzer import Analyzer


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
        try:
            self.manifest.save(self.root)
        except OSError as e:
            raise os_error(e, self.root / MANIFEST) from None
        self._last = time.monotonic()
        self._cost = self._last - now
        self.dirty = False


#: Exactly the names a sharded run writes (shards, and the temporary names of atomic_write);
#: nothing else in an output directory is ever removed.
_OUR_TOP = re.compile(r"part-\d{6}\.(?:parquet|jsonl)$"
                      r"|\.tmp-(?:part-\d{6}\.(?:parquet|jsonl)|_manifest\.json)\.\d+$")
_OUR_REJECTS = re.compile(r"part-\d{6}\.rejects\.jsonl$|\.tmp-part-\d{6}\.rejects\.jsonl\.\d+$")


def remove_ours(root: Path, keep: set[str] | frozenset[str] = frozenset()) -> None:
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


def check_dir(root: Path, fp: str, config: dict[str, Any], opts: BatchOptions
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


def setup_dir(root: Path, old: Manifest | None, fresh: Manifest) -> Manifest:
    """Make ``root`` ready: keep the intact finished shards of ``old`` (and nothing else of
    an earlier attempt), or clear it for ``fresh``; write the manifest."""
    try:
        if old is None:
            root.mkdir(parents=True, exist_ok=True)
            remove_ours(root)
            fresh.save(root)
            return fresh
        kept = {i: e for i, e in old.shards.items() if e.verify(root) is None}
        keep = {e.file for e in kept.values()} | {e.rejects_file for e in kept.values()
                                                   if e.rejects_file}
        remove_ours(root, keep)
        old.complete = old.complete and len(kept) == old.n_shards
        old.shards = kept
        old.save(root)
        return old
    except OSError as e:
        raise os_error(e, root) from None


def add(stats: IngestStats, read: int, labelled: int, rejected: int, words: int,
        reasons: dict[str, int]) -> None:
    stats.read += read
    stats.labelled += labelled
    stats.rejected += rejected
    stats.words += words
    for k, v in reasons.items():
        stats.reasons[k] += v


def label_dir(inputs: list[str | Path], root: Path, cfg: IngestConfig, opts: BatchOptions,
              analyzer: Analyzer | None, load_kwargs: dict[str, Any] | None,
              progress: bool) -> LabelSummary:
    """Label into the sharded directory ``root`` (its lock is held by the caller)."""
    fmt = opts.shard_format or "parquet"
    model = describe_model(load_kwargs) if load_kwargs is not None else describe_model(
        None, model_info=analyzer.model_info if analyzer else None,
        codebook=analyzer.codebook if analyzer else None)
    config = run_config(inputs, cfg, model, opts.shard_size, fmt, opts.shard_words)
    fp = fingerprint(config)
    t0 = time.perf_counter()
    old = check_dir(root, fp, config, opts)
    fresh = Manifest(fingerprint=fp, config=config, shard_format=fmt,
                     shard_size=opts.shard_size)
    manifest: Manifest | None = None
    if old is not None and old.complete:  # a finished run: check it, maybe nothing to do
        manifest = setup_dir(root, old, fresh)
        if manifest.complete:
            return summary_of(root, manifest, time.perf_counter() - t0)
    # start the workers before touching the directory: a bad scheduler address leaves no trace
    backend = make_backend(opts, analyzer, load_kwargs, progress)
    if manifest is None:
        try:
            manifest = setup_dir(root, old, fresh)
        except BaseException:
            backend.close()
            raise
    resumed = old is not None
    reused = dict(manifest.shards)
    stats = IngestStats()
    for e in reused.values():
        add(stats, e.read, e.labelled, e.rejected, e.words, e.reasons)
    labelled_now = words_now = 0
    planner = Planner(inputs, cfg, shard_size=opts.shard_size, shard_words=opts.shard_words,
                      fmt=fmt, batch_size=opts.batch_size, done=reused)
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
                commit(root, fmt, res, manifest)
                writer.save()
                add(stats, res.read, res.labelled, res.rejected, res.words, res.reasons)
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
    manifest.duplicate_ids = planner.duplicates
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
                        start_method=getattr(backend, "start_method", None),
                        duplicates=planner.duplicates,
                        duplicate_examples=planner.duplicate_examples)


def summary_of(root: Path, manifest: Manifest, seconds: float) -> LabelSummary:
    stats = IngestStats()
    for e in manifest.shards.values():
        add(stats, e.read, e.labelled, e.rejected, e.words, e.reasons)
    return LabelSummary(stats=stats, seconds=seconds, out=root,
                        rejects=root / REJECTS_DIR if stats.rejected else None,
                        shards=len(manifest.shards), reused_shards=len(manifest.shards),
                        labelled_now=0, words_now=0, duplicates=manifest.duplicate_ids)


def commit(root: Path, fmt: str, res: ShardResult, manifest: Manifest) -> None:
    """Write a shard's files atomically, then list it in the (in-memory) manifest."""
    if manifest.model_info is None:
        manifest.model_info = res.model
    elif res.model != manifest.model_info:
        # e.g. a default model rebuilt between a crash and --resume: never mix two models
        diff = diff_configs(manifest.model_info, res.model, "model_info") or ["model_info"]
        raise FramingError(Errors.E601.format(path=root, n=len(diff),
                                              diff="\n".join(f"  - {d}" for d in diff)))
    name = shard_name(res.index, fmt)
    rname = rejects_name(res.index)
    try:
        atomic_write(root / name, res.data, sync_dir=False)
        if res.rejects:
            atomic_write(root / rname, res.rejects, sync_dir=False)
            fsync_dir(root / REJECTS_DIR)
        else:  # left over from an earlier attempt at this shard
            (root / rname).unlink(missing_ok=True)
        fsync_dir(root)
    except OSError as e:
        raise os_error(e, root / name) from None
    manifest.shards[res.index] = ShardEntry(
        index=res.index, start=res.start, end=res.end, read=res.read, labelled=res.labelled,
        rejected=res.rejected, words=res.words, file=name, bytes=len(res.data),
        sha256=res.sha256, reasons=dict(res.reasons),
        rejects_file=rname if res.rejects else None, rejects_bytes=len(res.rejects),
        rejects_sha256=sha256_bytes(res.rejects) if res.rejects else None)
