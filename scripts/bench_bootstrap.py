"""How good is a new frame's bootstrap? Measured on the op-ed corpus, treating a frame it
labels as new.

For each frame (``federalism``, ``enforcement``) a user's codebook entry is simulated: a short
description and ten seed phrases in a user's words (not the shipped rule patterns). Then:

1. ``propose_candidates`` picks the first round (``--n`` sentences of the train split): how
   many of them have the frame, against its prevalence (what random sentences would give);
2. the zero-shot similarity ranks the test split's sentences (ROC AUC, average precision);
3. the scorer is calibrated (Platt) on the first round's gold labels and labels the test
   split: precision, recall, F1 at p >= 0.5; and, for comparison, the seed phrases as rules
   alone, a logistic regression on MiniLM embeddings trained on the same first-round labels,
   and the same on every train-split label (what labelled data buys).

Embeddings are cached like ``bench_active_learning.py``'s (``models/cache``).

    python scripts/bench_bootstrap.py --seeds 5 --n 60
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

USER_FRAMES: dict[str, dict[str, Any]] = {
    "federalism": {
        "description": "Which level of government should decide: the states or localities "
                       "rather than Washington, or federal power over state and local choices.",
        "seeds": ["left to the states", "states' rights", "tenth amendment", "federal overreach",
                  "local control", "state law", "federal law", "home rule", "preempt",
                  "laboratories of democracy"]},
    "enforcement": {
        "description": "Enforcing the law against people: police, prosecutors, arrests, raids, "
                       "charges and the penalties that follow.",
        "seeds": ["arrest", "prosecutor", "police officer", "crack down", "raid",
                  "federal agent", "charged with", "enforce the law", "mandatory minimum",
                  "deportation"]},
}


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", default="federalism,enforcement")
    ap.add_argument("--n", type=int, default=60, help="first-round candidates")
    ap.add_argument("--seeds", type=int, default=5, help="repetitions (random share, k-means)")
    ap.add_argument("--encoder", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache-dir", default="models/cache")
    return ap.parse_args(argv)


def prf(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    from sklearn.metrics import f1_score, precision_score, recall_score

    return (float(precision_score(y, p, zero_division=0)),
            float(recall_score(y, p, zero_division=0)), float(f1_score(y, p, zero_division=0)))


def main(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    import torch

    torch.set_num_threads(args.threads)
    from bench_active_learning import cached_embeddings
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score

    import framing
    from framing.annotate.bootstrap import ZeroShotScorer, propose_candidates
    from framing.annotate.embed import SentenceEncoder
    from framing.annotate.items import Item, Span
    from framing.codebook import Codebook
    from framing.corpora import iter_frame_examples, load_opeds

    t0 = time.time()
    pool = list(iter_frame_examples(load_opeds(split="train")))
    test = list(iter_frame_examples(load_opeds(split="test")))
    enc = SentenceEncoder(args.encoder)
    X = cached_embeddings(enc, [r["text"] for r in pool], args.cache_dir)
    Xt = cached_embeddings(enc, [r["text"] for r in test], args.cache_dir)
    print(f"device: cpu ({torch.get_num_threads()} torch threads); encoder {enc.name}; "
          f"pool {len(pool)} train-split sentences, test {len(test)} sentences")
    for frame in args.frames.split(","):
        user = USER_FRAMES[frame]
        new = f"new_{frame}"
        data = Codebook.default().to_dict()
        data["frames"].append({"id": new, "name": new, "parent": None,
                               "description": user["description"],
                               "patterns": [{"id": f"{new}.seeds", "kind": "phrase",
                                             "weight": 0.6, "phrases": user["seeds"]}]})
        cb = Codebook.from_dict(data)
        rules = framing.load(rules_only=True, codebook=cb)
        y = np.array([frame in r["labels"] for r in pool], dtype=int)
        yt = np.array([frame in r["labels"] for r in test], dtype=int)
        items, rule_pool = [], np.zeros(len(pool), dtype=int)
        for i, res in enumerate(rules.pipe([r["text"] for r in pool])):
            spans = [Span(e.start, e.end, e.text, e.frame, e.source, e.score)
                     for e in res.evidence if e.frame == new]
            rule_pool[i] = new in res.labels
            items.append(Item(id=str(i), doc_id=str(i), level="sentence", text=r_text(pool, i),
                              start=0, end=len(r_text(pool, i)), labels=list(res.labels),
                              spans=spans))
        rule_test = np.array([new in res.labels for res in rules.pipe(
            [r["text"] for r in test])], dtype=int)
        zs = ZeroShotScorer(new, user["description"], user["seeds"], enc)
        sim_t = zs.similarity(embeddings=Xt)
        print(f"\n== {frame} as a new frame: prevalence {y.mean():.1%} (train), "
              f"{yt.mean():.1%} (test); {len(user['seeds'])} seed phrases")
        print(f"zero-shot similarity ranking the test sentences: ROC AUC "
              f"{roc_auc_score(yt, sim_t):.3f}, average precision "
              f"{average_precision_score(yt, sim_t):.3f} (chance: {yt.mean():.3f})")
        p, r, f = prf(yt, rule_test)
        print(f"seed phrases as rules alone, test: P {p:.3f} R {r:.3f} F1 {f:.3f}")
        res_rows: dict[str, list[tuple[float, ...]]] = {
            "candidates": [], "zero-shot, calibrated on round 1": [],
            "LR on embeddings, round-1 labels": []}
        for s in range(args.seeds):
            got = propose_candidates(items, zs, args.n, embeddings=X, seed=s)
            idx = np.array([int(it.id) for it in got])
            why = [it.reason["why"] if it.reason else "" for it in got]
            by = {w: float(y[idx][np.array(why) == w].mean()) for w in set(why)}
            res_rows["candidates"].append((float(y[idx].mean()), by.get("rule", np.nan),
                                           by.get("similar", np.nan), by.get("random", np.nan)))
            if 0 < y[idx].sum() < len(idx):
                part = ZeroShotScorer(new, user["description"], user["seeds"], enc)
                part._protos = zs._prototypes()
                part.fit(None, y[idx], embeddings=X[idx])
                res_rows["zero-shot, calibrated on round 1"].append(
                    prf(yt, part.predict(embeddings=Xt)))
                lr = LogisticRegression(class_weight="balanced", solver="liblinear").fit(
                    X[idx], y[idx])
                res_rows["LR on embeddings, round-1 labels"].append(
                    prf(yt, lr.predict_proba(Xt)[:, 1] >= 0.5))
        c = np.nanmean(np.array(res_rows["candidates"]), axis=0)
        print(f"round 1 ({args.n} candidates, mean of {args.seeds} seeds): {c[0]:.1%} have the "
              f"frame (rule matches {c[1]:.1%}, similar {c[2]:.1%}, random {c[3]:.1%})")
        for name in ("zero-shot, calibrated on round 1", "LR on embeddings, round-1 labels"):
            m = np.mean(np.array(res_rows[name]), axis=0)
            print(f"{name}, test: P {m[0]:.3f} R {m[1]:.3f} F1 {m[2]:.3f}")
        full = LogisticRegression(class_weight="balanced", solver="liblinear").fit(X, y)
        p, r, f = prf(yt, full.predict_proba(Xt)[:, 1] >= 0.5)
        print(f"LR on embeddings, all {len(y)} train labels, test: P {p:.3f} R {r:.3f} "
              f"F1 {f:.3f}")
    print(f"\ntotal {time.time() - t0:.0f} s")
    return 0


def r_text(rows: list[dict[str, Any]], i: int) -> str:
    return str(rows[i]["text"])


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main())
