#!/usr/bin/env python3
"""Build ``corpora/news/news.jsonl`` and ``corpora/news/splits.json`` from the source files.

The long-news corpus uses the op-ed source format (``corpora/opeds/ANNOTATION_GUIDE.md``) with
news headers (``voice: news``, ``genre: news|news-analysis``), optional stance targets and a
required ``frames:`` header: the frames the article *uses*, in order of prominence, the first
being ``primary``. See ``corpora/news/ANNOTATION_GUIDE.md``.

Parsing is done by :mod:`framing_corpora.opeds_build` through its ``SourceSpec`` hook; this
module adds the news checks, the news record and the splits. Every problem is reported as
``path:line: message``; if there is any, nothing is written and the exit status is 2.

Usage::

    python scripts/build_news.py            # parse corpora/news/src/*.txt, write the outputs
    python scripts/build_news.py --check    # parse and report only, write nothing
    python scripts/build_news.py --stats    # also print the datasheet tables (markdown)
    python scripts/build_news.py --audit    # list document-frame decisions worth a second look

Standard library only; the output depends only on the sources and the seed.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from framing_corpora import CORPORA_DIR
from framing_corpora import opeds_build as bo

SRC_DIR = CORPORA_DIR / "news" / "src"
OUT_PATH = CORPORA_DIR / "news" / "news.jsonl"
SPLITS_PATH = CORPORA_DIR / "news" / "splits.json"

DEFAULT_SEED = 20240917
SPLIT_NAMES = bo.SPLIT_NAMES
MIN_TEST, TEST_SHARE = 40, 0.25
MIN_DEV, DEV_SHARE = 20, 0.15
WORDS_RANGE = (550, 1300)
FRAMES_RANGE = (1, 6)

SPEC = bo.SourceSpec(
    voices=("news",),
    genres=("news", "news-analysis"),
    extra_headers=("frames",),
    targets_required=False,
    provenance=True,
)

_WORD_RE = re.compile(r"\w")
_SPACE_RE = re.compile(r"\s+")


def word_count(text: str) -> int:
    """Whitespace-separated tokens that contain a letter or digit (as in the op-ed datasheet).

    Example:
        >>> word_count("PORT ALDER, Calif. — A judge ruled on Tuesday.")
        8
    """
    return sum(1 for tok in text.split() if _WORD_RE.search(tok))


def writer_of(path: str) -> str:
    """The writer of a source file: its name up to the first ``_`` (``a_01.txt`` -> ``a``).

    Example:
        >>> writer_of("corpora/news/src/b_03.txt"), writer_of("extra.txt")
        ('b', 'extra')
    """
    return Path(path).stem.split("_", 1)[0]


def parse_frame_list(value: str) -> list[str]:
    """Split a ``frames:`` header value (commas and/or spaces) into ids, keeping order.

    Example:
        >>> parse_frame_list("federalism, enforcement political")
        ['federalism', 'enforcement', 'political']
    """
    return [t for t in re.split(r"[,\s]+", bo._strip_comment(value)) if t]


def with_parents(frames: Sequence[str], codebook: bo.Codebook) -> list[str]:
    """Keep the prominence order and insert each missing ancestor right after its first child.

    Example:
        >>> cb = bo.load_codebook()
        >>> with_parents(["federalism", "political", "enforcement"], cb)[:3]
        ['federalism', 'legality_constitutionality_and_jurisprudence', 'political']
    """
    out: list[str] = []
    for frame in frames:
        cur: str | None = frame
        while cur is not None and cur not in out:
            out.append(cur)
            cur = codebook.parents.get(cur)
    return out


# --------------------------------------------------------------------------------------------
# checks and records
# --------------------------------------------------------------------------------------------


def check_document(doc: Mapping[str, Any], codebook: bo.Codebook) -> list[bo.Problem]:
    """The news checks on one parsed document (``doc`` comes from ``build_opeds`` with ``SPEC``).

    Checks the ``frames`` header (present, 1-6 distinct known ids, first = ``primary``), that every
    document frame is carried by a sentence, and the length (550-1,300 words).
    """
    src = doc["source"]
    path, doc_line, header_lines = src["path"], src["line"], src["headers"]
    problems: list[bo.Problem] = []

    def bad(line: int, msg: str) -> None:
        problems.append(bo.Problem(path, line, f"document {doc['id']!r}: {msg}"))

    raw = doc["headers"].get("frames")
    frames = parse_frame_list(raw) if raw is not None else []
    fl = header_lines.get("frames", doc_line)
    if raw is None:
        bad(doc_line, "missing header 'frames' (the frames the article uses, primary first)")
    elif not frames:
        bad(fl, "empty 'frames' header")
    lo, hi = FRAMES_RANGE
    if frames and not lo <= len(frames) <= hi:
        bad(fl, f"{len(frames)} document frames (use {lo}-{hi})")
    for frame, n in Counter(frames).items():
        if n > 1:
            bad(fl, f"frame {frame!r} listed {n} times")
    known = [f for f in frames if f in codebook.frames]
    for frame in frames:
        if frame not in codebook.frames:
            bad(fl, f"unknown frame {frame!r}{bo._suggest(frame, codebook.frames)}")
    if frames and doc["primary_frame"] != frames[0]:
        bad(
            header_lines.get("primary", fl),
            f"primary {doc['primary_frame']!r} is not the first document frame {frames[0]!r}",
        )
    carried = {lab for s in doc["sentences"] for lab in s["labels"]}
    for frame in known:
        if frame not in carried:
            bad(fl, f"document frame {frame!r} is carried by no sentence")
    n_words = word_count(doc["text"])
    if not WORDS_RANGE[0] <= n_words <= WORDS_RANGE[1]:
        bad(doc_line, f"{n_words} words (use {WORDS_RANGE[0]}-{WORDS_RANGE[1]})")
    return problems


def audit_document(doc: Mapping[str, Any]) -> list[str]:
    r"""Document-frame decisions worth a second look (warnings, not problems).

    The guide's rule of thumb: a frame carried by 3+ sentences in 2+ paragraphs is usually used
    (``unlisted`` if it is not a document frame), and a document frame carried by at most two
    sentences needs a headline, lede or nut-graf reason (``thin``). Counts include parents.

    Example:
        >>> doc = {"id": "x", "text": "A. B.\n\nC.", "frames": ["economic"], "sentences": [
        ...     {"start": 0, "end": 2, "labels": ["political"]},
        ...     {"start": 3, "end": 5, "labels": ["political"]},
        ...     {"start": 7, "end": 9, "labels": ["political", "economic"]}]}
        >>> for note in audit_document(doc):
        ...     print(note)
        x: 'political' is on 3 sentences in 2 paragraphs but not a document frame
        x: document frame 'economic' is on only 1 sentence(s)
    """
    text = doc["text"]
    count: Counter[str] = Counter()
    paragraphs: dict[str, set[int]] = {}
    for s in doc["sentences"]:
        par = text.count("\n\n", 0, s["start"])
        for lab in s["labels"]:
            count[lab] += 1
            paragraphs.setdefault(lab, set()).add(par)
    out = [
        f"{doc['id']}: {lab!r} is on {n} sentences in {len(paragraphs[lab])} paragraphs but not "
        "a document frame"
        for lab, n in sorted(count.items())
        if lab not in doc["frames"] and n >= 3 and len(paragraphs[lab]) >= 2
    ]
    out += [
        f"{doc['id']}: document frame {lab!r} is on only {count[lab]} sentence(s)"
        for lab in doc["frames"]
        if count[lab] <= 2
    ]
    return out


def _normal(sentence: str) -> str:
    return _SPACE_RE.sub(" ", sentence.strip().lower())


def duplicate_problems(docs: Iterable[Mapping[str, Any]]) -> list[bo.Problem]:
    """Sentences repeated anywhere in the corpus (lower-cased, whitespace collapsed).

    Unlabelled repeats (bylines, bios, captions: ``[]`` on every copy) are allowed; a repeat where
    any copy carries a label is reported at the later copy.
    """
    first: dict[str, tuple[str, int, bool]] = {}
    problems: list[bo.Problem] = []
    for doc in sorted(docs, key=lambda d: (d["source"]["path"], d["source"]["line"])):
        path = doc["source"]["path"]
        for s, line in zip(doc["sentences"], doc["source"]["sentence_lines"], strict=True):
            key = _normal(doc["text"][s["start"] : s["end"]])
            labelled = bool(s["labels"])
            if key in first:
                p0, l0, lab0 = first[key]
                if labelled or lab0:
                    problems.append(
                        bo.Problem(
                            path, line, f"document {doc['id']!r}: sentence repeats {p0}:{l0}"
                        )
                    )
            else:
                first[key] = (path, line, labelled)
    return problems


def news_record(doc: Mapping[str, Any], codebook: bo.Codebook) -> dict[str, Any]:
    """Turn a checked ``build_opeds`` record into a news record (``split`` left ``None``)."""
    listed = parse_frame_list(doc["headers"]["frames"])
    return {
        "id": doc["id"],
        "writer": writer_of(doc["source"]["path"]),
        "split": None,
        "issue": doc["issue"],
        "genre": doc["genre"],
        "voice": doc["voice"],
        "outlet": doc["outlet"],
        "date": doc["date"],
        "title": doc["title"],
        "author": doc["author"],
        "primary": doc["primary_frame"],
        "frames": with_parents(listed, codebook),
        "frames_listed": listed,
        "stance": doc["stance"],
        "text": doc["text"],
        "sentences": doc["sentences"],
    }


def parse_news(
    paths: Iterable[Path], codebook: bo.Codebook
) -> tuple[list[dict[str, Any]], list[bo.Problem]]:
    """Parse and check news source files; returns the clean news records and every problem.

    Example:
        >>> docs, problems = parse_news([], bo.load_codebook())
        >>> docs, problems
        ([], [])
    """
    parsed, problems = bo.parse_files(paths, codebook, SPEC)
    clean: list[dict[str, Any]] = []
    for doc in parsed:
        doc_problems = check_document(doc, codebook)
        problems.extend(doc_problems)
        if not doc_problems:
            clean.append(doc)
    problems.extend(duplicate_problems(parsed))
    problems.sort(key=lambda p: (p.path, p.line, p.message))
    return [news_record(d, codebook) for d in clean], problems


# --------------------------------------------------------------------------------------------
# splits
# --------------------------------------------------------------------------------------------


def split_sizes(n: int) -> dict[str, int]:
    """Document counts per split: test max(40, 25 %), dev max(20, 15 %), the rest train.

    Example:
        >>> split_sizes(160), split_sizes(300)
        ({'train': 96, 'dev': 24, 'test': 40}, {'train': 180, 'dev': 45, 'test': 75})
    """
    test = max(MIN_TEST, math.ceil(TEST_SHARE * n))
    dev = max(MIN_DEV, math.ceil(DEV_SHARE * n))
    return {"train": n - dev - test, "dev": dev, "test": test}


def build_splits(
    docs: list[dict[str, Any]], codebook: bo.Codebook, seed: int = DEFAULT_SEED
) -> dict[str, Any]:
    """Fill each record's ``split`` in place and return the ``splits.json`` object.

    Iterative stratification (``build_opeds.assign_splits``) over the document frames (parents
    included) and the primary frame, with the writer as the group; every document frame with at
    least three documents ends up in every split.
    """
    sizes = split_sizes(len(docs))
    if sizes["train"] < 1:
        raise ValueError(f"{len(docs)} documents are too few for the split sizes {sizes}")
    labels = {d["id"]: {*d["frames"], f"primary={d['primary']}"} for d in docs}
    writers = {d["id"]: d["writer"] for d in docs}
    ratios = [float(sizes[s]) for s in SPLIT_NAMES]
    out = bo.assign_splits(
        labels, writers, seed=seed, names=SPLIT_NAMES, ratios=ratios, required=codebook.frames
    )
    for d in docs:
        d["split"] = out[d["id"]]
    splits: dict[str, Any] = {"seed": seed}
    for name in SPLIT_NAMES:
        splits[name] = sorted(d["id"] for d in docs if d["split"] == name)
    return splits


# --------------------------------------------------------------------------------------------
# statistics for the datasheet
# --------------------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def stats_markdown(docs: Sequence[Mapping[str, Any]], codebook: bo.Codebook) -> str:
    """The datasheet's count tables, computed from the built records."""
    words = [word_count(d["text"]) for d in docs]
    n_sent = [len(d["sentences"]) for d in docs]
    sents = [s for d in docs for s in d["sentences"]]
    unframed = sum(1 for s in sents if not s["labels"])
    listed = [len(d["frames_listed"]) for d in docs]
    closed = [len(d["frames"]) for d in docs]
    union = [len({x for s in d["sentences"] for x in s["labels"]}) for d in docs]
    out: list[str] = []
    out.append(
        f"- documents: {len(docs)}; sentences: {len(sents)} "
        f"({min(n_sent)}-{max(n_sent)} per document, mean {statistics.mean(n_sent):.1f}); "
        f"words: {sum(words)} ({min(words)}-{max(words)} per document, "
        f"mean {statistics.mean(words):.0f}, median {statistics.median(words):.0f})"
    )
    out.append(f"- sentences with no frame: {unframed} ({100 * unframed / len(sents):.1f} %)")
    out.append(
        f"- document frames as listed: mean {statistics.mean(listed):.2f}, "
        f"median {statistics.median(listed):g}; with parents added: mean "
        f"{statistics.mean(closed):.2f}, median {statistics.median(closed):g}"
    )
    out.append(
        f"- frames touched by any sentence (union of sentence labels, parents included): "
        f"mean {statistics.mean(union):.2f}, median {statistics.median(union):g}"
    )
    out.append(
        f"- dates {min(d['date'] for d in docs)} to {max(d['date'] for d in docs)}; "
        f"outlets: {len({d['outlet'] for d in docs})}; issues: {len({d['issue'] for d in docs})}"
    )
    dist = Counter(listed)
    out.append("")
    out.append("Document frames per document (as listed):")
    out.append("")
    out += _table(
        ["frames", *map(str, sorted(dist))], [["documents", *(dist[k] for k in sorted(dist))]]
    )
    out.append("")
    out.append(
        "Per frame: documents that use it (`frames`, parents added), documents where it is "
        "primary, documents with at least one sentence carrying it, and sentences carrying it "
        "(parents added)."
    )
    out.append("")
    rows = []
    for f in codebook.frames:
        rows.append(
            [
                f,
                sum(f in d["frames"] for d in docs),
                sum(d["primary"] == f for d in docs),
                sum(any(f in s["labels"] for s in d["sentences"]) for d in docs),
                sum(f in s["labels"] for s in sents),
            ]
        )
    out += _table(["frame", "docs using", "primary", "docs mentioning", "sentences"], rows)
    out.append("")
    rows = []
    for name in SPLIT_NAMES:
        part = [d for d in docs if d["split"] == name]
        ps = [s for d in part for s in d["sentences"]]
        rows.append(
            [
                name,
                len(part),
                len(ps),
                sum(word_count(d["text"]) for d in part),
                " ".join(f"{w}:{c}" for w, c in sorted(Counter(d["writer"] for d in part).items())),
                sum(1 for f in codebook.frames if any(f in d["frames"] for d in part)),
            ]
        )
    out += _table(["split", "docs", "sentences", "words", "writers", "doc frames present"], rows)
    out.append("")
    rows = []
    for w in sorted({d["writer"] for d in docs}):
        part = [d for d in docs if d["writer"] == w]
        ps = [s for d in part for s in d["sentences"]]
        touched = [len({x for s in d["sentences"] for x in s["labels"]}) for d in part]
        rows.append(
            [
                w,
                len(part),
                f"{statistics.mean(word_count(d['text']) for d in part):.0f}",
                f"{statistics.mean(len(d['frames_listed']) for d in part):.2f}",
                f"{statistics.mean(touched):.2f}",
                f"{100 * sum(1 for s in ps if not s['labels']) / len(ps):.1f} %",
            ]
        )
    out += _table(
        ["writer", "docs", "mean words", "frames listed", "frames touched", "unframed sentences"],
        rows,
    )
    out.append("")
    for key in ("writer", "genre", "issue"):
        c = Counter(d[key] for d in docs)
        out.append(f"- by {key}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    st = Counter(t["label"] for d in docs for t in d["stance"])
    st_text = ", ".join(f"{k} {v}" for k, v in sorted(st.items()))
    out.append(
        f"- stance targets: {sum(st.values())} ({st_text}); "
        f"documents without a target: {sum(1 for d in docs if not d['stance'])}; "
        f"sentences with a stance mark: {sum(1 for s in sents if s['stance'])}"
    )
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0 ok, 2 problems in the sources)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--src", type=Path, default=SRC_DIR, help="folder of *.txt source files")
    ap.add_argument("--out", type=Path, default=OUT_PATH)
    ap.add_argument("--splits", type=Path, default=SPLITS_PATH)
    ap.add_argument("--codebook", type=Path, default=bo.CODEBOOK_PATH)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--check", action="store_true", help="only parse and report")
    ap.add_argument("--stats", action="store_true", help="print the datasheet tables")
    ap.add_argument(
        "--audit",
        action="store_true",
        help="list document-frame decisions worth a second look (warnings, not problems)",
    )
    args = ap.parse_args(argv)

    codebook = bo.load_codebook(args.codebook)
    files = sorted(args.src.glob("*.txt"))
    if not files:
        print(f"error: no *.txt source files in {args.src}", file=sys.stderr)
        return 2
    docs, problems = parse_news(files, codebook)
    if problems:
        print(f"{len(problems)} problem(s) in the sources:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
    if args.audit:
        notes = [n for d in docs for n in audit_document(d)]
        print(f"{len(notes)} document-frame decision(s) worth a second look:")
        for n in notes:
            print(f"  {n}")
    if args.check or problems:
        print(f"{len(docs)} documents passed every check, from {len(files)} files; nothing written")
        return 2 if problems else 0
    try:
        splits = build_splits(docs, codebook, args.seed)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    bo.write_outputs(docs, splits, args.out, args.splits)
    sizes = ", ".join(f"{n}={len(splits[n])}" for n in SPLIT_NAMES)
    n_sent = sum(len(d["sentences"]) for d in docs)
    print(
        f"wrote {len(docs)} documents ({n_sent} sentences) from {len(files)} files to "
        f"{bo._display(args.out)}; splits: {sizes} -> {bo._display(args.splits)}"
    )
    if args.stats:
        print(stats_markdown(docs, codebook))
    return 0


if __name__ == "__main__":
    sys.exit(main())
