"""Evaluating a frame model on labelled data (``framing evaluate`` on a frames directory), and
the dev/test blocks of training.

The JSON report is ``{micro_f1, macro_f1, per_label: {label: {precision, recall, f1, support}},
n}`` for the model at its tuned thresholds; with ``compare_rules`` it also has ``rules`` (the
rule layer of the model's codebook on the same texts at the same level: a sentence is scored as
a one-sentence document, labels are frames whose score reaches the codebook threshold) and
``fused`` (rules + classifier, as ``framing.load(model=DIR)`` combines them), each with the same
keys.

Example:
    A TF-IDF model fitted on a toy set and scored on that set (``data`` and ``model`` may also
    be paths, as in ``evaluate("test.jsonl", "models/frames-default", compare_rules=True)``):

    >>> import pathlib, tempfile
    >>> from framing.models.frames import FrameSettings, LabelledData, evaluate
    >>> from framing.models import train
    >>> d = LabelledData.from_rows(
    ...     [{"text": "Leave it to the states.", "labels": ["federalism"]},
    ...      {"text": "Police arrested dozens.", "labels": ["crime_and_punishment"]}] * 10)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tfidf"
    >>> _ = train("frames", d, out, FrameSettings(method="tfidf"), progress=False)
    >>> rep = evaluate(d, out, compare_rules=True)
    >>> sorted(rep.report)
    ['fused', 'macro_f1', 'micro_f1', 'n', 'per_label', 'rules']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.models.frames.data import LabelledData, close_labels, read_labelled
from framing.models.frames.model import FrameModel
from framing.models.frames.rules import rule_scores, rule_thresholds
from framing.models.metrics import cooccurrence, multilabel_report


@dataclass
class Evaluation:
    """The JSON report plus the matrices behind it (for the co-occurrence tables)."""

    report: dict[str, Any]
    labels: list[str]
    y_true: np.ndarray
    predictions: dict[str, np.ndarray] = field(default_factory=dict)

    def cooccurrence(self, scorer: str = "classifier") -> np.ndarray:
        """Gold label x predicted label counts for one scorer."""
        return cooccurrence(self.y_true, self.predictions[scorer])


def prepare_eval_data(model: FrameModel, data: LabelledData) -> LabelledData:
    """Close labels as training did, and check them against the model's label set."""
    if model.meta.get("label_closure") and model.codebook is not None:
        unknown = sorted({lab for labs in data.labels for lab in labs
                          if lab not in model.codebook})
        if unknown:
            raise FramingError(Errors.E407.format(labels=", ".join(unknown),
                                                  known=", ".join(model.labels)))
        data = close_labels(data, model.codebook)[0]
    unknown = sorted({lab for labs in data.labels for lab in labs if lab not in model.labels})
    if unknown:
        raise FramingError(Errors.E407.format(labels=", ".join(unknown),
                                              known=", ".join(model.labels)))
    return data


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


def evaluate(data: str | Path | LabelledData, model: str | Path | FrameModel, *,
             compare_rules: bool = False, batch_size: int = 32, text_field: str = "text",
             labels_field: str = "labels") -> Evaluation:
    """Evaluate ``model`` on ``data`` (see the module docstring)."""
    fm = model if isinstance(model, FrameModel) else FrameModel.load(model)
    if isinstance(data, LabelledData):
        d = data
    elif isinstance(data, str | Path):
        d = read_labelled(data, text_field, labels_field)
    else:
        d = LabelledData.from_rows(list(data))
    d = prepare_eval_data(fm, d)
    labels = fm.labels
    y = d.matrix(labels)
    p = fm.predict_proba(d.texts, batch_size=batch_size)
    pred = p >= fm.thresholds
    report = multilabel_report(y, pred, labels)
    ev = Evaluation(report, labels, y, {"classifier": pred})
    if compare_rules:
        cb = fm.rules_codebook()
        if cb is None:
            raise FramingError(Errors.E410.format(
                detail="the model has no codebook.json and its labels are not default frames"))
        r = rule_scores(d.texts, cb, labels, fm.level)
        rpred = r >= rule_thresholds(cb, labels)
        fpred = fm.fuse(p, r) >= fm.fused_thresholds
        report["rules"] = multilabel_report(y, rpred, labels)
        report["fused"] = multilabel_report(y, fpred, labels)
        ev.predictions.update(rules=rpred, fused=fpred)
    return ev
