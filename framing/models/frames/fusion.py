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
dev data with the rule of :mod:`framing.models.metrics`.

**Domain gates** (optional, per label, from :func:`fit_gates` / ``framing calibrate``). A
classifier fine-tuned on one kind of text is over-confident on another: the default model,
trained on op-eds, read 19th-century speeches about "the States" as federalism framing. A gate
fitted on a small labelled sample of the target domain decides by how much rule evidence there
is, in three regions of the rule score ``r``:

* ``r >= rule_threshold`` (the rules alone would label it): label when ``p >= strong``;
* ``0 < r < rule_threshold`` (weak rule evidence): label when ``p >= weak``;
* ``r == 0`` (no rule evidence at all): label when ``p >= none``.

The bars are monotone, ``strong <= weak <= none``: more rule evidence never asks the classifier
for more confidence (the constraint also keeps a few hundred calibration sentences from buying
F1 with an implausible combination).

A gated label's fused score maps ``p`` piecewise linearly so that its region's bar lands on
0.5 (``0.5 p / t`` below it, ``0.5 + 0.5 (p - t) / (1 - t)`` above; a bar above 1 is never
reached), and its fused threshold is 0.5: scores and labels stay consistent.

Example:
    >>> import numpy as np
    >>> from framing.models.frames.fusion import Fusion, Gate
    >>> fz = Fusion(["a"], {"a": ([4.0, 2.0, 1.0], -1.0)}, {"a": 0.5})
    >>> fz.apply(np.array([[0.5]]), np.array([[0.9]])).round(3).tolist()
    [[0.858]]
    >>> fz.gates["a"] = Gate(rule_threshold=0.5, strong=0.0, weak=0.6, none=0.95)
    >>> fz.apply(np.array([[0.9], [0.9], [0.9]]), np.array([[0.9], [0.3], [0.0]])).round(3).tolist()
    [[0.95], [0.875], [0.474]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from framing.models.metrics import MIN_POSITIVES, THRESHOLD_RULE, tune_thresholds

FEATURES = ("logit_p", "rule_score", "rule_fired")
_EPS = 1e-4
#: Candidate bars of a gate, per region (1.01 = the classifier alone never labels there).
GATE_GRID: dict[str, tuple[float, ...]] = {
    # a strong rule match is overruled only by a classifier nearly sure it is wrong. Bars up to
    # 0.5 (before) let 313 calibration sentences buy F1 by dropping rule matches that held-out
    # speeches showed were right (13 of 28 held-out federalism rule hits, one build); 5-fold
    # cross-validation on the calibration half is mixed (scripts/gate_cv.py)
    "strong": (0.0, 0.02, 0.05, 0.1),
    "weak": (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01),
    "none": (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1.01),
}
GATE_RULE = ("per label, the (strong, weak, none) bars from GATE_GRID with strong <= weak <= "
             "none that maximise F-beta (F1 unless a beta is given) on the calibration data; "
             "ties: fewer positive predictions, then higher bars")


@dataclass
class Gate:
    """Classifier bars by rule-evidence region (see the module docstring)."""

    rule_threshold: float
    strong: float
    weak: float
    none: float
    calibration: dict[str, Any] | None = None

    def bars(self, r: np.ndarray) -> np.ndarray:
        r = np.asarray(r, dtype=np.float64)
        return np.where(r >= self.rule_threshold, self.strong,
                        np.where(r > 0, self.weak, self.none))

    def score(self, p: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Fused score: ``p`` mapped so that the region's bar is 0.5."""
        p = np.asarray(p, dtype=np.float64)
        t = self.bars(r)
        below = 0.5 * p / np.maximum(t, _EPS)
        above = 0.5 + 0.5 * (p - t) / np.maximum(1.0 - t, _EPS)
        return np.clip(np.where(p >= t, above, below), 0.0, 1.0)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"rule_threshold": self.rule_threshold, "strong": self.strong,
                             "weak": self.weak, "none": self.none}
        if self.calibration:
            d["calibration"] = self.calibration
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Gate:
        return cls(float(d["rule_threshold"]), float(d["strong"]), float(d["weak"]),
                   float(d["none"]), d.get("calibration"))


def fit_gate(p: np.ndarray, r: np.ndarray, y: np.ndarray, rule_threshold: float,
             beta: float = 1.0, grid: dict[str, tuple[float, ...]] | None = None) -> Gate:
    """The gate of one label that maximises F-beta on calibration data (rule: ``GATE_RULE``).

    ``beta`` < 1 weighs precision more than recall: fewer texts flagged that do not have the
    label, at some cost in recall (``framing calibrate --beta``). ``grid`` replaces regions'
    candidate bars of ``GATE_GRID`` (``scripts/gate_cv.py`` compares grids)."""
    if not beta > 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    b2 = beta * beta
    candidates = {**GATE_GRID, **(grid or {})}
    p, r = np.asarray(p, dtype=np.float64), np.asarray(r, dtype=np.float64)
    y = np.asarray(y).astype(bool)
    regions = {"strong": r >= rule_threshold, "weak": (r > 0) & (r < rule_threshold),
               "none": r == 0}
    # each region's decisions are independent: count (tp, fp) per region and bar once
    counts = {k: {t: (int(np.sum(m & y & (p >= t))), int(np.sum(m & ~y & (p >= t))))
                  for t in candidates[k]} for k, m in regions.items()}
    n_pos = int(y.sum())
    best: tuple[float, int, float, tuple[float, float, float]] | None = None
    for ts in candidates["strong"]:
        for tw in candidates["weak"]:
            for tn in candidates["none"]:
                if not ts <= tw <= tn:  # more rule evidence never asks for more confidence
                    continue
                tp = counts["strong"][ts][0] + counts["weak"][tw][0] + counts["none"][tn][0]
                fp = counts["strong"][ts][1] + counts["weak"][tw][1] + counts["none"][tn][1]
                # F-beta = (1 + b2) tp / ((1 + b2) tp + fp + b2 fn), with fn = n_pos - tp
                den = tp + fp + b2 * n_pos
                f1 = (1 + b2) * tp / den if den else 0.0
                key = (round(f1, 9), -(tp + fp), ts + tw + tn, (ts, tw, tn))
                if best is None or key[:3] > best[:3]:
                    best = key
    assert best is not None
    ts, tw, tn = best[3]
    pred = p >= np.where(regions["strong"], ts, np.where(regions["weak"], tw, tn))
    tp, fp = int(np.sum(pred & y)), int(np.sum(pred & ~y))
    return Gate(rule_threshold, ts, tw, tn, calibration={
        "n": len(y), "positives": n_pos, "tp": tp, "fp": fp, "fn": n_pos - tp, "beta": beta,
        "f1": round(2 * tp / (tp + fp + n_pos), 4) if tp + fp + n_pos else 0.0,
        "region_sizes": {k: int(m.sum()) for k, m in regions.items()}})


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
    gates: dict[str, Gate] = field(default_factory=dict)

    def apply(self, p: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Fused probabilities ``(n, n_labels)`` from classifier ``p`` and rule ``r`` scores."""
        p = np.asarray(p, dtype=np.float64).reshape(-1, len(self.labels))
        r = np.asarray(r, dtype=np.float64).reshape(-1, len(self.labels))
        out = p.copy()
        for j, lab in enumerate(self.labels):
            if lab in self.gates:
                out[:, j] = self.gates[lab].score(p[:, j], r[:, j])
                continue
            c = self.coefs.get(lab)
            if c is None:
                continue
            w, b = c
            z = features(p[:, j], r[:, j]) @ np.asarray(w) + b
            out[:, j] = 1.0 / (1.0 + np.exp(-z))
        return out

    def threshold_array(self) -> np.ndarray:
        return np.array([0.5 if lab in self.gates else self.thresholds[lab]
                         for lab in self.labels])

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
            **({"gates": {lab: g.to_dict() for lab, g in self.gates.items()},
                "gate_rule": GATE_RULE} if self.gates else {}),
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
        gates_raw = d.get("gates") or {}
        if not isinstance(gates_raw, dict) or not set(gates_raw) <= set(labels):
            raise ValueError("'gates' must be an object keyed by the model's labels")
        gates = {lab: Gate.from_dict(g) for lab, g in gates_raw.items()}
        return cls(list(labels), coefs, {k: float(v) for k, v in ths.items()},
                   str(d.get("level", "sentence")), int(d.get("min_positives", MIN_POSITIVES)),
                   gates)
