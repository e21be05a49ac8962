"""``train()``: labelled data in, a complete model directory out (the function behind
``framing train``).

Steps: read and check the data (labels against the codebook when one is given, parents added);
split off dev data unless ``eval_data`` is given; fit the transformer (or the TF-IDF baseline);
tune per-label thresholds on dev; fit the rules+classifier fusion on dev when the labels have
codebook rules; evaluate on dev and test; write weights, ``framing_model.json``,
``codebook.json``, ``metrics.json`` and the ``README.md`` model card; reload the directory to
check it.

Example:
    >>> from framing.train import TrainConfig, train
    >>> res = train("train.jsonl", "models/mine", TrainConfig(epochs=3),     # doctest: +SKIP
    ...             eval_data="dev.jsonl", test_data="test.jsonl")
    >>> res.metrics["test"]["classifier"]["micro_f1"]                      # doctest: +SKIP
    0.71
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.guard import check_outputs
from framing.train.card import render_card
from framing.train.config import DEFAULT_EVAL_SPLIT, TrainConfig
from framing.train.data import (
    LabelledData,
    check_labels,
    close_labels,
    read_labelled,
    resolve_label_set,
    split_eval,
)
from framing.train.fusion import Fusion
from framing.train.metrics import THRESHOLD_RULE, Thresholds, multilabel_report, tune_thresholds
from framing.train.model import FORMAT, FORMAT_VERSION, META_FILE, FrameModel
from framing.train.rules import rule_scores, rule_thresholds
from framing.version import __version__

DataLike = str | Path | LabelledData
MIN_ROWS = 4


@dataclass
class TrainResult:
    """Where the model went, and what it scored."""

    path: Path
    model: FrameModel
    metrics: dict[str, Any]
    seconds: float


def _data(d: DataLike, text_field: str, labels_field: str) -> LabelledData:
    return d if isinstance(d, LabelledData) else read_labelled(d, text_field, labels_field)


def _codebook(cb: str | Path | Codebook | None) -> Codebook | None:
    if cb is None or isinstance(cb, Codebook):
        return cb
    return Codebook.load(cb)


def prepare_out(out: Path, overwrite: bool, inputs: Sequence[object] = ()) -> None:
    """Refuse to clobber a non-empty directory unless ``overwrite``, and even then replace
    only a model directory (one with ``framing_model.json``) that holds none of ``inputs``
    (paths of the training data; in-memory data is skipped)."""
    if out.exists() and not out.is_dir():
        raise FramingError(Errors.E409.format(path=out))
    paths = [p for p in inputs if isinstance(p, str | Path)]
    check_outputs(paths, {}, {"model directory": out})
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise FramingError(Errors.E409.format(path=out))
        if not (out / META_FILE).is_file():
            raise FramingError(Errors.E210.format(
                path=out, role="model directory",
                what="not a model directory (it has no framing_model.json)"))


def evaluate_block(model: FrameModel, data: LabelledData, labels: list[str],
                   rules_cb: Codebook | None, probs: np.ndarray | None = None
                   ) -> dict[str, Any]:
    """``{"classifier", "rules", "fused"}`` reports of ``model`` on ``data`` (rules/fused None
    without a rules codebook)."""
    y = data.matrix(labels)
    p = model.predict_proba(data.texts) if probs is None else probs
    block: dict[str, Any] = {"classifier": multilabel_report(y, p >= model.thresholds, labels),
                             "rules": None, "fused": None}
    if rules_cb is not None:
        r = rule_scores(data.texts, rules_cb, labels, model.level)
        block["rules"] = multilabel_report(y, r >= rule_thresholds(rules_cb, labels), labels)
        block["fused"] = multilabel_report(y, model.fuse(p, r) >= model.fused_thresholds, labels)
    return block


def train(data: DataLike, out: str | Path, config: TrainConfig | None = None, *,
          eval_data: DataLike | None = None, test_data: DataLike | None = None,
          codebook: str | Path | Codebook | None = None, overwrite: bool = False,
          text_field: str = "text", labels_field: str = "labels", progress: bool = True,
          log: Callable[[str], None] | None = None, name: str | None = None,
          notes: str | None = None, extra_meta: dict[str, Any] | None = None) -> TrainResult:
    """Train a frame model and write its directory (see the module docstring).

    Args:
        data: training data (path or :class:`LabelledData`).
        out: the model directory to write.
        config: settings (defaults: :class:`TrainConfig`).
        eval_data: dev data; default: ``config.eval_split`` of ``data`` (0.15).
        test_data: optional held-out data, reported in ``metrics.json`` and the card.
        codebook: restricts labels to its frames (others are an error) and adds parents.
        overwrite: replace a non-empty ``out``.
        log: receives progress lines (per-epoch dev metrics, notes).
        name: model name for the card and results (default: the directory name).
        notes: Markdown appended to the card.
        extra_meta: merged into ``framing_model.json`` (e.g. the recipe).
    """
    t0 = time.perf_counter()
    cfg = config or TrainConfig()
    log = log or (lambda s: None)
    out = Path(out)
    prepare_out(out, overwrite, [data, eval_data, test_data, codebook])
    cb = _codebook(codebook)
    train_d = _data(data, text_field, labels_field)
    dev_d = _data(eval_data, text_field, labels_field) if eval_data is not None else None
    test_d = _data(test_data, text_field, labels_field) if test_data is not None else None

    closure = False
    if cb is not None:
        for d in (train_d, dev_d, test_d):
            if d is not None:
                check_labels(d, cb.frame_ids)
        closure = any(f.parent for f in cb.frames)
        if closure:
            train_d, n = close_labels(train_d, cb)
            if n:
                log(f"added parent frames (codebook '{cb.name}') to {n} training rows")
            dev_d = close_labels(dev_d, cb)[0] if dev_d is not None else None
            test_d = close_labels(test_d, cb)[0] if test_d is not None else None
    labels = resolve_label_set(train_d, cb)
    for d in (dev_d, test_d):
        if d is None:
            continue
        if cb is None:  # no codebook: an unseen label is most likely a typo
            check_labels(d, labels)
        else:
            unseen = sorted(set(d.used_labels()) - set(labels))
            if unseen:
                log(f"{d.source}: frames with no training example are not scored: "
                    f"{', '.join(unseen)}")
    if cb is not None:
        absent = [f for f in cb.frame_ids if f not in labels]
        if absent:
            log(f"codebook frames with no training example are not learned: {', '.join(absent)}")

    split = cfg.eval_split if cfg.eval_split is not None else (
        DEFAULT_EVAL_SPLIT if dev_d is None else 0.0)
    dev_source = dev_d.source if dev_d is not None else None
    if dev_d is None and split > 0:
        train_d, dev_d = split_eval(train_d, split, cfg.seed)
        dev_source = f"{split:.0%} of the training file (seed {cfg.seed})"
    y_train = train_d.matrix(labels)
    if len(train_d) < MIN_ROWS or not labels or y_train.sum() == 0:
        raise FramingError(Errors.E408.format(need=MIN_ROWS, n=len(train_d),
                                              n_pos=int(y_train.sum())))
    y_dev = dev_d.matrix(labels) if dev_d is not None and len(dev_d) else None
    if y_dev is None:
        dev_d = None
        log("no dev data: thresholds stay at 0.5, no early stopping, no fusion")

    # the rules that go with these labels: the given codebook, else the default one if it fits
    rules_cb = cb
    if rules_cb is None:
        default = Codebook.default()
        rules_cb = default if all(lab in default for lab in labels) else None

    meta: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "framing_version": __version__,
        "name": name or out.name, "method": cfg.method, "level": cfg.level, "labels": labels,
        "thresholds": {}, "threshold_rule": THRESHOLD_RULE.format(k=cfg.min_positives),
        "min_positives": cfg.min_positives,
        "pooling": cfg.pooling, "max_length": cfg.max_length, "stride": cfg.stride,
        "base_model": None, "label_closure": closure,
        "codebook": f"{rules_cb.name}@{rules_cb.version}" if rules_cb is not None else None,
        "training": cfg.to_dict(),
        "data": {"source": train_d.source, "n_rows": len(train_d),
                 "fingerprint": train_d.fingerprint(),
                 "label_counts": {lab: int(c) for lab, c in
                                  zip(labels, y_train.sum(axis=0), strict=True)},
                 "dev_source": dev_source, "n_dev": len(dev_d) if dev_d is not None else 0,
                 "test_source": test_d.source if test_d is not None else None},
        "fusion": None, "created": None,
    }
    if extra_meta:
        meta.update(extra_meta)

    dev_probs: np.ndarray | None = None
    model_obj: Any = None
    tok: Any = None
    est: Any = None
    if cfg.method == "transformer":
        from framing.train.base_model import resolve_base_model
        from framing.train.transformer import fit_transformer

        base = resolve_base_model(cfg.base_model)
        meta["base_model"] = base.to_dict()
        log(f"fine-tuning {base.name} ({base.source}) on {len(train_d)} rows, "
            f"{len(labels)} labels" + (f", dev {len(dev_d)} rows" if dev_d is not None else ""))
        fit = fit_transformer(train_d.texts, y_train, dev_d.texts if dev_d else None, y_dev,
                              labels, cfg, base, progress=progress, log=log)
        model_obj, tok, dev_probs = fit.model, fit.tokenizer, fit.dev_probs
        meta["training"].update(epochs=fit.epochs, epochs_auto=cfg.epochs is None,
                                epochs_run=len(fit.history), best_epoch=fit.best_epoch,
                                history=fit.history, threads=fit.threads)
    else:
        from framing.train.tfidf import TfidfFrameClassifier

        log(f"fitting the TF-IDF baseline on {len(train_d)} rows, {len(labels)} labels")
        est = TfidfFrameClassifier(C=cfg.tfidf_c, min_df=cfg.tfidf_min_df, seed=cfg.seed)
        est.fit(train_d.texts, y_train)

    meta["thresholds"] = {lab: 0.5 for lab in labels}
    fm = FrameModel(meta, model=model_obj, tokenizer=tok, estimator=est, codebook=cb)
    if dev_d is not None and y_dev is not None:
        if dev_probs is None:
            dev_probs = fm.predict_proba(dev_d.texts)
        th: Thresholds = tune_thresholds(y_dev, dev_probs, min_positives=cfg.min_positives)
        meta["thresholds"] = th.as_dict(labels)
        fb = [lab for lab, h in zip(labels, th.how, strict=True) if h == "fallback"]
        if fb:
            log(f"threshold 0.5 (fewer than {cfg.min_positives} dev positives): {', '.join(fb)}")
        if rules_cb is not None:
            r_dev = rule_scores(dev_d.texts, rules_cb, labels, cfg.level)
            fz = Fusion.fit(labels, dev_probs, r_dev, y_dev, level=cfg.level,
                            min_positives=cfg.min_positives, p_thresholds=th.thresholds)
            meta["fusion"] = fz.to_dict()
    meta["created"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    fm = FrameModel(meta, model=model_obj, tokenizer=tok, estimator=est, codebook=cb)

    metrics: dict[str, Any] = {
        "n_rows": {"train": len(train_d), "dev": len(dev_d) if dev_d is not None else None,
                   "test": len(test_d) if test_d is not None else None},
        "label_counts": {
            "train": meta["data"]["label_counts"],
            "dev": ({lab: int(c) for lab, c in zip(labels, y_dev.sum(axis=0), strict=True)}
                    if y_dev is not None else None),
            "test": ({lab: int(c) for lab, c in
                      zip(labels, test_d.matrix(labels).sum(axis=0), strict=True)}
                     if test_d is not None else None)},
        "dev": (evaluate_block(fm, dev_d, labels, rules_cb, dev_probs)
                if dev_d is not None else None),
        "test": evaluate_block(fm, test_d, labels, rules_cb) if test_d is not None else None,
        "history": meta["training"].get("history", []),
    }
    for split_name in ("dev", "test"):
        block = metrics[split_name]
        if block:
            c = block["classifier"]
            msg = f"{split_name}: classifier micro-F1 {c['micro_f1']:.3f} macro-F1 " \
                  f"{c['macro_f1']:.3f}"
            if block["fused"]:
                msg += (f" | rules {block['rules']['micro_f1']:.3f}/"
                        f"{block['rules']['macro_f1']:.3f} | fused "
                        f"{block['fused']['micro_f1']:.3f}/{block['fused']['macro_f1']:.3f}")
            log(msg)
    meta["training"]["seconds"] = round(time.perf_counter() - t0, 1)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        if cfg.method == "transformer":
            model_obj.save_pretrained(tmp, safe_serialization=True)
            tok.save_pretrained(tmp)
        else:
            est.save(tmp / "model.skops")
        if rules_cb is not None:
            rules_cb.to_json(tmp / "codebook.json")
        (tmp / META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
        (tmp / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n",
                                          encoding="utf-8")
        (tmp / "README.md").write_text(render_card(meta, metrics, notes), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    loaded = FrameModel.load(out)  # the directory must pass its own validation
    return TrainResult(out, loaded, metrics, round(time.perf_counter() - t0, 1))
