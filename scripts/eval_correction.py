"""How close does each prevalence estimator get to gold shares on held-out labelled documents?

Input: ``framing label`` output (JSONL or Parquet) of documents whose gold labels ingest kept in
``meta`` (for example ``corpora/collection/collection.jsonl`` labelled with the default models).
For each random split a validation sample of ``--size`` documents is held out of the evaluated
documents; the rest are aggregated by ``--by`` x ``--freq`` and every (group, period, frame)
cell's share is compared with its gold share. Estimators:

* ``cc``: raw classify-and-count (share of documents whose predicted labels include the frame);
* ``pcc_raw``: mean of the classifier's document probabilities, uncalibrated;
* ``acc``: ``--correct --correction acc`` (plain adjusted count; rates from the sample);
* ``acc_auto``: ``--correct`` as it was before PCC (shrunk adjusted count, each label's
  correction cross-validated on the sample), i.e. ``auto`` without the calibration;
* ``pcc``: ``--correction pcc`` (Platt-recalibrated probabilities, fitted on the sample);
* ``auto``: ``--correction auto`` (per frame the lowest cross-validated error on the sample).

Prints the mean absolute error over cells with documents, per split and averaged, and how often
``auto`` picked each estimator.

Usage:
    python scripts/eval_correction.py /tmp/x/default.jsonl --by outlet --freq year \\
        --sizes 150 400 --splits 5
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from framing.aggregate import ErrorRates, FrameShareEstimator
from framing.io.output import iter_jsonl_results

ESTIMATORS = ("cc", "pcc_raw", "acc", "acc_auto", "pcc", "auto")


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record of a labelled output, as DocResult dicts."""
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        from framing.io.schema import row_to_dict

        return [row_to_dict(r) for r in pq.read_table(path).to_pylist()]
    return [d for _, d in iter_jsonl_results(path)]


def raw_pcc(est: FrameShareEstimator) -> pd.Series:
    """Mean uncalibrated document probability per (group..., period, frame) cell."""
    data = est.data_
    ok = data.period >= 0
    rows = []
    for f in data.frames:
        p = data.probs_of(f)
        if p is None:
            continue
        df = pd.DataFrame({"g": data.group[ok], "p": data.period[ok], "v": p[ok]})
        m = df.groupby(["g", "p"])["v"].mean()
        for (g, per), v in m.items():
            rows.append((*data.groups.iloc[int(g)].tolist(), data.periods[int(per)], f, v))
    out = pd.DataFrame(rows, columns=[*data.by, "period", "frame", "share"])
    return out.set_index([*data.by, "period", "frame"])["share"]


def evaluate(records: list[dict[str, Any]], size: int, seed: int, by: list[str], freq: str
             ) -> tuple[dict[str, float], dict[str, str], int, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(records))
    val = [records[i] for i in order[:size]]
    held = [records[i] for i in order[size:]]
    kw: dict[str, Any] = {"by": by, "freq": freq, "vocab": False, "n_bootstrap": 99}
    key = [*by, "period", "frame"]
    gold = FrameShareEstimator(labels_from="gold", **kw).fit(held).shares_
    gold = gold[gold["n"] > 0].set_index(key)["share"]
    raw = FrameShareEstimator(**kw).fit(held)
    rates = ErrorRates.from_labelled(val, seed=seed)
    est: dict[str, pd.Series] = {"cc": raw.shares_.set_index(key)["share"],
                                 "pcc_raw": raw_pcc(raw)}
    chosen: dict[str, str] = {}
    for name, corr, r in (("acc", "acc", rates), ("acc_auto", "auto", replace(
            rates, calibration=None)), ("pcc", "pcc", rates), ("auto", "auto", rates)):
        fit = FrameShareEstimator(error_rates=r, correction=corr, **kw).fit(held)
        est[name] = fit.shares_.set_index(key)["share"]
        if name == "auto":
            chosen = fit.summary_["correction"]["chosen"]
    mae = {}
    per_frame = {}
    for name, s in est.items():
        # a frame gold uses but the classifier never scores counts as share 0
        err = (s.reindex(gold.index).fillna(0.0) - gold).abs()
        mae[name] = float(err.mean())
        per_frame[name] = err.groupby(level="frame").mean()
    return mae, chosen, len(gold), pd.DataFrame(per_frame)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("labelled", type=Path)
    ap.add_argument("--by", action="append", default=None)
    ap.add_argument("--freq", default="year")
    ap.add_argument("--sizes", type=int, nargs="+", default=[150, 400])
    ap.add_argument("--splits", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--platt-c", type=float, default=None,
                    help="inverse regularisation of the Platt maps (default: pcc.PLATT_C)")
    ap.add_argument("--cv-repeats", type=int, default=None,
                    help="repeats of the validation sample's cross-validation (default: "
                         "correct.CV_REPEATS)")
    args = ap.parse_args(argv)
    if args.cv_repeats is not None:
        import framing.aggregate.correct as correct

        correct.CV_REPEATS = args.cv_repeats
    if args.platt_c is not None:
        import framing.aggregate.pcc as pcc

        pcc.PLATT_C = args.platt_c
    if not args.labelled.is_file():
        print(f"{args.labelled}: not found", file=sys.stderr)
        return 2
    by = args.by or ["outlet"]
    records = read_records(args.labelled)
    print(f"{args.labelled}: {len(records)} documents; cells {' x '.join(by)} x {args.freq} "
          f"x frame; {args.splits} random splits per validation size")
    summary = {}
    for size in args.sizes:
        rows: list[dict[str, float]] = []
        picks: Counter[str] = Counter()
        frames: list[pd.DataFrame] = []
        for k in range(args.splits):
            mae, chosen, n_cells, per_frame = evaluate(records, size, args.seed + k, by,
                                                       args.freq)
            rows.append(mae)
            frames.append(per_frame)
            picks.update(chosen.values())
            print(f"  size {size} split {k}: {n_cells} cells; "
                  + ", ".join(f"{e} {mae[e]:.4f}" for e in ESTIMATORS), flush=True)
        df = pd.DataFrame(rows)[list(ESTIMATORS)]
        summary[size] = {e: [round(float(df[e].mean()), 4), round(float(df[e].std()), 4)]
                         for e in ESTIMATORS}
        print(f"size {size}: mean absolute error (mean, sd over {args.splits} splits): "
              + ", ".join(f"{e} {df[e].mean():.4f} ({df[e].std():.4f})" for e in ESTIMATORS))
        print(f"size {size}: auto picked per frame x split: {dict(picks)}")
        pf = sum(frames) / len(frames)
        worse = pf[pf["auto"] > pf["cc"] + 0.002]
        print(f"size {size}: frames where auto's held-out error is above raw cc's by more than "
              f"0.002 (mean over splits): "
              + (", ".join(f"{f} {r.auto:.3f} vs {r.cc:.3f}" for f, r in worse.iterrows())
                 or "none"))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
