#!/usr/bin/env python3
"""Benchmark ``framing aggregate`` on a synthetic labelled Parquet of 1,000,000 documents.

The file has the exact layout ``framing label --out x.parquet`` writes (``id``, ``outlet``,
``date``, ``title``, ``author``, ``url``, ``labels``, ``primary_frame``, ``score__<frame>``,
``meta_json``, ``stance_json``, ``sentences_json``, ``model_json``), with empty sentence lists to
keep it small, 20 outlets, 2010-2023, 17 frames with planted shifts, an ``issue`` field inside
``meta_json`` and a stance result on 30% of the documents.

Every step runs in a fresh Python process that reports its own wall time and peak RSS
(``resource.getrusage``), so the numbers do not mix:

* ``import``: importing ``framing.aggregate`` alone (the interpreter and library floor);
* ``arrow``: reading the columns aggregation needs with pyarrow, nothing else (baseline);
* ``pandas``: the naive pandas answer on the same columns: read, explode labels, group by
  outlet x month x frame and count (baseline);
* ``aggregate``: ``framing.aggregate.aggregate(..., by=["outlet"], freq="month")``: shares with
  intervals, stance shares, all shift tests, group differences, written to disk;
* ``aggregate_meta``: the same grouped by outlet and ``issue`` (read from ``meta_json``).

    python scripts/bench_aggregate.py                 # 1,000,000 documents
    python scripts/bench_aggregate.py --n 200000      # quicker
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

FRAMES = ["economic", "capacity_and_resources", "morality", "fairness_and_equality",
          "legality_constitutionality_and_jurisprudence", "policy_prescription_and_evaluation",
          "crime_and_punishment", "security_and_defense", "health_and_safety",
          "quality_of_life", "cultural_identity", "public_opinion", "political",
          "external_regulation_and_reputation", "other", "federalism", "enforcement"]
ISSUES = ["drug_policy", "immigration", "guns", "health_care", "education"]


def generate(path: Path, n: int, seed: int = 0) -> None:
    """Write the synthetic labelled Parquet in row groups of 100,000 documents."""
    import tempfile

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from framing.batch.sinks import ParquetSink

    fields = [pa.field("id", pa.string())]
    fields += [pa.field(m, pa.string()) for m in ("outlet", "date", "title", "author", "url")]
    fields += [pa.field("labels", pa.list_(pa.string())), pa.field("primary_frame", pa.string())]
    fields += [pa.field(f"score__{f}", pa.float32()) for f in FRAMES]
    fields += [pa.field(f"share__{f}", pa.float32()) for f in FRAMES]
    fields += [pa.field(f"mentions__{f}", pa.int32()) for f in FRAMES]
    fields += [pa.field("n_sentences", pa.int32())]
    fields += [pa.field(c, pa.string()) for c in
               ("meta_json", "stance_json", "sentences_json", "model_json")]
    schema = pa.schema(fields)
    with tempfile.TemporaryDirectory() as tmp:  # same layout as `framing label` writes
        sink = ParquetSink(Path(tmp) / "x.parquet", FRAMES)
        sink.close()
        assert sink.schema.equals(schema), "the benchmark layout drifted from ParquetSink"
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.03, 0.45, size=(20, len(FRAMES)))
    start = np.datetime64("2010-01-01")
    days = int((np.datetime64("2024-01-01") - start).astype(int))
    frames_arr = np.array(FRAMES, dtype=object)
    with pq.ParquetWriter(path, schema, compression="zstd") as w:
        for off in range(0, n, 100_000):
            m = min(100_000, n - off)
            outlet = rng.integers(0, 20, m)
            day = rng.integers(0, days, m)
            year = 2010 + day // 365.25
            p = base[outlet].copy()
            # planted shifts: outlets 0-4 drop enforcement after 2018, 5-9 gain federalism
            p[:, 16] = np.where((outlet < 5) & (year >= 2018), 0.08, p[:, 16])
            p[:, 15] = np.where((outlet >= 5) & (outlet < 10),
                                np.clip(0.05 + 0.04 * (year - 2010), 0, 0.9), p[:, 15])
            ind = rng.random((m, len(FRAMES))) < p
            counts = ind.sum(axis=1)
            offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
            values = pa.array(frames_arr[np.nonzero(ind)[1]], pa.string())
            labels = pa.ListArray.from_arrays(pa.array(offsets), values)
            first = np.where(counts > 0, frames_arr[np.argmax(ind, axis=1)], None)
            dates = (start + day.astype("timedelta64[D]")).astype(str)
            outlets = np.array([f"outlet-{i:02d}" for i in range(20)], dtype=object)[outlet]
            issue = np.array(ISSUES, dtype=object)[rng.integers(0, len(ISSUES), m)]
            meta = pc.binary_join_element_wise(
                '{"outlet": "', pa.array(outlets), '", "date": "', pa.array(dates),
                '", "issue": "', pa.array(issue), '"}', "")
            favor = rng.random(m) < 0.3 + 0.3 * (year >= 2020) * (outlet < 5)
            has_st = rng.random(m) < 0.3
            st = np.where(~has_st, "[]", np.where(
                favor, '[{"target": "the plan", "label": "favor", "score": 0.8, "evidence": []}]',
                '[{"target": "the plan", "label": "against", "score": 0.7, "evidence": []}]'))
            cols = {"id": pa.array([f"d{off + i}" for i in range(m)]),
                    "outlet": pa.array(outlets), "date": pa.array(dates),
                    "title": pa.nulls(m, pa.string()), "author": pa.nulls(m, pa.string()),
                    "url": pa.nulls(m, pa.string()), "labels": labels,
                    "primary_frame": pa.array(first, pa.string())}
            for j, f in enumerate(FRAMES):
                cols[f"score__{f}"] = pa.array(np.where(ind[:, j], 0.9, 0.1).astype(np.float32))
            # the document layer's sentence shares and mention counts (20 sentences each)
            for j, f in enumerate(FRAMES):
                cols[f"share__{f}"] = pa.array(np.where(ind[:, j], 0.2, 0.0).astype(np.float32))
            for j, f in enumerate(FRAMES):
                cols[f"mentions__{f}"] = pa.array(np.where(ind[:, j], 4, 0).astype(np.int32))
            cols["n_sentences"] = pa.array(np.full(m, 20, dtype=np.int32))
            cols["meta_json"] = meta
            cols["stance_json"] = pa.array(st.astype(object), pa.string())
            cols["sentences_json"] = pa.array(["[]"] * m, pa.string())
            cols["model_json"] = pa.array(['{"rules": "bench"}'] * m, pa.string())
            w.write_table(pa.table(cols, schema=schema))


def step(name: str, path: Path, out: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    if name == "import":
        import framing.aggregate  # noqa: F401
    elif name == "arrow":
        import pyarrow.parquet as pq

        t = pq.read_table(path, columns=["outlet", "date", "labels", "stance_json"])
        assert t.num_rows > 0
    elif name == "pandas":
        import pandas as pd

        df = pd.read_parquet(path, columns=["outlet", "date", "labels"])
        df["period"] = df["date"].str.slice(0, 7)
        n = df.groupby(["outlet", "period"]).size()
        k = df.explode("labels").groupby(["outlet", "period", "labels"]).size()
        assert len(n) and len(k)
    elif name in ("aggregate", "aggregate_meta"):
        from framing.aggregate import aggregate

        by = ["outlet"] if name == "aggregate" else ["outlet", "issue"]
        est = aggregate(path, out / name, by=by, freq="month")
        assert est.n_documents_ > 0
    else:
        raise SystemExit(f"unknown step {name}")
    secs = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"seconds": round(secs, 2), "peak_rss_mb": round(rss_mb, 1)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="documents (default 1,000,000)")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/framing_bench"))
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--regenerate", action="store_true")
    args = ap.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"labels_{args.n}.parquet"
    if args.step == "generate":
        generate(path, args.n)
        return 0
    if args.step:
        print(json.dumps(step(args.step, path, args.dir)))
        return 0
    if args.regenerate or not path.exists():
        # in a child process too: Linux keeps a process's peak RSS across fork and exec, so a
        # heavy parent would inflate every measurement below
        t0 = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--n", str(args.n), "--dir", str(args.dir),
                        "--step", "generate"], check=True)
        print(f"generated {args.n:,} documents in {time.perf_counter() - t0:.1f} s: {path} "
              f"({path.stat().st_size / 2**20:.0f} MiB)")
    res = {}
    for name in ("import", "arrow", "pandas", "aggregate", "aggregate_meta"):
        r = subprocess.run([sys.executable, __file__, "--n", str(args.n), "--dir",
                            str(args.dir), "--step", name], capture_output=True, text=True,
                           check=False)
        if r.returncode != 0:
            print(r.stderr[-2000:], file=sys.stderr)
            return 1
        res[name] = json.loads(r.stdout.strip().splitlines()[-1])
    arrow, pandas_ = res["arrow"], res["pandas"]
    print(f"\n{args.n:,} documents, {path.stat().st_size / 2**20:.0f} MiB Parquet")
    print(f"{'step':<16}{'seconds':>9}{'peak RSS MB':>13}{'s / arrow':>11}{'s / pandas':>12}"
          f"{'RSS / pandas':>14}")
    for name, r in res.items():
        print(f"{name:<16}{r['seconds']:>9.2f}{r['peak_rss_mb']:>13.0f}"
              f"{r['seconds'] / max(arrow['seconds'], 1e-9):>11.2f}"
              f"{r['seconds'] / max(pandas_['seconds'], 1e-9):>12.2f}"
              f"{r['peak_rss_mb'] / max(pandas_['peak_rss_mb'], 1e-9):>14.2f}")
    print("\narrow = pyarrow reads the needed columns only; pandas = read + explode + groupby "
          "count (no intervals, tests or output); import = interpreter + framing.aggregate.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
