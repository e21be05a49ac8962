"""How many planted shifts a *perfect* classifier could recover from a collection of this design.

``corpora/collection`` is quota-sampled: in every outlet x issue x year cell the number of
documents using a frame equals the design share times the cell size, so its gold series carry
no sampling noise at all and its gold labels recover every planted shift. A classifier's labels
add noise, and so would random sampling of real articles. This module asks what the design
allows: it draws collections of the same design *at random* (each document uses each frame
with the design probability, parents implied by children as in the gold labels, stance drawn
from the design favor/against shares), scores them as if a perfect classifier had labelled
them, and counts the planted shifts found by the same aggregation and criteria as
:func:`framing_corpora.collection_eval.score_shifts`.

The answer bounds what predicted labels can be asked to show: if a perfect classifier on a
randomly drawn collection of this size finds 5 of 6 only most of the time, a real classifier on
the quota-sampled one will find fewer. With ``errors_from`` (``framing label`` output of the
collection, gold labels in ``meta``) each drawn document's labels are then passed through the
classifier's measured document-level confusion (per frame: true- and false-positive rate; per
stance target: the 3 x 3 confusion of favor/against/none), independently per document: a
classifier as accurate as the real one but whose errors do not repeat with the collection's
reused bank sentences.

One simplification: the implied stance shift toward federal drug enforcement (it follows the
enforcement share in the collection) is drawn at its constant design shares here.

    python scripts/collection_power.py --reps 20              # the shipped design
    python scripts/collection_power.py --reps 10 --factor 2   # twice the documents per cell
    python scripts/collection_power.py --errors-from out/collection.jsonl

Example:
    >>> r = simulate(reps=1, factor=2, seed=0)              # doctest: +SKIP
    >>> r["mean_found"] >= 5                                # doctest: +SKIP
    True
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framing_corpora.collection_build import (
    CODEBOOK,
    DOCS_PER_YEAR,
    YEARS,
    Codebook,
    frame_shares,
    stance_shares,
)
from framing_corpora.collection_eval import score_shifts


def draw_collection(rng: np.random.Generator, factor: float = 1.0,
                    cb: Codebook | None = None) -> list[dict[str, Any]]:
    """One random collection of the design: ``factor`` times the documents per cell."""
    cb = cb or Codebook(CODEBOOK)
    docs: list[dict[str, Any]] = []
    for outlet, issues in DOCS_PER_YEAR.items():
        for issue, per_year in issues.items():
            targets = cb.issue_targets(issue)
            for year in YEARS:
                shares = frame_shares(outlet, issue, year)
                frames = sorted(shares)
                p = np.array([shares[f] for f in frames])
                stance = {t: stance_shares(outlet, issue, t, year) for t in targets}
                for k in range(round(per_year * factor)):
                    own = [f for f, u in zip(frames, rng.random(len(frames)) < p, strict=True)
                           if u]
                    marks = []
                    for t in targets:
                        fav, ag = stance[t]
                        u = rng.random()
                        label = "favor" if u < fav else "against" if u < fav + ag else "none"
                        marks.append({"target_id": t, "target": cb.targets[t]["text"],
                                      "label": label})
                    docs.append({"id": f"{outlet}-{issue}-{year}-{k}", "outlet": outlet,
                                 "issue": issue, "date": f"{year}-{1 + k % 12:02d}-15",
                                 "text": "(simulated)", "labels": cb.expand(own),
                                 "stance": marks})
    return docs


STANCE_LABELS = ("favor", "against", "none")


def measured_errors(labelled: str | Path) -> dict[str, Any]:
    """Document-level confusion of ``framing label`` output of the collection against the gold
    labels it carries in ``meta``: ``{"frames": {frame: (tpr, fpr)}, "stance": {target text:
    3 x 3 row-normalised matrix (gold rows, predicted columns, favor/against/none)}}``."""
    tp: dict[str, list[int]] = {}
    st: dict[str, np.ndarray] = {}
    with open(labelled, encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            gold, pred = set(d["meta"]["labels"]), set(d["labels"])
            for f in set(d["frames"]) | gold:
                c = tp.setdefault(f, [0, 0, 0, 0])  # tp, fn, fp, tn
                c[(0 if f in pred else 1) if f in gold else (2 if f in pred else 3)] += 1
            got = {s["target"]: s["label"] for s in d.get("stance") or []}
            for s in d["meta"].get("stance") or []:
                if s["target"] in got:
                    m = st.setdefault(s["target"], np.zeros((3, 3)))
                    m[STANCE_LABELS.index(s["label"]), STANCE_LABELS.index(got[s["target"]])] += 1
    frames = {f: (c[0] / max(c[0] + c[1], 1), c[2] / max(c[2] + c[3], 1))
              for f, c in tp.items()}
    stance = {t: (m + 1e-9) / (m + 1e-9).sum(axis=1, keepdims=True) for t, m in st.items()}
    return {"frames": frames, "stance": stance}


def apply_errors(docs: list[dict[str, Any]], errors: dict[str, Any], cb: Codebook,
                 rng: np.random.Generator) -> None:
    """Replace each document's labels by what a classifier with ``errors`` would say (in
    place): own frames and parents alike are redrawn from the gold label per frame."""
    for d in docs:
        gold = set(d["labels"])
        out = []
        for f, (tpr, fpr) in errors["frames"].items():
            if rng.random() < (tpr if f in gold else fpr):
                out.append(f)
        d["labels"] = cb.expand(out)
        for s in d["stance"]:
            m = errors["stance"].get(s["target"])
            if m is not None:
                row = m[STANCE_LABELS.index(s["label"])]
                s["label"] = STANCE_LABELS[int(rng.choice(3, p=row))]


def simulate(reps: int = 20, factor: float = 1.0, seed: int = 0,
             errors_from: str | Path | None = None, **settings: Any) -> dict[str, Any]:
    """Draw ``reps`` random collections and score each with perfect labels, or with labels
    passed through the confusion measured on ``errors_from`` (``settings`` go to
    :func:`~framing_corpora.collection_eval.score_shifts`)."""
    rng = np.random.default_rng(seed)
    settings.setdefault("n_bootstrap", 99)
    errors = measured_errors(errors_from) if errors_from else None
    cb = Codebook(CODEBOOK)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "draw.jsonl"
        for _ in range(reps):
            docs = draw_collection(rng, factor, cb)
            if errors is not None:
                apply_errors(docs, errors, cb, rng)
            path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
            r = score_shifts(path, labels_from="gold", **settings)
            runs.append({"documents": len(docs), "found": r["found"],
                         "unplanted_series": r["unplanted_series"],
                         "shifts": [bool(s["found"]) for s in r["shifts"]]})
    found = np.array([r["found"] for r in runs])
    return {"reps": reps, "factor": factor, "documents": runs[0]["documents"],
            "labels": f"measured errors of {errors_from}" if errors_from else "perfect",
            "mean_found": float(found.mean()), "p_at_least_5": float(np.mean(found >= 5)),
            "mean_unplanted_series": float(np.mean([r["unplanted_series"] for r in runs])),
            "per_shift": np.mean([r["shifts"] for r in runs], axis=0).round(3).tolist(),
            "runs": runs}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (``scripts/collection_power.py``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--factor", type=float, default=1.0,
                    help="documents per outlet x issue x year, as a multiple of the design")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--errors-from", type=Path,
                    help="`framing label` output of the collection: simulate a classifier "
                         "with its measured document-level confusion")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    r = simulate(args.reps, args.factor, args.seed, args.errors_from)
    if args.json:
        print(json.dumps(r, indent=1))
        return 0
    print(f"{r['reps']} random collections of {r['documents']} documents (x{r['factor']:g} the "
          f"design), {r['labels']} labels: planted shifts found {r['mean_found']:.2f} of 6 on "
          f"average, at least 5 in {r['p_at_least_5']:.0%} of draws; unplanted series "
          f"{r['mean_unplanted_series']:.2f} on average")
    print("found per planted shift (shifts.json order):", r["per_shift"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
