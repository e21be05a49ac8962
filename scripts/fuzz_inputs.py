"""Fuzz the readers: generated and corrupted JSONL, CSV, TSV, Parquet, gzip and HTML inputs
through ``framing label`` (rule layer, in-process), at least 10,000 per format by default.

For every input it checks (see :mod:`framing.io.fuzzing`): no exception escapes, ``read ==
labelled + rejected`` (and the output and rejects files hold exactly those), every valid record
that no corruption touched is labelled under its own id, and every input file is byte-identical
afterwards. It prints per format: inputs, records read / labelled / rejected, lost records,
records merged into a neighbour's valid quoted CSV field, escaped exceptions, changed inputs,
inputs refused whole with a numbered usage error before anything was written (a Parquet file
whose text column a corruption renamed: E206);
the exit status is 1 if anything was lost, raised or changed.

Usage::

    python scripts/fuzz_inputs.py                      # 10,000 inputs per format
    python scripts/fuzz_inputs.py -n 500 --formats csv,tsv --seed 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

TINY_CODEBOOK = {
    "name": "fuzz", "version": "1", "targets": [],
    "frames": [
        {"id": "law", "name": "Law", "parent": None, "description": "legal",
         "patterns": [{"id": "law.court", "kind": "phrase", "phrases": ["court"],
                       "weight": 0.9}]},
        {"id": "enf", "name": "Enforcement", "parent": None, "description": "police",
         "patterns": [{"id": "enf.police", "kind": "token",
                       "pattern": [{"LEMMA": {"IN": ["police", "arrest"]}}], "weight": 0.7}]},
    ],
}


def run_format(fmt: str, n: int, analyzer: Any, seed: int, workdir: Path) -> dict[str, Any]:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    from framing.io.fuzzing import build, check, recipes

    tally: Counter[str] = Counter()
    failures: list[str] = []

    @hseed(seed)
    @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(recipes(fmt))
    def one(recipe: Any) -> None:
        case = build(recipe)
        out = check(case, analyzer, workdir)
        tally["inputs"] += 1
        tally["read"] += out.read
        tally["labelled"] += out.labelled
        tally["rejected"] += out.rejected
        tally["good"] += len(case.good)
        tally["lost"] += len(out.lost)
        tally["merged"] += out.merged
        tally["errors"] += out.error is not None
        tally["changed"] += bool(out.changed)
        tally["refused"] += out.refused is not None
        if not out.ok and len(failures) < 5:
            failures.append(f"{recipe!r}\n    -> lost {out.lost}, changed {out.changed}, "
                            f"error {out.error}")

    one()
    return {"tally": tally, "failures": failures}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=10_000, help="inputs per format")
    ap.add_argument("--formats", default="jsonl,csv,tsv,parquet,gzip,html")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    try:
        import hypothesis  # noqa: F401
    except ImportError:
        print("fuzz_inputs: needs hypothesis (pip install -e '.[dev]'); skipping",
              file=sys.stderr)
        return 0
    import framing

    # a two-frame codebook: the readers are under test, not the rules, and it keeps a case
    # at a few milliseconds of labelling
    cb = framing.Codebook.from_dict(TINY_CODEBOOK)
    analyzer = framing.load(rules_only=True, codebook=cb)
    print(f"{'format':8s}{'inputs':>8s}{'read':>9s}{'labelled':>10s}{'rejected':>10s}"
          f"{'valid':>8s}{'lost':>6s}{'merged':>8s}{'raised':>8s}{'changed':>9s}{'refused':>9s}"
          f"{'s':>7s}")
    bad = False
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(prefix="fuzz_inputs_",
                                     dir=shm if shm.is_dir() else None) as tmp:
        for fmt in args.formats.split(","):
            t0 = time.perf_counter()
            res = run_format(fmt, args.n, analyzer, args.seed, Path(tmp))
            t = res["tally"]
            print(f"{fmt:8s}{t['inputs']:8d}{t['read']:9d}{t['labelled']:10d}{t['rejected']:10d}"
                  f"{t['good']:8d}{t['lost']:6d}{t['merged']:8d}{t['errors']:8d}"
                  f"{t['changed']:9d}{t['refused']:9d}{time.perf_counter() - t0:7.0f}",
                  flush=True)
            for f in res["failures"]:
                print("  FAILED:", f)
            bad = bad or bool(t["lost"] or t["errors"] or t["changed"])
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
