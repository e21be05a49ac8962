"""Benchmark: rule-layer throughput against spaCy's bare tokenizer on the same real text.

The bare tokenizer (``spacy.blank("en").tokenizer``) is the physical floor of this design: the
rule layer tokenizes too, then splits sentences, lemmatizes and matches the codebook's patterns.
Both run over the same texts in the same process, alternating, best of ``--repeat`` rounds,
each round with fresh objects (so caches start cold every time). Times are the CPU time of
this (single-threaded) process, which other programs running on the machine barely change;
wall-clock times are printed too. Reported:

* tokenizer words/s;
* rule layer words/s: the spaCy pipeline (``analyzer.nlp.pipe``) and the whole Analyzer
  (``analyzer.pipe``, i.e. also building each DocResult), and their ratios to the tokenizer;
* where the time goes (microseconds per word, per component), and the frame_ruler's token
  matching with one plain spaCy Matcher instead of the windowed matcher (its speed-up).

Usage::

    python scripts/bench_rules.py                 # all 1,009 speeches (4.0 M words)
    python scripts/bench_rules.py --limit 200 --repeat 1
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

#: The data file: in $FRAMING_DATA_DIR when set, else ../shared/data beside the repository.
_DATA_DIR = (Path(os.environ["FRAMING_DATA_DIR"]) if os.environ.get("FRAMING_DATA_DIR")
             else Path(__file__).resolve().parents[2] / "shared" / "data")
DATA = _DATA_DIR / "presidential_speeches.jsonl"


def load_texts(path: Path, limit: int | None) -> list[str]:
    texts = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and len(texts) >= limit:
                break
            texts.append(json.loads(line)["text"])
    return texts


WALL: dict[str, float] = {}


def timed(fn: Any, key: str | None = None) -> float:
    """CPU seconds of ``fn()`` (its wall-clock seconds go to ``WALL[key]``, best kept)."""
    gc.collect()
    t0, w0 = time.process_time(), time.perf_counter()
    fn()
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    if key is not None:
        WALL[key] = min(WALL.get(key, wall), wall)
    return cpu


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, load average {load[0]:.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA,
                    help="the data file (default: presidential_speeches.jsonl in --data-dir)")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="folder with presidential_speeches.jsonl "
                         "(default: $FRAMING_DATA_DIR, else ../shared/data)")
    ap.add_argument("--limit", type=int, default=None, help="first N speeches only")
    ap.add_argument("--repeat", type=int, default=2, help="rounds; the best one counts")
    ap.add_argument("--no-breakdown", action="store_true")
    args = ap.parse_args()
    if args.data_dir is not None:
        args.data = args.data_dir / "presidential_speeches.jsonl"
    if not args.data.is_file():
        print(f"bench_rules: {args.data} not found; this benchmark needs the shared "
              "presidential speeches (see ../shared/data/README.md). Skipping.",
              file=sys.stderr)
        return 0

    import spacy

    import framing
    from framing.types import Article

    texts = load_texts(args.data, args.limit)
    words = sum(len(t.split()) for t in texts)
    print(f"machine: {machine()}")
    print(f"input: {len(texts)} speeches, {words:,} words ({args.data.name})")
    print(f"framing {framing.__version__}, spaCy {spacy.__version__}; best of {args.repeat}")

    best: dict[str, float] = {}
    for _ in range(args.repeat):
        tok = spacy.blank("en").tokenizer
        t = timed(lambda tok=tok: [tok(x) for x in texts], "tokenizer")
        best["tokenizer"] = min(best.get("tokenizer", t), t)
        analyzer = framing.load(rules_only=True)
        t = timed(lambda a=analyzer: [None for _ in a.nlp.pipe(texts, batch_size=32)],
                  "pipeline")
        best["pipeline"] = min(best.get("pipeline", t), t)
        analyzer = framing.load(rules_only=True)
        arts = [Article(str(i), x) for i, x in enumerate(texts)]
        t = timed(lambda a=analyzer, arts=arts: [r.to_dict() for r in a.pipe(arts, batch_size=32)],
                  "analyzer")
        best["analyzer"] = min(best.get("analyzer", t), t)

    wps = {k: words / v for k, v in best.items()}
    print()
    print(f"{'':34s}{'CPU s':>9s}{'words/s':>12s}{'vs tokenizer':>14s}{'wall s':>9s}"
          f"{'vs (wall)':>11s}")
    rows = [("bare tokenizer", "tokenizer"),
            ("rule layer (spaCy pipeline)", "pipeline"),
            ("rule layer + DocResult (Analyzer)", "analyzer")]
    for name, key in rows:
        print(f"{name:34s}{best[key]:9.2f}{wps[key]:12,.0f}{wps[key] / wps['tokenizer']:14.2f}"
              f"{WALL[key]:9.2f}{WALL['tokenizer'] / WALL[key]:11.2f}")
    print(f"\nRATIO rule layer / bare tokenizer: {wps['pipeline'] / wps['tokenizer']:.2f} "
          f"(pipeline), {wps['analyzer'] / wps['tokenizer']:.2f} (with DocResult); "
          "target >= 0.40")

    if not args.no_breakdown:
        breakdown(texts, words)
    return 0


def breakdown(texts: list[str], words: int) -> None:
    """Per component, microseconds per word; and the ruler with one plain Matcher."""
    import framing
    from framing.types import Article

    analyzer = framing.load(rules_only=True)
    nlp = analyzer.nlp
    cost: dict[str, float] = {}
    docs: list[Any] = []
    cost["tokenizer (in pipeline)"] = timed(lambda: docs.extend(nlp.make_doc(t) for t in texts))
    for name, proc in nlp.pipeline:
        cost[name] = timed(lambda proc=proc: [proc(d) for d in docs])
    arts = [Article(str(i), t) for i, t in enumerate(texts)]
    cost["DocResult (Analyzer.result)"] = timed(
        lambda: [analyzer.result(d, a) for d, a in zip(docs, arts, strict=True)])
    cost["DocResult.to_dict"] = timed(
        lambda: [analyzer.result(d, a).to_dict() for d, a in zip(docs, arts, strict=True)]
    ) - cost["DocResult (Analyzer.result)"]
    total = sum(cost.values())
    print("\nwhere the time goes (one pass, CPU us per word):")
    for k, v in cost.items():
        print(f"  {k:30s}{v / words * 1e6:8.2f}  {100 * v / total:5.1f} %")

    ruler = nlp.get_pipe("frame_ruler")
    matcher = ruler._matchers[0]
    strings = nlp.vocab.strings
    sample = docs[:150]  # the plain Matcher is slow: a sample is enough
    n = sum(len(d.text.split()) for d in sample)
    fast = timed(lambda: [ruler._index.matches(d) for d in sample])
    plain = timed(lambda: [[(strings[k], s, e) for k, s, e in matcher(d)] for d in sample])
    print(f"\nframe_ruler token matching ({len(sample)} speeches): windowed "
          f"{fast / n * 1e6:.2f} us/word, one plain spaCy Matcher {plain / n * 1e6:.2f} us/word: "
          f"{plain / fast:.1f}x faster")


if __name__ == "__main__":
    raise SystemExit(main())
