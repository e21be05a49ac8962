"""Cost of target-aware stance per document, as a ratio in one run.

Times the ``stance_detector`` path on op-ed test documents toward the codebook's two drug
policy targets in two modes, alternating, on the same processed Docs and the same loaded
default stance model: ``before`` (every cue counts, no opposite targets, targets given: what
the detector did before issue 17) and ``after`` (cues bound to their clause and checked for
relevance to the target, declared opposites reconciled), and, separately, the cost of inferring
the issue of each text (the step that gives documents without an issue their targets). Prints
seconds per document and the after/before ratio.

Then the cost of target-antisymmetric inference (``opposite_pairing``,
:mod:`framing.models.stance.pairing`), per document, new / old in the same run: ``old`` is the
detector without pairing that scores every (target, sentence) pair (``pairing="off"``,
``score_gated=True``: what it did before), ``new`` each pairing (``mean``, ``product``,
``canonical``, ``auto``) as the detector runs it (pairs that the relevance gate answers are
not scored), in two settings:
``own_target`` (each document toward its own target, one target: the Analyzer on a document
whose issue has one target) and ``drug_pair`` (every document toward both declared-opposite
drug policy targets, as above).

Usage:
    python scripts/bench_stance_targets.py [--docs 12] [--repeats 2] [--model DIR]
        [--skip-issue17]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    from framing import corpora
    from framing.codebook import Codebook
    from framing.models.stance import StanceModel
    from framing.pipeline.stance import build_stance_nlp, stance_for_each

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=12)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--model", type=Path, default=REPO / "models" / "stance-default")
    ap.add_argument("--skip-issue17", action="store_true",
                    help="time only the opposite pairing")
    args = ap.parse_args(argv)
    d = args.model
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
    out: dict[str, Any] = {"documents": len(pdocs), "repeats": args.repeats}
    if not args.skip_issue17:
        out.update(issue17(args, model, cb, pdocs, texts, fixed))
    own = [[x.stance[0].target] if x.stance else fixed for x in docs][:args.docs]
    out["opposite_pairing"] = pairing_cost(args, model, cb, pdocs, own, fixed)
    print(json.dumps(out, indent=1))
    return 0


def pairing_cost(args: argparse.Namespace, model: Any, cb: Any, pdocs: list[Any],
                 own: list[list[str]], fixed: list[str]) -> dict[str, Any]:
    """Seconds per document and new/old ratios of the opposite pairing (see the docstring);
    the modes alternate within each repeat, so that load on the machine hits them alike."""
    from framing.pipeline.stance import stance_for_each

    opp = cb.opposites()
    settings = {"own_target": own, "drug_pair": [fixed] * len(pdocs)}
    modes: dict[str, dict[str, Any]] = {
        "old": {"pairing": "off", "score_gated": True}, "mean": {"pairing": "mean"},
        "product": {"pairing": "product"}, "canonical": {"pairing": "canonical"},
        "auto": {"pairing": "auto"}}
    times = {(s, m): 0.0 for s in settings for m in modes}
    pairs = {(s, m): 0 for s in settings for m in modes}
    # the cross-encoder pairs each mode sends to the network (counted on the raw scorer that
    # every pairing calls: a cost measure that machine load does not blur)
    from framing.models.model import LabelModel

    raw = LabelModel.predict_proba
    counted = [0]

    def counting(self: Any, inputs: Any, *a: Any, **kw: Any) -> Any:
        counted[0] += len(inputs)
        return raw(self, inputs, *a, **kw)

    LabelModel.predict_proba = counting  # type: ignore[method-assign]
    try:
        for _ in range(args.repeats):
            for s, tg in settings.items():
                for m, kw in modes.items():
                    counted[0] = 0
                    t = time.perf_counter()
                    stance_for_each(model, pdocs, tg, opposites=opp, **kw)
                    times[(s, m)] += time.perf_counter() - t
                    pairs[(s, m)] = counted[0]
    finally:
        LabelModel.predict_proba = raw  # type: ignore[method-assign]
    n = len(pdocs) * args.repeats
    res: dict[str, Any] = {}
    for s in settings:
        res[s] = {"seconds_per_doc": {m: round(times[(s, m)] / n, 4) for m in modes},
                  "ratio_new_old": {m: round(times[(s, m)] / times[(s, "old")], 3)
                                    for m in modes if m != "old"},
                  "cross_encoder_pairs_per_doc": {m: round(pairs[(s, m)] / len(pdocs), 2)
                                                  for m in modes}}
    return res


def issue17(args: argparse.Namespace, model: Any, cb: Any, pdocs: list[Any],
            texts: list[str], fixed: list[str]) -> dict[str, Any]:
    """The before/after timing of the issue-17 detector (cues bound to clauses, opposites
    reconciled) and of issue inference; both modes without the opposite pairing."""
    from framing.pipeline.stance import stance_for_each, targets_for

    times: dict[str, float] = {"before": 0.0, "after": 0.0, "infer_issue": 0.0}
    for _ in range(args.repeats):
        t = time.perf_counter()
        stance_for_each(model, pdocs, [fixed] * len(pdocs), cue_relevance=None,
                        pairing="off", score_gated=True)
        times["before"] += time.perf_counter() - t
        t = time.perf_counter()
        stance_for_each(model, pdocs, [fixed] * len(pdocs), opposites=cb.opposites(),
                        pairing="off")
        times["after"] += time.perf_counter() - t
        t = time.perf_counter()
        for x in texts:
            targets_for(cb, {}, [], text=x)
        times["infer_issue"] += time.perf_counter() - t
    n = len(pdocs) * args.repeats
    return {"seconds_per_doc": {k: round(v / n, 4) for k, v in times.items()},
            "ratio_after_before": round(times["after"] / times["before"], 3)}


if __name__ == "__main__":
    sys.exit(main())
