"""``train_stance()``: stance rows in, a complete stance model directory out (the function
behind ``framing train --task stance``).

Steps: read and check the rows (``text``, ``target``, ``stance``); hold out dev rows unless
``dev_rows`` are given (whole targets by default when there are enough of them, see
:func:`~framing.stance.data.split_dev`); fine-tune the cross-encoder (or fit the TF-IDF
baseline); tune the sentence decision rule on dev rows; tune the document pooling rule on dev
documents when ``dev_docs`` are given; evaluate on dev and test (rows and documents); write the
weights, ``framing_model.json``, ``metrics.json`` and the ``README.md`` card into a temporary
directory that replaces ``out_dir`` at the end; reload it to check it.

Example:
    >>> from framing.stance import StanceSettings, train_stance
    >>> res = train_stance("train.jsonl", "models/my-stance",              # doctest: +SKIP
    ...                    StanceSettings(epochs=3), dev_rows="dev.jsonl")
    >>> res.metrics["dev"]["f_avg"]                                         # doctest: +SKIP
    0.71
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from framing.errors import Errors, FramingError
from framing.stance.card import render_stance_card
from framing.stance.data import (
    POLAR,
    StanceData,
    StanceLike,
    add_negated_targets,
    as_stance_data,
    split_dev,
)
from framing.stance.metrics import DecisionRule, stance_report
from framing.stance.model import FORMAT, FORMAT_VERSION, META_FILE, TASK, StanceModel
from framing.stance.pooling import PoolingRule
from framing.stance.settings import StanceSettings
from framing.train.trainer import prepare_out
from framing.version import __version__

MIN_ROWS = 4


@dataclass
class StanceTrainResult:
    """Where the model went, the loaded model and what it scored."""

    path: Path
    model: StanceModel
    metrics: dict[str, Any]
    seconds: float


def _check_subset(d: StanceData | None, labels: list[str], what: str) -> None:
    if d is None:
        return
    extra = [lab for lab in d.used_labels() if lab not in labels]
    if extra:
        raise FramingError(Errors.E704.format(
            source=d.source, detail=f"the {what} data uses label(s) {extra} that the training "
                                    f"data has no example of (training labels: {labels})"))


def _doc_report(model: StanceModel, docs: StanceData, rule: PoolingRule | None = None
                ) -> tuple[dict[str, Any], list[Any]]:
    from framing.stance.document import doc_inputs

    r = rule or model.pooling
    inputs = doc_inputs(model, docs.texts, docs.targets, relevance=bool(r.relevance_threshold))
    pred = [r.pool(p, model.labels, c, rel).label for p, c, rel in inputs]
    return stance_report(docs.labels, pred, model.labels), inputs


def train_stance(rows: StanceLike, out_dir: str | Path, settings: StanceSettings | None = None,
                 *, dev_rows: StanceLike | None = None, test_rows: StanceLike | None = None,
                 dev_docs: StanceLike | None = None, test_docs: StanceLike | None = None,
                 overwrite: bool = False, progress: bool = True,
                 log: Callable[[str], None] | None = None, name: str | None = None,
                 notes: str | None = None, extra_meta: dict[str, Any] | None = None
                 ) -> StanceTrainResult:
    """Train a stance model and write its directory (see the module docstring).

    Args:
        rows: training rows with ``text``, ``target``, ``stance`` (favor / against / none): a
            JSONL/CSV/TSV/Parquet path, :class:`~framing.stance.data.StanceData` or dicts.
        out_dir: the model directory to write.
        settings: :class:`~framing.stance.settings.StanceSettings` (defaults when None).
        dev_rows: dev rows (early stopping and the decision rule); default: a held-out part of
            ``rows`` (``settings.eval_split``, ``settings.dev_split``).
        test_rows: held-out rows, reported in ``metrics.json`` and the card.
        dev_docs: documents with a document-level stance per row (same fields; ``text`` is the
            whole document) to tune the pooling rule on.
        test_docs: held-out documents, reported.
        overwrite: replace a non-empty ``out_dir``.
        log: receives progress lines.
        name: model name for the card and results (default: the directory name).
        notes: Markdown appended to the card.
        extra_meta: merged into ``framing_model.json`` (e.g. the recipe).
    """
    t0 = time.perf_counter()
    cfg = settings or StanceSettings()
    log = log or (lambda s: None)
    out = Path(out_dir)
    prepare_out(out, overwrite, [rows, dev_rows, test_rows, dev_docs, test_docs])
    train_d = as_stance_data(rows)
    dev_d = as_stance_data(dev_rows) if dev_rows is not None else None
    test_d = as_stance_data(test_rows) if test_rows is not None else None
    dev_docs_d = as_stance_data(dev_docs) if dev_docs is not None else None
    test_docs_d = as_stance_data(test_docs) if test_docs is not None else None
    dev_source = dev_d.source if dev_d is not None else None
    if dev_d is None and cfg.eval_split > 0:
        train_d, dev_d, dev_source = split_dev(train_d, cfg.eval_split, cfg.seed, cfg.dev_split,
                                               cfg.min_dev_targets)
    train_d, n_neg = add_negated_targets(train_d, cfg.negated_targets, cfg.seed)
    if n_neg:
        log(f"added {n_neg} training rows toward negated targets (labels flipped)")
    labels = train_d.used_labels()
    if len(train_d) < MIN_ROWS or not all(lab in labels for lab in POLAR):
        raise FramingError(Errors.E704.format(
            source=train_d.source, detail=f"need at least {MIN_ROWS} rows with both favor and "
                                          f"against examples; found {len(train_d)} rows with "
                                          f"labels {train_d.label_counts()}"))
    for d, what in ((dev_d, "dev"), (test_d, "test"), (dev_docs_d, "dev document"),
                    (test_docs_d, "test document")):
        _check_subset(d, labels, what)
    if dev_d is not None and not len(dev_d):
        dev_d = None
    if dev_d is None:
        log("no dev rows: decision thresholds stay at 0.5 and there is no early stopping")
    y_train = train_d.y(labels)
    meta: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "task": TASK,
        "framing_version": __version__, "name": name or out.name, "method": cfg.method,
        "labels": labels, "decision": {}, "pooling": {}, "level": "sentence",
        "max_length": cfg.max_length, "stride": cfg.stride,
        "max_target_tokens": cfg.max_target_tokens, "base_model": None, "relevance": None,
        "training": cfg.to_dict(),
        "data": {"source": train_d.source, "n_rows": len(train_d),
                 "n_targets": len(set(train_d.targets)), "fingerprint": train_d.fingerprint(),
                 "label_counts": train_d.label_counts(), "dev_source": dev_source,
                 "n_dev": len(dev_d) if dev_d is not None else 0,
                 "test_source": test_d.source if test_d is not None else None,
                 "dev_docs_source": dev_docs_d.source if dev_docs_d is not None else None,
                 "test_docs_source": test_docs_d.source if test_docs_d is not None else None},
        "created": None,
    }
    if extra_meta:
        meta.update(extra_meta)

    model_obj: Any = None
    tok: Any = None
    est: Any = None
    dev_probs: np.ndarray | None = None
    if cfg.method == "transformer":
        from framing.stance.transformer import fit_stance_transformer
        from framing.train.base_model import resolve_base_model

        base = resolve_base_model(cfg.base_model)
        meta["base_model"] = base.to_dict()
        log(f"fine-tuning {base.name} ({base.source}) as a stance cross-encoder on "
            f"{len(train_d)} pairs ({len(set(train_d.targets))} targets), labels "
            f"{train_d.label_counts()}" + (f", dev {len(dev_d)} rows" if dev_d else ""))
        fit = fit_stance_transformer(train_d.pairs, y_train, dev_d.pairs if dev_d else None,
                                     dev_d.labels if dev_d else None, labels, cfg, base,
                                     progress=progress, log=log)
        model_obj, tok, dev_probs = fit.model, fit.tokenizer, fit.dev_probs
        meta["training"].update(epochs_run=len(fit.history), best_epoch=fit.best_epoch,
                                history=fit.history, threads=fit.threads)
    else:
        from framing.stance.tfidf import TfidfStanceClassifier

        log(f"fitting the TF-IDF stance baseline on {len(train_d)} pairs")
        te = time.perf_counter()
        est = TfidfStanceClassifier(C=cfg.tfidf_c, min_df=cfg.tfidf_min_df,
                                    class_weight=None if cfg.class_weight == "none"
                                    else "balanced", seed=cfg.seed)
        est.fit(train_d.pairs, train_d.labels)
        meta["training"]["fit_seconds"] = round(time.perf_counter() - te, 1)

    relevance = None
    if "none" in labels and dev_docs_d is not None and len(dev_docs_d):
        from framing.stance.relevance import RelevanceEncoder

        relevance = RelevanceEncoder.resolve(cfg.relevance_encoder)
        if relevance is not None:
            meta["relevance"] = {"encoder": cfg.relevance_encoder, **relevance.to_dict()}
    rule = DecisionRule(labels)
    meta["decision"] = rule.to_dict()
    meta["pooling"] = PoolingRule().to_dict()
    sm = StanceModel(meta, model=model_obj, tokenizer=tok, estimator=est, relevance=relevance)
    if dev_d is not None:
        if dev_probs is None:
            dev_probs = sm.predict_proba(dev_d.pairs)
        rule = DecisionRule.tune(labels, dev_d.labels, dev_probs)
        log(f"decision rule: {rule.describe()}")
    meta["decision"] = rule.to_dict()
    default_t = rule.none_threshold if rule.has_none else 0.5
    pooling = PoolingRule(doc_threshold=default_t, how="default (no dev documents: the "
                                                       "sentence rule's threshold)")
    sm = StanceModel({**meta, "pooling": pooling.to_dict()}, model=model_obj, tokenizer=tok,
                     estimator=est, relevance=relevance)
    metrics: dict[str, Any] = {
        "n_rows": {"train": len(train_d), "dev": len(dev_d) if dev_d is not None else None,
                   "test": len(test_d) if test_d is not None else None,
                   "dev_documents": len(dev_docs_d) if dev_docs_d is not None else None,
                   "test_documents": len(test_docs_d) if test_docs_d is not None else None},
        "label_counts": {"train": train_d.label_counts(),
                         "dev": dev_d.label_counts() if dev_d is not None else None,
                         "test": test_d.label_counts() if test_d is not None else None,
                         "dev_documents": dev_docs_d.label_counts() if dev_docs_d else None,
                         "test_documents": test_docs_d.label_counts() if test_docs_d
                         else None},
        "dev": None, "test": None, "dev_documents": None, "test_documents": None,
    }
    if dev_docs_d is not None and len(dev_docs_d):
        from framing.stance.document import doc_inputs

        inputs = doc_inputs(sm, dev_docs_d.texts, dev_docs_d.targets)
        pooling = PoolingRule.tune(inputs, dev_docs_d.labels, labels, default_t)
        log(f"pooling rule: doc_threshold {pooling.doc_threshold:.2f}, cue_weight "
            f"{pooling.cue_weight}, reported_weight {pooling.reported_weight}, "
            f"relevance_threshold {pooling.relevance_threshold} ({pooling.how})")
        pred = [pooling.pool(p, labels, c, r).label for p, c, r in inputs]
        metrics["dev_documents"] = stance_report(dev_docs_d.labels, pred, labels)
    meta["pooling"] = pooling.to_dict()
    if not pooling.relevance_threshold:
        meta["relevance"] = None  # the gate stayed off: nothing to load
        relevance = None
    meta["created"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    sm = StanceModel(meta, model=model_obj, tokenizer=tok, estimator=est, relevance=relevance)
    if dev_d is not None and dev_probs is not None:
        metrics["dev"] = stance_report(dev_d.labels, rule.decide(dev_probs), labels)
    if test_d is not None and len(test_d):
        metrics["test"] = stance_report(test_d.labels, sm.predict(test_d.pairs), labels)
    if test_docs_d is not None and len(test_docs_d):
        metrics["test_documents"] = _doc_report(sm, test_docs_d)[0]
    metrics["history"] = meta["training"].get("history", [])
    for key in ("dev", "test", "dev_documents", "test_documents"):
        rep = metrics[key]
        if rep:
            log(f"{key}: accuracy {rep['accuracy']:.3f}  macro-F1 {rep['macro_f1']:.3f}  "
                f"F-avg {rep['f_avg']:.3f}  (n {rep['n']})")
    meta["training"]["seconds"] = round(time.perf_counter() - t0, 1)
    metrics["seconds"] = meta["training"]["seconds"]

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        if cfg.method == "transformer":
            model_obj.save_pretrained(tmp)
            tok.save_pretrained(tmp)
        else:
            est.save(tmp / "model.skops")
        (tmp / META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n",
                                          encoding="utf-8")
        (tmp / "README.md").write_text(render_stance_card(meta, metrics, notes),
                                       encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    loaded = StanceModel.load(out)  # the directory must pass its own validation
    return StanceTrainResult(out, loaded, metrics, round(time.perf_counter() - t0, 1))
