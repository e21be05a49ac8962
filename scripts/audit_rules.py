#!/usr/bin/env python3
"""Audit the rule layer's precision on real prose (issue 18, item 3).

The rule patterns (``framing/resources/patterns/*.jsonl``) are run over real US presidential
speeches (``presidential_speeches.jsonl`` in ``--data-dir``, default ``../shared/data``; public
domain, not part of the repository). Every sentence a pattern matches in is part of that
pattern's *population*; a seeded simple random sample is drawn from each pattern's population
(4 sentences, up to 16 for frequent patterns: a quarter of the square root of its size) and
judged by reading: does the sentence really use the pattern's frame, per
``corpora/opeds/ANNOTATION_GUIDE.md``? The judgments (``corpora/ruleaudit/judgments.jsonl``) and
the sample design (``corpora/ruleaudit/sample.jsonl`` and ``design.json``) hold speech ids,
character offsets, pattern ids and verdicts, never text: the text is read back from the speech
file at run time, and a SHA-1 of each sentence detects a changed data file.

Sub-commands::

    python scripts/audit_rules.py counts               # matches per pattern, label rate
    python scripts/audit_rules.py sample --out /tmp/ruleaudit   # draw + write a worksheet
    python scripts/audit_rules.py ingest VERDICTS --out /tmp/ruleaudit  # verdicts -> judgments
    python scripts/audit_rules.py report [--baseline REV] [--write]   # precision, label rates
    python scripts/audit_rules.py fit [--write]        # refit pattern weights from judgments

Estimates:

* **Per pattern**: the share of its judged sentences that use its frame (a simple random sample
  of its population), with a Wilson interval.
* **Per frame**, for sentence *labels* (rule score at or above the frame's threshold) and for
  *any cue* (score above 0): the judged sentences are weighted by the inverse of their inclusion
  probability (Horvitz-Thompson; a sentence is in the sample when any of the frame's patterns
  that match in it drew it, ``1 - prod(1 - n_p / N_p)``), with a Wilson interval on the Kish
  effective sample size. A parent frame (legality, crime_and_punishment) is judged through its
  own patterns and through its child's (a correct child implies the parent; an incorrect child
  carries a separate parent verdict).
* **Corpus**: the share of all speech sentences with any rule label and the mean number of
  frames per speech, under the current patterns and (``--baseline REV``) under the patterns of
  a git revision.

Weights (``fit``): each pattern's weight is the posterior mean of its precision, measured on the
judged sentence x frame units it matches in (HT-weighted; speeches from ``--since``, default
1946, on) and on the sentences of the project's labelled training splits it matches in (op-ed
train, news train; each counts ``--gold-weight``, default 0.5, of a judgment; the op-ed dev and
test splits, news dev and realdev stay held out), under a Beta prior centred on the precision of
its frame's cues of the same tier (the designer's strong cues or weak ones) with
``--prior-strength`` pseudo-judgments: ``(p * n_eff + g * k_gold + s * m) / (n_eff + g * n_gold
+ s)``. A weak cue stays below every threshold (``WEAK_CAP``) unless it is marked
``"standalone": true`` and measured precise enough on enough sentences; a pattern's own
``max_weight`` caps it further; a pattern with no evidence keeps its weight. Each refitted
pattern keeps its designer's weight in ``hand_weight`` and gets a ``weight_source`` note.
Matching for the fit uses the designer's weights, so a refit is idempotent. See
:func:`fit_weights`.

Exit status: 0 on success or when the speech file is absent (prints ``skip: ...``), 2 when the
judgments do not match the data.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import random
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

AUDIT_DIR = REPO / "corpora" / "ruleaudit"
JUDGMENTS = AUDIT_DIR / "judgments.jsonl"
SAMPLE = AUDIT_DIR / "sample.jsonl"
DESIGN = AUDIT_DIR / "design.json"
PRECISION = AUDIT_DIR / "precision.json"
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"
SPEECH_FILE = "presidential_speeches.jsonl"
PATTERN_DIR = REPO / "framing" / "resources" / "patterns"
REALDEV = REPO / "corpora" / "realdev" / "speeches_dev.jsonl"
HASH_LEN = 12
VERDICTS = ("correct", "incorrect")
#: Frames with a child: a judged child sentence also carries a verdict for the parent.
Z95 = 1.959963984540054


class DriftError(ValueError):
    """The judgments or the sample do not match the speech file."""


def span_hash(text: str) -> str:
    """First 12 hex digits of the SHA-1 of the UTF-8 text (as ``corpora/realdev`` does)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:HASH_LEN]


# ----------------------------------------------------------------------------------------------
# statistics
# ----------------------------------------------------------------------------------------------
def wilson(successes: float, n: float, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson score interval for a proportion; ``n`` may be an effective (non-integer) size.

    >>> [round(x, 3) for x in wilson(8, 10)]
    [0.49, 0.943]
    """
    if n <= 0:
        return None, None
    from scipy.stats import norm  # noqa: F401  (z defaults to its 97.5 % quantile)

    p = successes / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def weighted_precision(pairs: Iterable[tuple[float, bool]]) -> dict[str, Any]:
    """Horvitz-Thompson share of ``True`` over (weight, outcome) pairs, Wilson interval on the
    Kish effective sample size ``(sum w)^2 / sum w^2``."""
    ws = [(w, ok) for w, ok in pairs]
    n = len(ws)
    if not n:
        return {"n_judged": 0, "precision": None, "low": None, "high": None, "n_eff": 0.0}
    tot = sum(w for w, _ in ws)
    p = sum(w for w, ok in ws if ok) / tot
    n_eff = tot * tot / sum(w * w for w, _ in ws)
    lo, hi = wilson(p * n_eff, n_eff)
    return {"n_judged": n, "precision": round(p, 4), "low": _r(lo), "high": _r(hi),
            "n_eff": round(n_eff, 1)}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


# ----------------------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------------------
def speech_path(data_dir: Path) -> Path:
    return Path(data_dir) / SPEECH_FILE


def read_speeches(path: Path, ids: set[str] | None = None) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if ids is None or d["id"] in ids:
                yield d


def realdev_spans() -> dict[str, list[tuple[int, int]]]:
    """Sentences of ``corpora/realdev`` (kept out of the audit sample: they are gold for
    evaluating the rules, so tuning the rules must not read them)."""
    out: dict[str, list[tuple[int, int]]] = defaultdict(list)
    if REALDEV.exists():
        for line in REALDEV.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out[d["doc_id"]].append((d["start"], d["end"]))
    return out


def load_codebook(patterns_rev: str | None = None) -> Any:
    """The shipped codebook, or (``patterns_rev``) the codebook and pattern files of a git
    revision (for before/after comparisons)."""
    from framing.codebook import Codebook

    if patterns_rev is None:
        return Codebook.default()
    tmp = Path(tempfile.mkdtemp(prefix="ruleaudit-cb-"))
    (tmp / "patterns").mkdir()

    def show(rel: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), "show", f"{patterns_rev}:{rel}"],
                              check=True, capture_output=True, text=True).stdout

    (tmp / "codebook.json").write_text(show("framing/resources/codebook.json"))
    listing = subprocess.run(
        ["git", "-C", str(REPO), "ls-tree", "--name-only", f"{patterns_rev}",
         "framing/resources/patterns/"], check=True, capture_output=True, text=True).stdout
    for rel in listing.split():
        (tmp / "patterns" / Path(rel).name).write_text(show(rel))
    return Codebook.load(tmp / "codebook.json")


@dataclass
class Sentence:
    """One sentence of a speech with the rule layer's output on it."""

    doc_id: str
    start: int
    end: int
    scores: dict[str, float]
    matches: list[tuple[str, int, int]]  # (pattern id, char start, char end), kept matches


@dataclass
class Scan:
    """The rule layer over the whole speech file."""

    codebook: Any
    n_speeches: int = 0
    n_sentences: int = 0
    n_labelled: int = 0
    frames_per_speech: list[int] = field(default_factory=list)
    sentence_labels: Counter[str] = field(default_factory=Counter)
    speech_labels: Counter[str] = field(default_factory=Counter)
    # pattern id -> sentences (doc_id, start, end) it matches in
    population: dict[str, list[tuple[str, int, int]]] = field(
        default_factory=lambda: defaultdict(list))
    sentences: dict[tuple[str, int, int], Sentence] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        n = max(1, self.n_sentences)
        return {"speeches": self.n_speeches, "sentences": self.n_sentences,
                "labelled_sentences": self.n_labelled,
                "label_rate": round(self.n_labelled / n, 4),
                "mean_frames_per_speech": round(sum(self.frames_per_speech)
                                                / max(1, self.n_speeches), 2),
                "sentence_label_share": {f: round(self.sentence_labels[f] / n, 4)
                                         for f in self.codebook.frame_ids},
                "speech_label_share": {f: round(self.speech_labels[f] / max(1, self.n_speeches),
                                                4) for f in self.codebook.frame_ids}}


def scan(path: Path, codebook: Any, keep: set[tuple[str, int, int]] | None = None,
         collect: bool = False, limit: int | None = None) -> Scan:
    """Run the rule layer over every speech. ``collect``: keep each pattern's population
    (sentences outside ``corpora/realdev``); ``keep``: keep those sentences' rule output."""
    from framing.pipeline import build_nlp

    nlp = build_nlp(codebook)
    ths = {f: codebook.threshold(f) for f in codebook.frame_ids}
    out = Scan(codebook)
    dev = realdev_spans() if collect else {}
    docs = read_speeches(path)
    pairs = ((d["text"], d["id"]) for i, d in enumerate(docs) if limit is None or i < limit)
    for doc, doc_id in nlp.pipe(pairs, as_tuples=True, batch_size=8):
        text = doc.text
        out.n_speeches += 1
        used: set[str] = set()
        for ps in doc._.frame_sentences or []:
            cs, ce = ps["start"], ps["end"]
            seg = text[cs:ce]
            if not seg.strip():
                continue
            s = cs + len(seg) - len(seg.lstrip())
            e = s + len(seg.strip())
            out.n_sentences += 1
            labels = [f for f, v in ps["scores"].items() if v >= ths[f]]
            if labels:
                out.n_labelled += 1
                out.sentence_labels.update(labels)
                used.update(labels)
            key = (doc_id, s, e)
            if collect and ps["matches"] and not any(
                    a < e and s < b for a, b in dev.get(doc_id, ())):
                for pid in dict.fromkeys(m[3] for m in ps["matches"]):
                    out.population[pid].append(key)
            if keep is not None and key in keep:
                out.sentences[key] = Sentence(doc_id, s, e, dict(ps["scores"]),
                                              [(m[3], m[0], m[1]) for m in ps["matches"]])
        out.frames_per_speech.append(len(used))
        out.speech_labels.update(used)
    return out


def sentence_scores(codebook: Any, texts: Sequence[str]) -> list[dict[str, Any]]:
    """Rule output on standalone texts (re-scoring judged sentences under another codebook):
    per text the scores of its sentences merged (max), and the matched pattern ids."""
    from framing.pipeline import build_nlp

    nlp = build_nlp(codebook)
    out = []
    for doc in nlp.pipe(texts, batch_size=64):
        scores: dict[str, float] = {}
        pids: list[str] = []
        for ps in doc._.frame_sentences or []:
            for f, v in ps["scores"].items():
                scores[f] = max(scores.get(f, 0.0), v)
            pids += [m[3] for m in ps["matches"]]
        out.append({"scores": scores, "patterns": sorted(set(pids))})
    return out


# ----------------------------------------------------------------------------------------------
# sampling
# ----------------------------------------------------------------------------------------------
def sample_size(n_pop: int, base: int, cap: int) -> int:
    """How many sentences to draw for a pattern matching in ``n_pop`` sentences: ``base``, up
    to ``cap`` for frequent patterns (growing with the square root of the population).

    >>> [sample_size(n, 4, 16) for n in (0, 3, 50, 1600, 40000)]
    [0, 3, 4, 10, 16]
    """
    return min(n_pop, max(base, min(cap, round(math.sqrt(n_pop) / 4))))


def draw(population: dict[str, list[tuple[str, int, int]]], seed: int, base: int, cap: int
         ) -> dict[str, list[tuple[str, int, int]]]:
    """A seeded simple random sample of each pattern's sentences (independent per pattern)."""
    out = {}
    for pid in sorted(population):
        pop = sorted(set(population[pid]))
        rng = random.Random(f"{seed}:{pid}")
        out[pid] = sorted(rng.sample(pop, sample_size(len(pop), base, cap)))
    return out


def cmd_sample(args: argparse.Namespace) -> int:
    path = speech_path(args.data_dir)
    if not path.exists():
        print(f"skip: {path} not found", file=sys.stderr)
        return 0
    codebook = load_codebook(args.patterns_rev)
    first = scan(path, codebook, collect=True, limit=args.limit)
    drawn = draw(first.population, args.seed, args.base, args.cap)
    keys = {k for ks in drawn.values() for k in ks}
    # second pass: the rule output on the drawn sentences (every match, all frames)
    second = scan(path, codebook, keep=keys, limit=args.limit)
    texts = {d["id"]: d["text"] for d in read_speeches(path, {k[0] for k in keys})}
    rev = args.patterns_rev or _git_head()
    design = {"seed": args.seed, "base": args.base, "cap": args.cap, "patterns_rev": rev,
              "data": SPEECH_FILE, "speeches": first.n_speeches,
              "sentences": first.n_sentences, "excluded": "sentences of corpora/realdev",
              "patterns": {p.id: {"frame": p.frame, "N": len(set(first.population.get(p.id, []))),
                                  "n": len(drawn.get(p.id, []))}
                           for p in codebook.patterns}}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    frame_of = {p.id: p.frame for p in codebook.patterns}
    parent_of = {f: codebook.parent(f) for f in codebook.frame_ids}
    family = {f: {f, *codebook.children(f), *codebook.ancestors(f)} for f in codebook.frame_ids}
    # worksheet: one unit per (sentence, frame) that some pattern of the frame drew
    units: dict[tuple[tuple[str, int, int], str], list[str]] = defaultdict(list)
    for pid, ks in drawn.items():
        for k in ks:
            units[(k, frame_of[pid])].append(pid)
    # grouped by sentence (a sentence drawn for several frames is read once), shuffled so
    # that frames and eras mix while reading
    by_sent: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for key, frame in units:
        by_sent[key].append(frame)
    order = sorted(by_sent)
    random.Random(args.seed).shuffle(order)
    n_unit = 0
    with (out / "worksheet.jsonl").open("w", encoding="utf-8") as f, \
            (out / "worksheet.txt").open("w", encoding="utf-8") as txt:
        for key in order:
            sent = texts[key[0]][key[1]:key[2]]
            frames = sorted(by_sent[key])
            spans = [(a, b) for pid, a, b in second.sentences[key].matches
                     if frame_of[pid] in frames]
            txt.write(f"\n## {key[0]}\n{_mark(sent, key[1], spans)}\n")
            for frame in frames:
                pats = sorted({pid for pid, _, _ in second.sentences[key].matches
                               if frame_of[pid] == frame})
                cues = sorted({sent[a - key[1]:b - key[1]].lower()
                               for pid, a, b in second.sentences[key].matches
                               if frame_of[pid] == frame})
                f.write(json.dumps({"unit": n_unit, "doc_id": key[0], "start": key[1],
                                    "end": key[2], "sha1": span_hash(sent), "frame": frame,
                                    "parent": parent_of[frame],
                                    "drawn_for": sorted(units[(key, frame)]),
                                    "patterns": pats, "spans": {
                                        pid: [a, b] for pid, a, b in reversed(
                                            second.sentences[key].matches)
                                        if pid in units[(key, frame)]}},
                                   ensure_ascii=False) + "\n")
                txt.write(f"  u{n_unit} {frame}: {' | '.join(cues)}"
                          f"  ({', '.join(p.split('.', 1)[1] for p in pats)})\n")
                n_unit += 1
    (out / "design.json").write_text(json.dumps(design, indent=1) + "\n")
    # per drawn sentence, the patterns matched in it of the drawn frames' families (what the
    # inclusion probabilities need), no text
    with (out / "sample.jsonl").open("w", encoding="utf-8") as f:
        for key in sorted(by_sent):
            fams = set().union(*(family[fr] for fr in by_sent[key]))
            pids = sorted({pid for pid, _, _ in second.sentences[key].matches
                           if frame_of[pid] in fams})
            f.write(json.dumps({"doc_id": key[0], "start": key[1], "end": key[2],
                                "sha1": span_hash(texts[key[0]][key[1]:key[2]]),
                                "patterns": pids}) + "\n")
    print(f"{len(keys)} sentences, {n_unit} units (sentence x frame) for "
          f"{sum(1 for v in drawn.values() if v)} patterns; worksheet in {out}", file=sys.stderr)
    print("copy design.json and sample.jsonl to corpora/ruleaudit/ (they hold no text)",
          file=sys.stderr)
    return 0


def _mark(sent: str, offset: int, spans: list[tuple[int, int]]) -> str:
    """The sentence with matched spans in [[double brackets]]."""
    out, pos = [], 0
    for a, b in sorted(set(spans)):
        a, b = a - offset, b - offset
        if a < pos:
            continue
        out += [sent[pos:a], "[[", sent[a:b], "]]"]
        pos = b
    out.append(sent[pos:])
    return "".join(out)


def _git_head() -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# ----------------------------------------------------------------------------------------------
# judgments
# ----------------------------------------------------------------------------------------------
@dataclass
class Judgment:
    """The verdict on one drawn match: does its sentence use the pattern's frame?"""

    doc_id: str
    sent_start: int
    sent_end: int
    sha1: str
    frame: str
    pattern: str
    match_start: int
    match_end: int
    verdict: str
    parent_verdict: str | None = None
    note: str | None = None

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.doc_id, self.sent_start, self.sent_end)

    @property
    def ok(self) -> bool:
        return self.verdict == "correct"

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if v is not None}
        return d


def load_judgments(path: Path = JUDGMENTS) -> list[Judgment]:
    out = []
    if not path.exists():
        return out
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        d = json.loads(line)
        try:
            j = Judgment(**d)
        except TypeError as e:
            raise DriftError(f"{path}:{n}: {e}") from None
        if j.verdict not in VERDICTS or (j.parent_verdict not in (None, *VERDICTS)):
            raise DriftError(f"{path}:{n}: verdicts must be one of {VERDICTS}")
        out.append(j)
    return out


def load_sample(path: Path = SAMPLE) -> dict[tuple[str, int, int], dict[str, Any]]:
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out[(d["doc_id"], d["start"], d["end"])] = d
    return out


def check_text(keys: Iterable[tuple[str, int, int, str]], path: Path) -> dict[tuple[str, int, int],
                                                                              str]:
    """Sentence text per key, from the speech file; DriftError on any mismatch."""
    keys = list(keys)
    texts = {d["id"]: d["text"] for d in read_speeches(path, {k[0] for k in keys})}
    out, problems = {}, []
    for doc_id, s, e, sha in keys:
        doc = texts.get(doc_id)
        if doc is None:
            problems.append(f"{doc_id}: not in {path.name}")
            continue
        span = doc[s:e]
        if span_hash(span) != sha:
            problems.append(f"{doc_id}:{s}-{e}: hash {span_hash(span)} != {sha}")
            continue
        out[(doc_id, s, e)] = span
    if problems:
        raise DriftError(f"{len(problems)} judged sentence(s) do not match {path}: "
                         + "; ".join(problems[:5]))
    return out


def cmd_ingest(args: argparse.Namespace) -> int:
    """Verdict lines ``UNIT c|i|p [note]`` (p: the child frame is wrong but the sentence uses
    its parent) for worksheet units -> one judgment per drawn pattern, appended to
    ``--judgments`` (units already judged there are skipped)."""
    work = {}
    for line in (Path(args.out) / "worksheet.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        work[d["unit"]] = d
    existing = load_judgments(args.judgments)
    done = {(j.key, j.pattern) for j in existing}
    new: list[Judgment] = []
    for n, line in enumerate(Path(args.verdicts).read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        unit, code = int(parts[0]), parts[1]
        note = parts[2].strip() if len(parts) > 2 else None
        if code not in ("c", "i", "p") or unit not in work:
            raise SystemExit(f"{args.verdicts}:{n}: bad line {line!r}")
        w = work[unit]
        if code == "p" and not _has_child(w["frame"]):
            raise SystemExit(f"{args.verdicts}:{n}: 'p' only for federalism/enforcement units")
        key = (w["doc_id"], w["start"], w["end"])
        for pid in w["drawn_for"]:
            if (key, pid) in done:
                continue
            a, b = w["spans"][pid]
            parent = None
            if _has_child(w["frame"]):
                parent = "correct" if code in ("c", "p") else "incorrect"
            new.append(Judgment(w["doc_id"], w["start"], w["end"], w["sha1"], w["frame"],
                                pid, a, b, "correct" if code == "c" else "incorrect",
                                parent, note))
            done.add((key, pid))
    with Path(args.judgments).open("a", encoding="utf-8") as f:
        for j in new:
            f.write(json.dumps(j.to_dict(), ensure_ascii=False) + "\n")
    print(f"{len(new)} judgments added to {args.judgments}", file=sys.stderr)
    return 0


def _has_child(frame: str) -> bool:
    return frame in ("federalism", "enforcement")


# ----------------------------------------------------------------------------------------------
# estimates
# ----------------------------------------------------------------------------------------------
def pattern_precision(judgments: Sequence[Judgment]) -> dict[str, dict[str, Any]]:
    """Per pattern: judged, correct, precision and Wilson interval (its own draws only)."""
    by: dict[str, list[bool]] = defaultdict(list)
    for j in judgments:
        by[j.pattern].append(j.ok)
    out = {}
    for pid, oks in sorted(by.items()):
        k, n = sum(oks), len(oks)
        lo, hi = wilson(k, n)
        out[pid] = {"n": n, "correct": k, "precision": round(k / n, 4), "low": _r(lo),
                    "high": _r(hi)}
    return out


@dataclass
class Unit:
    """A judged (sentence, frame): its truth and which patterns of the design drew it."""

    key: tuple[str, int, int]
    frame: str
    truth: bool
    pi: float


def frame_units(judgments: Sequence[Judgment], sample: dict[tuple[str, int, int], dict[str, Any]],
                design: dict[str, Any], codebook: Any) -> dict[str, list[Unit]]:
    """Judged units per frame with their inclusion probability under the design; a parent
    frame's units include its children's (truth: the child is correct or the parent verdict)."""
    pats = design["patterns"]
    rate = {pid: (v["n"] / v["N"] if v["N"] else 0.0) for pid, v in pats.items()}
    verdict: dict[tuple[tuple[str, int, int], str], bool] = {}
    parent_v: dict[tuple[tuple[str, int, int], str], bool] = {}
    drawn: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    for j in judgments:
        verdict[(j.key, j.frame)] = verdict.get((j.key, j.frame), False) or j.ok
        if j.parent_verdict is not None:
            parent_v[(j.key, j.frame)] = j.parent_verdict == "correct"
        drawn[j.key].add(j.pattern)
    out: dict[str, list[Unit]] = {}
    for f in codebook.frame_ids:
        family = {f, *codebook.children(f)}
        units = []
        for key, pids in drawn.items():
            fam_pids = {p for p in pids if pats.get(p, {}).get("frame") in family}
            if not fam_pids:
                continue
            row = sample.get(key)
            matched = set(row["patterns"]) if row else fam_pids
            fam_matched = {p for p in matched if pats.get(p, {}).get("frame") in family}
            miss = 1.0
            for p in fam_matched:
                miss *= 1.0 - rate.get(p, 0.0)
            truth = verdict.get((key, f), False)
            for c in codebook.children(f):
                if (key, c) in verdict:
                    truth = truth or verdict[(key, c)] or parent_v.get((key, c), False)
            units.append(Unit(key, f, truth, 1.0 - miss))
        out[f] = units
    return out


def frame_precision(units: dict[str, list[Unit]], rescored: dict[tuple[str, int, int],
                                                                 dict[str, Any]],
                    codebook: Any) -> dict[str, dict[str, Any]]:
    """Per frame: HT precision of sentence labels (score >= threshold) and of any cue
    (score > 0) under the codebook whose results are in ``rescored``."""
    out = {}
    for f, us in units.items():
        th = codebook.threshold(f)

        def score(u: Unit, f: str = f) -> float:
            return float(rescored.get(u.key, {}).get("scores", {}).get(f, 0.0))

        lab = [(1.0 / u.pi, u.truth) for u in us if score(u) >= th and u.pi > 0]
        cue = [(1.0 / u.pi, u.truth) for u in us if score(u) > 0 and u.pi > 0]
        out[f] = {"label": weighted_precision(lab), "cue": weighted_precision(cue)}
    return out


def rescore(codebook: Any, keys: Sequence[tuple[str, int, int]], texts: dict[tuple[str, int, int],
                                                                            str]
            ) -> dict[tuple[str, int, int], dict[str, Any]]:
    """Scores and matched pattern ids of each judged sentence, analysed as a text of its own,
    under ``codebook``."""
    res = sentence_scores(codebook, [texts[k] for k in keys])
    return {k: {"scores": r["scores"], "patterns": set(r["patterns"])}
            for k, r in zip(keys, res, strict=True)}


def pattern_units(units: dict[str, list[Unit]], rescored: dict[tuple[str, int, int],
                                                               dict[str, Any]],
                  codebook: Any) -> dict[str, list[tuple[float, bool]]]:
    """Per pattern of ``codebook``: (HT weight, truth) of the judged units of its frame in which
    it matches. A verdict is about the sentence using the frame, so it holds for every pattern
    of that frame matched in the sentence: patterns added or narrowed after the sample was
    drawn are estimated on the units they match, weighted by the design."""
    frame_of = {p.id: p.frame for p in codebook.patterns}
    by: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for f, us in units.items():
        for u in us:
            if u.pi <= 0 or u.key not in rescored:
                continue
            for pid in rescored[u.key]["patterns"]:
                if frame_of.get(pid) == f:
                    by[pid].append((1.0 / u.pi, u.truth))
    return dict(by)


def calibration(units: dict[str, list[Unit]], rescored: dict[tuple[str, int, int],
                                                             dict[str, Any]],
                bins: Sequence[float] = (0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 1.01)
                ) -> list[dict[str, Any]]:
    """Rule score against the judged truth, all frames pooled: per score bin the mean score
    and the HT share of judged units that use the frame (a calibrated score matches it)."""
    rows = []
    for lo, hi in itertools.pairwise(bins):
        pairs, scores = [], []
        for f, us in units.items():
            for u in us:
                sc = rescored.get(u.key, {}).get("scores", {}).get(f, 0.0)
                if u.pi > 0 and sc > 0 and lo <= sc < hi:
                    pairs.append((1.0 / u.pi, u.truth))
                    scores.append((1.0 / u.pi, sc))
        if pairs:
            tot = sum(w for w, _ in scores)
            rows.append({"bin": [lo, min(hi, 1.0)], "mean_score": round(
                sum(w * sc for w, sc in scores) / tot, 3), **weighted_precision(pairs)})
    return rows


def _audit_inputs(args: argparse.Namespace) -> tuple[list[Judgment], dict[Any, Any],
                                                      dict[str, Any]]:
    judgments = load_judgments(args.judgments)
    sample = load_sample(args.sample)
    design = json.loads(Path(args.design).read_text()) if Path(args.design).exists() else {}
    return judgments, sample, design


def cmd_report(args: argparse.Namespace) -> int:
    path = speech_path(args.data_dir)
    if not path.exists():
        print(f"skip: {path} not found", file=sys.stderr)
        return 0
    judgments, sample, design = _audit_inputs(args)
    if not judgments or not design:
        print("no judgments or no design yet: run `sample`, judge, `ingest`", file=sys.stderr)
        return 2
    try:
        texts = check_text({(j.doc_id, j.sent_start, j.sent_end, j.sha1) for j in judgments},
                           path)
    except DriftError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    keys = sorted(texts)
    report: dict[str, Any] = {"judgments": len(judgments), "sentences": len(keys),
                              "design": {k: design[k] for k in ("seed", "base", "cap",
                                                                "patterns_rev", "speeches",
                                                                "sentences")}}
    report["drawn_patterns"] = pattern_precision(judgments)
    versions = [("current", None)]
    if args.baseline:
        versions.insert(0, ("baseline", args.baseline))
    previous = json.loads(PRECISION.read_text()) if PRECISION.exists() else {}
    for name, rev in versions:
        cb = load_codebook(rev)
        units = frame_units(judgments, sample, design, cb)
        scores = rescore(cb, keys, texts)
        block: dict[str, Any] = {"patterns_rev": rev or _git_head(),
                                 "frames": frame_precision(units, scores, cb),
                                 "calibration": calibration(units, scores),
                                 "patterns": {pid: weighted_precision(v) for pid, v in sorted(
                                     pattern_units(units, scores, cb).items())}}
        if not args.no_corpus:
            block["corpus"] = scan(path, cb, limit=args.limit).summary()
        elif previous.get(name, {}).get("patterns_rev") == block["patterns_rev"] and \
                "corpus" in previous[name]:  # same rules: the whole-corpus scan still holds
            block["corpus"] = previous[name]["corpus"]
        report[name] = block
    _print_report(report)
    if args.write:
        if "holdout" in previous:  # written by holdout-report
            report["holdout"] = previous["holdout"]
        PRECISION.write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {PRECISION}", file=sys.stderr)
    if args.json:
        print(json.dumps(report, indent=1))
    return 0


def _print_report(report: dict[str, Any]) -> None:
    err = sys.stderr
    for name in ("baseline", "current"):
        if name not in report:
            continue
        block = report[name]
        print(f"\n== {name} ({block['patterns_rev'][:12]})", file=err)
        print(f"{'frame':46s} {'label P [95% CI]':>22s} {'n':>4s}  {'cue P':>6s} {'n':>4s}",
              file=err)
        for f, v in block["frames"].items():
            lab, cue = v["label"], v["cue"]
            ci = (f"{lab['precision']:.2f} [{lab['low']:.2f},{lab['high']:.2f}]"
                  if lab["precision"] is not None else "-")
            cp = f"{cue['precision']:.2f}" if cue["precision"] is not None else "-"
            print(f"{f:46s} {ci:>22s} {lab['n_judged']:4d}  {cp:>6s} {cue['n_judged']:4d}",
                  file=err)
        if "corpus" in block:
            c = block["corpus"]
            print(f"corpus: {c['sentences']} sentences, label rate {c['label_rate']:.3f}, "
                  f"{c['mean_frames_per_speech']:.2f} frames per speech", file=err)


def cmd_counts(args: argparse.Namespace) -> int:
    path = speech_path(args.data_dir)
    if not path.exists():
        print(f"skip: {path} not found", file=sys.stderr)
        return 0
    cb = load_codebook(args.patterns_rev)
    res = scan(path, cb, collect=True, limit=args.limit)
    counts = {p.id: len(set(res.population.get(p.id, []))) for p in cb.patterns}
    out = {"corpus": res.summary(), "pattern_sentences": counts}
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        for pid, n in sorted(counts.items(), key=lambda x: -x[1]):
            print(f"{n:7d} {pid}")
        c = out["corpus"]
        print(f"corpus: {c['sentences']} sentences, label rate {c['label_rate']:.3f}, "
              f"{c['mean_frames_per_speech']:.2f} frames per speech", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------------------------
# fitting weights
# ----------------------------------------------------------------------------------------------
# ----------------------------------------------------------------------------------------------
# gold: the project's own labelled sentences
# ----------------------------------------------------------------------------------------------
def score_gold(codebook: Any, examples: Sequence[tuple[str, list[str]]]) -> dict[str, Any]:
    """Sentence-level micro/macro precision, recall and F1 of the rule layer (each sentence
    analysed as a text of its own, labels closed under parents as in the corpora)."""
    import framing
    from framing.corpora import label_closure

    analyzer = framing.load(rules_only=True, codebook=codebook)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    labelled = gold_labelled = 0
    res = analyzer.pipe({"id": str(i), "text": t} for i, (t, _) in enumerate(examples))
    for (_, gold), r in zip(examples, res, strict=True):
        g, pr = set(label_closure(gold)), set(label_closure(r.labels))
        labelled += bool(pr)
        gold_labelled += bool(g)
        tp.update(g & pr)
        fp.update(pr - g)
        fn.update(g - pr)

    def prf(t: int, p: int, n: int) -> dict[str, float | None]:
        prec = t / (t + p) if t + p else None
        rec = t / (t + n) if t + n else None
        f1 = (2 * prec * rec / (prec + rec) if prec and rec else 0.0) if (
            prec is not None and rec is not None) else None
        return {"precision": _r(prec), "recall": _r(rec), "f1": _r(f1)}

    frames = codebook.frame_ids
    per = {f: {**prf(tp[f], fp[f], fn[f]), "support": tp[f] + fn[f],
               "predicted": tp[f] + fp[f]} for f in frames}
    supported = [f for f in frames if per[f]["support"]]
    macro = {k: _r(sum(per[f][k] or 0.0 for f in supported) / len(supported))
             for k in ("precision", "recall", "f1")} if supported else {}
    micro = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    n = len(examples)
    return {"sentences": n, "label_rate": _r(labelled / n if n else None),
            "gold_label_rate": _r(gold_labelled / n if n else None),
            "micro": micro, "macro": macro, "per_frame": per}


def gold_sets(data_dir: Path) -> dict[str, list[tuple[str, list[str]]]]:
    """The gold sentence sets: the op-ed splits (``test`` reported, never tuned on; ``train``
    part of the weight fit, ``GOLD_FIT_SPLITS``; ``dev`` held out from the fit), the train and
    dev splits of the news corpus (``corpora/news``, modern news-style prose; ``train`` in the
    fit, ``dev`` held out; its test split is kept for issue 18's final numbers) and, when the
    speeches are there, realdev (held out)."""
    from framing.corpora import iter_frame_examples, load_opeds

    out = {f"opeds_{split}": [(e["text"], e["labels"]) for e in
                              iter_frame_examples(load_opeds(split=split))]
           for split in ("test", "train", "dev")}
    news = REPO / "corpora" / "news" / "news.jsonl"
    if news.exists():
        docs = [json.loads(line) for line in news.read_text(encoding="utf-8").splitlines()
                if line.strip()]
        for split in ("train", "dev"):
            out[f"news_{split}"] = [(d["text"][s["start"]:s["end"]], s["labels"]) for d in docs
                                    if d["split"] == split for s in d["sentences"]]
    speeches = speech_path(data_dir)
    if speeches.exists():
        from framing_corpora.realdev import attach_text, load_annotations

        items = load_annotations()
        attach_text(items, speeches)
        out["realdev"] = [(it.text, it.labels) for it in items]
    return out


def cmd_gold(args: argparse.Namespace) -> int:
    sets = gold_sets(args.data_dir)
    versions = [("current", None)] + ([("baseline", args.baseline)] if args.baseline else [])
    out: dict[str, Any] = {}
    for name, rev in versions:
        cb = load_codebook(rev)
        out[name] = {k: score_gold(cb, v) for k, v in sets.items()}
        for k, v in out[name].items():
            mi, ma = v["micro"], v["macro"]
            print(f"{name:8s} {k:14s} n={v['sentences']:4d} micro P/R/F1 {mi['precision']:.3f}/"
                  f"{mi['recall']:.3f}/{mi['f1']:.3f}  macro P/R/F1 {ma['precision']:.3f}/"
                  f"{ma['recall']:.3f}/{ma['f1']:.3f}  labelled {v['label_rate']:.3f} "
                  f"(gold {v['gold_label_rate']:.3f})", file=sys.stderr)
    if args.json:
        print(json.dumps(out, indent=1))
    return 0


STRONG = 0.5  # a designer's weight at or above this made a cue strong enough on its own
MIN_PRIOR_N = 10.0  # a tier's prior needs this effective size, else the frame's is used
#: Highest weight a weak-tier cue gets, however precise it measured: below every frame's
#: threshold, so a generic word never labels a sentence on its own. Measured on 19th- and
#: 20th-century speeches, the precision of a common word ("spent", "security", "world") is an
#: optimistic guide to news prose, where the same word turns up in more senses; a cue the
#: designer marked strong (hand weight >= 0.5) can stand alone if its precision holds up.
WEAK_CAP = 0.4
#: A weak-tier cue marked ``standalone`` (a specific term of its frame) is released from the cap
#: only with this much evidence: posterior precision and judged sentences.
PROMOTE_MIN, PROMOTE_N = 0.7, 5
#: Weights are fitted on the judged sentences of speeches from this year on: closer to the
#: prose of today's news than the 19th-century messages (where "officers", "agents", "the
#: Government must" and "survey" mostly meant something else).
SINCE = 1946
#: Each sentence of the project's labelled training splits (op-ed train, news train) that a
#: pattern matches in counts as this much of a judgment in the fit: modern prose, closer to the
#: news the tool is for than the speeches, but written for the project (with its near-misses in
#: mind) rather than sampled, so it does not outweigh the audit of real text.
GOLD_WEIGHT = 0.5
#: The labelled splits the fit may learn from; every other split stays held out.
GOLD_FIT_SPLITS = ("opeds_train", "news_train")


def standalone(pattern_row: dict[str, Any]) -> bool:
    """Whether a cue may label a sentence on its own: the designer's strong cues (hand weight
    >= 0.5) and the weak ones marked ``"standalone": true`` after the audit (specific terms of
    the frame: "terrorist attack", "budget deficit"), the latter only where the judgments bear
    it out (see :func:`fit_weights`)."""
    return bool(pattern_row.get("standalone")) or hand_weight(pattern_row) >= STRONG


def hand_weight(pattern_row: dict[str, Any]) -> float:
    """The designer's weight of a pattern (kept in ``hand_weight`` once a fit replaced it)."""
    return float(pattern_row.get("hand_weight", pattern_row.get("weight", 0.6)))


def fit_weights(units: dict[str, list[Unit]], rescored: dict[tuple[str, int, int], dict[str, Any]],
                codebook: Any, hand: dict[str, float], strength: float, floor: float = 0.02,
                alone: set[str] | None = None,
                gold: dict[str, tuple[int, int]] | None = None,
                gold_weight: float = GOLD_WEIGHT) -> dict[str, dict[str, Any]]:
    """Posterior-mean precision of each pattern matched in judged sentences.

    A pattern's evidence is the judged units of its frame in which it matches (HT-weighted,
    Kish effective size ``n_eff``); its prior is a Beta with mean ``m``, the precision of its
    frame's cues of the same tier (the designer's strong cues, hand weight >= 0.5, or weak
    ones; the frame's cues as a whole when the tier has fewer than ``MIN_PRIOR_N`` effective
    judged units), and ``strength`` pseudo-judgments: ``w = (p * n_eff + strength * m) /
    (n_eff + strength)``, at most ``WEAK_CAP`` for a cue that may not stand alone: a weak-tier
    cue, unless it is in ``alone`` and its posterior is at least ``PROMOTE_MIN`` on at least
    ``PROMOTE_N`` judged sentences. ``gold`` adds, per pattern, (sentences of the project's
    labelled training splits it matches in, those labelled with its frame), each counted as
    ``gold_weight`` of a judgment: ``w = (p * n_eff + g * k_gold + strength * m) / (n_eff +
    g * n_gold + strength)``. Patterns that match in no judged or gold sentence are left out
    (they keep their weight)."""
    per = pattern_units(units, rescored, codebook)
    frame_of = {p.id: p.frame for p in codebook.patterns}
    tier_of = {pid: hand.get(pid, 0.0) >= STRONG for pid in frame_of}
    prior_pairs: dict[tuple[str, bool], list[tuple[float, bool]]] = defaultdict(list)
    frame_pairs: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for f, us in units.items():
        for u in us:
            if u.pi <= 0 or u.key not in rescored:
                continue
            tiers = {tier_of[pid] for pid in rescored[u.key]["patterns"]
                     if frame_of.get(pid) == f}
            for t in tiers:
                prior_pairs[(f, t)].append((1.0 / u.pi, u.truth))
            if tiers:
                frame_pairs[f].append((1.0 / u.pi, u.truth))
    gold = gold or {}
    out = {}
    for pid in sorted(set(per) | {p for p, (n, _) in gold.items() if n and p in frame_of}):
        pairs = per.get(pid, [])
        f = frame_of[pid]
        prior = weighted_precision(prior_pairs.get((f, tier_of[pid]), []))
        if prior["precision"] is None or prior["n_eff"] < MIN_PRIOR_N:
            prior = weighted_precision(frame_pairs.get(f, []))
        m = prior["precision"] if prior["precision"] is not None else hand.get(pid, 0.5)
        est = weighted_precision(pairs)
        n_eff, p = est["n_eff"], est["precision"] or 0.0
        n_gold, k_gold = gold.get(pid, (0, 0))
        w = ((p * n_eff + gold_weight * k_gold + strength * m)
             / (n_eff + gold_weight * n_gold + strength))
        promoted = (pid in (alone or set()) and w >= PROMOTE_MIN
                    and est["n_judged"] + n_gold >= PROMOTE_N)
        cap = 0.95 if tier_of[pid] or promoted else WEAK_CAP
        out[pid] = {"weight": round(min(cap, max(floor, w)), 2), "posterior": round(w, 3),
                    "capped": w > cap, "cap": cap, "n": est["n_judged"],
                    "n_eff": n_eff, "precision": est["precision"], "prior": round(m, 3),
                    "n_gold": n_gold, "k_gold": k_gold,
                    "tier": "strong" if tier_of[pid] else "weak"}
    return out


def gold_evidence(codebook: Any, examples: Sequence[tuple[str, list[str]]]
                  ) -> dict[str, tuple[int, int]]:
    """Per pattern: (labelled sentences it matches in, those whose labels, parents added,
    include its frame); each sentence analysed as a text of its own."""
    from framing.corpora import label_closure

    frame_of = {p.id: p.frame for p in codebook.patterns}
    res = sentence_scores(codebook, [t for t, _ in examples])
    n: Counter[str] = Counter()
    k: Counter[str] = Counter()
    for (_, labels), r in zip(examples, res, strict=True):
        closed = set(label_closure(labels))
        for pid in r["patterns"]:
            n[pid] += 1
            k[pid] += frame_of[pid] in closed
    return {pid: (n[pid], k[pid]) for pid in n}


def cmd_fit(args: argparse.Namespace) -> int:
    path = speech_path(args.data_dir)
    if not path.exists():
        print(f"skip: {path} not found", file=sys.stderr)
        return 0
    from framing.codebook import Codebook

    judgments, sample, design = _audit_inputs(args)
    if not judgments or not design:
        print("no judgments or no design yet", file=sys.stderr)
        return 2
    try:
        texts = check_text({(j.doc_id, j.sent_start, j.sent_end, j.sha1) for j in judgments},
                           path)
    except DriftError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    files = sorted(PATTERN_DIR.glob("*.jsonl"))
    rows_by_file = {f: [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines()
                        if line.strip()] for f in files}
    hand = {r["id"]: hand_weight(r) for rows in rows_by_file.values() for r in rows}
    # Matched under the designer's weights: where patterns of one frame match the same span,
    # the strongest stands for it, so matching under the fitted weights would make the
    # evidence depend on the fit (and a refit oscillate).
    tmp = Path(tempfile.mkdtemp(prefix="ruleaudit-fit-"))
    (tmp / "patterns").mkdir()
    (tmp / "codebook.json").write_text((PATTERN_DIR.parent / "codebook.json").read_text())
    for f, rows in rows_by_file.items():
        (tmp / "patterns" / f.name).write_text("".join(
            json.dumps({**r, "weight": hand[r["id"]]}, ensure_ascii=False) + "\n"
            for r in rows), encoding="utf-8")
    cb = Codebook.load(tmp / "codebook.json")
    units = frame_units(judgments, sample, design, cb)
    if args.since:
        units = {f: [u for u in us if int(u.key[0][:4]) >= args.since] for f, us in units.items()}
    scores = rescore(cb, sorted(texts), texts)
    alone = {r["id"] for rows in rows_by_file.values() for r in rows if standalone(r)}
    gold: dict[str, tuple[int, int]] = {}
    if args.gold_weight > 0:
        sets = gold_sets(args.data_dir)
        examples = [ex for name in GOLD_FIT_SPLITS for ex in sets.get(name, [])]
        gold = gold_evidence(cb, examples)
    fitted = fit_weights(units, scores, cb, hand, args.prior_strength, alone=alone, gold=gold,
                         gold_weight=args.gold_weight)
    for rows in rows_by_file.values():  # a pattern's own ceiling (``max_weight``, with a note)
        for r in rows:
            fit = fitted.get(r["id"])
            if fit is not None and "max_weight" in r and fit["weight"] > r["max_weight"]:
                fit.update(weight=float(r["max_weight"]), capped=True, cap=r["max_weight"])
    changed = 0
    for f, rows in rows_by_file.items():
        for r in rows:
            fit = fitted.get(r["id"])
            if fit is None:
                if "weight_source" not in r:
                    r["weight_source"] = "hand-set: no match in the judged sentences"
                continue
            if r.get("weight") != fit["weight"]:
                changed += 1
            r["hand_weight"] = hand[r["id"]]
            r["weight"] = fit["weight"]
            speech = (f"HT precision {fit['precision']:.2f} on {fit['n']} judged speech "
                      f"sentences (n_eff {fit['n_eff']:g}"
                      + (f", from {args.since} on)" if args.since else ")")
                      if fit["n"] else "no judged speech sentence")
            gold_note = (f", {fit['k_gold']} of {fit['n_gold']} labelled training sentences "
                         f"with the frame (x {args.gold_weight:g})" if fit["n_gold"] else "")
            r["weight_source"] = (
                f"audit: {speech}{gold_note}, Beta prior mean {fit['prior']:.2f} "
                f"({fit['tier']} cues of the frame) x {args.prior_strength:g}: posterior mean "
                f"{fit['posterior']:.2f}" + (
                    "" if not fit["capped"] else f", capped at {fit['cap']:g}" + (
                        " (weak cue)" if fit["cap"] == WEAK_CAP else
                        " (max_weight)" if fit["cap"] == r.get("max_weight") else "")))
        if args.write:
            f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                         encoding="utf-8")
    print(f"{len(fitted)} patterns fitted, {changed} weights "
          f"{'changed' if args.write else 'would change (use --write)'}", file=sys.stderr)
    if args.json:
        print(json.dumps(fitted, indent=1))
    return 0


# ----------------------------------------------------------------------------------------------
# held-out check: fresh sentence labels, before and after
# ----------------------------------------------------------------------------------------------
HOLDOUT = AUDIT_DIR / "holdout.jsonl"
HOLDOUT_DESIGN = AUDIT_DIR / "holdout_design.json"


def _judged_keys() -> set[tuple[str, int, int]]:
    return {j.key for j in load_judgments(JUDGMENTS)}


def _overlaps(key: tuple[str, int, int], spans: dict[str, list[tuple[int, int]]]) -> bool:
    return any(a < key[2] and key[1] < b for a, b in spans.get(key[0], ()))


def _label_population(path: Path, codebook: Any, ids: set[str],
                      exclude: set[tuple[str, int, int]]
                      ) -> tuple[dict[str, list[tuple[str, int, int]]], int]:
    """Per frame, the sentences of the speeches ``ids`` the rule layer labels with it (score at
    or above the threshold; child labels lift the parent), minus ``exclude`` and realdev; and
    the number of sentences read."""
    from framing.pipeline import build_nlp

    nlp = build_nlp(codebook)
    ths = {f: codebook.threshold(f) for f in codebook.frame_ids}
    dev = realdev_spans()
    pop: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    n = 0
    pairs = ((d["text"], d["id"]) for d in read_speeches(path, ids))
    for doc, doc_id in nlp.pipe(pairs, as_tuples=True, batch_size=8):
        text = doc.text
        for ps in doc._.frame_sentences or []:
            seg = text[ps["start"]:ps["end"]]
            if not seg.strip():
                continue
            s = ps["start"] + len(seg) - len(seg.lstrip())
            key = (doc_id, s, s + len(seg.strip()))
            n += 1
            if key in exclude or _overlaps(key, dev):
                continue
            for f, v in ps["scores"].items():
                if v >= ths[f]:
                    pop[f].append(key)
    return pop, n


def cmd_holdout_sample(args: argparse.Namespace) -> int:
    """Draw a fresh sample of sentence *labels* (not pattern matches) of the baseline and the
    current rules, on speeches and sentences the weight fit never read, and write a worksheet.

    Speeches from ``--since`` on are drawn at random (``--speeches``); every sentence already
    judged for the audit, and realdev, is left out. Per frame, the union of the sentences the
    baseline and the current rules label with it is put in a seeded random order; the first
    ``--per-frame`` of them in each version's population are that version's simple random
    sample (so a sentence labelled by both is read once). The worksheet does not say which
    version labelled a sentence."""
    path = speech_path(args.data_dir)
    if not path.exists():
        print(f"skip: {path} not found", file=sys.stderr)
        return 0
    rng = random.Random(f"holdout:{args.seed}")
    recent = sorted(d["id"] for d in read_speeches(path) if int(d["date"][:4]) >= args.since)
    ids = set(rng.sample(recent, min(args.speeches, len(recent))))
    exclude = _judged_keys()
    cur = load_codebook(None)
    pops, n_sent = {}, 0
    for name, rev in (("baseline", args.baseline), ("current", None)):
        pops[name], n_sent = _label_population(path, load_codebook(rev) if rev else cur, ids,
                                               exclude)
    units = []
    for f in cur.frame_ids:
        b, c = set(pops["baseline"].get(f, [])), set(pops["current"].get(f, []))
        order = sorted(b | c)
        random.Random(f"holdout:{args.seed}:{f}").shuffle(order)
        need = {"baseline": args.per_frame, "current": args.per_frame}
        for key in order:
            take = [v for v, popv in (("baseline", b), ("current", c))
                    if key in popv and need[v] > 0]
            if not take and (key in b) != (key in c):
                continue
            if not take:
                continue
            for v in take:
                need[v] -= 1
            units.append({"frame": f, "doc_id": key[0], "start": key[1], "end": key[2],
                          "in_baseline": key in b, "in_current": key in c,
                          "drawn_for": take})
            if not any(need.values()):
                break
    texts = {d["id"]: d["text"] for d in read_speeches(path, {u["doc_id"] for u in units})}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    order_idx = list(range(len(units)))
    random.Random(f"holdout:{args.seed}:read").shuffle(order_idx)
    with (out / "holdout_units.jsonl").open("w", encoding="utf-8") as fj, \
            (out / "holdout_worksheet.txt").open("w", encoding="utf-8") as ft:
        for i, u in enumerate(units):
            sent = texts[u["doc_id"]][u["start"]:u["end"]]
            u["unit"] = i
            u["sha1"] = span_hash(sent)
            fj.write(json.dumps(u) + "\n")
        for i in order_idx:  # read in mixed order: frames and versions interleaved
            u = units[i]
            sent = texts[u["doc_id"]][u["start"]:u["end"]]
            ft.write(f"\nu{i} {u['frame']} [{u['doc_id'][:4]}]\n{sent}\n")
    design = {"seed": args.seed, "since": args.since, "speeches": sorted(ids),
              "sentences": n_sent, "per_frame": args.per_frame,
              "baseline_rev": args.baseline, "current_rev": _git_head(),
              "excluded": "sentences judged for the audit (judgments.jsonl) and realdev",
              "population": {v: {f: len(set(p.get(f, []))) for f in cur.frame_ids}
                             for v, p in pops.items()}}
    (out / "holdout_design.json").write_text(json.dumps(design, indent=1) + "\n")
    print(f"{len(units)} units from {len(ids)} speeches ({n_sent} sentences); worksheet in "
          f"{out}", file=sys.stderr)
    return 0


def cmd_holdout_ingest(args: argparse.Namespace) -> int:
    """Verdict lines ``u12 c`` / ``u12 i`` (correct / incorrect: does the sentence use the
    frame?) -> ``corpora/ruleaudit/holdout.jsonl`` (ids, offsets, hashes, verdicts; no text)."""
    units = {u["unit"]: u for u in map(json.loads, (Path(args.out) / "holdout_units.jsonl")
                                       .read_text().splitlines())}
    verdicts: dict[int, str] = {}
    for line in Path(args.verdicts).read_text().splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[0].startswith("u"):
            continue
        verdicts[int(parts[0][1:])] = {"c": "correct", "i": "incorrect"}[parts[1]]
    missing = sorted(set(units) - set(verdicts))
    if missing:
        print(f"error: no verdict for units {missing[:10]}", file=sys.stderr)
        return 2
    with HOLDOUT.open("w", encoding="utf-8") as f:
        for i in sorted(units):
            u = units[i]
            f.write(json.dumps({k: u[k] for k in ("frame", "doc_id", "start", "end", "sha1",
                                                  "in_baseline", "in_current", "drawn_for")}
                               | {"verdict": verdicts[i]}) + "\n")
    HOLDOUT_DESIGN.write_text((Path(args.out) / "holdout_design.json").read_text())
    print(f"wrote {HOLDOUT} ({len(units)} units)", file=sys.stderr)
    return 0


def holdout_precision(rows: Sequence[dict[str, Any]], design: dict[str, Any]
                      ) -> dict[str, Any]:
    """Per version and frame: precision of sentence labels on the version's simple random
    sample (k of n, Wilson 95 %) and the population it was drawn from; overall, the frames
    pooled with each judged label weighted by its frame's population over its sample size."""
    out: dict[str, Any] = {}
    for v in ("baseline", "current"):
        frames: dict[str, Any] = {}
        pooled: list[tuple[float, bool]] = []
        by: dict[str, list[bool]] = defaultdict(list)
        for r in rows:
            if v in r["drawn_for"]:
                by[r["frame"]].append(r["verdict"] == "correct")
        for f, big_n in design["population"][v].items():
            oks = by.get(f, [])
            k, n = sum(oks), len(oks)
            lo, hi = wilson(k, n)
            frames[f] = {"labels_in_population": big_n, "n_judged": n, "correct": k,
                         "precision": _r(k / n) if n else None, "low": _r(lo),
                         "high": _r(hi)}
            pooled += [(big_n / n, ok) for ok in oks] if n else []
        out[v] = {"frames": frames, "all_labels": weighted_precision(pooled),
                  "label_rate": None}
    return out


def holdout_shipped(rows: Sequence[dict[str, Any]], texts: dict[str, str]) -> dict[str, Any]:
    """The current version's judged units rescored under the shipped rules (the working tree):
    per frame, how many of them the shipped rules still label and how many of those are
    correct. Rules changed after the sample was judged, partly from reading it: not a held-out
    estimate, and labels the shipped rules add outside the sample are not judged."""
    cb = load_codebook(None)
    units = [r for r in rows if "current" in r["drawn_for"]]
    res = sentence_scores(cb, [texts[r["doc_id"]][r["start"]:r["end"]] for r in units])
    by: dict[str, list[bool]] = defaultdict(list)
    judged: Counter[str] = Counter()
    for r, sc in zip(units, res, strict=True):
        judged[r["frame"]] += 1
        if sc["scores"].get(r["frame"], 0.0) >= cb.threshold(r["frame"]):
            by[r["frame"]].append(r["verdict"] == "correct")
    frames = {}
    for f in cb.frame_ids:
        oks = by.get(f, [])
        frames[f] = {"n_judged": judged[f], "n_still_labelled": len(oks), "correct": sum(oks),
                     "precision": _r(sum(oks) / len(oks)) if oks else None}
    return {"patterns_rev": _git_head() + ("+dirty" if _dirty() else ""), "frames": frames,
            "note": "not held out: the rules were changed after reading this sample"}


def _dirty() -> bool:
    try:
        out = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--",
                              "framing/resources"], check=True, capture_output=True,
                             text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    return bool(out.strip())


def cmd_holdout_report(args: argparse.Namespace) -> int:
    if not HOLDOUT.exists():
        print(f"no {HOLDOUT.name} yet: run holdout-sample, judge, holdout-ingest",
              file=sys.stderr)
        return 2
    rows = [json.loads(x) for x in HOLDOUT.read_text().splitlines() if x.strip()]
    design = json.loads(HOLDOUT_DESIGN.read_text())
    path = speech_path(args.data_dir)
    if path.exists():  # the text must still be the one judged
        texts = {d["id"]: d["text"] for d in read_speeches(path, {r["doc_id"] for r in rows})}
        bad = [r for r in rows if span_hash(texts.get(r["doc_id"], "")[r["start"]:r["end"]])
               != r["sha1"]]
        if bad:
            print(f"error: {len(bad)} held-out sentences changed in {path}", file=sys.stderr)
            return 2
    res = holdout_precision(rows, design)
    if path.exists():
        res["shipped"] = holdout_shipped(rows, texts)
    for v in ("baseline", "current"):
        print(f"\n== {v} (held-out sample, {len(design['speeches'])} speeches since "
              f"{design['since']}, {design['sentences']} sentences)", file=sys.stderr)
        for f, x in res[v]["frames"].items():
            p = "-" if x["precision"] is None else (f"{x['precision']:.2f} [{x['low']:.2f},"
                                                      f"{x['high']:.2f}]")
            print(f"{f:46s} {p:>18s} {x['correct']:3d}/{x['n_judged']:<3d} "
                  f"labels {x['labels_in_population']}", file=sys.stderr)
        a = res[v]["all_labels"]
        print(f"{'all labels (population-weighted)':46s} {a['precision']:.2f} "
              f"[{a['low']:.2f},{a['high']:.2f}] n={a['n_judged']} n_eff={a['n_eff']}",
              file=sys.stderr)
    sh = res.get("shipped")
    if sh:
        print(f"\n== shipped rules ({sh['patterns_rev'][:12]}) on the current sample's units: "
              "the fixes after the draw were informed by this sample, so this is not held out",
              file=sys.stderr)
        for f, x in sh["frames"].items():
            p = "-" if x["precision"] is None else f"{x['precision']:.2f}"
            print(f"{f:46s} {p:>6s} {x['correct']:3d}/{x['n_still_labelled']:<3d} "
                  f"(of {x['n_judged']} judged)", file=sys.stderr)
    if args.write:
        rep = json.loads(PRECISION.read_text()) if PRECISION.exists() else {}
        rep["holdout"] = {"design": {k: design[k] for k in (
            "seed", "since", "sentences", "per_frame", "baseline_rev", "current_rev",
            "excluded")} | {"speeches": len(design["speeches"])}, **res}
        PRECISION.write_text(json.dumps(rep, indent=1) + "\n")
        print(f"wrote {PRECISION}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    ap.add_argument("--judgments", type=Path, default=JUDGMENTS)
    ap.add_argument("--sample", type=Path, default=SAMPLE)
    ap.add_argument("--design", type=Path, default=DESIGN)
    ap.add_argument("--limit", type=int, default=None, help="first N speeches only (tests)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("counts", help="matches per pattern and label rate")
    c.add_argument("--patterns-rev", default=None)
    c.add_argument("--json", action="store_true")
    s = sub.add_parser("sample", help="draw the sample and write a worksheet")
    s.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "ruleaudit")
    s.add_argument("--seed", type=int, default=18)
    s.add_argument("--base", type=int, default=4)
    s.add_argument("--cap", type=int, default=16)
    s.add_argument("--patterns-rev", default=None)
    i = sub.add_parser("ingest", help="verdict lines -> judgments")
    i.add_argument("verdicts", type=Path)
    i.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "ruleaudit")
    r = sub.add_parser("report", help="precision per pattern and frame, label rates")
    r.add_argument("--baseline", default=None, help="git revision of the 'before' patterns")
    r.add_argument("--write", action="store_true", help=f"write {PRECISION.name}")
    r.add_argument("--json", action="store_true")
    r.add_argument("--no-corpus", action="store_true", help="skip the whole-corpus scans")
    f = sub.add_parser("fit", help="refit pattern weights from the judgments")
    f.add_argument("--prior-strength", type=float, default=4.0)
    f.add_argument("--since", type=int, default=SINCE,
                   help="fit on judged sentences of speeches from this year on (0: all)")
    f.add_argument("--gold-weight", type=float, default=GOLD_WEIGHT,
                   help="weight of a labelled training sentence (op-ed and news train splits) "
                        "against a judged speech sentence; 0: the audit alone")
    f.add_argument("--write", action="store_true", help="rewrite the pattern files")
    f.add_argument("--json", action="store_true")
    g = sub.add_parser("gold", help="rule F1 on the op-ed test split and realdev")
    g.add_argument("--baseline", default=None, help="git revision of the 'before' patterns")
    g.add_argument("--json", action="store_true")
    h = sub.add_parser("holdout-sample", help="fresh sample of sentence labels, before/after")
    h.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "ruleaudit")
    h.add_argument("--seed", type=int, default=7)
    h.add_argument("--since", type=int, default=SINCE)
    h.add_argument("--speeches", type=int, default=80)
    h.add_argument("--per-frame", type=int, default=10)
    h.add_argument("--baseline", default="0f46f79")
    hi = sub.add_parser("holdout-ingest", help="held-out verdicts -> holdout.jsonl")
    hi.add_argument("verdicts", type=Path)
    hi.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "ruleaudit")
    hr = sub.add_parser("holdout-report", help="held-out precision of sentence labels")
    hr.add_argument("--write", action="store_true", help=f"add it to {PRECISION.name}")
    args = ap.parse_args(argv)
    return {"holdout-sample": cmd_holdout_sample, "holdout-ingest": cmd_holdout_ingest,
            "holdout-report": cmd_holdout_report, "counts": cmd_counts, "sample": cmd_sample,
            "ingest": cmd_ingest, "report": cmd_report, "fit": cmd_fit,
            "gold": cmd_gold}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
