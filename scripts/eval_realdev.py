#!/usr/bin/env python3
"""Evaluate the frame layer on the real-text development set ``corpora/realdev``.

The annotations (``corpora/realdev/speeches_dev.jsonl``) hold only document ids, character
offsets, gold labels and a short SHA-1 of each span; the sentence text is read at run time from
``../shared/data/presidential_speeches.jsonl`` (real US presidential speeches, not part of the
repository). Every span is checked (non-empty, hash matches) before anything is scored, so a
changed data file is reported instead of silently mis-scored.

Each annotated sentence is analysed as a text of its own with :func:`framing.load`; the
prediction is the document's ``labels``. Gold and predicted labels are both closed under the
codebook's parents (``federalism`` implies ``legality_constitutionality_and_jurisprudence``,
``enforcement`` implies ``crime_and_punishment``) before counting.

Usage::

    python scripts/eval_realdev.py --rules-only            # rule layer alone
    python scripts/eval_realdev.py --model DIR             # with a trained model
    python scripts/eval_realdev.py --rules-only --json     # machine-readable
    python scripts/eval_realdev.py --rules-only --errors federalism   # list FPs/FNs + evidence

Exit status: 0 on success or when the shared data is absent (prints ``skip: ...``), 2 when the
annotations do not match the data (or the model cannot be loaded).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from framing.corpora import codebook_frames, label_closure  # noqa: E402

ANNOTATIONS = REPO / "corpora" / "realdev" / "speeches_dev.jsonl"
SPEECHES = REPO.parent / "shared" / "data" / "presidential_speeches.jsonl"
SELECTIONS = ("federalism_candidate", "enforcement_candidate", "random")
HASH_LEN = 12


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


def attach_text(items: Sequence[Item], speeches: Path = SPEECHES) -> None:
    """Fill ``item.text`` from the speech file; raise :class:`DriftError` on any mismatch."""
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


# ----------------------------------------------------------------------------------------------
# scoring
# ----------------------------------------------------------------------------------------------
@dataclass
class Scores:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    n: int = 0

    def add(self, gold: Iterable[str], pred: Iterable[str]) -> None:
        g, p = set(gold), set(pred)
        self.n += 1
        for f in g & p:
            self.tp[f] += 1
        for f in p - g:
            self.fp[f] += 1
        for f in g - p:
            self.fn[f] += 1

    @staticmethod
    def _prf(tp: int, fp: int, fn: int) -> dict[str, float | None]:
        p = tp / (tp + fp) if tp + fp else None
        r = tp / (tp + fn) if tp + fn else None
        f1 = 2 * p * r / (p + r) if p and r else (0.0 if p is not None and r is not None
                                                 else None)
        return {"precision": p, "recall": r, "f1": f1}

    def frame(self, f: str) -> dict[str, Any]:
        tp, fp, fn = self.tp[f], self.fp[f], self.fn[f]
        return {**self._prf(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn, "support": tp + fn,
                "predicted": tp + fp}

    def summary(self, frames: Sequence[str]) -> dict[str, Any]:
        per = {f: self.frame(f) for f in frames}
        tp, fp, fn = (sum(c[f] for f in frames) for c in (self.tp, self.fp, self.fn))
        supported = [f for f in frames if per[f]["support"]]
        macro = {k: (sum((per[f][k] or 0.0) for f in supported) / len(supported)
                     if supported else None) for k in ("precision", "recall", "f1")}
        return {"n_sentences": self.n, "per_frame": per,
                "micro": {**self._prf(tp, fp, fn), "tp": tp, "fp": fp, "fn": fn},
                "macro": {**macro, "frames": len(supported)}}


def predict(items: Sequence[Item], model: str | None = None, rules_only: bool = True,
            ) -> list[Any]:
    """Run :func:`framing.load` on each sentence as its own text; one DocResult per item."""
    import framing

    analyzer = framing.load(model, rules_only=rules_only)
    return list(analyzer.pipe({"id": it.key, "text": it.text} for it in items))


def evaluate(items: Sequence[Item], results: Sequence[Any],
             selections: Sequence[str] | None = None) -> dict[str, Any]:
    frames, _ = codebook_frames()
    total = Scores()
    by_sel = {s: Scores() for s in SELECTIONS}
    for it, res in zip(items, results, strict=True):
        if selections and it.selection not in selections:
            continue
        gold = label_closure(it.labels)
        pred = label_closure(res.labels)
        total.add(gold, pred)
        by_sel[it.selection].add(gold, pred)
    out = total.summary(frames)
    out["by_selection"] = {s: {f: sc.frame(f) for f in ("federalism", "enforcement")}
                           | {"n_sentences": sc.n} for s, sc in by_sel.items() if sc.n}
    return out


def errors(items: Sequence[Item], results: Sequence[Any], frame: str) -> list[dict[str, Any]]:
    """False positives and false negatives of one frame (after parent closure), with evidence."""
    rows = []
    for it, res in zip(items, results, strict=True):
        gold, pred = set(label_closure(it.labels)), set(label_closure(res.labels))
        if (frame in gold) == (frame in pred):
            continue
        ev = [{"text": e.text, "frame": e.frame, "source": e.source} for e in res.evidence
              if e.frame == frame or frame in label_closure([e.frame])]
        rows.append({"kind": "FP" if frame in pred else "FN", "key": it.key,
                     "selection": it.selection, "gold": it.labels, "pred": list(res.labels),
                     "evidence": ev, "note": it.note, "text": it.text})
    return rows


# ----------------------------------------------------------------------------------------------
# output
# ----------------------------------------------------------------------------------------------
def _fmt(x: float | None) -> str:
    return "   -" if x is None else f"{x:.2f}"


def print_table(report: dict[str, Any], out: Any = sys.stdout) -> None:
    print(f"{'frame':46s} {'P':>5s} {'R':>5s} {'F1':>5s} {'sup':>4s} {'pred':>5s}", file=out)
    for f, m in report["per_frame"].items():
        print(f"{f:46s} {_fmt(m['precision']):>5s} {_fmt(m['recall']):>5s} "
              f"{_fmt(m['f1']):>5s} {m['support']:4d} {m['predicted']:5d}", file=out)
    mi, ma = report["micro"], report["macro"]
    print(f"{'micro':46s} {_fmt(mi['precision']):>5s} {_fmt(mi['recall']):>5s} "
          f"{_fmt(mi['f1']):>5s}", file=out)
    print(f"{'macro (' + str(ma['frames']) + ' frames with support)':46s} "
          f"{_fmt(ma['precision']):>5s} {_fmt(ma['recall']):>5s} {_fmt(ma['f1']):>5s}", file=out)
    print("\nfederalism / enforcement by selection:", file=out)
    for s, d in report["by_selection"].items():
        parts = [f"{f} P={_fmt(d[f]['precision'])} R={_fmt(d[f]['recall'])} "
                 f"(tp {d[f]['tp']} fp {d[f]['fp']} fn {d[f]['fn']})"
                 for f in ("federalism", "enforcement")]
        print(f"  {s:22s} n={d['n_sentences']:3d}  " + "; ".join(parts), file=out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="trained model directory (default: framing's default)")
    ap.add_argument("--rules-only", action="store_true", help="rule layer only")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--selection", action="append", choices=SELECTIONS,
                    help="score only these subsets (repeatable; default: all)")
    ap.add_argument("--errors", metavar="FRAME",
                    help="also list the false positives/negatives of FRAME with rule evidence")
    ap.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    ap.add_argument("--data", type=Path, default=SPEECHES,
                    help="presidential_speeches.jsonl (default: ../shared/data/)")
    args = ap.parse_args(argv)

    if not args.data.exists():
        print(f"skip: {args.data} not found (the real-text dev set needs the shared data)",
              file=sys.stderr)
        return 0
    items = load_annotations(args.annotations)
    try:
        attach_text(items, args.data)
    except DriftError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from framing.errors import FramingError

    try:
        results = predict(items, args.model, rules_only=args.rules_only)
    except FramingError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = evaluate(items, results, args.selection)
    report["setup"] = {"model": args.model, "rules_only": args.rules_only,
                       "annotations": str(args.annotations), "selections": args.selection
                       or list(SELECTIONS), "model_info": results[0].model if results else {}}
    if args.errors:
        sel = set(args.selection or SELECTIONS)
        report["errors"] = [e for e in errors(items, results, args.errors)
                            if e["selection"] in sel]
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    info = report["setup"]["model_info"]
    mode = "rules only" if not info.get("classifier") else f"classifier {info['classifier']}"
    print(f"realdev: {report['n_sentences']} sentences, {mode}\n")
    print_table(report)
    for row in report.get("errors", []):
        src = ", ".join(sorted({ev["source"] for ev in row["evidence"]})) or "-"
        print(f"\n[{row['kind']}] {row['key']} ({row['selection']}) gold={row['gold']} "
              f"pred={row['pred']}\n  evidence: {src}\n  {row['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
