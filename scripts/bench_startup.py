"""Benchmark: start-up of ``framing score`` against ``python -c "import spacy"``, same run.

Each command runs in a fresh process, the configurations alternating, ``--repeat`` times;
reported per configuration: the best and the median wall time (process start to exit), and
their ratio to the best / median ``import spacy`` measured in the same rounds (so machine load
cancels out as far as it can). Configurations:

* ``import spacy``: ``python -c "import spacy"`` (spaCy imports thinc, and thinc imports torch
  when it is installed, as it is here);
* ``rules (cold cache)``: ``framing score --rules-only --text ...`` with an empty rule cache
  (the compiled phrase patterns are built and written), once;
* ``rules``: the same with the cache written (what every later call costs);
* ``default models``: ``framing score --text ...`` with the default frame and stance models
  (skipped when they are not built in the current directory).

The targets of issue 16 are on an idle 2-core machine: rules under 1.5 s, default models under
4 s. The load average before and after is printed: on a loaded machine compare the ratios.

Usage::

    python scripts/bench_startup.py               # 5 rounds
    python scripts/bench_startup.py --repeat 3 --no-models
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXT = ("Washington should leave marijuana policy to the states. Federal prosecutors keep "
        "raiding dispensaries that follow state law.")


def framing_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("framing")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "framing"]


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"bench_startup: {' '.join(cmd)} failed:\n{proc.stderr}")
    return took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-models", action="store_true", help="skip the default-model run")
    args = ap.parse_args()
    from framing.models.directory import default_dir, is_built

    models = not args.no_models and all(
        (d := default_dir(k)) is not None and is_built(d) for k in ("frames", "stance"))
    cache = Path(tempfile.mkdtemp(prefix="bench_startup_cache_"))
    env = {**os.environ, "FRAMING_CACHE_DIR": str(cache)}
    score = [*framing_cmd(), "score", "--format", "json", "--text", TEXT]
    configs: dict[str, list[str]] = {
        "import spacy": [sys.executable, "-c", "import spacy"],
        "rules": [*score, "--rules-only"],
    }
    if models:
        configs["default models"] = score
    load0 = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; load average {load0[0]:.1f} (1 min), "
          f"{load0[1]:.1f} (5 min) before the runs")
    try:
        cold = wall([*score, "--rules-only"], env)
        times: dict[str, list[float]] = {k: [] for k in configs}
        for _ in range(args.repeat):
            for name, cmd in configs.items():
                times[name].append(wall(cmd, env))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    load1 = os.getloadavg()
    base_best = min(times["import spacy"])
    base_med = statistics.median(times["import spacy"])
    print(f"{args.repeat} rounds, alternating; load average {load1[0]:.1f} (1 min) after\n")
    print(f"{'configuration':>22s}{'best s':>9s}{'median s':>10s}{'x spacy (best)':>16s}"
          f"{'x spacy (median)':>18s}")
    rows = [("rules (cold cache)", [cold]), *times.items()]
    for name, ts in rows:
        best, med = min(ts), statistics.median(ts)
        print(f"{name:>22s}{best:9.2f}{med:10.2f}{best / base_best:16.2f}"
              f"{med / base_med:18.2f}")
    if not models:
        print("\n(default models not built here, or --no-models: that run was skipped)")
    print("\nTargets (idle 2-core machine): rules < 1.5 s, default models < 4 s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
