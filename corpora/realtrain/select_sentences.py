"""Select the sentences of the real-text training supplement (``speeches_train.jsonl``).

Reproducible (fixed seed, no model involved): the same splitter and keyword lists as
``corpora/realdev/select_sentences.py``, but drawn **only from speeches in the ``calibration``
half** (:func:`framing.realdev.half_of`) and never a sentence that is already in
``corpora/realdev``, so the ``heldout`` half stays unseen by training and calibration alike.

The mix leans on the cases that an op-ed-trained classifier gets wrong on real prose (see
``models/frames-default/README.md``, "Domain calibration"): sentences that *mention* levels of
government (the States, Governors, local governments next to federal / national / Congress) or
crime and law without framing the division of power or the enforcing of law. Per set:

* 140 ``federalism_weak`` and 60 ``federalism_strong`` sentences,
* 80 ``enforcement_weak`` and 60 ``enforcement_strong`` sentences,
* 60 ``random`` sentences (random calibration-half speech, then random sentence),

stratified over the same five eras. The keyword lists only choose what to read; labels are
assigned afterwards by reading each sentence (see ``DATASHEET.md``).

Round 2 (``--round 2``, 400 more sentences) is guided by a model, to find the sentences that
decide whether a model adds federalism and enforcement framing *without* flagging sentences
that have neither: from the same calibration-half speeches (minus realdev and round 1), the
keyword pools above plus 8,000 random sentences are scored with the rules alone and with the
given model (``--model``, default: the default model as built then; its fingerprint is
printed), and drawn, stratified over eras:

* 200 ``model_added``: the model labels federalism or enforcement and the rules do not,
* 100 ``model_borderline``: not labelled, but a fused federalism or enforcement score of
  0.25-0.5 (what a slightly different model would label),
* 100 ``rules_flagged``: the rules label federalism or enforcement.

Round 3 (``--round 3``, 400 more) does the same for federalism alone, guided by the model
built with rounds 1-2 (federalism keyword pools plus 8,000 random sentences, minus rounds
1-2): 250 ``fed_model_added``, 75 ``fed_model_borderline``, 75 ``fed_rules_flagged``.

The model only chooses what to read; the annotators do not see why a sentence was chosen.

    python corpora/realtrain/select_sentences.py [--out PATH]
    python corpora/realtrain/select_sentences.py --round 2 [--model DIR] [--out PATH]
    python corpora/realtrain/select_sentences.py --round 3 [--model DIR] [--out PATH]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
from pathlib import Path

from framing_corpora.realdev import half_of, load_annotations, overlaps, span_index

REPO = Path(__file__).resolve().parents[2]

_spec = importlib.util.spec_from_file_location(
    "realdev_select", REPO / "corpora" / "realdev" / "select_sentences.py")
assert _spec and _spec.loader
dev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dev)

SEED = 20261127
TRAIN = REPO / "corpora" / "realtrain" / "speeches_train.jsonl"
#: the model-guided rounds: what they look at, how many of each category (model added,
#: borderline, rules flagged: the order of the draw), seed
GUIDED: dict[int, dict] = {
    2: {"focus": ("federalism", "enforcement"), "seed": 20261128,
        "counts": {"model_added": 200, "model_borderline": 100, "rules_flagged": 100}},
    3: {"focus": ("federalism",), "seed": 20261129,
        "counts": {"fed_model_added": 250, "fed_model_borderline": 75,
                   "fed_rules_flagged": 75}},
}
ROUND_SELECTIONS = {1: ("federalism_weak", "federalism_strong", "enforcement_weak",
                        "enforcement_strong", "random"),
                    **{r: tuple(g["counts"]) for r, g in GUIDED.items()}}
COUNTS = {"federalism_weak": 140, "federalism_strong": 60, "enforcement_weak": 80,
          "enforcement_strong": 60, "random": 60}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="/tmp/realtrain_selection.jsonl")
    ap.add_argument("--round", type=int, choices=(1, 2, 3), default=1)
    ap.add_argument("--model", default=None,
                    help="rounds 2 and 3: the model that guides the draw")
    ap.add_argument("--data-dir", default=None, help="folder with presidential_speeches.jsonl")
    args = ap.parse_args(argv)
    speeches = dev.speeches_file(args.data_dir)
    if not speeches.exists():
        print(f"skip: {speeches} not found", file=sys.stderr)
        return 0
    rows = [json.loads(line) for line in speeches.open(encoding="utf-8")]
    rows = [r for r in rows if half_of(r["id"]) == "calibration"]
    # never a sentence of the development set (exact span or overlapping it)
    dev_spans = span_index(load_annotations())
    sents = [t for t in dev.split_sentences(rows) if not overlaps(dev_spans, *t[:3])]
    if args.round > 1:
        return guided(sents, args.out, args.model, args.round)
    rng = random.Random(SEED)
    pools = dev.keyword_pools([t for t in sents if 6 <= dev.words(t[4]) <= 90])
    taken: set = set()
    chosen = {name: dev.draw(rng, pools[name], COUNTS[name], taken) for name in pools}
    chosen["random"] = dev.draw_random(rng, sents, COUNTS["random"], taken)
    dev.write_selection(args.out, chosen)
    print(f"{len(rows)} calibration-half speeches, {len(sents)} sentences; pools: "
          + ", ".join(f"{k} {len(v)}" for k, v in pools.items())
          + f"; wrote {sum(len(v) for v in chosen.values())} to {args.out}")
    return 0


def guided(sents: list, out: str, model: str | None, round_no: int) -> int:
    """A model-guided round (2 or 3; see the module docstring)."""
    import framing

    spec = GUIDED[round_no]
    focus, counts, seed = spec["focus"], spec["counts"], spec["seed"]
    earlier = {name for r, names in ROUND_SELECTIONS.items() if r < round_no for name in names}
    before = span_index(it for it in load_annotations(TRAIN) if it.selection in earlier)
    ok = [t for t in sents if not overlaps(before, *t[:3]) and 6 <= dev.words(t[4]) <= 90]
    rng = random.Random(seed)
    kset = {(t[0], t[1]) for name, pool in dev.keyword_pools(ok).items()
            if name.split("_")[0] in focus for t in pool}
    keyword = [t for t in ok if (t[0], t[1]) in kset]
    rest = [t for t in ok if (t[0], t[1]) not in kset]
    pool = keyword + rng.sample(rest, min(8000, len(rest)))
    rules = framing.load(rules_only=True)
    analyzer = framing.load(model)
    print(f"scoring {len(pool)} sentences with the rules and the model", file=sys.stderr)
    texts = [{"id": str(i), "text": t[4]} for i, t in enumerate(pool)]
    rres = list(rules.pipe(texts))
    mres = list(analyzer.pipe(texts))
    added, borderline, flagged = counts  # category names, in this order
    cats: dict[str, list] = {k: [] for k in counts}
    for t, rr, mr in zip(pool, rres, mres, strict=True):
        rl, ml = set(rr.labels) & set(focus), set(mr.labels) & set(focus)
        if ml - rl:
            cats[added].append(t)
        elif rl:
            cats[flagged].append(t)
        elif any(0.25 <= mr.frames.get(f, 0.0) < 0.5 for f in focus):
            cats[borderline].append(t)
    taken: set = set()
    chosen = {k: dev.draw(rng, cats[k], counts[k], taken) for k in counts}
    dev.write_selection(out, chosen)
    fp = (mres[0].model.get("classifier") or {}).get("data_fingerprint", "?")
    print(f"round {round_no}: pool {len(pool)} ({len(keyword)} keyword + random); categories "
          + ", ".join(f"{k} {len(v)}" for k, v in cats.items())
          + f"; wrote {sum(len(v) for v in chosen.values())} to {out}; guiding model data "
          f"fingerprint {fp[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
