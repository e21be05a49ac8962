"""Cost of target-aware stance per document, as a ratio in one run.

Times the ``stance_detector`` path on op-ed test documents toward the codebook's two drug
policy targets in two modes, alternating, on the same processed Docs and the same loaded
default stance model: ``before`` (every cue counts, no opposite targets, targets given: what
the detector did before issue 17) and ``after`` (cues bound to their clause and checked for
relevance to the target, declared opposites reconciled), and, separately, the cost of inferring
the issue of each text (the step that gives documents without an issue their targets). Prints
seconds per document and the after/before ratio.

Usage:
    python scripts/bench_stance_targets.py [--docs 12] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from framing import corpora
    from framing.codebook import Codebook
    from framing.models.stance import StanceModel
    from framing.pipeline.stance import build_stance_nlp, stance_for_each, targets_for

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)
    d = REPO / "models" / "stance-default"
    if not (d / "framing_model.json").is_file():
        print("the default stance model is not built: nothing to time")
        return 0
    model = StanceModel.load(d)
    cb = Codebook.default()
    docs = corpora.load_opeds(REPO / "corpora" / "opeds" / "opeds.jsonl", split="test")
    texts = [x.text for x in docs][:args.docs]
    nlp = build_stance_nlp()
    pdocs = list(nlp.pipe(texts))
    fixed = [t.text for t in cb.targets if t.issue == "drug_policy"]
    stance_for_each(model, pdocs[:1], [fixed])  # load the encoders outside the timing
    times: dict[str, float] = {"before": 0.0, "after": 0.0, "infer_issue": 0.0}
    for _ in range(args.repeats):
        t = time.perf_counter()
        stance_for_each(model, pdocs, [fixed] * len(pdocs), cue_relevance=None)
        times["before"] += time.perf_counter() - t
        t = time.perf_counter()
        stance_for_each(model, pdocs, [fixed] * len(pdocs), opposites=cb.opposites())
        times["after"] += time.perf_counter() - t
        t = time.perf_counter()
        for x in texts:
            targets_for(cb, {}, [], text=x)
        times["infer_issue"] += time.perf_counter() - t
    n = len(pdocs) * args.repeats
    out = {"documents": len(pdocs), "repeats": args.repeats,
           "seconds_per_doc": {k: round(v / n, 4) for k, v in times.items()},
           "ratio_after_before": round(times["after"] / times["before"], 3)}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
