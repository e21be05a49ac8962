"""Metrics and decision thresholds shared by the task heads.

Multi-label (frames): :func:`multilabel_report` and :func:`tune_thresholds`. Single-label (stance
and other :class:`~framing.models.head.LabelHead` tasks): :func:`label_report`.

Threshold rule (used for the classifier, the TF-IDF baseline and the fused scores alike):

* For each label with at least ``min_positives`` positive rows in the dev data (default 5), the
  threshold is the value of the grid ``0.05, 0.10, ..., 0.95`` that maximises that label's F1 on
  dev; ties go to the value closest to 0.5 (then the lower one).
* A label with fewer dev positives keeps 0.5: a handful of examples cannot support a tuned
  value, and 0.5 is the natural cut of a probability.

Micro-F1 pools every (row, label) decision; macro-F1 is the unweighted mean of the per-label F1
over the labels that occur in the evaluated data (a label with no gold rows has no recall to
measure, so it would only add noise to the mean).

Example:
    >>> import numpy as np
    >>> from framing.models.metrics import tune_thresholds, multilabel_report
    >>> y = np.array([[1], [1], [0], [0], [1], [1], [0], [1]])
    >>> p = np.array([[.9], [.4], [.3], [.1], [.8], [.45], [.2], [.7]])
    >>> tune_thresholds(y, p).thresholds.round(2).tolist()
    [0.4]
    >>> multilabel_report(y, p >= 0.4, ["x"])["micro_f1"]
    1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The candidate thresholds.
GRID: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 20))
#: Labels with fewer dev positives than this keep the fallback threshold.
MIN_POSITIVES = 5
FALLBACK_THRESHOLD = 0.5

THRESHOLD_RULE = (
    "per label, the grid value in 0.05..0.95 (step 0.05) that maximises F1 on the dev data "
    "(ties: closest to 0.5); labels with fewer than {k} dev positives keep 0.5"
)


def _f1(tp: float, fp: float, fn: float) -> float:
    den = 2 * tp + fp + fn
    return 0.0 if den == 0 else 2 * tp / den


def prf(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, float, float, int]:
    """Precision, recall, F1 and support of one binary column (0 where undefined)."""
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    tp = float(np.sum(t & p))
    fp = float(np.sum(~t & p))
    fn = float(np.sum(t & ~p))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, _f1(tp, fp, fn), int(t.sum())


def multilabel_report(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence[str]
                      ) -> dict[str, Any]:
    """``{micro_f1, macro_f1, per_label: {label: {precision, recall, f1, support}}, n}``.

    ``per_label`` lists every label; ``macro_f1`` averages the labels with support > 0.
    """
    y_true = np.asarray(y_true).astype(bool).reshape(len(y_true), len(labels))
    y_pred = np.asarray(y_pred).astype(bool).reshape(len(y_pred), len(labels))
    per: dict[str, dict[str, float | int]] = {}
    f1s = []
    for j, lab in enumerate(labels):
        p, r, f, s = prf(y_true[:, j], y_pred[:, j])
        per[lab] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                    "support": s}
        if s > 0:
            f1s.append(f)
    tp = float(np.sum(y_true & y_pred))
    fp = float(np.sum(~y_true & y_pred))
    fn = float(np.sum(y_true & ~y_pred))
    return {"micro_f1": round(_f1(tp, fp, fn), 4),
            "macro_f1": round(float(np.mean(f1s)) if f1s else 0.0, 4),
            "per_label": per, "n": len(y_true)}


@dataclass
class Thresholds:
    """Tuned thresholds and how each was chosen (``tuned`` or ``fallback``)."""

    thresholds: np.ndarray
    how: list[str] = field(default_factory=list)

    def as_dict(self, labels: Sequence[str]) -> dict[str, float]:
        return {lab: float(round(t, 4)) for lab, t in zip(labels, self.thresholds, strict=True)}


def tune_thresholds(y_true: np.ndarray, probs: np.ndarray, *,
                    min_positives: int = MIN_POSITIVES,
                    grid: Sequence[float] = GRID) -> Thresholds:
    """Per-label thresholds maximising dev F1 (see the module docstring for the rule)."""
    y = np.asarray(y_true).astype(bool)
    p = np.asarray(probs, dtype=np.float64)
    if y.shape != p.shape:
        raise ValueError(f"labels {y.shape} and probabilities {p.shape} differ in shape")
    ths = np.full(y.shape[1], FALLBACK_THRESHOLD)
    how = []
    # candidates ordered by distance to 0.5 (then lower first): a strict '>' keeps the first
    order = sorted(grid, key=lambda t: (abs(t - 0.5), t))
    for j in range(y.shape[1]):
        if int(y[:, j].sum()) < min_positives:
            how.append("fallback")
            continue
        best, best_f = FALLBACK_THRESHOLD, -1.0
        for t in order:
            f = prf(y[:, j], p[:, j] >= t)[2]
            if f > best_f + 1e-12:
                best, best_f = t, f
        ths[j] = best
        how.append("tuned")
    return Thresholds(ths, how)


def cooccurrence(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Counts ``[i, j]`` of rows with gold label i and predicted label j (the diagonal holds the
    true positives; off-diagonal cells show which labels get predicted alongside or instead)."""
    t = np.asarray(y_true).astype(np.int64)
    p = np.asarray(y_pred).astype(np.int64)
    return t.T @ p


def label_report(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = ()
                 ) -> dict[str, Any]:
    """Single-label report: ``{accuracy, macro_f1, per_label, n, confusion}``.

    ``per_label`` covers ``labels`` in their order, then any other label of gold or
    predictions (sorted); ``macro_f1`` averages the labels with gold rows.

    >>> label_report(["a", "b", "a"], ["a", "a", "a"], ["a", "b"])["accuracy"]
    0.6667
    """
    g = np.asarray(list(gold), dtype=object)
    p = np.asarray(list(pred), dtype=object)
    if len(g) != len(p):
        raise ValueError(f"{len(g)} gold labels but {len(p)} predictions")
    labs = list(labels) + sorted((set(g.tolist()) | set(p.tolist())) - set(labels))
    per: dict[str, dict[str, float | int]] = {}
    for lab in labs:
        pr, rc, f1, sup = prf(g == lab, p == lab)
        per[lab] = {"precision": round(pr, 4), "recall": round(rc, 4), "f1": round(f1, 4),
                    "support": sup}
    present = [lab for lab in labs if per[lab]["support"]]
    macro = float(np.mean([per[lab]["f1"] for lab in present])) if present else 0.0
    confusion = {a: {b: int(np.sum((g == a) & (p == b))) for b in labs} for a in labs
                 if np.any(g == a)}
    return {"accuracy": round(float(np.mean(g == p)) if len(g) else 0.0, 4),
            "macro_f1": round(macro, 4), "per_label": per, "n": len(g),
            "confusion": confusion}
