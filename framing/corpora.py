"""Load the project's annotated corpora and turn them into training examples.

Two corpora live under ``corpora/`` at the repository root; the loaders find that folder
through :func:`corpora_dir` (an explicit path, ``$FRAMING_CORPORA_DIR``, or the repository's
corpus package :mod:`framing_corpora`), never beside the library's own files:

* ``corpora/opeds/opeds.jsonl``: the op-ed corpus (built by ``scripts/build_opeds.py``), one
  document per line with sentence offsets, sentence and document frame labels, stance targets and
  a ``split`` field (``train`` / ``dev`` / ``test``).
* ``corpora/collection/collection.jsonl``: a larger collection of documents with the same kind of
  labels (see :func:`load_collection`).

This module reads the codebook JSON itself (only frame ids and parents are needed), so it can be
imported without the rest of the package.

Example:
    >>> from framing.corpora import load_opeds, iter_frame_examples
    >>> docs = load_opeds(split="train")                      # doctest: +SKIP
    >>> next(iter_frame_examples(docs))["id"]                 # doctest: +SKIP
    'w1-001#s0'
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError

__all__ = [
    "SPLITS",
    "CorpusDocument",
    "CorpusSentence",
    "StanceTarget",
    "codebook_frames",
    "corpora_dir",
    "export_training_file",
    "iter_frame_examples",
    "iter_stance_examples",
    "label_closure",
    "load_collection",
    "load_opeds",
]

_CODEBOOK_PATH = Path(__file__).resolve().parent / "resources" / "codebook.json"
#: Environment variable naming a corpora folder (with ``opeds/opeds.jsonl`` etc.).
CORPORA_ENV = "FRAMING_CORPORA_DIR"



def corpora_dir(path: str | Path | None = None) -> Path:
    """The folder that holds the project's corpora: ``path`` when given, else
    ``$FRAMING_CORPORA_DIR``, else the folder of the repository's corpus package
    (:mod:`framing_corpora`, present in a checkout installed with ``pip install -e .``).

    The library itself never looks beside its own source files. Raises ``[E511]`` when no
    folder is found.

    Example:
        >>> (corpora_dir() / "opeds").is_dir()                      # in a checkout
        True
    """
    how = "the path given"
    if path is not None:
        found: Path | None = Path(path)
    elif os.environ.get(CORPORA_ENV):
        found, how = Path(os.environ[CORPORA_ENV]), f"${CORPORA_ENV}"
    else:
        try:
            from framing_corpora import CORPORA_DIR
        except ImportError:
            found = None
        else:
            found, how = CORPORA_DIR, "the framing_corpora package"
    if found is None or not found.is_dir():
        where = f"{found} ({how})" if found is not None else "no folder (framing_corpora is " \
            "not installed)"
        raise FramingError(Errors.E511.format(where=where, env=CORPORA_ENV))
    return found


def __getattr__(name: str) -> Any:
    # the old module constants, resolved when asked for (no path is computed at import)
    if name == "CORPORA_DIR":
        return corpora_dir()
    if name == "OPEDS_PATH":
        return corpora_dir() / "opeds" / "opeds.jsonl"
    if name == "COLLECTION_PATH":
        return corpora_dir() / "collection" / "collection.jsonl"
    raise AttributeError(f"module 'framing.corpora' has no attribute {name!r}")


SPLITS: tuple[str, ...] = ("train", "dev", "test")
STANCE_LABELS: tuple[str, ...] = ("favor", "against", "none")
LEVELS: tuple[str, ...] = ("sentence", "document")


# ----------------------------------------------------------------------------------------------
# codebook helper
# ----------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _read_codebook(path: str) -> tuple[tuple[str, ...], tuple[tuple[str, str | None], ...]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    frames = tuple(str(f["id"]) for f in data["frames"])
    parents = tuple((str(f["id"]), f.get("parent") or None) for f in data["frames"])
    return frames, parents


def codebook_frames(path: str | Path | None = None) -> tuple[list[str], dict[str, str | None]]:
    """Frame ids in codebook order and each frame's parent, read from the codebook JSON.

    Example:
        >>> ids, parents = codebook_frames()
        >>> len(ids), parents["federalism"]
        (17, 'legality_constitutionality_and_jurisprudence')
    """
    frames, parents = _read_codebook(str(Path(path) if path else _CODEBOOK_PATH))
    return list(frames), dict(parents)


def label_closure(labels: Iterable[str], path: str | Path | None = None) -> list[str]:
    """Add the parents of ``labels`` and sort them in codebook order (unknown ids last).

    Example:
        >>> label_closure(["enforcement", "economic"])
        ['economic', 'crime_and_punishment', 'enforcement']
    """
    ids, parents = codebook_frames(path)
    order = {f: i for i, f in enumerate(ids)}
    out: set[str] = set()
    for lab in labels:
        cur: str | None = lab
        while cur is not None and cur not in out:
            out.add(cur)
            cur = parents.get(cur)
    return sorted(out, key=lambda x: (order.get(x, len(order)), x))


# ----------------------------------------------------------------------------------------------
# data classes
# ----------------------------------------------------------------------------------------------


@dataclass
class CorpusSentence:
    """One sentence of a document: its span in the document text, frames and stance marks.

    ``stance`` maps a target key (``"T1"``) to ``"favor"`` or ``"against"``.

    Example:
        >>> s = CorpusSentence(index=0, start=0, end=3, text="Hi.", labels=["other"])
        >>> s.stance, s.labels
        ({}, ['other'])
    """

    index: int
    start: int
    end: int
    text: str
    labels: list[str] = field(default_factory=list)
    stance: dict[str, str] = field(default_factory=dict)


@dataclass
class StanceTarget:
    """A document-level stance target: key (``T1``), free-text target and label.

    Example:
        >>> StanceTarget("T1", "the death penalty", "against").label
        'against'
    """

    key: str
    target: str
    label: str


@dataclass
class CorpusDocument:
    """One annotated document of the op-ed corpus (or of the collection).

    Example:
        >>> doc = CorpusDocument.from_dict({"id": "x-001", "text": "A b.", "labels": [],
        ...     "sentences": [{"start": 0, "end": 4, "labels": ["other"], "stance": []}]})
        >>> doc.sentences[0].text, doc.sentence_id(0)
        ('A b.', 'x-001#s0')
    """

    id: str
    text: str
    sentences: list[CorpusSentence] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    stance: list[StanceTarget] = field(default_factory=list)
    primary_frame: str | None = None
    issue: str | None = None
    voice: str | None = None
    genre: str | None = None
    outlet: str | None = None
    date: str | None = None
    title: str | None = None
    author: str | None = None
    split: str | None = None

    @property
    def year(self) -> int | None:
        """Year of ``date`` (``None`` when there is no date)."""
        return int(self.date[:4]) if self.date and self.date[:4].isdigit() else None

    def sentence_id(self, index: int) -> str:
        """Id of sentence ``index`` (0-based): ``"<doc id>#s<index>"``."""
        return f"{self.id}#s{index}"

    def target_text(self, key: str) -> str:
        """Free text of the target with ``key``; ``KeyError`` if it is not declared."""
        for t in self.stance:
            if t.key == key:
                return t.target
        raise KeyError(f"document {self.id!r} declares no stance target {key!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CorpusDocument:
        """Build a document from one JSONL record (op-ed or collection schema)."""
        text = str(data.get("text") or "")
        stance_targets = []
        # sentence marks name a target by key (op-eds: "T1") or by text / target_id (collection)
        alias: dict[str, str] = {}
        for i, t in enumerate(data.get("stance") or []):
            if isinstance(t, Mapping):
                key = str(t.get("key") or t.get("target_id") or f"T{i + 1}")
                stance_targets.append(
                    StanceTarget(key, str(t.get("target", "")), str(t.get("label", "none")))
                )
                for name in (t.get("key"), t.get("target_id"), t.get("target")):
                    if name:
                        alias.setdefault(str(name), key)
        sentences = []
        for i, s in enumerate(data.get("sentences") or []):
            start, end = int(s["start"]), int(s["end"])
            stance = {}
            for m in s.get("stance") or []:
                ref = str(m.get("key") or m.get("target_id") or m.get("target"))
                stance[alias.get(ref, ref)] = str(m["label"])
            sentences.append(
                CorpusSentence(
                    index=i,
                    start=start,
                    end=end,
                    text=text[start:end],
                    labels=[str(x) for x in s.get("labels") or []],
                    stance=stance,
                )
            )

        def opt(name: str) -> str | None:
            value = data.get(name)
            return None if value is None else str(value)

        return cls(
            id=str(data["id"]),
            text=text,
            sentences=sentences,
            labels=[str(x) for x in data.get("labels") or []],
            stance=stance_targets,
            primary_frame=opt("primary_frame"),
            issue=opt("issue"),
            voice=opt("voice"),
            genre=opt("genre"),
            outlet=opt("outlet"),
            date=opt("date"),
            title=opt("title"),
            author=opt("author"),
            split=opt("split"),
        )


# ----------------------------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------------------------


def _read_jsonl(path: Path, what: str, how: str) -> list[dict[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"{what} not found at '{path}'. {how}")
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{lineno}: expected a JSON object per line")
            rows.append(row)
    return rows


def _check_split(split: str | Sequence[str] | None) -> set[str] | None:
    if split is None:
        return None
    wanted = {split} if isinstance(split, str) else set(split)
    unknown = wanted - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown split(s) {sorted(unknown)}; use one of {list(SPLITS)}")
    return wanted


def load_opeds(
    path: str | Path | None = None, split: str | Sequence[str] | None = None
) -> list[CorpusDocument]:
    """Load the op-ed corpus, optionally only the documents of one or more splits.

    ``path`` defaults to ``corpora/opeds/opeds.jsonl`` in the repository; ``split`` is
    ``"train"``, ``"dev"``, ``"test"`` or a list of them. Documents come sorted by id.

    Example:
        >>> dev = load_opeds(split="dev")                         # doctest: +SKIP
        >>> {d.split for d in dev}                                # doctest: +SKIP
        {'dev'}
    """
    p = Path(path) if path is not None else corpora_dir() / "opeds" / "opeds.jsonl"
    wanted = _check_split(split)
    rows = _read_jsonl(
        p,
        "Op-ed corpus",
        "Build it with `python scripts/build_opeds.py` (it parses corpora/opeds/src/*.txt), "
        "or pass the path of an opeds.jsonl file.",
    )
    docs = [CorpusDocument.from_dict(r) for r in rows]
    if wanted is not None:
        docs = [d for d in docs if d.split in wanted]
    return sorted(docs, key=lambda d: d.id)


def load_collection(path: str | Path | None = None) -> list[dict[str, Any]]:
    """Load ``corpora/collection/collection.jsonl`` as a list of dicts (one per document).

    Records have ``id, outlet, date, issue, title, text, labels, primary_frame, stance`` and
    ``sentences`` (same shape as the op-ed corpus). Use :meth:`CorpusDocument.from_dict` to get
    objects that the ``iter_*`` functions also accept.

    Example:
        >>> rows = load_collection()                              # doctest: +SKIP
        >>> sorted(rows[0])[:3]                                   # doctest: +SKIP
        ['date', 'id', 'issue']
    """
    p = Path(path) if path is not None else corpora_dir() / "collection" / "collection.jsonl"
    return _read_jsonl(
        p,
        "Collection corpus",
        "It is written to corpora/collection/collection.jsonl by the collection build; "
        "pass the path of a collection.jsonl file if it lives elsewhere.",
    )


def _as_docs(docs: Iterable[CorpusDocument | Mapping[str, Any]]) -> Iterator[CorpusDocument]:
    for d in docs:
        yield d if isinstance(d, CorpusDocument) else CorpusDocument.from_dict(d)


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"level must be 'sentence' or 'document', got {level!r}")


# ----------------------------------------------------------------------------------------------
# examples
# ----------------------------------------------------------------------------------------------


def iter_frame_examples(
    docs: Iterable[CorpusDocument | Mapping[str, Any]], level: str = "sentence"
) -> Iterator[dict[str, Any]]:
    """Yield frame-classification examples ``{"id", "text", "labels"}``.

    At sentence level there is one example per sentence (ids like ``"w1-001#s3"``, 0-based;
    sentences without a frame get ``labels == []``); at document level one per document with the
    document labels. Labels already include parents in the corpus; they are closed again here in
    case a record was written without them.

    Example:
        >>> doc = {"id": "d", "text": "A. B.", "labels": ["federalism"],
        ...        "sentences": [{"start": 0, "end": 2, "labels": ["federalism"]},
        ...                      {"start": 3, "end": 5, "labels": []}]}
        >>> [e["labels"] for e in iter_frame_examples([doc])]
        [['legality_constitutionality_and_jurisprudence', 'federalism'], []]
    """
    _check_level(level)
    for doc in _as_docs(docs):
        if level == "document":
            yield {"id": doc.id, "text": doc.text, "labels": label_closure(doc.labels)}
            continue
        for s in doc.sentences:
            yield {
                "id": doc.sentence_id(s.index),
                "text": s.text,
                "labels": label_closure(s.labels),
            }


def _stable_rank(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def iter_stance_examples(
    docs: Iterable[CorpusDocument | Mapping[str, Any]],
    level: str = "sentence",
    none_per_target: int | None = None,
    seed: int = 0,
) -> Iterator[dict[str, Any]]:
    """Yield stance examples ``{"id", "text", "target", "stance"}`` (target = free text).

    Document level: one example per declared target with the document's label (favor, against
    or none). Sentence level: every sentence marked for a target gives favor/against for it; for
    each declared target, a deterministic sample of sentences with no stance mark at all gives
    ``"none"`` (``none_per_target`` of them; default: as many as the target has marked
    sentences, at least 1). Ids look like ``"w1-001#s3@T1"`` and ``"w1-001@T1"``.

    Example:
        >>> doc = {"id": "d", "text": "Yes. Meh.", "labels": [],
        ...        "stance": [{"key": "T1", "target": "the plan", "label": "favor"}],
        ...        "sentences": [{"start": 0, "end": 4, "labels": [],
        ...                       "stance": [{"target": "T1", "label": "favor"}]},
        ...                      {"start": 5, "end": 9, "labels": [], "stance": []}]}
        >>> [(e["id"], e["stance"]) for e in iter_stance_examples([doc])]
        [('d#s0@T1', 'favor'), ('d#s1@T1', 'none')]
    """
    _check_level(level)
    for doc in _as_docs(docs):
        if level == "document":
            for t in doc.stance:
                yield {
                    "id": f"{doc.id}@{t.key}",
                    "text": doc.text,
                    "target": t.target,
                    "stance": t.label,
                }
            continue
        unmarked = [s for s in doc.sentences if not s.stance and s.text.strip()]
        for t in doc.stance:
            marked = [s for s in doc.sentences if t.key in s.stance]
            for s in marked:
                yield {
                    "id": f"{doc.sentence_id(s.index)}@{t.key}",
                    "text": s.text,
                    "target": t.target,
                    "stance": s.stance[t.key],
                }
            k = none_per_target if none_per_target is not None else max(1, len(marked))
            ranks = {
                s.index: _stable_rank(str(seed), doc.id, t.key, str(s.index)) for s in unmarked
            }
            sample = sorted(unmarked, key=lambda s: ranks[s.index])
            for s in sorted(sample[:k], key=lambda s: s.index):
                yield {
                    "id": f"{doc.sentence_id(s.index)}@{t.key}",
                    "text": s.text,
                    "target": t.target,
                    "stance": "none",
                }


def export_training_file(
    out: str | Path,
    split: str | Sequence[str] = "train",
    level: str = "sentence",
    path: str | Path | None = None,
) -> int:
    """Write JSONL rows ``{"text", "labels"}`` of one op-ed split for ``framing train``.

    Returns the number of rows written. Sentence level keeps unframed sentences (``labels: []``)
    as negatives.

    Example:
        >>> n = export_training_file("/tmp/train.jsonl", split="train")   # doctest: +SKIP
    """
    docs = load_opeds(path, split=split)
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with out_path.open("w", encoding="utf-8") as fh:
        for ex in iter_frame_examples(docs, level=level):
            row = {"text": ex["text"], "labels": ex["labels"]}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n
