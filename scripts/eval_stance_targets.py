"""Does the stance model tell targets apart? Target-contrastive training and the target-swap
test, on the IBM claim stance data and the op-ed corpus.

Reports, on the IBM Debater Claim Stance Dataset's test split (claims on motions the train
split never uses; favor/against only, so predictions are restricted to those two):

(a) the default stance model zero-shot: F-avg, and target-swap consistency (each claim toward
    the negated motion, "This house would X" -> "This house would not X": favor and against
    must flip);
(b) cross-encoders fine-tuned on the train split in three formulations, in the same run:
    ``pairs`` (``[CLS] motion [SEP] claim``), ``contrastive`` (the same plus target-contrastive
    pairs: the claim toward the negated motion with the label flipped, toward a paraphrased
    motion, and toward an unrelated motion labelled none) and ``nli`` (contrastive, with the
    target put as a hypothesis, "the author supports: <motion>"); and the TF-IDF baseline;
    each with F-avg and swap consistency;

and, on the op-ed corpus test split (documents; sentences scored and pooled as the Analyzer
does), the default model's F-avg and its swap consistency (declared codebook opposites where
the target has one, else the negated target).

Every number is given twice: under the opposite pairing the product applies
(:mod:`framing.models.stance.pairing`: the stance toward a target tied to the stance toward
its opposite; the default model's ``opposite_pairing``, else ``--pairing``), and for the raw
network (``raw``), so that the consistency the pairing guarantees is never mistaken for the
network's own.

The IBM data is read at run time from ``--data-dir`` (default: ``$FRAMING_DATA_DIR``, else
``../shared/data`` beside the repository) and never copied into the repository; without it the
IBM part is skipped with a message (exit 0). Credit: "IBM Debater® Claim Stance Dataset, IBM
Research" (CC BY-SA 3.0).

Usage:
    python scripts/eval_stance_targets.py [--data-dir DIR] [--json OUT] [--update-card]
        [--epochs 2] [--max-train N] [--variants pairs,contrastive,nli] [--skip-opeds]
        [--pairing off|mean|product|canonical|auto]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = (Path(os.environ["FRAMING_DATA_DIR"]) if os.environ.get("FRAMING_DATA_DIR")
               else REPO.parent / "shared" / "data")
NLI_TEMPLATE = "the author supports: {target}"
VARIANTS: dict[str, dict[str, Any]] = {
    "pairs": {},
    "contrastive": {"negated_targets": 0.5, "paraphrased_targets": 0.5,
                    "unrelated_targets": 0.25},
    "nli": {"negated_targets": 0.5, "paraphrased_targets": 0.5, "unrelated_targets": 0.25,
            "target_template": NLI_TEMPLATE},
}


def load_ibm(data_dir: Path) -> dict[str, list[dict[str, Any]]] | None:
    """Train and test rows ``{"id", "text", "target", "stance"}``; None without the file."""
    path = data_dir / "ibm_claim_stance.jsonl"
    if not path.is_file():
        return None
    out: dict[str, list[dict[str, Any]]] = {"train": [], "test": []}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                r = json.loads(line)
                out[r["split"]].append({"id": r["id"], "text": r["text"],
                                        "target": r["target"], "stance": r["stance"]})
    return out


class RawCache:
    """The model as the product runs it (:meth:`StanceModel.predict_proba` under an opposite
    pairing: the same :func:`~framing.models.stance.pairing.paired_proba`), with the raw
    network's answer to each distinct (target, text) pair computed once, so that the raw and
    the paired views of one model are measured on the same raw scores in one run."""

    def __init__(self, model: Any, pairing: str) -> None:
        self.model, self.pairing = model, pairing
        self.raw: dict[tuple[str, str], Any] = {}

    def __getattr__(self, name: str) -> Any:  # labels, pooling, relevance, rule, ...
        return getattr(self.model, name)

    def _raw(self, pairs: list[tuple[str, str]]) -> Any:
        import numpy as np

        need = [p for p in dict.fromkeys(pairs) if p not in self.raw]
        if need:
            for p, r in zip(need, self.model.predict_proba(need, pairing="off"), strict=True):
                self.raw[p] = r
        return np.array([self.raw[p] for p in pairs]).reshape(-1, len(self.model.labels))

    def predict_proba(self, pairs: Any, batch_size: int | None = None,
                      precision: str | None = None, *, pairing: str | None = None,
                      opposites: Any = None) -> Any:
        from framing.models.stance.pairing import paired_proba

        pairs = self.model.check_inputs(pairs)
        return paired_proba(self._raw, pairs, self.model.labels, pairing or self.pairing,
                            opposites)

    def predict(self, pairs: Any, restrict: Any = None, pairing: str | None = None) -> list[str]:
        return list(self.model.rule.decide(self.predict_proba(pairs, pairing=pairing),
                                           restrict))


def polar_and_swap(model: Any, rows: Any, pairing: str) -> dict[str, Any]:
    """F-avg (restricted to favor/against) and target-swap consistency on sentence rows, under
    the opposite ``pairing`` (the product's answer) and, in ``raw``, of the network alone."""
    from framing.models.stance.metrics import stance_report
    from framing.models.stance.swap import opposite_target, swap_consistency

    polar = ["favor", "against"]
    cached = RawCache(model, pairing)
    out: dict[str, Any] = {"opposite_pairing": pairing}
    for mode in dict.fromkeys([pairing, "off"]):
        pred = cached.predict(rows.pairs, restrict=polar, pairing=mode)
        swapped = cached.predict([(opposite_target(t), x) for t, x in rows.pairs],
                                 restrict=polar, pairing=mode)
        rep = stance_report(rows.labels, pred, model.labels)
        r = {"accuracy": rep["accuracy"], "f_avg": rep["f_avg"], "n": rep["n"],
             "swap": swap_consistency(pred, swapped)}
        if mode == pairing:
            out.update(r)
        out["raw"] = r
    return out


def ibm_part(data: dict[str, list[dict[str, Any]]], args: argparse.Namespace,
             log: Any) -> dict[str, Any]:
    from framing.models import train
    from framing.models.stance import StanceData, StanceModel, StanceSettings, split_dev

    res: dict[str, Any] = {"n_train": len(data["train"]), "n_test": len(data["test"])}
    test = StanceData.from_rows(data["test"], source="ibm test")
    default = REPO / "models" / "stance-default"
    if (default / "framing_model.json").is_file() and not args.skip_zero_shot:
        t = time.perf_counter()
        dm = StanceModel.load(default)
        res["zero_shot"] = polar_and_swap(dm, test, args.pairing or dm.opposite_pairing)
        res["zero_shot"]["seconds"] = round(time.perf_counter() - t, 1)
        log(f"zero-shot default model: {_fmt(res['zero_shot'])}")
    rows = StanceData.from_rows(data["train"][:args.max_train] if args.max_train
                                else data["train"], source="ibm train")
    tr, dev, how = split_dev(rows, 0.15, args.seed, "targets", min_dev_targets=4)
    res["dev_split"] = how
    log(f"dev: {how}")
    if args.skip_training:
        return res
    base = {"epochs": args.epochs, "lr": args.lr, "seed": args.seed, "batch_size": 16,
            "max_length": args.max_length, "stride": min(32, args.max_length // 4),
            "patience": 1, "class_weight": "balanced", "freeze_embeddings": True,
            "train_layers": args.train_layers, "relevance_encoder": None}
    runs = {f"transformer_{v}": StanceSettings(**base, **VARIANTS[v])
            for v in args.variants}
    runs["tfidf"] = StanceSettings(method="tfidf", seed=args.seed, class_weight="balanced")
    with tempfile.TemporaryDirectory(prefix="stance-targets-") as tmp:
        for name, cfg in runs.items():
            t, c = time.perf_counter(), time.process_time()

            def sub_log(msg: str, n: str = name) -> None:
                log(f"  [{n}] {msg}")

            fit = train("stance", tr, Path(tmp) / name, cfg, eval_data=dev, progress=False,
                        log=sub_log)
            r = polar_and_swap(fit.model, test, args.pairing or "mean")
            r.update(settings={k: v for k, v in cfg.to_dict().items() if k in (
                "epochs", "lr", "max_length", "train_layers", "negated_targets",
                "paraphrased_targets",
                "unrelated_targets", "target_template", "method")},
                train_rows=sum(((fit.model.meta.get("data") or {}).get("label_counts")
                                or {}).values()),
                seconds=round(time.perf_counter() - t, 1),
                cpu_seconds=round(time.process_time() - c, 1))
            res[name] = r
            log(f"{name}: {_fmt(r)} ({r['seconds']} s)")
    return res


def document_predictions(model: Any, texts: list[str], targets: list[str],
                         pairing: str | None = None, opposites: Any = None) -> list[str]:
    """Each document's pooled label toward its target, as the ``stance_detector`` pools, under
    the opposite ``pairing`` (default: the model's) with the declared ``opposites``."""
    from framing.pipeline.stance import doc_inputs

    inputs = doc_inputs(model, texts, targets, relevance=bool(model.pooling.relevance_threshold),
                        pairing=pairing, opposites=opposites)
    return [model.pooling.pool(p, model.labels, c, r).label for p, c, r in inputs]


def opeds_part(log: Any, pairing: str | None = None) -> dict[str, Any] | None:
    """The default model on the op-ed test split documents: F-avg and swap consistency under
    its opposite pairing (or ``pairing``) and, in ``raw``, of the network alone."""
    from framing import corpora
    from framing.codebook import Codebook
    from framing.models.stance import StanceModel
    from framing.models.stance.metrics import stance_report
    from framing.models.stance.swap import opposite_target, swap_consistency

    default = REPO / "models" / "stance-default"
    if not (default / "framing_model.json").is_file():
        log("default stance model not built: skipping the op-ed part")
        return None
    model = StanceModel.load(default)
    mode = pairing or model.opposite_pairing
    cached = RawCache(model, mode)
    docs = list(corpora.iter_stance_examples(
        corpora.load_opeds(REPO / "corpora" / "opeds" / "opeds.jsonl", split="test"),
        level="document"))
    opp = Codebook.default().opposites()
    texts = [d["text"] for d in docs]
    gold = [d["stance"] for d in docs]
    gold_polar = [i for i, g in enumerate(gold) if g != "none"]
    t = time.perf_counter()
    out: dict[str, Any] = {"n_documents": len(docs), "opposite_pairing": mode}
    for m in dict.fromkeys([mode, "off"]):
        pred = document_predictions(cached, texts, [d["target"] for d in docs], m, opp)
        swapped = document_predictions(cached, texts, [opposite_target(d["target"], opp)
                                                       for d in docs], m, opp)
        rep = stance_report(gold, pred, model.labels)
        r = {"accuracy": rep["accuracy"], "f_avg": rep["f_avg"], "macro_f1": rep["macro_f1"],
             "swap": swap_consistency(pred, swapped),
             "swap_gold_polar": swap_consistency([pred[i] for i in gold_polar],
                                                 [swapped[i] for i in gold_polar])}
        if m == mode:
            out.update(r)
        out["raw"] = r
        log(f"op-ed test documents, pairing {m}: F-avg {r['f_avg']:.3f}, swap consistency "
            f"{r['swap']['consistency']:.3f} (n {r['swap']['n']})")
    out["seconds"] = round(time.perf_counter() - t, 1)
    return out


def _fmt(r: dict[str, Any]) -> str:
    raw = r.get("raw") or r
    return (f"F-avg {r['f_avg']:.3f}  accuracy {r['accuracy']:.3f}  swap consistency "
            f"{r['swap']['consistency']:.3f} (n {r['swap']['n']}; pairing "
            f"{r.get('opposite_pairing')}; raw network: F-avg {raw['f_avg']:.3f}, swap "
            f"{raw['swap']['consistency']:.3f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=DEFAULT_DIR,
                    help="folder with ibm_claim_stance.jsonl (default: $FRAMING_DATA_DIR, "
                         "else ../shared/data)")
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    ap.add_argument("--update-card", action="store_true",
                    help="store the results in models/stance-default/metrics.json and "
                         "re-render its README.md")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--max-train", type=int, default=0, help="use the first N train rows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--variants", default="pairs,contrastive,nli")
    ap.add_argument("--skip-opeds", action="store_true")
    ap.add_argument("--skip-ibm", action="store_true")
    ap.add_argument("--from-json", type=Path, nargs="*", default=None,
                    help="measure nothing: merge the --json results of earlier runs (parts "
                         "measured separately) and, with --update-card, store them")
    ap.add_argument("--skip-zero-shot", action="store_true",
                    help="no zero-shot check of the default model on IBM")
    ap.add_argument("--skip-training", action="store_true",
                    help="no models trained on the IBM train split")
    ap.add_argument("--pairing", default=None,
                    choices=("off", "mean", "product", "canonical", "auto"),
                    help="opposite pairing to measure under (default: the default model's "
                         "opposite_pairing; 'mean' for the models trained here); the raw "
                         "network is always reported beside it")
    ap.add_argument("--train-layers", type=int, default=None,
                    help="fine-tune only the top N encoder layers (default: all)")
    args = ap.parse_args(argv)
    args.variants = [v for v in args.variants.split(",") if v]
    bad = [v for v in args.variants if v not in VARIANTS]
    if bad:
        print(f"unknown variant(s) {bad}; choose from {list(VARIANTS)}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.1f} s] {msg}", file=sys.stderr, flush=True)

    from framing.errors import FramingError

    res: dict[str, Any] = {}
    if args.from_json is not None:
        for f in args.from_json:
            part = json.loads(f.read_text(encoding="utf-8"))
            ibm = {**(res.get("ibm_claim_stance") or {}),
                   **(part.get("ibm_claim_stance") or {})}
            res.update({k: v for k, v in part.items() if v is not None})
            if ibm:
                res["ibm_claim_stance"] = ibm
        if args.update_card:
            update_card(res)
        print(json.dumps(res, indent=1))
        return 0
    try:
        if not args.skip_opeds:
            res["opeds_test"] = opeds_part(log, args.pairing)
        if not args.skip_ibm:
            data = load_ibm(args.data_dir)
            if data is None:
                print(f"IBM claim stance data not found in {args.data_dir}: skipping the IBM "
                      "part (the data is not part of the repository).")
            else:
                res["ibm_claim_stance"] = ibm_part(data, args, log)
    except FramingError as e:
        print(str(e), file=sys.stderr)
        return 2
    res["seconds"] = round(time.perf_counter() - t0, 1)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    if args.update_card:
        update_card(res)
    print(json.dumps(res, indent=1))
    return 0


def update_card(res: dict[str, Any]) -> None:
    """Store ``res`` as ``target_swap`` in models/stance-default/metrics.json (merged into
    what an earlier run stored, so that parts can be measured in separate runs) and re-render
    the card."""
    from framing.models.stance.card import render_stance_card

    d = REPO / "models" / "stance-default"
    meta = json.loads((d / "framing_model.json").read_text(encoding="utf-8"))
    metrics = json.loads((d / "metrics.json").read_text(encoding="utf-8"))
    old = metrics.get("target_swap") or {}
    ibm = {**(old.get("ibm_claim_stance") or {}), **(res.get("ibm_claim_stance") or {})}
    metrics["target_swap"] = {**old, **res, "ibm_claim_stance": ibm or None,
                              "model_created": meta.get("created")}
    (d / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n", encoding="utf-8")
    notes = (meta.get("recipe") or {}).get("notes")
    if isinstance(notes, list):
        notes = "\n\n".join(notes)
    (d / "README.md").write_text(render_stance_card(meta, metrics, notes), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
