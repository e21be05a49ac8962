"""How many of the planted shifts of ``corpora/collection`` an aggregation recovers.

``corpora/collection/shifts.json`` lists the planted shifts (and the parent-frame shifts they
imply). Given labelled documents of the collection (its gold labels, or ``framing label``
output of it), :func:`score_shifts` aggregates them by outlet and issue per year and counts a
planted shift as found when a significant change-point or trend test of its series moves in the
planted direction, and counts every significant test of any other series as unplanted.

    python scripts/eval_collection_shifts.py out/collection.parquet          # predicted
    python scripts/eval_collection_shifts.py corpora/collection/collection.jsonl --labels-from gold
    python scripts/eval_collection_shifts.py out/collection.parquet --family all --min-use 0

Example:
    >>> from framing_corpora import CORPORA_DIR
    >>> r = score_shifts(CORPORA_DIR / "collection" / "collection.jsonl",
    ...                  labels_from="gold", n_bootstrap=199)      # doctest: +SKIP
    >>> r["found"], r["planted"], r["unplanted_series"]              # doctest: +SKIP
    (6, 6, 0)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from framing_corpora import CORPORA_DIR

TRUTH = CORPORA_DIR / "collection" / "shifts.json"
DOCS = CORPORA_DIR / "collection" / "collection.jsonl"


def _targets(docs: Path = DOCS) -> dict[str, str]:
    out: dict[str, str] = {}
    with docs.open(encoding="utf-8") as fh:
        for line in fh:
            for s in json.loads(line).get("stance") or []:
                out[s["target_id"]] = s["target"]
    return out


def score_shifts(labelled: str | Path | Sequence[str | Path], truth: Path = TRUTH,
                 **settings: Any) -> dict[str, Any]:
    """Aggregate ``labelled`` by outlet x issue per year (``settings`` are
    :class:`~framing.aggregate.settings.AggregateSettings` fields) and score the shifts found
    against the planted ones."""
    from framing.aggregate import FrameShareEstimator

    planted = json.loads(truth.read_text(encoding="utf-8"))
    text = _targets()
    est = FrameShareEstimator(by=["outlet", "issue"], freq="year", vocab=False,
                              **settings).fit(labelled)
    sh = est.shifts_

    def item(s: dict[str, Any]) -> str:
        return str(s["frame"]) if "frame" in s else text[s["stance_target"]]

    allowed = {(s["outlet"], s["issue"], item(s))
               for s in planted["shifts"] + planted["implied_shifts"]}
    sig = sh[sh["significant"]]
    rows = []
    for s in planted["shifts"]:
        m = (sig.outlet == s["outlet"]) & (sig.issue == s["issue"]) & sig.test.isin(
            ["changepoint", "trend"])
        if "frame" in s:
            m &= (sig.measure == "frame") & (sig.frame == s["frame"]) & (
                sig.direction == s["direction"])
        else:
            m &= (sig.measure == "stance") & (sig.target == item(s)) & (
                sig.label == "favor") & (sig.direction == s["direction"])
        series = sh[(sh.outlet == s["outlet"]) & (sh.issue == s["issue"]) & (
            (sh.frame == s["frame"]) if "frame" in s else (sh.target == item(s)))]
        cp = series[series.test == "changepoint"]
        rows.append({"outlet": s["outlet"], "issue": s["issue"], "item": item(s),
                     "found": bool(m.any()),
                     "best_p": float(cp.p_value.min()) if len(cp) else None,
                     "best_q": float(cp.q_value.min()) if len(cp) else None})
    unplanted = sig[[(o, i, (f if ms == "frame" else t)) not in allowed for o, i, ms, f, t in zip(
        sig.outlet, sig.issue, sig.measure, sig.frame, sig.target, strict=True)]]
    series = {(r.outlet, r.issue, r.measure, r.frame, r.target, r.label)
              for r in unplanted.itertuples()}
    return {"planted": len(rows), "found": sum(r["found"] for r in rows), "shifts": rows,
            "unplanted_tests": len(unplanted), "unplanted_series": len(series),
            "unplanted": sorted(str(s) for s in series)[:20],
            "tests": len(sh), "tests_in_family": int(sh["in_family"].sum()) if len(sh) else 0,
            "settings": est.summary_["settings"], "label_sources": est.summary_["label_sources"]}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (``scripts/eval_collection_shifts.py``)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("labelled", nargs="+", type=Path)
    ap.add_argument("--labels-from", default="auto")
    ap.add_argument("--family", default="hierarchical")
    ap.add_argument("--min-use", type=float, default=0.05)
    ap.add_argument("--bootstrap", type=int, default=199)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    r = score_shifts(args.labelled, labels_from=args.labels_from, family=args.family,
                     min_use=args.min_use, n_bootstrap=args.bootstrap)
    if args.json:
        print(json.dumps(r, indent=1))
        return 0
    print(f"planted shifts found: {r['found']} of {r['planted']}; significant tests where none "
          f"was planted: {r['unplanted_tests']} in {r['unplanted_series']} series "
          f"(family {args.family}, min_use {args.min_use}; {r['tests_in_family']} of "
          f"{r['tests']} tests in the family)")
    for s in r["shifts"]:
        p = "-" if s["best_p"] is None else f"p {s['best_p']:.2g}, q {s['best_q']:.2g}"
        print(f"  {'found ' if s['found'] else 'MISSED'} {s['outlet']} / {s['issue']} / "
              f"{s['item']} (change point {p})")
    for u in r["unplanted"]:
        print(f"  unplanted: {u}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
