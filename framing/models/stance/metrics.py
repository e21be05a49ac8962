"""Stance metrics and the decision rule that turns probabilities into labels.

Metrics (:func:`stance_report`):

* ``accuracy``;
* ``macro_f1``: the unweighted mean of the per-label F1 over the labels that occur in the gold
  data (a label with no gold rows has no recall to measure);
* ``f_avg``: the mean F1 of ``favor`` and ``against``, the SemEval-2016 Task 6 metric (``none``
  errors still count, through the precision and recall of the two polar labels);
* ``per_label``: ``{label: {precision, recall, f1, support}}``, plus ``n`` and ``confusion``.

Decision rule (:class:`DecisionRule`), tuned on dev data:

* a model with a ``none`` label predicts the stronger polar label when its probability reaches
  ``none_threshold`` and ``none`` otherwise; the threshold is the value of the grid
  ``0.05, 0.10, ..., 0.95`` that maximises dev macro-F1 (ties: closest to 0.5), so a model that
  saw many ``none`` rows in training does not have to be right about the base rate;
* a two-label model (``favor`` / ``against``) predicts ``favor`` when its probability reaches
  ``favor_threshold`` (tuned the same way), which corrects for a different class balance in
  training;
* with fewer than ``min_support`` dev rows of any label the threshold stays 0.5, and a tuned
  threshold is kept only when it beats 0.5 on dev macro-F1 by at least ``min_gain`` (0.01):
  a small or unrepresentative dev set (a few held-out targets) should not move the cut on
  noise.

Example:
    >>> import numpy as np
    >>> from framing.models.stance.metrics import DecisionRule, stance_report
    >>> rule = DecisionRule(["favor", "against", "none"], none_threshold=0.5)
    >>> rule.decide(np.array([[0.6, 0.1, 0.3], [0.3, 0.3, 0.4], [0.2, 0.55, 0.25]]))
    ['favor', 'none', 'against']
    >>> rep = stance_report(["favor", "none", "against"], ["favor", "none", "favor"])
    >>> rep["accuracy"], rep["f_avg"]
    (0.6667, 0.3333)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from framing.models.metrics import GRID, label_report
from framing.models.stance.data import POLAR, STANCE_LABELS, canonical_labels

MIN_SUPPORT = 5
FALLBACK = 0.5
MIN_GAIN = 0.01


def stance_report(gold: Sequence[str], pred: Sequence[str],
                  labels: Sequence[str] | None = None) -> dict[str, Any]:
    """``{accuracy, macro_f1, f_avg, per_label, n, confusion}`` (see the module docstring).

    ``per_label`` covers ``labels`` (default: every label in gold or predictions, canonical
    order) and always ``favor`` and ``against``.
    """
    labs = canonical_labels(set(labels or []) | set(gold) | set(pred) | set(POLAR))
    rep = label_report(gold, pred, labs)
    per = rep["per_label"]
    rep["f_avg"] = round((float(per["favor"]["f1"]) + float(per["against"]["f1"])) / 2, 4)
    return rep


@dataclass
class DecisionRule:
    """Probabilities (columns in ``labels`` order) to labels; see the module docstring."""

    labels: list[str]
    none_threshold: float = FALLBACK
    favor_threshold: float = FALLBACK
    how: str = "default"

    def __post_init__(self) -> None:
        bad = [lab for lab in self.labels if lab not in STANCE_LABELS]
        if bad or not all(lab in self.labels for lab in POLAR):
            raise ValueError(f"labels must include favor and against (and may include none), "
                             f"got {self.labels}")
        self._i = {lab: j for j, lab in enumerate(self.labels)}

    @property
    def has_none(self) -> bool:
        return "none" in self._i

    def decide(self, probs: np.ndarray, restrict: Sequence[str] | None = None) -> list[str]:
        """One label per row. ``restrict`` limits the answer to those labels (e.g. ``favor`` and
        ``against`` on data that has no ``none`` class): then the stronger polar label wins."""
        p = np.asarray(probs, dtype=np.float64).reshape(-1, len(self.labels))
        f, a = p[:, self._i["favor"]], p[:, self._i["against"]]
        polar = np.where(f >= a, "favor", "against")
        allow_none = self.has_none and (restrict is None or "none" in restrict)
        if allow_none:
            out = np.where(np.maximum(f, a) >= self.none_threshold, polar, "none")
        elif not self.has_none:
            out = np.where(f >= self.favor_threshold, "favor", "against")
        else:
            out = polar
        return [str(x) for x in out]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"how": self.how}
        if self.has_none:
            d["none_threshold"] = round(self.none_threshold, 4)
        else:
            d["favor_threshold"] = round(self.favor_threshold, 4)
        return d

    @classmethod
    def from_dict(cls, labels: Sequence[str], d: dict[str, Any]) -> DecisionRule:
        return cls(list(labels), none_threshold=float(d.get("none_threshold", FALLBACK)),
                   favor_threshold=float(d.get("favor_threshold", FALLBACK)),
                   how=str(d.get("how", "default")))

    def describe(self) -> str:
        if self.has_none:
            return (f"the stronger of favor/against when its probability is at least "
                    f"{self.none_threshold:.2f}, else none ({self.how})")
        return f"favor when its probability is at least {self.favor_threshold:.2f} ({self.how})"

    @classmethod
    def tune(cls, labels: Sequence[str], gold: Sequence[str], probs: np.ndarray,
             min_support: int = MIN_SUPPORT, grid: Sequence[float] = GRID,
             min_gain: float = MIN_GAIN) -> DecisionRule:
        """The rule whose threshold maximises dev macro-F1 (ties: closest to 0.5; kept only
        when it gains at least ``min_gain`` over 0.5)."""
        rule = cls(list(labels))
        counts = {lab: sum(1 for x in gold if x == lab) for lab in labels}
        if min(counts.values()) < min_support:
            rule.how = f"default: fewer than {min_support} dev rows of some label"
            return rule
        best_t, best_f = FALLBACK, -1.0
        f_default = 0.0
        for t in sorted({*grid, FALLBACK}, key=lambda v: (abs(v - 0.5), v)):
            if rule.has_none:
                rule.none_threshold = t
            else:
                rule.favor_threshold = t
            f = stance_report(gold, rule.decide(probs), labels)["macro_f1"]
            if t == FALLBACK:
                f_default = f
            if f > best_f + 1e-12:
                best_t, best_f = t, f
        if best_f - f_default < min_gain:
            best_t, best_f = FALLBACK, f_default
        if rule.has_none:
            rule.none_threshold = best_t
        else:
            rule.favor_threshold = best_t
        rule.how = f"tuned on {len(gold)} dev rows (dev macro-F1 {best_f:.3f})"
        return rule
