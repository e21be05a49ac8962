"""Cutting the input stream into work units (shards), and noticing repeated ids on the way.

A shard ends after ``shard_size`` records or before the record that would take it past
``shard_words`` words (a document longer than that is a shard of its own). Cutting by words
keeps the units even when documents differ a hundredfold in length (a collection of 600 long
speeches is 2 shards of 500 records, one five times the other, but about 50 shards of 50,000
words), so every worker stays busy to the end. The cut depends only on the input, never on the
number of workers, so every run of the same input has the same shards and the same output
bytes.

Example:
    >>> from framing.types import Article
    >>> from framing.io import IngestConfig
    >>> arts = [Article(str(i), "word " * n) for i, n in enumerate([10, 10, 30, 5])]
    >>> p = Planner([], IngestConfig(), shard_size=3, shard_words=100, fmt="jsonl")
    >>> [[a.id for a in t.items] for t in p.cut(iter(arts))]
    [['0', '1', '2'], ['3']]
    >>> p = Planner([], IngestConfig(), shard_size=3, shard_words=25, fmt="jsonl")
    >>> [[a.id for a in t.items] for t in p.cut(iter(arts))]
    [['0', '1'], ['2'], ['3']]
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framing.batch.executors import fork_is_safe, usable_cpus
from framing.batch.shard import ShardTask
from framing.errors import FramingError
from framing.io.articles import IngestConfig, input_formats, read_records
from framing.io.manifest import ShardEntry
from framing.io.records import Reject
from framing.types import Article

#: Below this much input (bytes) a rule-layer run stays in one process: starting workers and
#: cutting the work would cost more than it saves (see :func:`default_workers`).
PARALLEL_MIN_BYTES = 2_000_000
#: Below this much input (bytes) a run with a model stays in one process (see
#: :func:`default_workers`): about 35,000 words, a minute of labelling on one core.
MODEL_PARALLEL_MIN_BYTES = 200_000
#: Words per work unit by default: about a second of rule-layer labelling on one core (about
#: 15 with the classifier), so a few hundred long documents make dozens of units.
DEFAULT_SHARD_WORDS = 50_000
#: Words per work unit of a run with a classifier (and stance model): labelling is about 50
#: times slower per word than the rule layer alone, so 50,000 words would make a few hundred
#: long documents only a handful of units, minutes each, and one worker would finish long
#: after the other; 5,000 words is some seconds of work, many units per worker.
MODEL_SHARD_WORDS = 5_000


def default_shard_words(load_kwargs: dict[str, Any] | None) -> int:
    """``--shard-words`` when not given: :data:`DEFAULT_SHARD_WORDS` for the rule layer,
    :data:`MODEL_SHARD_WORDS` when a model may run (the same for every worker count, so the
    output does not depend on it).

    >>> default_shard_words({"rules_only": True}), default_shard_words({})
    (50000, 5000)
    """
    from framing._torchless import needs_torch

    return MODEL_SHARD_WORDS if load_kwargs is None or needs_torch(load_kwargs) \
        else DEFAULT_SHARD_WORDS


def approx_words(text: str) -> int:
    """Words of a text, counted as spaces and line breaks (C-speed; ``split()`` would cost
    the parent a tenth of a second per 15 MB of text)."""
    return text.count(" ") + text.count("\n") + 1


class IdTable:
    """The ids seen so far, as 64-bit hashes in an open-addressing table (16 bytes per
    record), to report records that reuse an id without keeping every id string.

    Example:
        >>> t = IdTable()
        >>> [t.add(x) for x in ("a", "b", "a", "1")]
        [False, False, True, False]
    """

    def __init__(self, capacity: int = 1 << 12) -> None:
        self._table = np.zeros(capacity, dtype=np.uint64)
        self._n = 0

    @staticmethod
    def _hash(key: str) -> int:
        import hashlib

        h = int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"),
                                           digest_size=8).digest(), "little")
        return h or 1  # 0 marks an empty slot

    def add(self, key: str) -> bool:
        """Insert ``key``; True when it was there already."""
        if 2 * (self._n + 1) > len(self._table):
            self._grow()
        return self._insert(self._hash(key))

    def _insert(self, h: int) -> bool:
        table = self._table
        mask = len(table) - 1
        i = h & mask
        while True:
            v = int(table[i])
            if v == 0:
                table[i] = h
                self._n += 1
                return False
            if v == h:
                return True
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = self._table[self._table != 0]
        self._table = np.zeros(2 * len(self._table), dtype=np.uint64)
        self._n = 0
        for h in old.tolist():
            self._insert(int(h))


class Planner:
    """Cuts the record stream of ``inputs`` into shard tasks, skips shards already finished
    (``done``), and counts records whose id repeats an earlier one."""

    def __init__(self, inputs: list[str | Path], cfg: IngestConfig, *, shard_size: int,
                 shard_words: int, fmt: str, batch_size: int | None = None,
                 done: dict[int, ShardEntry] | None = None) -> None:
        self.inputs, self.cfg, self.fmt = inputs, cfg, fmt
        self.shard_size, self.shard_words, self.batch_size = shard_size, shard_words, batch_size
        self.done = done or {}
        self.sizes: dict[int, int] = {}
        self.n_shards = 0
        self.total = 0
        self.duplicates = 0
        self.duplicate_examples: list[str] = []
        self._ids = IdTable()

    def tasks(self) -> Iterator[ShardTask]:
        return self.cut(read_records(self.inputs, self.cfg))

    def cut(self, items: Iterator[Article | Reject]) -> Iterator[ShardTask]:
        buf: list[Any] = []
        index = start = words = 0
        for item in items:
            w = 0
            if isinstance(item, Article):
                w = approx_words(item.text)
                self._check_id(item)
            if buf and words + w > self.shard_words:  # a long document starts a new shard
                yield from self._emit(index, start, buf)
                index, start, buf, words = index + 1, start + len(buf), [], 0
            buf.append(item)
            words += w
            if len(buf) >= self.shard_size or words >= self.shard_words:
                yield from self._emit(index, start, buf)
                index, start, buf, words = index + 1, start + len(buf), [], 0
        if buf:
            yield from self._emit(index, start, buf)
            index, start = index + 1, start + len(buf)
        self.n_shards, self.total = index, start

    def _check_id(self, art: Article) -> None:
        if self._ids.add(art.id):
            self.duplicates += 1
            if len(self.duplicate_examples) < 3:
                self.duplicate_examples.append(repr(art.id))

    def _emit(self, index: int, start: int, items: list[Any]) -> Iterator[ShardTask]:
        entry = self.done.get(index)
        if entry is not None and entry.start == start and entry.end == start + len(items):
            return  # finished in an earlier run (a different range cannot happen with an
            # equal fingerprint; it would simply be redone)
        self.sizes[index] = len(items)
        yield ShardTask(index=index, start=start, items=items, fmt=self.fmt,
                        batch_size=self.batch_size)


def input_bytes(paths: Sequence[str | Path]) -> int:
    """Total size of the inputs (files below a folder included)."""
    total = 0
    for p in map(Path, paths):
        files = (f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            with contextlib.suppress(OSError):
                total += f.stat().st_size
    return total


def default_workers(load_kwargs: dict[str, Any] | None, inputs: Sequence[str | Path]) -> int:
    """``--workers`` when not given: what pays off.

    Worker processes pay off for the rule layer on inputs of a few MB and more: they are forked
    from the parent with the pipeline built (Linux), so they start at once, and shards cut by
    words keep them all busy (``scripts/bench_label.py``). With a model they pay off from a
    few hundred kB (:data:`MODEL_PARALLEL_MIN_BYTES`, about a minute of labelling on one
    core): each process runs torch on its share of the cores, which beats one process with
    all the cores on the same input (spaCy, the rules and the per-sentence work are one
    thread; torch's threads wait on each other at every operator of a small batch), and the
    second process's start-up (a few seconds: it builds its own Analyzer) is soon repaid.
    Never more workers than usable cores, at most 4 by default."""
    from framing._torchless import needs_torch

    cpus = usable_cpus()
    if load_kwargs is None or needs_torch(load_kwargs):
        return min(cpus, 4) if cpus >= 2 and input_bytes(inputs) >= MODEL_PARALLEL_MIN_BYTES \
            else 1
    if cpus < 2 or input_bytes(inputs) < PARALLEL_MIN_BYTES:
        return 1
    # without fork, each worker is a fresh interpreter that builds its own pipeline
    if not fork_is_safe(load_kwargs) and input_bytes(inputs) < 10 * PARALLEL_MIN_BYTES:
        return 1
    return min(cpus, 4)


def estimate_total(paths: Sequence[str | Path], cfg: IngestConfig) -> int | None:
    """A cheap upper estimate of the number of records (for the progress bar's ETA)."""
    total = 0
    try:
        kinds = input_formats(paths, cfg)
    except FramingError:
        return None
    for path, fmt in kinds:
        try:
            if fmt in ("jsonl", "csv", "tsv") and path.suffix.lower() != ".gz":
                with open(path, "rb") as fh:
                    n = sum(chunk.count(b"\n")
                            for chunk in iter(lambda: fh.read(1 << 20), b""))
                total += max(0, n - (1 if fmt in ("csv", "tsv") else 0)) + 1
            elif fmt == "parquet":
                import pyarrow.parquet as pq

                total += pq.ParquetFile(path).metadata.num_rows
            elif fmt == "folder":
                total += sum(1 for f in path.rglob("*") if f.is_file())
            else:
                total += 1
        except Exception:  # an unreadable input is rejected later, with its reason
            return None
    return total
