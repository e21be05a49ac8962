#!/usr/bin/env python3
"""Fit the document layer on the long news corpus and report it on the corpus's test split.

The layer (:mod:`framing.doclayer`) decides which frames a document *uses* from statistics of
its sentence scores. It is fitted on the train and dev splits of ``corpora/news`` (150 long
news articles with "frames this article uses" gold) and judged on the test split, which no
fitting or tuning touches, against the sentence union, the prior (most frequent frames) and a
TF-IDF SVM fitted on the same documents (:mod:`framing.models.frames.doceval`).

Usage::

    python scripts/fit_doc_layer.py --rules-only           # report only
    python scripts/fit_doc_layer.py --rules-only --write   # framing/resources/doc_layer_rules.json
    python scripts/fit_doc_layer.py --model DIR --write    # DIR/doc_layer.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RULES_LAYER = REPO / "framing" / "resources" / "doc_layer_rules.json"


def _row(name: str, m: dict) -> str:
    return (f"{name:<7} P {m['micro_precision']:.3f}  R {m['micro_recall']:.3f}  micro-F1 "
            f"{m['micro_f1']:.3f}  macro-F1 {m['macro_f1']:.3f}  labels/doc "
            f"{m['labels_per_doc']:.2f} (gold {m['gold_labels_per_doc']:.2f})  top frame on "
            f"{100 * m['max_frame_share']:.0f}% of docs "
            f"(gold {100 * m['gold_max_frame_share']:.0f}%)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--rules-only", action="store_true", help="the rule layer's sentence scores")
    g.add_argument("--model", type=Path, help="a frame model directory (fused sentence scores)")
    ap.add_argument("--corpus", type=Path, default=REPO / "corpora" / "news" / "news.jsonl")
    ap.add_argument("--write", action="store_true",
                    help="write the layer (rules: framing/resources/doc_layer_rules.json; "
                         "model: <model>/doc_layer.json)")
    ap.add_argument("--C", type=float, default=1.0, help="inverse regularisation")
    ap.add_argument("--json", type=Path, help="write the full report here")
    args = ap.parse_args(argv)

    import framing
    from framing.doclayer import FILE, save
    from framing.models.frames.doceval import fit_and_evaluate

    docs = [json.loads(x) for x in args.corpus.read_text(encoding="utf-8").splitlines()
            if x.strip()]
    an = framing.load(args.model, rules_only=args.rules_only, document_layer=False)
    layer, rep = fit_and_evaluate(an, docs, C=args.C)
    print(f"fit on {rep['fit_documents']} documents (train+dev), threshold {rep['threshold']} "
          f"(CV micro-F1 {rep['cv_micro_f1']}); test: {rep['test_documents']} documents")
    for name, m in rep["test"].items():
        print(_row(name, m))
    print("labels per document by length quartile (test):")
    for q in rep["labels_by_length_quartile"]:
        print(f"  Q{q['quartile']} ({q['documents']} docs, {q['mean_words']:.0f} words): gold "
              f"{q['gold']:.2f}  union {q['union']:.2f}  layer {q['layer']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rep, indent=1) + "\n", encoding="utf-8")
    if args.write:
        out = RULES_LAYER if args.rules_only else args.model / FILE
        scores = "rules" if args.rules_only else f"fused ({args.model.name})"
        save(layer, out, fitted_on=f"corpora/news train+dev ({rep['fit_documents']} documents)",
             scores=scores, metrics={"test": {k: {kk: v for kk, v in m.items()
                                                   if kk != "per_frame"}
                                              for k, m in rep["test"].items()}})
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
