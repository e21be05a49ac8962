#!/usr/bin/env python3
"""Benchmark: sentences/s of ``analyzer.pipe`` (rules + classifier) against a naive loop.

The naive loop is what a first attempt looks like: a transformers
``pipeline("text-classification", top_k=None, function_to_apply="sigmoid")`` over the same
weights, called on one sentence at a time. Both run in this process on the same sentences: the
sentences ``analyzer.pipe`` finds in real documents (US presidential speeches from
``../shared/data/presidential_speeches.jsonl`` when present, else the op-ed corpus). The script
then checks that the two agree on every sentence's classifier labels (same per-label thresholds)
and prints the speed ratio (target: at least 3x).

Usage::

    python scripts/bench_classifier.py                       # default model, 1000 sentences
    python scripts/bench_classifier.py --model models/mine --sentences 3000 --json
    python scripts/bench_classifier.py --bf16                # also the optional bf16 path
    FRAMING_NUM_THREADS=1 python scripts/bench_classifier.py # one thread (a busy machine)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SPEECHES = REPO.parent / "shared" / "data" / "presidential_speeches.jsonl"


def load_documents(n_sentences: int, seed: int) -> tuple[list[str], str]:
    """Whole documents holding at least ``n_sentences`` sentences (rule-layer split)."""
    from framing.pipeline import build_nlp

    if SPEECHES.is_file():
        docs = [json.loads(x)["text"] for x in SPEECHES.read_text(encoding="utf-8").splitlines()
                if x.strip()]
        source = f"{SPEECHES.name} (real speeches)"
    else:
        from framing.corpora import load_opeds

        docs = [d.text for d in load_opeds()]
        source = "corpora/opeds (speeches not found)"
    random.Random(seed).shuffle(docs)
    nlp = build_nlp()
    picked, total = [], 0
    for text in docs:
        n = len(nlp(text)._.frame_sentences)
        if total + n > n_sentences * 1.5 and picked:
            continue  # a very long speech would overshoot: take a shorter one
        picked.append(text)
        total += n
        if total >= n_sentences:
            break
    return picked, source


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model directory (default: the default model)")
    ap.add_argument("--sentences", type=int, default=1000, help="about this many sentences")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--bf16", action="store_true",
                    help="also time the optional bf16 path (CPUs with native bf16)")
    args = ap.parse_args(argv)

    import torch
    from transformers import pipeline

    import framing
    from framing.train.default import default_model_dir, is_built
    from framing.train.transformer import bf16_supported

    model_dir = Path(args.model) if args.model else default_model_dir()
    if model_dir is None or not is_built(model_dir):
        print(f"no built model at {model_dir}; build it first (python "
              "scripts/build_default_model.py) or pass --model", file=sys.stderr)
        return 2
    docs, source = load_documents(args.sentences, args.seed)
    # frames only: rules + classifier (the stance layer is another model with its own cost)
    os.environ.setdefault("FRAMING_DEFAULT_STANCE_MODEL", "none")
    analyzer = framing.load(model=model_dir)
    fm = analyzer.classifier
    assert fm is not None
    list(analyzer.pipe(["Warm-up sentence for the benchmark."]))

    def timed_pipe() -> tuple[float, list[str], list[np.ndarray]]:
        """analyzer.pipe over whole documents (rules + classifier + fusion, DocResult
        records), timed; then the same run's classifier probabilities (untimed pass)."""
        t0 = time.perf_counter()
        results = list(analyzer.pipe(docs))
        dt = time.perf_counter() - t0
        sents = [s.text for r in results for s in r.sentences]
        probs: list[np.ndarray] = []
        for doc in analyzer.nlp.pipe(docs):
            text = doc.text
            for ps, clf in zip(doc._.frame_sentences, doc._.clf_sentence_scores, strict=True):
                if text[ps["start"]:ps["end"]].strip():
                    probs.append(np.array([clf[lab] for lab in fm.labels]))
        assert len(probs) == len(sents), (len(probs), len(sents))
        return dt, sents, probs

    t_pipe, sentences, ours = timed_pipe()
    n = len(sentences)

    # ---- the naive loop: a transformers pipeline, one sentence per call, same weights
    naive = pipeline("text-classification", model=str(model_dir), tokenizer=str(model_dir),
                     top_k=None, function_to_apply="sigmoid", device=-1)
    naive("Warm-up sentence for the benchmark.")
    theirs: list[np.ndarray] = []
    t0 = time.perf_counter()
    for s in sentences:
        out = naive(s, truncation=True, max_length=fm.max_length)
        scores = {d["label"]: d["score"] for d in (out[0] if isinstance(out[0], list) else out)}
        theirs.append(np.array([scores[lab] for lab in fm.labels]))
    t_naive = time.perf_counter() - t0

    # ---- agreement on labels (same thresholds), on sentences that fit in one window
    fits = [len(fm.tokenizer(s)["input_ids"]) <= fm.max_length for s in sentences]

    def agreement(mine: list[np.ndarray]) -> tuple[int, int, float]:
        same = diff = 0
        max_abs = 0.0
        for a, b, ok in zip(mine, theirs, fits, strict=True):
            if not ok:
                continue
            max_abs = max(max_abs, float(np.abs(a - b).max()))
            if np.array_equal(a >= fm.thresholds, b >= fm.thresholds):
                same += 1
            else:
                diff += 1
        return same, diff, max_abs

    same, diff, max_abs = agreement(ours)
    report: dict[str, Any] = {
        "source": source, "documents": len(docs), "sentences": n,
        "torch_threads": torch.get_num_threads(), "model": str(model_dir),
        "precision": fm.precision,
        "analyzer_pipe_sentences_per_s": round(n / t_pipe, 1),
        "naive_loop_sentences_per_s": round(n / t_naive, 1),
        "ratio": round(t_naive / t_pipe, 2),
        "compared": same + diff, "label_agreement": round(same / max(1, same + diff), 4),
        "long_sentences_windowed": fits.count(False),
        "max_abs_prob_diff": round(max_abs, 6),
    }
    # the optional bf16 path (opt-in via FRAMING_PRECISION=bf16), against the same fp32 loop
    if args.bf16 and fm.precision == "fp32" and bf16_supported():
        fm.precision = "bf16"
        t_bf, sents_bf, ours_bf = timed_pipe()
        fm.precision = "fp32"
        assert sents_bf == sentences
        s2, d2, m2 = agreement(ours_bf)
        report["bf16"] = {"analyzer_pipe_sentences_per_s": round(n / t_bf, 1),
                          "ratio": round(t_naive / t_bf, 2),
                          "label_agreement": round(s2 / max(1, s2 + d2), 4),
                          "max_abs_prob_diff": round(m2, 6)}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{n} sentences in {len(docs)} documents from {source}; torch threads "
              f"{report['torch_threads']}")
        print(f"analyzer.pipe (rules + classifier): {report['analyzer_pipe_sentences_per_s']:>8.1f}"
              " sentences/s")
        print(f"naive pipeline loop (classifier):   {report['naive_loop_sentences_per_s']:>8.1f}"
              " sentences/s")
        print(f"ratio: {report['ratio']:.2f}x (target >= 3x)")
        print(f"labels agree on {same} of {same + diff} sentences "
              f"({report['label_agreement']:.2%}); max |p diff| {max_abs:.2e}; "
              f"{fits.count(False)} sentences longer than {fm.max_length} tokens were left out "
              "of the comparison (windowed by the analyzer, truncated by the pipeline)")
        if "bf16" in report:
            b = report["bf16"]
            print(f"optional bf16 path: {b['analyzer_pipe_sentences_per_s']:.1f} sentences/s, "
                  f"ratio {b['ratio']:.2f}x; labels agree with the fp32 loop on "
                  f"{b['label_agreement']:.2%} (max |p diff| {b['max_abs_prob_diff']:.3f})")
    return 0 if diff == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
