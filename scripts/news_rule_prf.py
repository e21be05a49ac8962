#!/usr/bin/env python3
"""Sentence-level precision and recall of the rule layer on the news corpus (issue 18, item 3).

Each article of ``corpora/news/news.jsonl`` is run through the rule layer whole (so headline,
byline and boilerplate lines are judged in context, as a user's article would be); a gold
sentence gets the labels of the rule sentences that lie mostly inside it (rule score at or above
the frame's threshold). Labels on both sides are closed under parents (a federalism sentence is
also a legality sentence), as the corpora are. Only the ``train`` and ``dev`` splits are read:
the test split is kept for issue 18's final numbers and nothing is tuned on it. The rule weights
were fitted with the news train split as part of their evidence (``scripts/audit_rules.py fit``),
so ``train`` is in-sample for the weights; ``dev`` is held out.

Usage::

    python scripts/news_rule_prf.py                      # current rules, train and dev
    python scripts/news_rule_prf.py --baseline 0f46f79   # also the rules of a git revision
    python scripts/news_rule_prf.py --json OUT.json      # write the numbers as JSON

Prints per frame: gold support, predicted, true positives, precision with a Wilson 95 %
interval, recall, F1; then micro and macro averages and the share of sentences labelled.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from audit_rules import _git_head as _head  # noqa: E402
from audit_rules import load_codebook, wilson  # noqa: E402

NEWS = REPO / "corpora" / "news" / "news.jsonl"
SPLITS = ("train", "dev")


def load_news(path: Path, splits: Sequence[str]) -> list[dict[str, Any]]:
    docs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    bad = sorted({d["split"] for d in docs} - {"train", "dev", "test"})
    if bad:
        raise SystemExit(f"error: unknown split(s) {bad} in {path}")
    return [d for d in docs if d["split"] in splits]


def predict(codebook: Any, docs: Sequence[dict[str, Any]]) -> list[list[set[str]]]:
    """Per document, per gold sentence: the rule labels (closed under parents)."""
    from framing.corpora import label_closure
    from framing.pipeline import build_nlp

    nlp = build_nlp(codebook)
    ths = {f: codebook.threshold(f) for f in codebook.frame_ids}
    out = []
    for d, doc in zip(docs, nlp.pipe((d["text"] for d in docs), batch_size=8), strict=True):
        gold = d["sentences"]
        labels: list[set[str]] = [set() for _ in gold]
        for ps in doc._.frame_sentences or []:
            lab = [f for f, v in ps["scores"].items() if v >= ths[f]]
            if not lab:
                continue
            s, e = ps["start"], ps["end"]
            # the gold sentence holding most of this rule sentence's characters
            best, most = None, 0
            for i, g in enumerate(gold):
                ov = min(e, g["end"]) - max(s, g["start"])
                if ov > most:
                    best, most = i, ov
            if best is not None:
                labels[best].update(label_closure(lab))
        out.append(labels)
    return out


def score(codebook: Any, docs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from framing.corpora import label_closure

    pred = predict(codebook, docs)
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    n = labelled = gold_labelled = 0
    for d, labels in zip(docs, pred, strict=True):
        for g, p in zip(d["sentences"], labels, strict=True):
            gs = set(label_closure(g["labels"]))
            n += 1
            labelled += bool(p)
            gold_labelled += bool(gs)
            tp.update(gs & p)
            fp.update(p - gs)
            fn.update(gs - p)

    def prf(t: int, f_p: int, f_n: int) -> dict[str, Any]:
        prec = t / (t + f_p) if t + f_p else None
        rec = t / (t + f_n) if t + f_n else None
        f1 = 2 * prec * rec / (prec + rec) if prec and rec else (
            0.0 if prec is not None and rec is not None else None)
        lo, hi = wilson(t, t + f_p)
        return {"tp": t, "predicted": t + f_p, "support": t + f_n,
                "precision": _r(prec), "precision_low": _r(lo), "precision_high": _r(hi),
                "recall": _r(rec), "f1": _r(f1)}

    frames = list(codebook.frame_ids)
    per = {f: prf(tp[f], fp[f], fn[f]) for f in frames}
    supported = [f for f in frames if per[f]["support"]]
    macro = {k: _r(sum(per[f][k] or 0.0 for f in supported) / len(supported))
             for k in ("precision", "recall", "f1")} if supported else {}
    return {"documents": len(docs), "sentences": n, "label_rate": _r(labelled / max(1, n)),
            "gold_label_rate": _r(gold_labelled / max(1, n)),
            "micro": prf(sum(tp.values()), sum(fp.values()), sum(fn.values())),
            "macro_over_supported_frames": macro, "per_frame": per}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _fmt(x: float | None) -> str:
    return "   -" if x is None else f"{x:.2f}"


def print_block(name: str, res: dict[str, Any]) -> None:
    print(f"\n== {name}: {res['documents']} documents, {res['sentences']} sentences; "
          f"labelled {res['label_rate']:.3f} (gold {res['gold_label_rate']:.3f})")
    print(f"{'frame':46s} {'gold':>5s} {'pred':>5s} {'tp':>4s}  {'P [95% CI]':>17s}  "
          f"{'R':>4s}  {'F1':>4s}")
    for f, v in res["per_frame"].items():
        ci = (f"{_fmt(v['precision'])} [{_fmt(v['precision_low'])},"
              f"{_fmt(v['precision_high'])}]")
        print(f"{f:46s} {v['support']:5d} {v['predicted']:5d} {v['tp']:4d}  {ci:>17s}  "
              f"{_fmt(v['recall'])}  {_fmt(v['f1'])}")
    mi, ma = res["micro"], res["macro_over_supported_frames"]
    print(f"{'micro':46s} {mi['support']:5d} {mi['predicted']:5d} {mi['tp']:4d}  "
          f"{_fmt(mi['precision'])} [{_fmt(mi['precision_low'])},{_fmt(mi['precision_high'])}]"
          f"  {_fmt(mi['recall'])}  {_fmt(mi['f1'])}")
    print(f"{'macro (frames with gold support)':46s} {'':5s} {'':5s} {'':4s}  "
          f"{_fmt(ma.get('precision')):>17s}  {_fmt(ma.get('recall'))}  {_fmt(ma.get('f1'))}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--news", type=Path, default=NEWS)
    ap.add_argument("--baseline", default=None, help="git revision of the 'before' rules")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    args = ap.parse_args(argv)
    if not args.news.exists():
        print(f"skip: {args.news} not found", file=sys.stderr)
        return 0
    versions: list[tuple[str, str | None]] = [("current", None)]
    if args.baseline:
        versions.insert(0, ("baseline", args.baseline))
    out: dict[str, Any] = {"corpus": str(args.news.relative_to(REPO)) if args.news.is_relative_to(
        REPO) else str(args.news), "note": "train is in the rule-weight fit; dev is held out; "
        "test is never read"}
    for name, rev in versions:
        cb = load_codebook(rev)
        out[name] = {"patterns_rev": rev or _head()}
        for split in (*SPLITS, "+".join(SPLITS)):
            docs = load_news(args.news, split.split("+"))
            res = score(cb, docs)
            out[name][split] = res
            print_block(f"{name} {split}", res)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
