"""Cross-validate the domain-gate fitting of a model on the realdev ``calibration`` half.

Which candidate bars should :func:`framing.train.fusion.fit_gate` search? This script answers
it without touching the held-out half: the calibration half is split into 5 folds by speech,
gates are fitted on 4 folds and applied to the 5th, and the pooled out-of-fold predictions are
scored (F1 per gated label, and how many sentences with neither frame get one). It compares
the strong-evidence grid of ``GATE_GRID`` with the wider one used before (up to 0.5) and with
"rules always stand" (0 only).

    python scripts/gate_cv.py                       # the default model
    python scripts/gate_cv.py --model models/mine --data-dir DIR

The speeches are read from ``--data-dir``, else ``$FRAMING_DATA_DIR``, else ``../shared/data``
beside the repository; without them the script skips (exit 0). It uses only public API: the
model's probabilities, the rule scores of its codebook and the gate fit.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from framing.corpora import label_closure
from framing.models.frames import fusion
from framing.models.frames.model import FrameModel
from framing.models.frames.rules import rule_scores
from framing_corpora.realdev import DATA_ENV, load_realdev, speeches_path

REPO = Path(__file__).resolve().parents[1]
#: Where the data lives next to a checkout of this repository (scripts only).
DEFAULT_DATA_DIR = REPO.parent / "shared" / "data"

GRIDS = {"GATE_GRID (strong <= 0.1)": fusion.GATE_GRID["strong"],
         "wide (strong <= 0.5)": (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5),
         "rules stand (strong = 0)": (0.0,)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=REPO / "models" / "frames-default")
    ap.add_argument("--labels", default="federalism,enforcement")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--beta", type=float, default=None,
                    help="F-beta of the gate fit (default: the model's calibration beta)")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help=f"folder with presidential_speeches.jsonl (default: ${DATA_ENV}, "
                         f"else {DEFAULT_DATA_DIR})")
    args = ap.parse_args(argv)
    speeches = speeches_path(args.data_dir or (None if os.environ.get(DATA_ENV)
                                               else DEFAULT_DATA_DIR))
    if not speeches.is_file():
        print(f"gate_cv: {speeches} not found; skipping", file=sys.stderr)
        return 0
    fm = FrameModel.load(args.model)
    beta = args.beta if args.beta is not None else float(
        (fm.meta.get("calibration") or {}).get("beta", 1.0))
    items = load_realdev("calibration", speeches=speeches)
    cb = fm.rules_codebook()
    if cb is None:
        print(f"gate_cv: {args.model} has no rule codebook to gate on", file=sys.stderr)
        return 2
    texts = [it.text for it in items]
    # gold closed under the codebook's parents, as in training; only the model's labels count
    gold = [set(label_closure(it.labels)) for it in items]
    y = np.array([[lab in g for lab in fm.labels] for g in gold], dtype=bool)
    p = fm.predict_proba(texts, batch_size=32)
    r = rule_scores(texts, cb, fm.labels, fm.level)
    fold = np.array([int(hashlib.sha1(it.doc_id.encode()).hexdigest(), 16) % args.folds
                     for it in items])
    labels = args.labels.split(",")
    focus = np.zeros(len(items), bool)
    for lab in labels:
        focus |= y[:, fm.labels.index(lab)]
    print(f"model {args.model}; gates fitted for F-beta, beta {beta:g}; calibration half: "
          f"{len(items)} sentences, {args.folds} folds by speech; {int((~focus).sum())} "
          f"sentences have none of {labels}")
    for name, grid in GRIDS.items():
        flagged = np.zeros(len(items), bool)
        cells = []
        for lab in labels:
            j = fm.labels.index(lab)
            rt = cb.threshold(lab) if lab in cb else 0.5
            pred = np.zeros(len(items), bool)
            for k in range(args.folds):
                tr, te = fold != k, fold == k
                g = fusion.fit_gate(p[tr, j], r[tr, j], y[tr, j], rt, beta=beta,
                                    grid={"strong": grid})
                pred[te] = p[te, j] >= g.bars(r[te, j])
            flagged |= pred
            yy = y[:, j]
            tp, fp, fn = (int(np.sum(yy & pred)), int(np.sum(~yy & pred)),
                          int(np.sum(yy & ~pred)))
            cells.append(f"{lab} F1 {2 * tp / max(2 * tp + fp + fn, 1):.3f} "
                         f"(tp {tp} fp {fp} fn {fn})")
        print(f"{name:28s} " + "; ".join(cells)
              + f"; neither flagged {int((flagged & ~focus).sum())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
