"""Benchmark: what the document layer costs per article, as a fraction of the sentence pipeline.

The document layer (:mod:`framing.doclayer`) runs after every sentence of an article has been
parsed, rule-matched and classified: it summarises the sentence scores (max, top-k mean, share,
counts, position, length interactions) and applies one small logistic model per frame. This
script runs the same articles through the same Analyzer and times, in one process:

* the whole ``Analyzer.pipe`` per article (CPU time of this single-threaded process, which other
  programs on the machine barely change; wall time is printed too);
* the document decision alone (``Analyzer._document_decision``: building the sentence-score
  statistics, the layer's probabilities, thresholds and ranking), timed inside the same run;
* the same articles with the layer switched off (the order of the two alternating between
  rounds), as a cross-check.

The ratio printed is layer time / (pipeline time - layer time): the layer's cost as a fraction of
the sentence pipeline it sits on. Target (issue 18): under 5 %.

Articles: the repository's long news corpus (``corpora/news``, 150 articles of 600-1,200 words)
by default; ``--data-dir DIR`` adds public-domain speeches read at run time from
``DIR/presidential_speeches.jsonl`` (skipped cleanly when absent; nothing is copied).

Usage::

    python scripts/bench_doclayer.py                     # default models when built, else rules
    python scripts/bench_doclayer.py --rules-only --limit 60 --repeat 3
    python scripts/bench_doclayer.py --data-dir ../shared/data --limit 40 --json out/dl.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("FRAMING_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]


def news_texts(limit: int | None) -> list[str]:
    from framing_corpora import CORPORA_DIR

    out = []
    with (CORPORA_DIR / "news" / "news.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            out.append(json.loads(line)["text"])
    return out[:limit] if limit else out


def speech_texts(data_dir: Path, limit: int | None) -> list[str] | None:
    path = data_dir / "presidential_speeches.jsonl"
    if not path.is_file():
        return None
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if limit and len(out) >= limit:
                break
            out.append(json.loads(line)["text"])
    return out


def measure(analyzer: Any, texts: list[str], repeat: int) -> dict[str, Any]:
    """Best-of-``repeat`` CPU seconds per article: whole pipeline, layer alone, layer off."""
    layer = analyzer.doc_layer
    spent = [0.0]
    decide = analyzer._document_decision

    def timed(*a: Any, **k: Any) -> Any:
        t = time.process_time()
        try:
            return decide(*a, **k)
        finally:
            spent[0] += time.process_time() - t

    analyzer._document_decision = timed
    best: dict[str, float] = {}
    words = sum(len(t.split()) for t in texts)
    try:
        for i in range(repeat):
            # alternate the order, so that warming caches favours neither side
            for mode in (("on", "off") if i % 2 == 0 else ("off", "on")):
                analyzer.doc_layer = layer if mode == "on" else None
                spent[0] = 0.0
                c, w = time.process_time(), time.perf_counter()
                n_labels = sum(len(r.labels) for r in analyzer.pipe(texts))
                cpu, wall = time.process_time() - c, time.perf_counter() - w
                for key, v in ((f"cpu_{mode}", cpu), (f"wall_{mode}", wall)):
                    best[key] = min(best.get(key, float("inf")), v)
                if mode == "on":
                    best["layer"] = min(best.get("layer", float("inf")), spent[0])
                    best["labels_per_doc_on"] = n_labels / len(texts)
                else:
                    best["labels_per_doc_off"] = n_labels / len(texts)
    finally:
        analyzer.doc_layer = layer
        del analyzer._document_decision
    n = len(texts)
    pipeline = best["cpu_on"] - best["layer"]
    return {"articles": n, "words": words,
            "ms_per_article_pipeline": round(1000 * pipeline / n, 2),
            "ms_per_article_layer": round(1000 * best["layer"] / n, 3),
            "layer_fraction": round(best["layer"] / pipeline, 4),
            "ms_per_article_layer_off": round(1000 * best["cpu_off"] / n, 2),
            "on_off_ratio": round(best["cpu_on"] / best["cpu_off"], 4),
            "wall_s_on": round(best["wall_on"], 2), "wall_s_off": round(best["wall_off"], 2),
            "labels_per_doc_on": round(best["labels_per_doc_on"], 2),
            "labels_per_doc_off": round(best["labels_per_doc_off"], 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules-only", action="store_true",
                    help="rules and the shipped rules-only layer (no classifier)")
    ap.add_argument("--limit", type=int, default=None, help="at most this many articles")
    ap.add_argument("--repeat", type=int, default=2, help="rounds (best of)")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="also time public-domain speeches from DIR (skipped when absent)")
    ap.add_argument("--json", type=Path, default=None, help="write the results here too")
    args = ap.parse_args(argv)

    import framing

    kind = "rules-only" if args.rules_only else "default models"
    try:
        analyzer = framing.load(rules_only=True) if args.rules_only else framing.load()
    except Exception as e:  # a missing default model is a skip, not a crash
        print(f"skipped: could not load the {kind} ({e}); build them with `make model` or "
              "use --rules-only")
        return 0
    if analyzer.doc_layer is None:
        print(f"skipped: the {kind} analyzer has no document layer")
        return 0
    corpora = {"news (corpora/news)": news_texts(args.limit)}
    if args.data_dir is not None:
        sp = speech_texts(args.data_dir, args.limit)
        if sp is None:
            print(f"speeches skipped: no presidential_speeches.jsonl in {args.data_dir}")
        else:
            corpora["speeches (--data-dir)"] = sp
    analyzer.pipe(corpora["news (corpora/news)"][:2])  # warm-up: lazy loads out of the timing
    out: dict[str, Any] = {"analyzer": kind, "repeat": args.repeat, "results": {}}
    print(f"analyzer: {kind}; best of {args.repeat} rounds; CPU time of one thread")
    for name, texts in corpora.items():
        r = measure(analyzer, texts, args.repeat)
        out["results"][name] = r
        print(f"{name}: {r['articles']} articles, {r['words'] / r['articles']:.0f} words each")
        print(f"  sentence pipeline {r['ms_per_article_pipeline']:.1f} ms/article, document "
              f"layer {r['ms_per_article_layer']:.2f} ms/article -> layer/pipeline "
              f"{100 * r['layer_fraction']:.2f} % (target < 5 %)")
        print(f"  cross-check, whole pipe with/without the layer: {r['on_off_ratio']:.3f}x "
              f"(labels/article {r['labels_per_doc_on']} vs sentence union "
              f"{r['labels_per_doc_off']})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
