"""The real-text development set ``corpora/realdev``: loading, span checks, halves.

``corpora/realdev/speeches_dev.jsonl`` holds only document ids, character offsets, gold labels
and a short SHA-1 of each span; the sentence text is read at run time from
``presidential_speeches.jsonl`` in a data folder given as an argument (scripts: ``--data-dir``)
or by the environment variable ``FRAMING_DATA_DIR`` (real US presidential speeches, public
domain, not part of the repository; without the folder, the functions that need the text
raise :class:`DriftError` and the scripts skip). Every span is checked (non-empty, hash
matches) before use, so a changed data file is reported (:class:`DriftError`) instead of
silently mis-scored.

The set is split in two fixed **halves by speech** (SHA-1 of the speech id): ``calibration``
(the default model's domain gates are fitted on it, see :mod:`framing.models.frames.calibrate`) and
``heldout`` (what the default model is evaluated on). No speech has sentences in both.

``corpora/realtrain/speeches_train.jsonl`` (same record format) is a training supplement drawn
only from ``calibration``-half speeches; :func:`load_realtrain` refuses any ``heldout`` speech,
so the held-out half stays unseen by training and calibration alike.

Example:
    >>> from framing_corpora.realdev import half_of
    >>> half_of("1832-12-10-nullification-proclamation") in ("calibration", "heldout")
    True
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from framing_corpora import CORPORA_DIR

ANNOTATIONS = CORPORA_DIR / "realdev" / "speeches_dev.jsonl"
TRAIN_ANNOTATIONS = CORPORA_DIR / "realtrain" / "speeches_train.jsonl"
#: The environment variable that names the folder of the real data (the speech file).
DATA_ENV = "FRAMING_DATA_DIR"
SPEECHES_FILE = "presidential_speeches.jsonl"
HALVES = ("calibration", "heldout")
HASH_LEN = 12


def speeches_path(data_dir: str | Path | None = None) -> Path:
    """The speech file in ``data_dir``, else in ``$FRAMING_DATA_DIR``; when neither is given,
    a path that does not exist (``<FRAMING_DATA_DIR unset>/...``), so callers that check
    ``.is_file()`` skip cleanly and their messages say what to set.

    Example:
        >>> speeches_path("/data").as_posix()
        '/data/presidential_speeches.jsonl'
    """
    d = data_dir if data_dir is not None else os.environ.get(DATA_ENV) or None
    return Path(d if d is not None else f"<{DATA_ENV} unset>") / SPEECHES_FILE


#: The speech file named by ``$FRAMING_DATA_DIR`` at import (see :func:`speeches_path`).
SPEECHES = speeches_path()


def half_of(doc_id: str) -> str:
    """``calibration`` or ``heldout``: the fixed half of a speech (by the SHA-1 of its id)."""
    return HALVES[int(hashlib.sha1(doc_id.encode("utf-8")).hexdigest(), 16) % 2]


class DriftError(ValueError):
    """The annotations do not match the speech file (missing document, bad span, hash)."""


@dataclass
class Item:
    """One annotated sentence; ``text`` is filled from the shared data at run time."""

    doc_id: str
    start: int
    end: int
    labels: list[str]
    selection: str
    sha1: str
    note: str | None = None
    text: str = ""

    @property
    def half(self) -> str:
        return half_of(self.doc_id)

    @property
    def key(self) -> str:
        return f"{self.doc_id}:{self.start}-{self.end}"


def span_hash(text: str) -> str:
    """The short SHA-1 stored with each annotation (first 12 hex digits of the UTF-8 text)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:HASH_LEN]


def load_annotations(path: Path = ANNOTATIONS) -> list[Item]:
    items = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            try:
                items.append(Item(doc_id=d["doc_id"], start=int(d["start"]), end=int(d["end"]),
                                  labels=list(d["labels"]), selection=d["selection"],
                                  sha1=d["sha1"], note=d.get("note")))
            except KeyError as e:
                raise DriftError(f"{path}:{n}: missing field {e}") from None
    return items


def attach_text(items: Sequence[Item], speeches: Path | None = None) -> None:
    """Fill ``item.text`` from the speech file (default: :func:`speeches_path`); raise
    :class:`DriftError` on any mismatch, or when the file is absent."""
    speeches = speeches if speeches is not None else speeches_path()
    if not speeches.is_file():
        raise DriftError(f"{speeches} not found: pass the data folder (--data-dir) or set "
                         f"{DATA_ENV}")
    wanted = {it.doc_id for it in items}
    texts: dict[str, str] = {}
    with speeches.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["id"] in wanted:
                texts[d["id"]] = d["text"]
    problems = []
    for it in items:
        doc = texts.get(it.doc_id)
        if doc is None:
            problems.append(f"{it.key}: document not in {speeches.name}")
            continue
        span = doc[it.start:it.end] if 0 <= it.start < it.end <= len(doc) else ""
        if not span.strip():
            problems.append(f"{it.key}: empty or out-of-range span")
        elif span_hash(span) != it.sha1:
            problems.append(f"{it.key}: span hash {span_hash(span)} != stored {it.sha1}")
        it.text = span
    if problems:
        shown = "\n  ".join(problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise DriftError(f"{len(problems)} annotation(s) do not match {speeches}:\n  "
                         f"{shown}{more}")


def load_realdev(half: str | None = None, annotations: Path = ANNOTATIONS,
                 speeches: Path | None = None) -> list[Item]:
    """The annotated sentences with their text (one half, or all with ``half=None``)."""
    if half is not None and half not in HALVES:
        raise ValueError(f"half must be one of {HALVES} or None, not {half!r}")
    items = [it for it in load_annotations(annotations) if half is None or
             half_of(it.doc_id) == half]
    attach_text(items, speeches)
    return items


def span_index(items: Iterable[Item]) -> dict[str, list[tuple[int, int]]]:
    """``doc_id`` -> the ``(start, end)`` spans of ``items`` in that document."""
    index: dict[str, list[tuple[int, int]]] = {}
    for it in items:
        index.setdefault(it.doc_id, []).append((it.start, it.end))
    return index


def overlaps(index: dict[str, list[tuple[int, int]]], doc_id: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` of ``doc_id`` overlaps a span of ``index`` (:func:`span_index`)."""
    return any(a < end and start < b for a, b in index.get(doc_id, ()))


def load_realtrain(annotations: Path = TRAIN_ANNOTATIONS, speeches: Path | None = None,
                   dev: Path = ANNOTATIONS) -> list[Item]:
    """The training supplement with its text. Raises :class:`DriftError` when a sentence comes
    from a ``heldout``-half speech, overlaps a sentence of the development set (``dev``) or has
    the same text as one (case and spacing aside): each would leak evaluation data into
    training."""
    items = load_annotations(annotations)
    dev_items = load_annotations(dev) if dev.is_file() else []
    dev_spans = span_index(dev_items)
    leaks = [f"{it.key}: from a heldout-half speech" for it in items if it.half != "calibration"]
    leaks += [f"{it.key}: overlaps a development-set sentence" for it in items
              if overlaps(dev_spans, it.doc_id, it.start, it.end)]
    if not leaks:
        # one pass over the speeches for both sets: the same words elsewhere (a passage
        # repeated in another speech) are the same sentence
        attach_text([*items, *dev_items], speeches)
        seen = {_norm(it.text): it.key for it in dev_items}
        leaks = [f"{it.key}: same text as development-set sentence {seen[_norm(it.text)]}"
                 for it in items if _norm(it.text) in seen]
    if leaks:
        raise DriftError(f"{len(leaks)} training sentence(s) would leak evaluation data "
                         f"({annotations}):\n  " + "\n  ".join(leaks[:10]))
    return items


def _norm(text: str) -> str:
    return " ".join(text.lower().split())
