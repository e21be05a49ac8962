"""Work units that keep every worker busy: cut by words, not records, and how many workers
pay off.

A run labels its input in units handed to the workers. Cut by a number of records, a few
hundred long speeches make two or three units, one several times another, and the second
worker soon idles (``--workers 2`` gave 1.13x on 600 speeches written to one file). Cut by
words, every unit costs about the same, there are dozens of them, and the last one to finish
is short: the workers stop within a fraction of a second of each other.

* :func:`cut_by_words` cuts a record stream into units of at most ``max_words`` words (a longer
  document is a unit of its own) and ``max_records`` records, in input order;
* :func:`unit_words` picks ``max_words`` from the input's size: at least
  :data:`UNITS_PER_WORKER` units per worker, each between :data:`MIN_UNIT_WORDS` and
  :data:`MAX_UNIT_WORDS` words (a unit also costs a task, a pickled copy of its text and
  an encoded result);
* :func:`default_workers` is ``--workers`` when not given: what pays off.

Single-file output writes the units' results in input order, whatever order they finish in,
so the file is the same bytes for any cut and any number of workers.

Example:
    >>> from framing.types import Article
    >>> arts = [Article(str(i), "word " * n) for i, n in enumerate([10, 10, 30, 5])]
    >>> [[a.id for a in u] for u in cut_by_words(iter(arts), max_records=3, max_words=100)]
    [['0', '1', '2'], ['3']]
    >>> [[a.id for a in u] for u in cut_by_words(iter(arts), max_records=3, max_words=25)]
    [['0', '1'], ['2'], ['3']]
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: Bounds of a unit's size in words: about a tenth of a second and two seconds of rule-layer
#: labelling on one core.
MIN_UNIT_WORDS = 5_000
MAX_UNIT_WORDS = 100_000
#: Units per worker at least, so the last unit to finish is short next to the run.
UNITS_PER_WORKER = 32
#: Bytes of input per word (JSON with ids and metadata around English text), to size units
#: before reading.
BYTES_PER_WORD = 6
#: Below this much input (bytes) a rule-layer run stays in one process: starting a worker and
#: cutting the work would cost more than it saves.
PARALLEL_MIN_BYTES = 2_000_000
#: Most workers chosen by default (each costs memory; more rarely pays on shared machines).
MAX_DEFAULT_WORKERS = 4


def approx_words(text: str) -> int:
    """Words of a text, counted as spaces and line breaks (C speed; ``split()`` would cost the
    parent process time every worker waits for).

    >>> approx_words("Leave it to the states.")
    5
    """
    return text.count(" ") + text.count("\n") + 1


def cut_by_words(items: Iterable[T], max_records: int, max_words: int) -> Iterator[list[T]]:
    """Consecutive units of ``items`` with at most ``max_records`` records and ``max_words``
    words (counted on items with a ``text``; others, e.g. rejects, count none). A unit ends
    before the record that would take it past ``max_words``, so only a document longer than
    that makes a bigger unit, alone."""
    buf: list[T] = []
    words = 0
    for item in items:
        text = getattr(item, "text", None)
        w = approx_words(text) if isinstance(text, str) else 0
        if buf and words + w > max_words:
            yield buf
            buf, words = [], 0
        buf.append(item)
        words += w
        if len(buf) >= max_records or words >= max_words:
            yield buf
            buf, words = [], 0
    if buf:
        yield buf


def input_bytes(paths: Sequence[str | Path]) -> int:
    """Total size of the inputs in bytes (files below a folder included)."""
    total = 0
    for p in map(Path, paths):
        files = (f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            with contextlib.suppress(OSError):
                total += f.stat().st_size
    return total


def unit_words(total_bytes: int, workers: int) -> int:
    """Words per unit for an input of ``total_bytes`` run by ``workers`` processes.

    >>> unit_words(15_000_000, 2)   # 600 long speeches, 2.5 M words: 64 units
    39062
    >>> unit_words(100_000, 2), unit_words(10**10, 2)
    (5000, 100000)
    """
    words = total_bytes // BYTES_PER_WORD
    per_unit = words // (UNITS_PER_WORKER * max(1, workers))
    return max(MIN_UNIT_WORDS, min(MAX_UNIT_WORDS, per_unit))


def usable_cpus() -> int:
    """Cores this process may run on (its affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(load_kwargs: dict[str, Any] | None, inputs: Sequence[str | Path]) -> int:
    """``--workers`` when not given: what pays off.

    Worker processes pay off for the rule layer on inputs of a few MB and more where they can
    be forked from this process once its pipeline is built (Linux, torch not imported), so
    they start at once, and units cut by words keep them all busy
    (``scripts/bench_label.py``). A run with a classifier
    stays in one process (torch already spreads one model over the cores, and each worker
    would load the model again), as does a run given a built Analyzer (``load_kwargs`` None).
    Never more workers than usable cores, nor than :data:`MAX_DEFAULT_WORKERS`.

    >>> default_workers({"rules_only": False}, [])
    1
    """
    from framing.batch.executors import fork_is_safe

    # fork only: spawned workers re-import the caller's main module, which a script without
    # an ``if __name__ == "__main__":`` guard cannot survive; ask for them with ``workers=N``
    if load_kwargs is None or not fork_is_safe(load_kwargs):
        return 1
    cpus = usable_cpus()
    if cpus < 2 or input_bytes(inputs) < PARALLEL_MIN_BYTES:
        return 1
    return min(cpus, MAX_DEFAULT_WORKERS)
