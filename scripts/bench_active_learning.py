"""Learning curves on the shipped op-ed corpus: active selection versus random selection.

Simulated annotation: the pool is the sentences of the op-ed corpus's train split, the gold
labels stand in for an annotator, and F1 is measured on the test split's sentences. The learner
is deliberately fast (frozen MiniLM sentence embeddings + one logistic regression per frame), so
the whole benchmark runs in minutes on 2 cores; the selection is the same code that
``framing annotate select`` runs (:func:`framing.annotate.select.select_indices`), with the
learner's probabilities as scores, the rule layer's decisions (``framing.load(rules_only=True)``)
for rules-versus-model disagreement, and the embeddings for diversity.

All strategies start from the same random seed set; each round adds ``--batch`` labels and
retrains. Three strategies: random, active (the defaults of ``framing annotate select``:
uncertainty + rules-versus-model disagreement + diversity, stratified by frame) and active
without the disagreement signal (an ablation). The label saving is read off the mean curves:
the number of labels a strategy needs to reach the F1 that random selection has at a given
budget.

    python scripts/bench_active_learning.py                 # 5 seeds, up to 600 labels
    python scripts/bench_active_learning.py --seeds 2 --budget 300 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="repetitions with different seed sets")
    ap.add_argument("--init", type=int, default=20, help="random labels before the first round")
    ap.add_argument("--batch", type=int, default=20, help="labels added per round")
    ap.add_argument("--budget", type=int, default=600, help="labels at the end of the curve")
    ap.add_argument("--encoder", default=None, help="encoder directory (default: MiniLM)")
    ap.add_argument("--threads", type=int, default=2, help="torch threads for the embeddings")
    ap.add_argument("--device", default="auto",
                    help="where the encoder runs: auto (a GPU when present), cpu, cuda, mps")
    ap.add_argument("--disagreement-weight", type=float, default=0.5)
    ap.add_argument("--pool-factor", type=int, default=4)
    ap.add_argument("--json", default=None, help="also write the curves to this JSON file")
    ap.add_argument("--cache-dir", default="models/cache",
                    help="where sentence embeddings are cached between runs ('' to disable)")
    return ap.parse_args(argv)


class FrameLR:
    """One logistic regression per frame on fixed embeddings. A frame with only one class among
    the labels so far predicts its smoothed prior (no model to fit yet)."""

    def __init__(self, n_frames: int, C: float = 1.0) -> None:
        self.n_frames = n_frames
        self.C = C

    def fit(self, X: np.ndarray, Y: np.ndarray) -> FrameLR:
        from sklearn.linear_model import LogisticRegression

        self.models_: list[Any] = []
        for f in range(self.n_frames):
            y = Y[:, f]
            if 0 < y.sum() < len(y):
                m = LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear")
                self.models_.append(m.fit(X, y))
            else:
                self.models_.append((y.sum() + 0.5) / (len(y) + 1.0))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        P = np.zeros((len(X), self.n_frames))
        for f, m in enumerate(self.models_):
            P[:, f] = m.predict_proba(X)[:, 1] if hasattr(m, "predict_proba") else m
        return P


def f1_scores(Y: np.ndarray, P: np.ndarray) -> tuple[float, float]:
    """(macro-F1 over frames, micro-F1)."""
    from sklearn.metrics import f1_score

    return (float(f1_score(Y, P, average="macro", zero_division=0)),
            float(f1_score(Y, P, average="micro", zero_division=0)))


def cached_embeddings(enc: Any, texts: list[str], cache_dir: str) -> np.ndarray:
    """Encode ``texts``, reusing an earlier run's vectors (keyed by encoder and texts)."""
    import hashlib
    from pathlib import Path

    if not cache_dir:
        return np.asarray(enc.encode(texts))
    h = hashlib.sha256(str(enc.path).encode())
    for t in texts:
        h.update(t.encode("utf-8") + b"\0")
    path = Path(cache_dir) / f"bench_al_{h.hexdigest()[:20]}.npy"
    if path.is_file():
        return np.load(path)
    X = np.asarray(enc.encode(texts))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, X)
    return X


def run_curve(strategy: str, X: np.ndarray, Y: np.ndarray, Xt: np.ndarray, Yt: np.ndarray,
              rule_votes: np.ndarray, init: list[int], batch: int, budget: int, seed: int,
              args: argparse.Namespace) -> dict[str, list[float]]:
    from framing.annotate.select import select_indices, select_random

    labelled = list(init)
    sizes, macro, micro = [], [], []
    th = np.full(Y.shape[1], 0.5)
    rnd = 0
    while True:
        model = FrameLR(Y.shape[1]).fit(X[labelled], Y[labelled])
        ma, mi = f1_scores(Yt, model.predict_proba(Xt) >= 0.5)
        sizes.append(len(labelled))
        macro.append(ma)
        micro.append(mi)
        if len(labelled) >= budget:
            break
        n = min(batch, budget - len(labelled))
        if strategy == "random":
            new = select_random(len(X), n, exclude=labelled, seed=seed * 1000 + rnd)
        else:
            w = 0.0 if strategy == "active-no-disagreement" else args.disagreement_weight
            picks = select_indices(model.predict_proba(X), th, n, embeddings=X,
                                   rule_votes=rule_votes, exclude=labelled,
                                   disagreement_weight=w,
                                   pool_factor=args.pool_factor,
                                   stratify=getattr(args, "stratify", True),
                                   seed=seed * 1000 + rnd)
            new = [p.index for p in picks]
        labelled.extend(new)
        rnd += 1
    return {"labels": sizes, "macro_f1": macro, "micro_f1": micro}


def labels_to_reach(sizes: list[int], curve: np.ndarray, target: float) -> float | None:
    """Smallest number of labels (linear interpolation) at which ``curve`` reaches ``target``."""
    for i, v in enumerate(curve):
        if v >= target:
            if i == 0:
                return float(sizes[0])
            v0 = curve[i - 1]
            return float(sizes[i - 1] + (sizes[i] - sizes[i - 1]) * (target - v0) / (v - v0))
    return None


def main(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    import torch

    torch.set_num_threads(args.threads)
    import framing
    from framing.annotate.embed import SentenceEncoder
    from framing.corpora import codebook_frames, iter_frame_examples, load_opeds
    from framing.models.device import set_device

    set_device(args.device)
    t0 = time.time()
    frames, _ = codebook_frames()
    pool = list(iter_frame_examples(load_opeds(split="train")))
    test = list(iter_frame_examples(load_opeds(split="test")))
    index = {f: j for j, f in enumerate(frames)}

    def matrix(rows: list[dict[str, Any]]) -> np.ndarray:
        Y = np.zeros((len(rows), len(frames)), dtype=int)
        for i, r in enumerate(rows):
            for lab in r["labels"]:
                Y[i, index[lab]] = 1
        return Y

    Y, Yt = matrix(pool), matrix(test)
    enc = SentenceEncoder(args.encoder)
    X = cached_embeddings(enc, [r["text"] for r in pool], args.cache_dir)
    Xt = cached_embeddings(enc, [r["text"] for r in test], args.cache_dir)
    t_emb = time.time() - t0
    rules = framing.load(rules_only=True)
    rule_votes = np.zeros_like(Y, dtype=bool)
    for i, res in enumerate(rules.pipe([r["text"] for r in pool])):
        for lab in res.labels:
            if lab in index:
                rule_votes[i, index[lab]] = True
    rules_macro, rules_micro = f1_scores(Y, rule_votes)
    print(f"device: {enc.device} (--device {args.device}; {torch.get_num_threads()} torch "
          f"threads); encoder {enc.path}; learner: logistic regression on the CPU")
    print(f"pool {len(pool)} sentences (train split), test {len(test)} sentences; "
          f"{len(frames)} frames; embeddings in {t_emb:.0f} s")
    print(f"rule layer alone on the pool: macro-F1 {rules_macro:.3f}, micro-F1 {rules_micro:.3f}")
    strategies = ("random", "active", "active-no-disagreement")
    curves: dict[str, list[dict[str, list[float]]]] = {k: [] for k in strategies}
    for s in range(args.seeds):
        init = [int(i) for i in np.random.default_rng(10_000 + s).choice(
            len(pool), size=args.init, replace=False)]
        for strat in strategies:
            ts = time.time()
            c = run_curve(strat, X, Y, Xt, Yt, rule_votes, init, args.batch, args.budget, s,
                          args)
            curves[strat].append(c)
            print(f"  seed {s} {strat:22s}: macro-F1 at {c['labels'][-1]} labels "
                  f"{c['macro_f1'][-1]:.3f} ({time.time() - ts:.0f} s)", flush=True)
    sizes = curves["random"][0]["labels"]
    full = FrameLR(len(frames)).fit(X, Y)
    full_macro, full_micro = f1_scores(Yt, full.predict_proba(Xt) >= 0.5)
    summary: dict[str, Any] = {"labels": sizes, "seeds": args.seeds,
                               "all_labels": {"n": len(pool), "macro_f1": full_macro,
                                              "micro_f1": full_micro}}
    for metric in ("macro_f1", "micro_f1"):
        mean = {k: np.mean([c[metric] for c in v], axis=0) for k, v in curves.items()}
        sd = {k: np.std([c[metric] for c in v], axis=0) for k, v in curves.items()}
        print(f"\n{metric} (mean ± sd over {args.seeds} seeds; test split sentences)")
        print(f"{'labels':>7}" + "".join(f"{k:>24}" for k in strategies))
        for i, n in enumerate(sizes):
            if i % 2 == 0 or i == len(sizes) - 1:
                print(f"{n:>7}" + "".join(f"{mean[k][i]:>16.3f} ± {sd[k][i]:.3f}"
                                          for k in strategies))
        rows = []
        for n_rand in sorted({b for b in (100, 200, 300, 400, args.budget) if b <= args.budget}):
            if n_rand not in sizes:
                continue
            target = float(mean["random"][sizes.index(n_rand)])
            row: dict[str, Any] = {"random_labels": n_rand, "f1": target}
            for k in strategies[1:]:
                n_act = labels_to_reach(sizes, mean[k], target)
                row[k] = {"labels": n_act, "saving": None if n_act is None else
                          1 - n_act / n_rand}
            rows.append(row)
        print(f"labels needed to reach random selection's {metric}:")
        for r in rows:
            got = []
            for k in strategies[1:]:
                n_act = r[k]["labels"]
                got.append(f"{k} not reached" if n_act is None else
                           f"{k} {n_act:.0f} ({100 * r[k]['saving']:.0f} % fewer)")
            print(f"  random at {r['random_labels']:>4} labels ({metric} {r['f1']:.3f}): " +
                  "; ".join(got))
        summary[metric] = {"mean": {k: v.tolist() for k, v in mean.items()},
                           "sd": {k: v.tolist() for k, v in sd.items()}, "saving": rows}
    print(f"\nall {len(pool)} pool labels: macro-F1 {full_macro:.3f}, micro-F1 {full_micro:.3f}"
          f"; total {time.time() - t0:.0f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"summary": summary, "curves": curves}, fh, indent=1)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
