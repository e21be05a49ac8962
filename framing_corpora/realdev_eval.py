#!/usr/bin/env python3
"""Evaluate the frame layer on the real-text development set ``corpora/realdev``.

The annotations (``corpora/realdev/speeches_dev.jsonl``) hold only document ids, character
offsets, gold labels and a short SHA-1 of each span; the sentence text is read at run time from
``presidential_speeches.jsonl`` in the data folder (``--data-dir``, else ``$FRAMING_DATA_DIR``,
else the default of ``scripts/eval_realdev.py``: ``../shared/data`` beside the repository; real
US presidential speeches, not part of the repository). Every span is checked (non-empty, hash
matches) before anything is scored, so a changed data file is reported instead of silently
mis-scored.

Each annotated sentence is analysed as a text of its own with :func:`framing.load`; the
prediction is the document's ``labels``. Gold and predicted labels are both closed under the
codebook's parents (``federalism`` implies ``legality_constitutionality_and_jurisprudence``,
``enforcement`` implies ``crime_and_punishment``) before counting.

Usage::

    python scripts/eval_realdev.py --rules-only            # rule layer alone
    python scripts/eval_realdev.py --model DIR             # with a trained model
    python scripts/eval_realdev.py --rules-only --json     # machine-readable
    python scripts/eval_realdev.py --rules-only --errors federalism   # list FPs/FNs + evidence

Exit status: 0 on success or when the data is absent (prints ``skip: ...``), 2 when the
annotations do not match the data (or the model cannot be loaded).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing.corpora import codebook_frames, label_closure
from framing_corpora.realdev import (  # noqa: F401  (re-exported for the tests)
    ANNOTATIONS,
    DATA_ENV,
    HALVES,
    DriftError,
    Item,
    attach_text,
    half_of,
    load_annotations,
    span_hash,
    speeches_path,
)

SELECTIONS = ("federalism_candidate", "enforcement_candidate", "random")


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


FOCUS = ("federalism", "enforcement")


def beyond_rules(items: Sequence[Item], results: Sequence[Any], rule_results: Sequence[Any],
                 selections: Sequence[str] | None = None) -> dict[str, Any]:
    """What the model adds to the rules on federalism and enforcement.

    Per frame: ``found`` (gold sentences the model labels and the rules do not), ``lost`` (the
    reverse), ``missed_by_both``, ``new_false`` / ``dropped_false`` (sentences without that gold
    frame that the model labels and the rules do not / the rules label and the model does not),
    and over both frames ``flagged_neither``: sentences whose gold has neither frame but that
    get one of them, by the rules and by the model (the issue's "without flagging sentences
    that have neither")."""
    out: dict[str, Any] = {}
    neither = {"n": 0, "rules": 0, "model": 0}
    for f in FOCUS:
        out[f] = {"gold": 0, "rules_found": 0, "found": 0, "lost": 0, "missed_by_both": 0,
                  "new_false": 0, "dropped_false": 0}
    for it, res, rres in zip(items, results, rule_results, strict=True):
        if selections and it.selection not in selections:
            continue
        gold = set(label_closure(it.labels))
        pred, rpred = set(label_closure(res.labels)), set(label_closure(rres.labels))
        for f in FOCUS:
            o = out[f]
            if f in gold:
                o["gold"] += 1
                o["rules_found"] += f in rpred
                o["found"] += f in pred and f not in rpred
                o["lost"] += f in rpred and f not in pred
                o["missed_by_both"] += f not in pred and f not in rpred
            elif f in pred and f not in rpred:
                o["new_false"] += 1
            elif f in rpred and f not in pred:
                o["dropped_false"] += 1
        if not gold & set(FOCUS):
            neither["n"] += 1
            neither["rules"] += bool(rpred & set(FOCUS))
            neither["model"] += bool(pred & set(FOCUS))
    out["flagged_neither"] = neither
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


def main(argv: list[str] | None = None, default_data_dir: Path | None = None) -> int:
    """Command line (``scripts/eval_realdev.py``): 0 on success or a clean skip without data,
    2 on drift or an unusable model. ``default_data_dir`` is the script's fallback folder."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="trained model directory (default: framing's default)")
    ap.add_argument("--rules-only", action="store_true", help="rule layer only")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--selection", action="append", choices=SELECTIONS,
                    help="score only these subsets (repeatable; default: all)")
    ap.add_argument("--errors", metavar="FRAME",
                    help="also list the false positives/negatives of FRAME with rule evidence")
    ap.add_argument("--half", choices=(*HALVES, "all"), default="all",
                    help="score one fixed half (by speech): the default model's domain gates "
                         "are fitted on 'calibration', so judge it on 'heldout'")
    ap.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    ap.add_argument("--data-dir", type=Path, default=None,
                    help=f"folder with presidential_speeches.jsonl (default: ${DATA_ENV}, else "
                         f"{default_data_dir})")
    ap.add_argument("--data", type=Path, default=None,
                    help="the speech file itself (overrides --data-dir)")
    args = ap.parse_args(argv)
    if args.data is None:
        folder = args.data_dir or (None if os.environ.get(DATA_ENV) else default_data_dir)
        args.data = speeches_path(folder)
    if not args.data.exists():
        print(f"skip: {args.data} not found (the real-text dev set needs the speech file: "
              f"--data-dir or ${DATA_ENV})", file=sys.stderr)
        return 0
    items = [it for it in load_annotations(args.annotations)
             if args.half == "all" or half_of(it.doc_id) == args.half]
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
    if results and results[0].model.get("classifier"):
        report["beyond_rules"] = beyond_rules(items, results, predict(items, rules_only=True),
                                              args.selection)
    report["setup"] = {"model": args.model, "rules_only": args.rules_only, "half": args.half,
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
    print(f"realdev: {report['n_sentences']} sentences ({args.half}), {mode}\n")
    print_table(report)
    if "beyond_rules" in report:
        br = report["beyond_rules"]
        print("\nwhat the model adds to the rules:")
        for f in FOCUS:
            o = br[f]
            print(f"  {f:12s} gold {o['gold']:3d}: rules find {o['rules_found']}, the model "
                  f"finds {o['found']} more and drops {o['lost']} ({o['missed_by_both']} missed "
                  f"by both); false positives: {o['new_false']} new, {o['dropped_false']} "
                  "removed")
        nb = br["flagged_neither"]
        print(f"  sentences with neither frame: {nb['n']}; flagged with one by the rules "
              f"{nb['rules']}, by the model {nb['model']}")
    for row in report.get("errors", []):
        src = ", ".join(sorted({ev["source"] for ev in row["evidence"]})) or "-"
        print(f"\n[{row['kind']}] {row['key']} ({row['selection']}) gold={row['gold']} "
              f"pred={row['pred']}\n  evidence: {src}\n  {row['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
