"""Document-level training methods side by side: prior, TF-IDF (+ an SVM), fast, fine-tuned, auto.

Every method is trained by ``framing.models.train`` (the code ``framing train`` runs) on the
same training rows, tuned on the same dev rows and scored on the same test rows, which nothing
tunes on. Wall time covers the whole run (reading, embedding or fine-tuning, threshold tuning,
evaluation, baselines, writing). ``svm`` is the yardstick of issue 18: word 1-2 gram TF-IDF and
one linear SVM per label (scikit-learn defaults, decision > 0), fitted on the training rows only.

Corpora:

* default: the repository's long news corpus ``corpora/news/news.jsonl`` (``frames``; the
  ``split`` field: train 87 / dev 23 / test 40);
* ``--data-dir DIR``: real labelled news read at run time from ``DIR/--file`` (JSON lines with
  ``text``, ``frames`` and ``split`` train/dev/test); nothing is copied into the repository,
  and the script skips cleanly (exit 0) when the file is absent.

Usage::

    FRAMING_NUM_THREADS=1 python scripts/bench_train_docs.py --methods tfidf,svm,fast,auto \\
        --epochs 2 --json out/bench_train_docs.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
METHODS = ("svm", "tfidf", "fast", "transformer", "auto")


def read_rows(path: Path, labels_field: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"train": [], "dev": [], "test": []}
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                if r.get("split") in out:
                    out[r["split"]].append({"text": r["text"], "labels": list(r[labels_field])})
    return out


def svm_scores(splits: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """TF-IDF + one LinearSVC per label (decision > 0), trained on train, scored on test."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.svm import LinearSVC

    from framing.models.metrics import multilabel_report

    t0 = time.perf_counter()
    mlb = MultiLabelBinarizer().fit([r["labels"] for r in splits["train"]])
    labels = list(mlb.classes_)
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode")
    x = vec.fit_transform([r["text"] for r in splits["train"]])
    clf = OneVsRestClassifier(LinearSVC()).fit(x, mlb.transform([r["labels"] for r in
                                                                 splits["train"]]))
    test = splits["test"]
    y = np.array([[int(lab in r["labels"]) for lab in labels] for r in test])
    pred = clf.decision_function(vec.transform([r["text"] for r in test])) > 0
    rep = multilabel_report(y, pred, labels)
    return {"test_micro_f1": rep["micro_f1"], "test_macro_f1": rep["macro_f1"],
            "labels_per_doc": round(float(pred.sum(axis=1).mean()), 2),
            "seconds": round(time.perf_counter() - t0, 1)}


def run_method(method: str, splits: dict[str, list[dict[str, Any]]], work: Path,
               args: argparse.Namespace) -> dict[str, Any]:
    from framing.models import train
    from framing.models.frames import FrameSettings

    kw: dict[str, Any] = {"method": method, "level": "document", "seed": args.seed}
    if method == "transformer":
        kw["epochs"] = args.epochs
    if method == "auto" and args.time_budget:
        kw["time_budget"] = args.time_budget
    t0, c0 = time.perf_counter(), time.process_time()
    res = train("frames", splits["train"], work / method, FrameSettings(**kw),
                eval_data=splits["dev"], test_data=splits["test"], progress=False,
                log=lambda s: print(f"  [{method}] {s}", file=sys.stderr, flush=True))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    m = res.metrics
    test = m["test"]["classifier"]
    out = {"test_micro_f1": test["micro_f1"], "test_macro_f1": test["macro_f1"],
           "dev_micro_f1": m["dev"]["classifier"]["micro_f1"],
           "method_kept": res.model.method, "seconds": round(wall, 1),
           "cpu_seconds": round(cpu, 1)}
    pred = res.model.predict([r["text"] for r in splits["test"]])
    out["labels_per_doc"] = round(float(np.mean([len(p) for p in pred])), 2)
    b = m.get("baselines") or {}
    if b.get("prior", {}).get("test"):
        out["prior_test"] = {k: b["prior"]["test"][k] for k in ("micro_f1", "macro_f1")}
    if "auto" in m:
        out["auto"] = {k: m["auto"][k] for k in ("chosen", "dev_scores", "test_scores",
                                                 "seconds", "skipped")}
    if method == "transformer":
        out["epochs_run"] = res.model.meta["training"].get("epochs_run")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="real labelled news (read at run time; skipped when absent)")
    ap.add_argument("--file", default="news_frames.jsonl", help="file in --data-dir")
    ap.add_argument("--labels-field", default="frames")
    ap.add_argument("--epochs", type=int, default=2, help="fine-tuning epochs (transformer)")
    ap.add_argument("--time-budget", type=float, default=None, help="minutes, for auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    args = ap.parse_args()
    if args.data_dir is not None:
        path = args.data_dir / args.file
        if not path.is_file():
            print(f"skipped: {path} not found (real labelled news is not available here)")
            return 0
    else:
        path = REPO / "corpora" / "news" / "news.jsonl"
    splits = read_rows(path, args.labels_field)
    print(f"{path.name}: train {len(splits['train'])}, dev {len(splits['dev'])}, test "
          f"{len(splits['test'])}; FRAMING_NUM_THREADS={os.environ.get('FRAMING_NUM_THREADS')}",
          flush=True)
    gold = np.mean([len(r["labels"]) for r in splits["test"]])
    results: dict[str, Any] = {"data": str(path.name), "n": {k: len(v) for k, v in
                                                             splits.items()},
                               "gold_labels_per_doc": round(float(gold), 2), "methods": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for method in [m.strip() for m in args.methods.split(",") if m.strip()]:
            if method not in METHODS:
                ap.error(f"unknown method {method!r}; choose from {METHODS}")
            r = svm_scores(splits) if method == "svm" else run_method(method, splits,
                                                                     Path(tmp), args)
            results["methods"][method] = r
            print(f"{method:12s} test micro-F1 {r['test_micro_f1']:.3f} macro-F1 "
                  f"{r['test_macro_f1']:.3f}  labels/doc {r['labels_per_doc']}  "
                  f"{r['seconds']:.0f} s", flush=True)
            if args.json:
                args.json.parent.mkdir(parents=True, exist_ok=True)
                args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
