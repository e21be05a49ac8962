"""Fusing classifier probabilities with rule scores, calibrated on dev data.

For each label, a logistic regression on three features of a text (or sentence),

* ``logit(p)``: the classifier's probability on the log-odds scale (clipped to [1e-4, 1-1e-4]),
* ``r``: the rule score (noisy-OR of the matched pattern weights, 0 when no rule fired),
* ``r > 0``: whether any rule of the label fired at all,

is fitted on the dev data at train time, so the data decide how far a rule match should move
the classifier (a precise pattern can lift a hesitant classifier; a noisy one barely counts).
The coefficients are stored as JSON in ``framing_model.json`` under ``"fusion"``. A label with
fewer than ``min_positives`` dev positives (or negatives) keeps the classifier probability
unchanged (``null`` coefficients). Decision thresholds for the fused scores are tuned on the same
dev data with the rule of :mod:`framing.train.metrics`.

Example:
    >>> import numpy as np
    >>> from framing.train.fusion import Fusion
    >>> fz = Fusion(["a"], {"a": ([4.0, 2.0, 1.0], -1.0)}, {"a": 0.5})
    >>> fz.apply(np.array([[0.5]]), np.array([[0.9]])).round(3).tolist()
    [[0.996]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from framing.train.metrics import MIN_POSITIVES, THRESHOLD_RULE, tune_thresholds

FEATURES = ("logit_p", "rule_score", "rule_fired")
_EPS = 1e-4


def features(p: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Stack the fusion features of one label: ``(n, 3)``."""
    pc = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    r = np.asarray(r, dtype=np.float64)
    return np.stack([np.log(pc / (1 - pc)), r, (r > 0).astype(np.float64)], axis=1)


@dataclass
class Fusion:
    """Per-label coefficients (``None`` = keep the classifier probability) and fused thresholds."""

    labels: list[str]
    coefs: dict[str, tuple[list[float], float] | None]
    thresholds: dict[str, float]
    level: str = "sentence"
    min_positives: int = MIN_POSITIVES

    def apply(self, p: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Fused probabilities ``(n, n_labels)`` from classifier ``p`` and rule ``r`` scores."""
        p = np.asarray(p, dtype=np.float64).reshape(-1, len(self.labels))
        r = np.asarray(r, dtype=np.float64).reshape(-1, len(self.labels))
        out = p.copy()
        for j, lab in enumerate(self.labels):
            c = self.coefs.get(lab)
            if c is None:
                continue
            w, b = c
            z = features(p[:, j], r[:, j]) @ np.asarray(w) + b
            out[:, j] = 1.0 / (1.0 + np.exp(-z))
        return out

    def threshold_array(self) -> np.ndarray:
        return np.array([self.thresholds[lab] for lab in self.labels])

    @classmethod
    def fit(cls, labels: Sequence[str], p: np.ndarray, r: np.ndarray, y: np.ndarray, *,
            level: str = "sentence", min_positives: int = MIN_POSITIVES,
            p_thresholds: np.ndarray | None = None) -> Fusion:
        """Fit on dev data: ``p`` classifier probabilities, ``r`` rule scores, ``y`` gold 0/1."""
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y).astype(int)
        coefs: dict[str, tuple[list[float], float] | None] = {}
        for j, lab in enumerate(labels):
            pos = int(y[:, j].sum())
            if pos < min_positives or len(y) - pos < min_positives:
                coefs[lab] = None
                continue
            lr = LogisticRegression(C=1.0, max_iter=1000)
            lr.fit(features(p[:, j], r[:, j]), y[:, j])
            coefs[lab] = ([round(float(v), 6) for v in lr.coef_[0]],
                          round(float(lr.intercept_[0]), 6))
        fz = cls(list(labels), coefs, {}, level, min_positives)
        fused = fz.apply(p, r)
        tuned = tune_thresholds(y, fused, min_positives=min_positives).thresholds
        for j, lab in enumerate(labels):
            # a label without coefficients keeps the classifier's own threshold
            if coefs[lab] is None and p_thresholds is not None:
                fz.thresholds[lab] = float(p_thresholds[j])
            else:
                fz.thresholds[lab] = float(tuned[j])
        return fz

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "logistic",
            "features": list(FEATURES),
            "level": self.level,
            "min_positives": self.min_positives,
            "coefficients": {lab: (None if c is None else {"coef": c[0], "intercept": c[1]})
                             for lab, c in self.coefs.items()},
            "thresholds": dict(self.thresholds),
            "threshold_rule": THRESHOLD_RULE.format(k=self.min_positives),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], labels: Sequence[str]) -> Fusion:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` on a malformed block."""
        if d.get("method") != "logistic" or list(d.get("features", [])) != list(FEATURES):
            raise ValueError("unknown fusion method or features")
        raw = d.get("coefficients")
        ths = d.get("thresholds")
        if not isinstance(raw, dict) or not isinstance(ths, dict):
            raise ValueError("'coefficients' and 'thresholds' must be objects")
        if set(raw) != set(labels) or set(ths) != set(labels):
            raise ValueError("fusion labels differ from the model's labels")
        coefs: dict[str, tuple[list[float], float] | None] = {}
        for lab, c in raw.items():
            if c is None:
                coefs[lab] = None
                continue
            w = [float(x) for x in c["coef"]]
            if len(w) != len(FEATURES):
                raise ValueError(f"label '{lab}' has {len(w)} coefficients, expected 3")
            coefs[lab] = (w, float(c["intercept"]))
        return cls(list(labels), coefs, {k: float(v) for k, v in ths.items()},
                   str(d.get("level", "sentence")), int(d.get("min_positives", MIN_POSITIVES)))
