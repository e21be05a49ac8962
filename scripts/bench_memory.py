"""Benchmark: peak memory of ``framing label`` stays flat as the corpus grows 10x.

The small input is the first ``--docs`` speeches; the large one is the same speeches ten times
over (10x the documents, the same mix of lengths). Each run is the real command line in a
fresh process; its peak resident memory is read from ``getrusage(RUSAGE_CHILDREN)`` of a fresh
wrapper process (the largest single process: the only one with ``--workers 1``). Memory is
bounded by the shard size (``--shard-size`` records are in flight), not by the corpus.

Usage::

    python scripts/bench_memory.py                    # 100 speeches vs 1,000 (10 x 100)
    python scripts/bench_memory.py --out-format parquet-file
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The data file: in $FRAMING_DATA_DIR when set, else ../shared/data beside the repository.
_DATA_DIR = (Path(os.environ["FRAMING_DATA_DIR"]) if os.environ.get("FRAMING_DATA_DIR")
             else Path(__file__).resolve().parents[2] / "shared" / "data")
DATA = _DATA_DIR / "presidential_speeches.jsonl"

WRAPPER = """
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
if p.returncode:
    sys.stderr.write(p.stderr)
    raise SystemExit(p.returncode)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def peak_rss_mb(cmd: list[str]) -> tuple[float, float]:
    """Peak RSS (MiB) of ``cmd`` and its wall time."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True,
                       check=False)
    wall = time.perf_counter() - t0
    if p.returncode:
        raise SystemExit(f"bench_memory: command failed: {' '.join(cmd)}\n{p.stderr}")
    maxrss = int(p.stdout.strip().splitlines()[-1])  # bytes on macOS, KiB elsewhere
    return maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024), wall


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA,
                    help="the data file (default: presidential_speeches.jsonl in --data-dir)")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="folder with presidential_speeches.jsonl "
                         "(default: $FRAMING_DATA_DIR, else ../shared/data)")
    ap.add_argument("--docs", type=int, default=100, help="speeches in the small run")
    ap.add_argument("--factor", type=int, default=10)
    ap.add_argument("--shard-size", type=int, default=25)
    ap.add_argument("--out-format", choices=["dir", "parquet-file", "jsonl-file"],
                    default="dir")
    args = ap.parse_args()
    if args.data_dir is not None:
        args.data = args.data_dir / "presidential_speeches.jsonl"
    if not args.data.is_file():
        print(f"bench_memory: {args.data} not found; this benchmark needs the shared "
              "presidential speeches (see ../shared/data/README.md). Skipping.",
              file=sys.stderr)
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="bench_memory_"))
    try:
        with open(args.data, encoding="utf-8") as fh:
            lines = [line for _, line in zip(range(args.docs), fh, strict=False)]
        small, large = tmp / "small.jsonl", tmp / "large.jsonl"
        small.write_text("".join(lines), encoding="utf-8")
        with open(large, "w", encoding="utf-8") as fh:
            for copy in range(args.factor):  # new ids, same texts: 10x the documents
                for line in lines:
                    fh.write(line.replace('"id": "', f'"id": "c{copy}-', 1))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}, load average {load:.1f}")
        out_arg = {"dir": "{}/", "parquet-file": "{}.parquet", "jsonl-file": "{}.jsonl"}
        results = {}
        for name, path in (("small", small), ("large", large)):
            out = out_arg[args.out_format].format(tmp / f"out-{name}")
            cmd = [sys.executable, "-m", "framing", "label", str(path), "--out", out,
                   "--rules-only", "--shard-size", str(args.shard_size), "-q"]
            results[name] = peak_rss_mb(cmd)
            n = len(lines) * (args.factor if name == "large" else 1)
            print(f"{name:6s} {n:6d} documents ({path.stat().st_size / 1e6:6.1f} MB): peak RSS "
                  f"{results[name][0]:7.1f} MiB, {results[name][1]:6.1f} s")
        growth = results["large"][0] / results["small"][0] - 1
        print(f"\nRATIO peak memory {args.factor}x documents vs 1x: "
              f"{results['large'][0] / results['small'][0]:.3f} ({100 * growth:+.1f} %); "
              "target within 10 %")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
