"""``evaluate()``: score a trained model on labelled data (the function behind
``framing evaluate``).

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
    >>> from framing.train import LabelledData, TrainConfig, evaluate, train
    >>> d = LabelledData.from_rows(
    ...     [{"text": "Leave it to the states.", "labels": ["federalism"]},
    ...      {"text": "Police arrested dozens.", "labels": ["crime_and_punishment"]}] * 10)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "tfidf"
    >>> _ = train(d, out, TrainConfig(method="tfidf"), progress=False)
    >>> rep = evaluate(d, out, compare_rules=True)
    >>> sorted(rep.report)
    ['fused', 'macro_f1', 'micro_f1', 'n', 'per_label', 'rules']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from framing.errors import Errors, FramingError
from framing.train.data import LabelledData, close_labels, read_labelled
from framing.train.metrics import cooccurrence, multilabel_report
from framing.train.model import FrameModel
from framing.train.rules import rule_scores, rule_thresholds


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


def evaluate(data: str | Path | LabelledData, model: str | Path | FrameModel, *,
             compare_rules: bool = False, batch_size: int = 32, text_field: str = "text",
             labels_field: str = "labels") -> Evaluation:
    """Evaluate ``model`` on ``data`` (see the module docstring)."""
    fm = model if isinstance(model, FrameModel) else FrameModel.load(model)
    d = data if isinstance(data, LabelledData) else read_labelled(data, text_field,
                                                                  labels_field)
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
