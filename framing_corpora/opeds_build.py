#!/usr/bin/env python3
"""Build ``corpora/opeds/opeds.jsonl`` and ``corpora/opeds/splits.json`` from the source files.

The source format is described in ``corpora/opeds/ANNOTATION_GUIDE.md``: one file holds several
documents; a document starts with ``=== <id>``, then ``key: value`` header lines, then ``---``,
then one sentence per line with its labels in brackets (``[federalism @T1+] Text.``) and ``¶``
lines for paragraph breaks.

Every problem found in any file is reported as ``path:line: message``; if there is at least one,
nothing is written (unless ``--allow-errors``) and the script exits with status 2.

Usage::

    python scripts/build_opeds.py                 # parse corpora/opeds/src/*.txt, write outputs
    python scripts/build_opeds.py --check         # parse and report only, write nothing
    python scripts/build_opeds.py --allow-errors  # write the documents that parsed cleanly

Standard library only (plus the package's own paths).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from framing_corpora import CODEBOOK_PATH, CORPORA_DIR

SRC_DIR = CORPORA_DIR / "opeds" / "src"
OUT_PATH = CORPORA_DIR / "opeds" / "opeds.jsonl"
SPLITS_PATH = CORPORA_DIR / "opeds" / "splits.json"

DEFAULT_SEED = 20240611
SPLIT_NAMES: tuple[str, ...] = ("train", "dev", "test")
SPLIT_RATIOS: tuple[float, ...] = (0.70, 0.15, 0.15)

VOICES = ("conservative", "progressive", "libertarian", "centrist", "news-analysis")
GENRES = ("op-ed", "editorial", "news-analysis")
STANCE_LABELS = ("favor", "against", "none")
REQUIRED_HEADERS = ("issue", "voice", "genre", "outlet", "date", "title", "author", "primary")
HEADER_ALIASES = {"primary_frame": "primary", "targets": "target", "byline": "author"}
PARAGRAPH_MARK = "¶"


@dataclass(frozen=True)
class SourceSpec:
    """What a corpus's headers may hold; the defaults are the op-ed corpus's.

    ``scripts/build_news.py`` passes its own (news voices and genres, a ``frames`` header, stance
    targets optional). With ``provenance`` each record gets a ``source`` field: the file, the
    document's line, each header's line and each sentence's line, for path:line reports.
    """

    voices: tuple[str, ...] = VOICES
    genres: tuple[str, ...] = GENRES
    extra_headers: tuple[str, ...] = ()
    targets_required: bool = True
    provenance: bool = False


OPEDS = SourceSpec()

_DOC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_ISSUE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TARGET_KEY_RE = re.compile(r"^T[1-9][0-9]*$")
_SENTENCE_RE = re.compile(r"^\[([^\]]*)\]\s*(.*)$")
_HEADER_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_ -]*?)\s*:\s*(.*)$")
_MARK_RE = re.compile(r"^@(T[0-9]+)([+-])$")
_COMMENT_RE = re.compile(r"\s+#(\s.*)?$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%Y.%m.%d")


# --------------------------------------------------------------------------------------------
# codebook
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codebook:
    """Frame ids in codebook order and each frame's parent (``None`` for top-level frames).

    Example:
        >>> cb = Codebook(frames=("a", "b"), parents={"a": None, "b": "a"})
        >>> cb.close(["b"])
        ['a', 'b']
    """

    frames: tuple[str, ...]
    parents: Mapping[str, str | None]

    def order(self, frame: str) -> int:
        """Position of ``frame`` in the codebook (unknown ids sort last)."""
        try:
            return self.frames.index(frame)
        except ValueError:
            return len(self.frames)

    def close(self, labels: Iterable[str]) -> list[str]:
        """Add every ancestor of ``labels`` and sort the result in codebook order."""
        out: set[str] = set()
        for label in labels:
            cur: str | None = label
            while cur is not None and cur not in out:
                out.add(cur)
                cur = self.parents.get(cur)
        return sorted(out, key=lambda x: (self.order(x), x))


def load_codebook(path: Path = CODEBOOK_PATH) -> Codebook:
    """Read frame ids and parents from the codebook JSON.

    Example:
        >>> "federalism" in load_codebook().frames
        True
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    frames = tuple(str(f["id"]) for f in data["frames"])
    parents = {
        str(f["id"]): (str(f["parent"]) if f.get("parent") else None) for f in data["frames"]
    }
    return Codebook(frames=frames, parents=parents)


# --------------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A problem in a source file: where it is and what is wrong."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class _Sentence:
    line: int
    labels: list[str]
    marks: list[tuple[str, str]]
    text: str
    paragraph: int


@dataclass
class _RawDoc:
    doc_id: str
    path: str
    line: int
    headers: dict[str, tuple[str, int]] = field(default_factory=dict)
    targets: list[tuple[str, str, str, int]] = field(default_factory=list)
    sentences: list[_Sentence] = field(default_factory=list)
    separator_seen: bool = False
    has_errors: bool = False


def _strip_comment(value: str) -> str:
    return _COMMENT_RE.sub("", value).strip()


def _suggest(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def parse_date(value: str) -> str | None:
    """Return the ISO form (``YYYY-MM-DD``) of a date string, or ``None`` if it is not a date.

    Example:
        >>> parse_date("2019-04-12"), parse_date("April 12, 2019"), parse_date("2019-13-01")
        ('2019-04-12', '2019-04-12', None)
    """
    value = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def _split_sources(
    text: str, path: str, spec: SourceSpec = OPEDS
) -> tuple[list[_RawDoc], list[Problem]]:
    """First pass: cut a file into raw documents (header, targets, sentence lines)."""
    docs: list[_RawDoc] = []
    problems: list[Problem] = []
    cur: _RawDoc | None = None
    paragraph = 0
    lines = text.splitlines()
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip()
        if raw.startswith("==="):
            doc_id = raw[3:].strip()
            cur = _RawDoc(doc_id=doc_id, path=path, line=lineno)
            docs.append(cur)
            paragraph = 0
            if not doc_id:
                problems.append(Problem(path, lineno, "document marker '===' without an id"))
            elif not _DOC_ID_RE.match(doc_id):
                problems.append(
                    Problem(path, lineno, f"bad document id {doc_id!r} (use lower-case a-z0-9_-)")
                )
            continue
        if not line or line.startswith("#"):
            continue
        if cur is None:
            problems.append(
                Problem(path, lineno, f"text before the first '=== id' line: {line[:40]!r}")
            )
            continue
        if not cur.separator_seen:
            if line == "---" or (line.startswith("---") and set(line) == {"-"}):
                cur.separator_seen = True
                continue
            if line.startswith("[") or line == PARAGRAPH_MARK:
                problems.append(
                    Problem(
                        path,
                        lineno,
                        f"document {cur.doc_id!r}: sentence before the '---' line that ends "
                        "the header (missing '---'?)",
                    )
                )
                cur.separator_seen = True  # parse the rest as body so its errors show too
            else:
                m = _HEADER_RE.match(line)
                if not m:
                    problems.append(
                        Problem(path, lineno, f"header line is not 'key: value': {line[:60]!r}")
                    )
                    continue
                key = m.group(1).strip().lower().replace(" ", "_")
                key = HEADER_ALIASES.get(key, key)
                value = m.group(2).strip()
                if key == "target":
                    parts = [p.strip() for p in value.split("|")]
                    if len(parts) != 3:
                        problems.append(
                            Problem(
                                path,
                                lineno,
                                "target line must be 'target: T1 | text | favor|against|none'"
                                f", got {value!r}",
                            )
                        )
                        continue
                    key_, text_, label = parts[0], parts[1], _strip_comment(parts[2]).lower()
                    cur.targets.append((key_, text_, label, lineno))
                elif key in cur.headers:
                    problems.append(
                        Problem(
                            path,
                            lineno,
                            f"duplicate header {key!r} (first on line {cur.headers[key][1]})",
                        )
                    )
                elif key in REQUIRED_HEADERS or key in spec.extra_headers:
                    cur.headers[key] = (value, lineno)
                else:
                    known = [*REQUIRED_HEADERS, *spec.extra_headers, "target"]
                    problems.append(
                        Problem(path, lineno, f"unknown header {key!r}{_suggest(key, known)}")
                    )
                continue
        # body
        if line == PARAGRAPH_MARK:
            paragraph += 1
            continue
        if line == "---":
            problems.append(Problem(path, lineno, "second '---' line in the same document"))
            continue
        m = _SENTENCE_RE.match(line)
        if not m:
            problems.append(
                Problem(
                    path,
                    lineno,
                    f"sentence line must start with '[labels]' (use [] for no frame): "
                    f"{line[:50]!r}",
                )
            )
            continue
        tokens = [t for t in re.split(r"[,\s]+", m.group(1)) if t]
        labels = [t for t in tokens if not t.startswith("@")]
        marks_raw = [t for t in tokens if t.startswith("@")]
        marks: list[tuple[str, str]] = []
        for mark in marks_raw:
            mm = _MARK_RE.match(mark)
            if not mm:
                problems.append(
                    Problem(path, lineno, f"bad stance mark {mark!r} (use @T1+ or @T1-)")
                )
                continue
            marks.append((mm.group(1), "favor" if mm.group(2) == "+" else "against"))
        sentence = m.group(2).strip()
        cur.sentences.append(_Sentence(lineno, labels, marks, sentence, paragraph))
    # a document with a problem in this pass is not emitted (its problems are reported)
    for doc, nxt in zip(docs, [*docs[1:], None], strict=True):
        end = nxt.line if nxt is not None else len(lines) + 1
        doc.has_errors = any(doc.line <= p.line < end for p in problems)
    return docs, problems


def _build_doc(
    raw: _RawDoc, codebook: Codebook, spec: SourceSpec = OPEDS
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Second pass: check one raw document and turn it into the output record."""
    problems: list[Problem] = []

    def bad(line: int, msg: str) -> None:
        problems.append(Problem(raw.path, line, f"document {raw.doc_id!r}: {msg}"))

    if not raw.separator_seen:
        bad(raw.line, "missing '---' line between header and sentences")
    for key in REQUIRED_HEADERS:
        if key not in raw.headers or not _strip_comment(raw.headers[key][0]):
            bad(raw.line, f"missing header {key!r}")
    h = {k: v for k, (v, _) in raw.headers.items()}
    hl = {k: ln for k, (_, ln) in raw.headers.items()}
    issue = _strip_comment(h.get("issue", "")).lower()
    if issue and not _ISSUE_RE.match(issue):
        bad(hl["issue"], f"bad issue {issue!r} (use a lower-case slug like drug_policy)")
    voice = _strip_comment(h.get("voice", "")).lower()
    voices, genres = spec.voices, spec.genres
    if voice and voice not in voices:
        bad(hl["voice"], f"unknown voice {voice!r}{_suggest(voice, voices)}; one of {voices}")
    genre = _strip_comment(h.get("genre", "")).lower()
    if genre and genre not in genres:
        bad(hl["genre"], f"unknown genre {genre!r}{_suggest(genre, genres)}; one of {genres}")
    date_raw = _strip_comment(h.get("date", ""))
    iso = parse_date(date_raw) if date_raw else None
    if date_raw and iso is None:
        bad(hl["date"], f"bad date {date_raw!r} (use YYYY-MM-DD)")
    primary = _strip_comment(h.get("primary", ""))
    if primary and primary not in codebook.frames:
        bad(hl["primary"], f"unknown primary frame {primary!r}{_suggest(primary, codebook.frames)}")

    # targets
    target_keys: dict[str, tuple[str, str]] = {}
    if not raw.targets and spec.targets_required:
        bad(raw.line, "no 'target:' line (declare 1-3 stance targets)")
    if len(raw.targets) > 3:
        bad(raw.targets[3][3], f"{len(raw.targets)} targets declared (at most 3)")
    for key, text, label, ln in raw.targets:
        if not _TARGET_KEY_RE.match(key):
            bad(ln, f"bad target key {key!r} (use T1, T2, T3)")
            continue
        if key in target_keys:
            bad(ln, f"target key {key} declared twice")
            continue
        if not text:
            bad(ln, f"target {key} has no text")
        if label not in STANCE_LABELS:
            bad(ln, f"target {key}: stance label {label!r} is not one of favor|against|none")
        target_keys[key] = (text, label)

    # sentences
    if not raw.sentences:
        bad(raw.line, "empty document: no sentence lines")
    marked: Counter[str] = Counter()
    for s in raw.sentences:
        if not s.text:
            bad(s.line, "sentence line has labels but no text")
        for lab in s.labels:
            if lab not in codebook.frames:
                bad(s.line, f"unknown label {lab!r}{_suggest(lab, codebook.frames)}")
        seen_marks: set[str] = set()
        for key, _ in s.marks:
            if key not in target_keys:
                declared = ", ".join(sorted(target_keys)) or "none"
                bad(
                    s.line,
                    f"stance mark for target {key} that is not declared (declared: {declared})",
                )
            if key in seen_marks:
                bad(s.line, f"two stance marks for target {key} in one sentence")
            seen_marks.add(key)
            marked[key] += 1
    for key, (_, label) in target_keys.items():
        if label != "none" and marked[key] == 0:
            ln = next(t[3] for t in raw.targets if t[0] == key)
            bad(ln, f"target {key} is '{label}' but no sentence is marked @{key}+ or @{key}-")

    if problems:
        return None, problems

    # assemble text and offsets
    pieces: list[str] = []
    sentences: list[dict[str, Any]] = []
    pos = 0
    prev_par: int | None = None
    for s in raw.sentences:
        if prev_par is not None:
            sep = " " if s.paragraph == prev_par else "\n\n"
            pieces.append(sep)
            pos += len(sep)
        start = pos
        pieces.append(s.text)
        pos += len(s.text)
        prev_par = s.paragraph
        labels = codebook.close(lab for lab in s.labels)
        stance = [{"target": k, "label": v} for k, v in sorted(dict(s.marks).items())]
        sentences.append({"start": start, "end": pos, "labels": labels, "stance": stance})
    text = "".join(pieces)
    doc_labels = codebook.close([primary, *(lab for s in sentences for lab in s["labels"])])
    record: dict[str, Any] = {
        "id": raw.doc_id,
        "issue": issue,
        "voice": voice,
        "genre": genre,
        "outlet": h["outlet"].strip(),
        "date": iso,
        "title": h["title"].strip(),
        "author": h["author"].strip(),
        "primary_frame": primary,
        "split": None,
        "text": text,
        "sentences": sentences,
        "labels": doc_labels,
        "stance": [
            {"key": k, "target": t, "label": lab} for k, (t, lab) in sorted(target_keys.items())
        ],
    }
    if spec.extra_headers:
        record["headers"] = {k: h[k].strip() for k in spec.extra_headers if k in h}
    if spec.provenance:
        record["source"] = {
            "path": raw.path,
            "line": raw.line,
            "headers": dict(hl),
            "sentence_lines": [s.line for s in raw.sentences],
        }
    return record, []


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def parse_source(
    text: str, path: str = "<string>", codebook: Codebook | None = None, spec: SourceSpec = OPEDS
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Parse the text of one source file into document records (``split`` left ``None``).

    Returns the records of the documents without problems and the list of all problems.

    Example:
        >>> src = '''=== x-001
        ... issue: drug_policy
        ... voice: centrist
        ... genre: op-ed
        ... outlet: The Courier
        ... date: 2019-04-12
        ... title: T
        ... author: A
        ... primary: federalism
        ... target: T1 | states deciding | favor
        ... ---
        ... [federalism @T1+] Leave it to the states.
        ... '''
        >>> docs, problems = parse_source(src)
        >>> docs[0]["sentences"][0]["labels"], problems
        (['legality_constitutionality_and_jurisprudence', 'federalism'], [])
    """
    cb = codebook or load_codebook()
    raws, problems = _split_sources(text, path, spec)
    docs: list[dict[str, Any]] = []
    for raw in raws:
        record, probs = _build_doc(raw, cb, spec)
        problems.extend(probs)
        if record is not None and not raw.has_errors:
            docs.append(record)
    problems.sort(key=lambda p: (p.path, p.line))
    return docs, problems


def parse_files(
    paths: Iterable[Path], codebook: Codebook | None = None, spec: SourceSpec = OPEDS
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Parse several source files; also reports ids used twice (across or within files).

    Example:
        >>> docs, problems = parse_files([])
        >>> docs, problems
        ([], [])
    """
    cb = codebook or load_codebook()
    docs: list[dict[str, Any]] = []
    problems: list[Problem] = []
    first_seen: dict[str, Problem] = {}
    for p in sorted(paths):
        shown = _display(p)
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(Problem(shown, 0, f"not valid UTF-8: {exc}"))
            continue
        file_docs, file_problems = parse_source(text, shown, cb, spec)
        problems.extend(file_problems)
        # duplicate ids: look at every '=== id' line, parsed cleanly or not
        for raw in _split_sources(text, shown, spec)[0]:
            if not raw.doc_id:
                continue
            where = Problem(shown, raw.line, "")
            if raw.doc_id in first_seen:
                prev = first_seen[raw.doc_id]
                problems.append(
                    Problem(
                        shown,
                        raw.line,
                        f"duplicate id {raw.doc_id!r} (already used at {prev.path}:{prev.line})",
                    )
                )
            else:
                first_seen[raw.doc_id] = where
        docs.extend(file_docs)
    dup_ids = {d for d, c in Counter(d["id"] for d in docs).items() if c > 1}
    docs = [d for d in docs if d["id"] not in dup_ids]
    docs.sort(key=lambda d: d["id"])
    return docs, problems


# --------------------------------------------------------------------------------------------
# splits
# --------------------------------------------------------------------------------------------


def _rank(seed: int, *parts: str) -> str:
    return hashlib.sha256(":".join([str(seed), *parts]).encode("utf-8")).hexdigest()


def assign_splits(
    doc_labels: Mapping[str, Iterable[str]],
    doc_groups: Mapping[str, str] | None = None,
    seed: int = DEFAULT_SEED,
    names: Sequence[str] = SPLIT_NAMES,
    ratios: Sequence[float] = SPLIT_RATIOS,
    required: Iterable[str] | None = None,
) -> dict[str, str]:
    """Assign documents to splits by iterative stratification over their labels.

    ``doc_labels`` maps a document id to the frames its sentences use; ``doc_groups`` (the issue)
    is stratified as one more pseudo-label so issues are spread over the splits. The rarest label
    is distributed first (Sechidis et al. 2011). Afterwards documents are swapped so that every
    label in ``required`` (default: all labels) with at least as many documents as there are
    splits appears in every split. Ties are broken by a seeded hash, so the result depends only
    on the inputs and the seed.

    Example:
        >>> labels = {f"d{i}": ["a"] if i % 2 else ["b"] for i in range(20)}
        >>> out = assign_splits(labels, seed=1)
        >>> sorted(set(out.values())), sum(v == "train" for v in out.values())
        (['dev', 'test', 'train'], 14)
    """
    ids = sorted(doc_labels, key=lambda d: _rank(seed, d))
    sets: dict[str, set[str]] = {d: set(doc_labels[d]) for d in ids}
    strat: dict[str, set[str]] = {
        d: sets[d] | ({f"group={doc_groups[d]}"} if doc_groups and d in doc_groups else set())
        for d in ids
    }
    n = len(ids)
    total = sum(ratios)
    want_size = {s: r / total * n for s, r in zip(names, ratios, strict=True)}
    by_label: dict[str, list[str]] = defaultdict(list)
    for d in ids:
        for lab in strat[d]:
            by_label[lab].append(d)
    want: dict[str, dict[str, float]] = {
        lab: {s: r / total * len(ds) for s, r in zip(names, ratios, strict=True)}
        for lab, ds in by_label.items()
    }
    out: dict[str, str] = {}

    def place(d: str, lab: str | None) -> None:
        def key(s: str) -> tuple[float, float, str]:
            lab_need = want[lab][s] if lab is not None else 0.0
            return (lab_need, want_size[s], _rank(seed, d, s))

        best = max(names, key=key)
        out[d] = best
        want_size[best] -= 1
        for lab2 in strat[d]:
            want[lab2][best] -= 1

    remaining = set(ids)
    while remaining:
        counts = {lab: sum(1 for d in ds if d in remaining) for lab, ds in by_label.items()}
        counts = {lab: c for lab, c in counts.items() if c > 0}
        if not counts:
            for d in sorted(remaining, key=lambda x: _rank(seed, x)):
                place(d, None)
            break
        lab = min(counts, key=lambda x: (counts[x], _rank(seed, x)))
        for d in by_label[lab]:
            if d in remaining:
                place(d, lab)
                remaining.discard(d)

    _repair_coverage(out, sets, names, required, seed)
    _balance_sizes(out, sets, strat, names, ratios, required, seed)
    return out


def _target_sizes(n: int, names: Sequence[str], ratios: Sequence[float]) -> dict[str, int]:
    """Split ``n`` into integer sizes proportional to ``ratios`` (largest remainder)."""
    total = sum(ratios)
    exact = [r / total * n for r in ratios]
    sizes = [int(x) for x in exact]
    order = sorted(range(len(names)), key=lambda i: -(exact[i] - sizes[i]))
    for i in order[: n - sum(sizes)]:
        sizes[i] += 1
    return dict(zip(names, sizes, strict=True))


def _balance_sizes(
    out: dict[str, str],
    sets: Mapping[str, set[str]],
    strat: Mapping[str, set[str]],
    names: Sequence[str],
    ratios: Sequence[float],
    required: Iterable[str] | None,
    seed: int,
) -> None:
    """Move documents from too-large to too-small splits without losing label coverage.

    Among the documents that can move, take the one whose labels (issue included) are most
    over-represented in the source split and most wanted in the destination.
    """
    labels = set(required) if required is not None else {x for s in sets.values() for x in s}
    target = _target_sizes(len(out), names, ratios)
    total = sum(ratios)
    share = {s: r / total for s, r in zip(names, ratios, strict=True)}
    n_label: Counter[str] = Counter(x for d in out for x in strat[d])
    for _ in range(len(out)):
        size = Counter(out.values())
        over = [s for s in names if size[s] > target[s]]
        under = [s for s in names if size[s] < target[s]]
        if not over or not under:
            return
        src = max(over, key=lambda s: size[s] - target[s])
        dst = max(under, key=lambda s: target[s] - size[s])
        per: dict[str, Counter[str]] = {s: Counter() for s in names}
        for d, s in out.items():
            per[s].update(strat[d])

        def movable(d: str, per: dict[str, Counter[str]] = per, src: str = src) -> bool:
            for x in strat[d]:
                if per[src][x] > 1:
                    continue
                if x in labels:
                    return False  # last carrier of a required label in src
                # other labels (issues): keep them in at least two splits
                if sum(1 for t in names if t != src and per[t][x] > 0) < min(2, n_label[x]):
                    return False
            return True

        cands = [d for d, s in out.items() if s == src and movable(d)]
        if not cands:
            return

        def gain(
            d: str, per: dict[str, Counter[str]] = per, src: str = src, dst: str = dst
        ) -> tuple[float, int, str]:
            # surplus in src minus surplus in dst, relative to the ideal share of each label
            score = sum(
                (per[src][x] - share[src] * n_label[x]) - (per[dst][x] - share[dst] * n_label[x])
                for x in strat[d]
            )
            return (-score, len(strat[d]), _rank(seed, d))

        out[min(cands, key=gain)] = dst


def _repair_coverage(
    out: dict[str, str],
    sets: Mapping[str, set[str]],
    names: Sequence[str],
    required: Iterable[str] | None,
    seed: int,
) -> None:
    """Swap documents so each required label (with enough documents) is in every split."""
    labels = set(required) if required is not None else {x for s in sets.values() for x in s}
    for _ in range(10 * len(labels) + 10):
        per_split: dict[str, Counter[str]] = {s: Counter() for s in names}
        for d, s in out.items():
            per_split[s].update(sets[d])
        missing = [
            (lab, s)
            for lab in sorted(labels)
            for s in names
            if per_split[s][lab] == 0 and sum(per_split[t][lab] for t in names) >= len(names)
        ]
        if not missing:
            return
        lab, target = missing[0]
        # donor: the split with most documents carrying lab, that can give one away
        donors = sorted(
            (t for t in names if t != target and per_split[t][lab] > 1),
            key=lambda t: -per_split[t][lab],
        )
        if not donors:
            return
        donor = donors[0]

        def safe_to_move(d: str, src: str, per: Mapping[str, Counter[str]] = per_split) -> bool:
            # moving d out of src must not remove the last carrier of any label there
            return all(per[src][x] > 1 for x in sets[d] if x in labels)

        cand_in = [d for d in out if out[d] == donor and lab in sets[d] and safe_to_move(d, donor)]
        if not cand_in:
            return
        d_in = min(cand_in, key=lambda d: (len(sets[d]), _rank(seed, d)))
        out[d_in] = target
        # swap back one document from target that is safe to remove there (keeps sizes)
        per_split[target].update(sets[d_in])
        per_split[donor].subtract(sets[d_in])
        cand_out = [
            d
            for d in out
            if out[d] == target and d != d_in and lab not in sets[d] and safe_to_move(d, target)
        ]
        if cand_out:
            d_out = min(cand_out, key=lambda d: (len(sets[d]), _rank(seed, d)))
            out[d_out] = donor


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def build(
    docs: list[dict[str, Any]], codebook: Codebook, seed: int = DEFAULT_SEED
) -> dict[str, Any]:
    """Fill each document's ``split`` field in place and return the ``splits.json`` object.

    Example:
        >>> build([], load_codebook())["train"]
        []
    """
    doc_labels = {d["id"]: {lab for s in d["sentences"] for lab in s["labels"]} for d in docs}
    groups = {d["id"]: d["issue"] for d in docs}
    assignment = assign_splits(doc_labels, groups, seed=seed, required=codebook.frames)
    for d in docs:
        d["split"] = assignment[d["id"]]
    splits: dict[str, Any] = {"seed": seed}
    for name in SPLIT_NAMES:
        splits[name] = sorted(d["id"] for d in docs if d["split"] == name)
    return splits


def write_outputs(
    docs: list[dict[str, Any]], splits: Mapping[str, Any], out: Path, splits_out: Path
) -> None:
    """Write the JSONL corpus (sorted by id) and the splits file.

    Example:
        >>> import tempfile, pathlib
        >>> tmp = pathlib.Path(tempfile.mkdtemp())
        >>> write_outputs([], {"seed": 1}, tmp / "a.jsonl", tmp / "s.json")
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for d in sorted(docs, key=lambda x: x["id"]):
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    splits_out.write_text(json.dumps(splits, indent=1) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0 ok, 2 problems in the sources)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--src", type=Path, default=SRC_DIR, help="folder of *.txt source files")
    ap.add_argument("--out", type=Path, default=OUT_PATH)
    ap.add_argument("--splits", type=Path, default=SPLITS_PATH)
    ap.add_argument("--codebook", type=Path, default=CODEBOOK_PATH)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--check", action="store_true", help="only parse and report")
    ap.add_argument(
        "--allow-errors",
        action="store_true",
        help="write the documents that parsed cleanly even if others have problems (still exit 2)",
    )
    args = ap.parse_args(argv)

    codebook = load_codebook(args.codebook)
    files = sorted(args.src.glob("*.txt"))
    if not files:
        print(f"error: no *.txt source files in {args.src}", file=sys.stderr)
        return 2
    docs, problems = parse_files(files, codebook)
    if problems:
        print(f"{len(problems)} problem(s) in the sources:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
    if not docs:
        print("error: no document parsed cleanly", file=sys.stderr)
        return 2
    if args.check or (problems and not args.allow_errors):
        print(f"{len(docs)} documents parsed cleanly from {len(files)} files; nothing written")
        return 2 if problems else 0
    splits = build(docs, codebook, args.seed)
    write_outputs(docs, splits, args.out, args.splits)
    sizes = ", ".join(f"{n}={len(splits[n])}" for n in SPLIT_NAMES)
    n_sent = sum(len(d["sentences"]) for d in docs)
    print(
        f"wrote {len(docs)} documents ({n_sent} sentences) from {len(files)} files to "
        f"{_display(args.out)}; splits: {sizes} -> {_display(args.splits)}"
    )
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
