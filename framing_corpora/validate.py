#!/usr/bin/env python3
"""Validate the annotated corpora under ``corpora/`` and print their label counts.

Checks ``corpora/opeds`` (``opeds.jsonl`` + ``splits.json``):

* schema of every record, sentence offsets (``text[start:end]`` is the sentence, sentences tile
  the text with one space or a blank line between them), label ids known to the codebook,
  parents present, document labels = union of sentence labels + primary frame (+ parents);
* split integrity: every document in exactly one split, ``splits.json`` agrees with the
  ``split`` fields, every frame used by a sentence in every split;
* size: >= 250 documents, 150-600 words each, >= 15 issues, every frame >= 60 positive
  sentences, some sentences with no frame;

and, if present, ``corpora/collection/collection.jsonl`` (schema, offsets, known labels,
>= 8 outlets, >= 6 years, >= 600 documents). Near-duplicate sentences (token Jaccard >= 0.8)
with different label sets, in either corpus, are listed as warnings.

Usage::

    python scripts/validate_corpora.py          # tables + problems; exit 0 if hard checks pass
    python scripts/validate_corpora.py --json   # machine-readable summary

Exit status: 0 when every hard requirement passes, 1 otherwise. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from framing_corpora import CODEBOOK_PATH, CORPORA_DIR

OPEDS_DIR = CORPORA_DIR / "opeds"
COLLECTION_PATH = CORPORA_DIR / "collection" / "collection.jsonl"

SPLITS = ("train", "dev", "test")
VOICES = ("conservative", "progressive", "libertarian", "centrist", "news-analysis")
GENRES = ("op-ed", "editorial", "news-analysis")
STANCE_LABELS = ("favor", "against", "none")

MIN_DOCS = 250
WORDS_RANGE = (150, 600)
MIN_ISSUES = 15
MIN_FRAME_SENTENCES = 60
MIN_COLLECTION_DOCS = 600
MIN_COLLECTION_OUTLETS = 8
MIN_COLLECTION_YEARS = 6
DUP_THRESHOLD = 0.8
DUP_MIN_TOKENS = 3

_WORD_RE = re.compile(r"\w")
_TOKEN_RE = re.compile(r"[a-z0-9]+")


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------


@dataclass
class Report:
    """Results: hard checks (name -> problems, empty = pass), warnings, stats and tables.

    Example:
        >>> r = Report()
        >>> r.check("docs >= 1", ["only 0 documents"])
        >>> r.ok
        False
    """

    hard: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    def check(self, name: str, problems: Iterable[str]) -> None:
        """Record a hard check; it passes when ``problems`` is empty."""
        self.hard.setdefault(name, []).extend(problems)

    def warn(self, name: str, items: Iterable[str]) -> None:
        """Record warnings under ``name`` (they do not change the exit status)."""
        self.warnings.setdefault(name, []).extend(items)

    @property
    def ok(self) -> bool:
        """True when every hard check passed."""
        return not any(self.hard.values())

    def failed(self) -> list[str]:
        """Names of the hard checks that failed."""
        return [k for k, v in self.hard.items() if v]


def load_codebook(path: Path = CODEBOOK_PATH) -> tuple[list[str], dict[str, str | None]]:
    """Frame ids in codebook order and their parents.

    Example:
        >>> ids, parents = load_codebook()
        >>> parents["enforcement"]
        'crime_and_punishment'
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    ids = [str(f["id"]) for f in data["frames"]]
    parents = {str(f["id"]): (f.get("parent") or None) for f in data["frames"]}
    return ids, parents


def closure(labels: Iterable[str], parents: Mapping[str, str | None]) -> set[str]:
    """The labels plus all their ancestors.

    Example:
        >>> sorted(closure(["b"], {"a": None, "b": "a"}))
        ['a', 'b']
    """
    out: set[str] = set()
    for lab in labels:
        cur: str | None = lab
        while cur is not None and cur not in out:
            out.add(cur)
            cur = parents.get(cur)
    return out


def word_count(text: str) -> int:
    """Whitespace-separated tokens that contain a letter or digit (dashes don't count).

    Example:
        >>> word_count("HARBOR CITY — It rained, 3 times.")
        6
    """
    return sum(1 for tok in text.split() if _WORD_RE.search(tok))


def read_jsonl(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Records of a JSONL file and a list of unreadable lines (``path:line: why``)."""
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append(f"{path.name}:{lineno}: invalid JSON ({exc.msg})")
                continue
            if not isinstance(obj, dict):
                problems.append(f"{path.name}:{lineno}: not a JSON object")
                continue
            rows.append(obj)
    return rows, problems


def _is_iso(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def check_sentences(
    doc: Mapping[str, Any],
    frames: Sequence[str],
    parents: Mapping[str, str | None],
    strict_tiling: bool = True,
) -> list[str]:
    """Problems with a record's sentences: offsets, known labels, parents, stance marks.

    With ``strict_tiling`` the sentences must cover the text exactly, separated by one space
    (same paragraph) or a blank line (new paragraph), as ``build_opeds.py`` writes them.

    Example:
        >>> ids, parents = load_codebook()
        >>> doc = {"id": "d", "text": "A b. C d.", "stance": [],
        ...        "sentences": [{"start": 0, "end": 4, "labels": ["enforcement"], "stance": []},
        ...                      {"start": 5, "end": 9, "labels": [], "stance": []}]}
        >>> check_sentences(doc, ids, parents)
        ["d#s0: parent 'crime_and_punishment' of a label is missing"]
    """
    out: list[str] = []
    did = doc.get("id", "?")
    text = doc.get("text")
    sents = doc.get("sentences")
    if not isinstance(text, str) or not isinstance(sents, list):
        return [f"{did}: text must be a string and sentences a list"]
    known = set(frames)
    keys = {  # a mark names its target by key ("T1"), or by target_id / text (collection)
        str(t[k])
        for t in doc.get("stance") or []
        if isinstance(t, Mapping)
        for k in ("key", "target_id", "target")
        if t.get(k)
    }
    prev_end = 0
    for i, s in enumerate(sents):
        sid = f"{did}#s{i}"
        if not isinstance(s, Mapping):
            out.append(f"{sid}: not an object")
            continue
        start, end = s.get("start"), s.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            out.append(f"{sid}: start/end must be integers")
            continue
        if not 0 <= start < end <= len(text):
            out.append(f"{sid}: offsets {start}:{end} outside text of length {len(text)}")
            continue
        span = text[start:end]
        if span != span.strip():
            out.append(f"{sid}: span {start}:{end} has surrounding whitespace ({span[:30]!r})")
        if start < prev_end:
            out.append(f"{sid}: overlaps or is before the previous sentence")
        elif strict_tiling:
            gap = text[prev_end:start]
            if (i == 0 and gap) or (i > 0 and gap not in (" ", "\n\n")):
                out.append(f"{sid}: text between sentences is {gap!r} (expected ' ' or blank line)")
        prev_end = end
        labels = s.get("labels")
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            out.append(f"{sid}: labels must be a list of strings")
            continue
        unknown = [x for x in labels if x not in known]
        if unknown:
            out.append(f"{sid}: unknown label(s) {unknown}")
        if len(set(labels)) != len(labels):
            out.append(f"{sid}: duplicate labels {labels}")
        for missing in sorted(closure(labels, parents) - set(labels)):
            out.append(f"{sid}: parent {missing!r} of a label is missing")
        for m in s.get("stance") or []:
            if not isinstance(m, Mapping) or m.get("label") not in ("favor", "against"):
                out.append(f"{sid}: bad stance mark {m!r}")
            elif not {str(m.get(k)) for k in ("key", "target_id", "target") if m.get(k)} & keys:
                out.append(f"{sid}: stance mark for undeclared target {m.get('target')!r}")
    if strict_tiling and sents and prev_end != len(text):
        out.append(f"{did}: text after the last sentence ({text[prev_end:][:30]!r})")
    return out


# ----------------------------------------------------------------------------------------------
# op-eds
# ----------------------------------------------------------------------------------------------

_OPED_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "issue": str,
    "voice": str,
    "genre": str,
    "outlet": str,
    "date": str,
    "title": str,
    "author": str,
    "primary_frame": str,
    "split": str,
    "text": str,
    "sentences": list,
    "labels": list,
    "stance": list,
}


def _oped_schema(
    doc: Mapping[str, Any], frames: Sequence[str], parents: Mapping[str, Any]
) -> list[str]:
    did = doc.get("id", "?")
    out: list[str] = []
    for key, typ in _OPED_FIELDS.items():
        if key not in doc:
            out.append(f"{did}: missing field {key!r}")
        elif not isinstance(doc[key], typ):
            out.append(f"{did}: field {key!r} has type {type(doc[key]).__name__}")
    if out:
        return out
    extra = sorted(set(doc) - set(_OPED_FIELDS))
    if extra:
        out.append(f"{did}: unexpected field(s) {extra}")
    if doc["voice"] not in VOICES:
        out.append(f"{did}: voice {doc['voice']!r} not in {VOICES}")
    if doc["genre"] not in GENRES:
        out.append(f"{did}: genre {doc['genre']!r} not in {GENRES}")
    if not _is_iso(doc["date"]):
        out.append(f"{did}: date {doc['date']!r} is not ISO YYYY-MM-DD")
    for key in ("issue", "outlet", "title", "author", "text"):
        if not doc[key].strip():
            out.append(f"{did}: empty {key!r}")
    if doc["primary_frame"] not in frames:
        out.append(f"{did}: unknown primary_frame {doc['primary_frame']!r}")
    if not doc["sentences"]:
        out.append(f"{did}: no sentences")
    # document labels
    labels = doc["labels"]
    order = {f: i for i, f in enumerate(frames)}
    unknown = [x for x in labels if x not in order]
    if unknown:
        out.append(f"{did}: unknown document label(s) {unknown}")
    expected = closure(
        [doc["primary_frame"], *(x for s in doc["sentences"] for x in s.get("labels") or [])],
        parents,
    )
    if set(labels) != expected:
        out.append(
            f"{did}: document labels differ from sentence labels + primary + parents "
            f"(missing {sorted(expected - set(labels))}, extra {sorted(set(labels) - expected)})"
        )
    if labels != sorted(labels, key=lambda x: order.get(x, len(order))):
        out.append(f"{did}: document labels not in codebook order")
    # stance targets
    keys: list[str] = []
    for t in doc["stance"]:
        if not isinstance(t, Mapping) or not {"key", "target", "label"} <= set(t):
            out.append(f"{did}: stance entry {t!r} needs key, target, label")
            continue
        keys.append(str(t["key"]))
        if t["label"] not in STANCE_LABELS:
            out.append(f"{did}: stance label {t['label']!r} for {t['key']} not in {STANCE_LABELS}")
        if not str(t["target"]).strip():
            out.append(f"{did}: stance target {t['key']} has no text")
    if not 1 <= len(keys) <= 3:
        out.append(f"{did}: {len(keys)} stance targets (expected 1-3)")
    if len(set(keys)) != len(keys):
        out.append(f"{did}: duplicate stance keys {keys}")
    return out


def validate_opeds(
    report: Report,
    docs: Sequence[Mapping[str, Any]],
    splits: Mapping[str, Any] | None,
    frames: Sequence[str],
    parents: Mapping[str, str | None],
) -> None:
    """Run every op-ed check on parsed records and fill ``report`` (stats and tables too)."""
    schema: list[str] = []
    offsets: list[str] = []
    ids = [str(d.get("id")) for d in docs]
    dup = sorted(i for i, c in Counter(ids).items() if c > 1)
    if dup:
        schema.append(f"duplicate ids: {dup}")
    if ids != sorted(ids):
        report.warn("opeds order", ["opeds.jsonl is not sorted by id"])
    for d in docs:
        schema.extend(_oped_schema(d, frames, parents))
        offsets.extend(check_sentences(d, frames, parents, strict_tiling=True))
    report.check("opeds: schema and labels", schema)
    report.check("opeds: sentence offsets and sentence labels", offsets)

    # splits ----------------------------------------------------------------------------------
    split_problems: list[str] = []
    field_split = {str(d.get("id")): d.get("split") for d in docs}
    bad_field = sorted(i for i, s in field_split.items() if s not in SPLITS)
    if bad_field:
        split_problems.append(f"documents whose split field is not train/dev/test: {bad_field}")
    if splits is None:
        split_problems.append("splits.json is missing")
    else:
        seen: dict[str, str] = {}
        for name in SPLITS:
            members = splits.get(name)
            if not isinstance(members, list):
                split_problems.append(f"splits.json has no list {name!r}")
                continue
            for i in members:
                if i in seen:
                    split_problems.append(f"{i} is in both {seen[i]} and {name}")
                seen.setdefault(i, name)
        extra_keys = sorted(set(splits) - {*SPLITS, "seed"})
        if extra_keys:
            report.warn("opeds splits", [f"splits.json has extra keys {extra_keys}"])
        not_in = sorted(set(field_split) - set(seen))
        if not_in:
            split_problems.append(f"documents in no split of splits.json: {not_in}")
        unknown = sorted(set(seen) - set(field_split))
        if unknown:
            split_problems.append(f"splits.json lists unknown ids: {unknown}")
        disagree = sorted(i for i in field_split if i in seen and seen[i] != field_split[i])
        if disagree:
            split_problems.append(f"split field disagrees with splits.json for: {disagree}")
    report.check("opeds: split integrity", split_problems)

    # counts -----------------------------------------------------------------------------------
    sent_counts: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    doc_counts: dict[str, Counter[str]] = {s: Counter() for s in SPLITS}
    n_sent: Counter[str] = Counter()
    n_unframed: Counter[str] = Counter()
    n_docs: Counter[str] = Counter()
    issues: dict[str, Counter[str]] = defaultdict(Counter)
    voices: dict[str, Counter[str]] = defaultdict(Counter)
    genres: dict[str, Counter[str]] = defaultdict(Counter)
    words: list[int] = []
    bad_len: list[str] = []
    for d in docs:
        split = d.get("split")
        sp = split if split in SPLITS else "?"
        text = d.get("text") if isinstance(d.get("text"), str) else ""
        n_docs[sp] += 1
        issues[str(d.get("issue"))][sp] += 1
        voices[str(d.get("voice"))][sp] += 1
        genres[str(d.get("genre"))][sp] += 1
        wc = word_count(str(text))
        words.append(wc)
        if not WORDS_RANGE[0] <= wc <= WORDS_RANGE[1]:
            bad_len.append(f"{d.get('id')}: {wc} words")
        used: set[str] = set()
        for s in d.get("sentences") or []:
            labs = set(s.get("labels") or [])
            n_sent[sp] += 1
            if not labs:
                n_unframed[sp] += 1
            used |= labs
            if sp in sent_counts:
                sent_counts[sp].update(labs)
        if sp in doc_counts:
            doc_counts[sp].update(used)
    total_sent = Counter({f: sum(sent_counts[s][f] for s in SPLITS) for f in frames})

    report.check(
        f"opeds: >= {MIN_DOCS} documents",
        [] if len(docs) >= MIN_DOCS else [f"only {len(docs)} documents"],
    )
    report.check(f"opeds: {WORDS_RANGE[0]}-{WORDS_RANGE[1]} words per document", bad_len)
    report.check(
        f"opeds: >= {MIN_ISSUES} issues",
        [] if len(issues) >= MIN_ISSUES else [f"only {len(issues)} issues: {sorted(issues)}"],
    )
    report.check(
        f"opeds: every frame >= {MIN_FRAME_SENTENCES} positive sentences",
        [f"{f}: {total_sent[f]} sentences" for f in frames if total_sent[f] < MIN_FRAME_SENTENCES],
    )
    report.check(
        "opeds: some sentences with no frame",
        [] if sum(n_unframed.values()) > 0 else ["every sentence has a frame"],
    )
    report.check(
        "opeds: every frame in every split",
        [
            f"{f} has no sentence in {s}"
            for s in SPLITS
            if n_docs[s]
            for f in frames
            if sent_counts[s][f] == 0
        ]
        + [f"split {s} is empty" for s in SPLITS if not n_docs[s]],
    )

    report.stats["opeds"] = {
        "documents": len(docs),
        "sentences": sum(n_sent.values()),
        "unframed_sentences": sum(n_unframed.values()),
        "words": {
            "total": sum(words),
            "min": min(words, default=0),
            "max": max(words, default=0),
            "mean": round(sum(words) / len(words), 1) if words else 0,
        },
        "splits": {
            s: {"documents": n_docs[s], "sentences": n_sent[s], "unframed": n_unframed[s]}
            for s in SPLITS
        },
        "frames": {
            f: {
                "sentences": {s: sent_counts[s][f] for s in SPLITS},
                "documents": {s: doc_counts[s][f] for s in SPLITS},
            }
            for f in frames
        },
        "issues": {k: dict(v) for k, v in sorted(issues.items())},
        "voices": {k: dict(v) for k, v in sorted(voices.items())},
        "genres": {k: dict(v) for k, v in sorted(genres.items())},
        "outlets": len({d.get("outlet") for d in docs}),
        "stance": dict(
            Counter(
                t.get("label")
                for d in docs
                for t in d.get("stance") or []
                if isinstance(t, Mapping)
            )
        ),
    }


# ----------------------------------------------------------------------------------------------
# collection
# ----------------------------------------------------------------------------------------------

_COLLECTION_FIELDS = (
    "id",
    "outlet",
    "date",
    "issue",
    "title",
    "text",
    "labels",
    "primary_frame",
    "stance",
    "sentences",
)


def validate_collection(
    report: Report,
    docs: Sequence[Mapping[str, Any]],
    frames: Sequence[str],
    parents: Mapping[str, str | None],
    name: str = "collection",
) -> None:
    """Checks of ``collection.jsonl`` records (schema, offsets, labels, coverage); ``name``
    names the file's checks and statistics (``collection-b``: replicate B)."""
    problems: list[str] = []
    known = set(frames)
    ids = [str(d.get("id")) for d in docs]
    dup = sorted(i for i, c in Counter(ids).items() if c > 1)
    if dup:
        problems.append(f"duplicate ids: {dup[:20]}{' ...' if len(dup) > 20 else ''}")
    years: Counter[str] = Counter()
    outlets: Counter[str] = Counter()
    issues: Counter[str] = Counter()
    label_counts: Counter[str] = Counter()
    n_sent = 0
    for d in docs:
        did = d.get("id", "?")
        missing = [k for k in _COLLECTION_FIELDS if k not in d]
        if missing:
            problems.append(f"{did}: missing field(s) {missing}")
            continue
        if not isinstance(d["text"], str) or not d["text"].strip():
            problems.append(f"{did}: empty text")
            continue
        if not _is_iso(d["date"]):
            problems.append(f"{did}: date {d['date']!r} is not ISO YYYY-MM-DD")
        else:
            years[d["date"][:4]] += 1
        outlets[str(d["outlet"])] += 1
        issues[str(d["issue"])] += 1
        if not isinstance(d["labels"], list):
            problems.append(f"{did}: labels must be a list")
        else:
            unknown = [x for x in d["labels"] if x not in known]
            if unknown:
                problems.append(f"{did}: unknown document label(s) {unknown}")
            label_counts.update(d["labels"])
        if d["primary_frame"] is not None and d["primary_frame"] not in known:
            problems.append(f"{did}: unknown primary_frame {d['primary_frame']!r}")
        if not isinstance(d["stance"], list):
            problems.append(f"{did}: stance must be a list")
        else:
            for t in d["stance"]:
                if isinstance(t, Mapping) and t.get("label") not in STANCE_LABELS:
                    problems.append(
                        f"{did}: stance label {t.get('label')!r} not in {STANCE_LABELS}"
                    )
        if isinstance(d["sentences"], list):
            n_sent += len(d["sentences"])
            problems.extend(check_sentences(d, frames, parents, strict_tiling=False))
        else:
            problems.append(f"{did}: sentences must be a list")
    report.check(f"{name}: schema, offsets and labels", problems)
    report.check(
        f"{name}: >= {MIN_COLLECTION_DOCS} documents",
        [] if len(docs) >= MIN_COLLECTION_DOCS else [f"only {len(docs)} documents"],
    )
    report.check(
        f"{name}: >= {MIN_COLLECTION_OUTLETS} outlets",
        [] if len(outlets) >= MIN_COLLECTION_OUTLETS else [f"only {len(outlets)} outlets"],
    )
    report.check(
        f"{name}: >= {MIN_COLLECTION_YEARS} years",
        [] if len(years) >= MIN_COLLECTION_YEARS else [f"only years {sorted(years)}"],
    )
    report.stats[name] = {
        "documents": len(docs),
        "sentences": n_sent,
        "outlets": dict(outlets.most_common()),
        "years": dict(sorted(years.items())),
        "issues": dict(issues.most_common()),
        "labels": {f: label_counts[f] for f in frames},
    }


# ----------------------------------------------------------------------------------------------
# near-duplicate sentences
# ----------------------------------------------------------------------------------------------


def normalise_tokens(text: str) -> frozenset[str]:
    """Lower-cased alphanumeric tokens, every number mapped to ``0``.

    Example:
        >>> sorted(normalise_tokens("Sales rose 12% in 2019."))
        ['0', 'in', 'rose', 'sales']
    """
    return frozenset("0" if t.isdigit() else t for t in _TOKEN_RE.findall(text.lower()))


def near_duplicates(
    items: Sequence[tuple[str, str, frozenset[str]]],
    threshold: float = DUP_THRESHOLD,
    min_tokens: int = DUP_MIN_TOKENS,
) -> list[tuple[str, str, float]]:
    """Pairs of items whose token sets have Jaccard similarity >= ``threshold``.

    ``items`` are ``(id, text, labels)``. Uses prefix filtering (tokens ordered by rarity; two sets
    with Jaccard >= t must share a token among the first ``|x| - ceil(t|x|) + 1`` rare tokens of
    each), so only sentences sharing a rare token (a bucket) are compared. Exact, and fast.

    Example:
        >>> items = [("a", "The court ruled against the state.", frozenset()),
        ...          ("b", "The court ruled against the state!", frozenset({"x"})),
        ...          ("c", "Something else entirely here.", frozenset())]
        >>> near_duplicates(items)
        [('a', 'b', 1.0)]
    """
    toks = [normalise_tokens(text) for _, text, _ in items]
    freq: Counter[str] = Counter(t for ts in toks for t in ts)
    order = sorted(
        (i for i in range(len(items)) if len(toks[i]) >= min_tokens), key=lambda i: len(toks[i])
    )
    index: dict[str, list[int]] = defaultdict(list)
    pairs: list[tuple[str, str, float]] = []
    eps = 1e-9
    for i in order:
        x = toks[i]
        ranked = sorted(x, key=lambda t: (freq[t], t))
        prefix = ranked[: len(x) - math.ceil(threshold * len(x) - eps) + 1]
        min_size = math.ceil(threshold * len(x) - eps)
        cands: set[int] = set()
        for t in prefix:
            cands.update(index[t])
        for j in cands:
            y = toks[j]
            if len(y) < min_size:
                continue
            inter = len(x & y)
            jac = inter / (len(x) + len(y) - inter)
            if jac >= threshold - eps:
                a, b = sorted((items[i][0], items[j][0]))
                pairs.append((a, b, round(jac, 3)))
        for t in prefix:
            index[t].append(i)
    return sorted(pairs)


def check_consistency(
    report: Report,
    corpora: Mapping[str, Sequence[Mapping[str, Any]]],
    parents: Mapping[str, str | None],
) -> None:
    """Warn about near-duplicate sentences (across all corpora) with different label sets."""
    items: list[tuple[str, str, frozenset[str]]] = []
    for name, docs in corpora.items():
        for d in docs:
            text = d.get("text") if isinstance(d.get("text"), str) else ""
            for i, s in enumerate(d.get("sentences") or []):
                try:
                    sent = str(text)[int(s["start"]) : int(s["end"])]
                except (KeyError, TypeError, ValueError):
                    continue
                labels = frozenset(closure(s.get("labels") or [], parents))
                items.append((f"{name}:{d.get('id')}#s{i}", sent, labels))
    by_id = {i: (t, lab) for i, t, lab in items}
    pairs = near_duplicates(items)
    conflicting = [(a, b, j) for a, b, j in pairs if by_id[a][1] != by_id[b][1]]

    def kind(a: str, b: str) -> str:
        return "/".join(sorted({a.split(":", 1)[0], b.split(":", 1)[0]}))

    report.stats["near_duplicates"] = {
        "pairs": len(pairs),
        "conflicting": len(conflicting),
        "threshold": DUP_THRESHOLD,
        "pairs_by_corpus": dict(Counter(kind(a, b) for a, b, _ in pairs)),
        "conflicting_by_corpus": dict(Counter(kind(a, b) for a, b, _ in conflicting)),
    }
    warnings = []
    for a, b, j in conflicting:
        ta, la = by_id[a]
        tb, lb = by_id[b]
        warnings.append(f"J={j:.2f} {a} {sorted(la)} {ta!r}\n      vs {b} {sorted(lb)} {tb!r}")
    report.warn("near-duplicate sentences with different labels", warnings)


# ----------------------------------------------------------------------------------------------
# driver and output
# ----------------------------------------------------------------------------------------------


def validate(
    opeds_dir: Path = OPEDS_DIR,
    collection: Path | None = COLLECTION_PATH,
    codebook: Path = CODEBOOK_PATH,
) -> Report:
    """Validate the op-ed corpus (and the collection if its file exists); return the report.

    Example:
        >>> report = validate()                                    # doctest: +SKIP
        >>> report.ok, report.failed()                             # doctest: +SKIP
        (True, [])
    """
    frames, parents = load_codebook(codebook)
    report = Report()
    corpora: dict[str, list[dict[str, Any]]] = {}
    opeds_path = opeds_dir / "opeds.jsonl"
    if not opeds_path.is_file():
        report.check("opeds: opeds.jsonl exists", [f"{opeds_path} not found (run build_opeds.py)"])
    else:
        docs, bad = read_jsonl(opeds_path)
        report.check("opeds: readable JSONL", bad)
        splits_path = opeds_dir / "splits.json"
        splits = None
        if splits_path.is_file():
            try:
                loaded = json.loads(splits_path.read_text(encoding="utf-8"))
                splits = loaded if isinstance(loaded, dict) else None
            except json.JSONDecodeError as exc:
                report.check("opeds: split integrity", [f"splits.json invalid JSON: {exc.msg}"])
        validate_opeds(report, docs, splits, frames, parents)
        corpora["opeds"] = docs
    if collection is not None and collection.is_file():
        cdocs, bad = read_jsonl(collection)
        report.check("collection: readable JSONL", bad)
        validate_collection(report, cdocs, frames, parents)
        corpora["collection"] = cdocs
        replicate_b = collection.with_name("collection-b.jsonl")
        if replicate_b.is_file():  # the same design drawn again (see its datasheet)
            bdocs, bad = read_jsonl(replicate_b)
            report.check("collection-b: readable JSONL", bad)
            validate_collection(report, bdocs, frames, parents, name="collection-b")
    else:
        report.stats["collection"] = None
    check_consistency(report, corpora, parents)
    return report


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(r: Sequence[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            + " |"
        )

    sep = (
        "|"
        + "|".join(
            ("-" * (w + 2)) if i == 0 else ("-" * (w + 1) + ":") for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(cells[0]), sep, *(line(r) for r in cells[1:])])


def format_tables(report: Report) -> str:
    """Markdown tables of the op-ed counts (per frame per split, per issue, per voice).

    Example:
        >>> format_tables(Report())
        ''
    """
    st = report.stats.get("opeds")
    if not st:
        return ""
    parts: list[str] = []
    sp = st["splits"]
    parts.append("Split sizes")
    parts.append(
        _table(
            ["split", "docs", "sentences", "unframed"],
            [
                *[[s, sp[s]["documents"], sp[s]["sentences"], sp[s]["unframed"]] for s in SPLITS],
                [
                    "total",
                    st["documents"],
                    st["sentences"],
                    st["unframed_sentences"],
                ],
            ],
        )
    )
    rows = []
    for f, c in st["frames"].items():
        s_, d_ = c["sentences"], c["documents"]
        rows.append(
            [
                f,
                *(s_[s] for s in SPLITS),
                sum(s_.values()),
                *(d_[s] for s in SPLITS),
                sum(d_.values()),
            ]
        )
    parts.append("\nPositive sentences (s:) and documents (d:) per frame and split")
    parts.append(
        _table(
            ["frame", *(f"s:{s}" for s in SPLITS), "s:all", *(f"d:{s}" for s in SPLITS), "d:all"],
            rows,
        )
    )
    for title, key in (("issue", "issues"), ("voice", "voices"), ("genre", "genres")):
        rows = [[k, *(v.get(s, 0) for s in SPLITS), sum(v.values())] for k, v in st[key].items()]
        parts.append(f"\nDocuments per {title} and split")
        parts.append(_table([title, *SPLITS, "all"], rows))
    w = st["words"]
    parts.append(
        f"\nWords per document: min {w['min']}, mean {w['mean']}, max {w['max']}, "
        f"total {w['total']}; outlets: {st['outlets']}; document stance labels: {st['stance']}"
    )
    return "\n".join(parts)


def format_report(report: Report, max_items: int = 15) -> str:
    """Human-readable report: tables, then hard checks (PASS/FAIL + problems), then warnings."""
    out = [format_tables(report)]
    col = report.stats.get("collection")
    if col:
        out.append(
            f"\nCollection: {col['documents']} documents, {col['sentences']} sentences, "
            f"{len(col['outlets'])} outlets, years {list(col['years'])}"
        )
    out.append("\nHard requirements")
    for name, problems in report.hard.items():
        out.append(f"  [{'FAIL' if problems else 'PASS'}] {name}")
        for p in problems[:max_items]:
            out.append(f"      - {p}")
        if len(problems) > max_items:
            out.append(f"      ... and {len(problems) - max_items} more")
    nd = report.stats.get("near_duplicates", {})
    out.append(
        f"\nNear-duplicate sentence pairs (Jaccard >= {DUP_THRESHOLD}): {nd.get('pairs', 0)}, "
        f"with different labels: {nd.get('conflicting', 0)}; pairs by corpus: "
        f"{nd.get('pairs_by_corpus', {})}"
    )
    for name, items in report.warnings.items():
        if not items:
            continue
        out.append(f"\nWarnings: {name} ({len(items)})")
        for w in items[:max_items]:
            out.append(f"  - {w}")
        if len(items) > max_items:
            out.append(f"  ... and {len(items) - max_items} more (see --json)")
    out.append(
        "\nRESULT: " + ("all hard requirements pass" if report.ok else f"FAILED {report.failed()}")
    )
    return "\n".join(out)


def summary(report: Report) -> dict[str, Any]:
    """The machine-readable summary printed by ``--json``."""
    return {
        "ok": report.ok,
        "failed": report.failed(),
        "checks": {k: {"ok": not v, "problems": v} for k, v in report.hard.items()},
        "warnings": report.warnings,
        "stats": report.stats,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: 0 if all hard requirements pass, 1 otherwise."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--opeds", type=Path, default=OPEDS_DIR, help="folder with opeds.jsonl")
    ap.add_argument("--collection", type=Path, default=COLLECTION_PATH)
    ap.add_argument("--codebook", type=Path, default=CODEBOOK_PATH)
    ap.add_argument("--json", action="store_true", help="print a JSON summary instead")
    ap.add_argument("--max-items", type=int, default=15, help="problems shown per check")
    args = ap.parse_args(argv)
    report = validate(args.opeds, args.collection, args.codebook)
    if args.json:
        print(json.dumps(summary(report), indent=1, ensure_ascii=False))
    else:
        print(format_report(report, args.max_items))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
