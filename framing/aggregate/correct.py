"""Prevalence corrected for classifier error: adjusted classify-and-count with propagated error.

A classifier with true-positive rate ``tpr`` and false-positive rate ``fpr`` for a label turns a
true prevalence ``p`` into an expected labelled share ``q = fpr + (tpr - fpr) * p``. Inverting
gives the adjusted classify-and-count estimate (Forman 2008)::

    p = (q - fpr) / (tpr - fpr), clipped to [0, 1]

``tpr`` and ``fpr`` are measured on labelled dev data (confusion counts per label), so they are
uncertain too; the interval comes from a parametric bootstrap that redraws both the dev
confusion counts and the sample (binomial draws, or the cluster bootstrap replicates for
sentence shares).

Error rates are read from a model directory's ``metrics.json`` (key ``error_rates``) or from a
JSON file with the same structure: ``{label: {"tp": .., "fp": .., "fn": .., "tn": ..}}``,
optionally split by unit: ``{"document": {...}, "sentence": {...}}``.

Example:
    >>> rates = ErrorRates({"federalism": {"tp": 80, "fn": 20, "fp": 10, "tn": 90}})
    >>> round(float(acc_point(0.45, rates.tpr("federalism"), rates.fpr("federalism"))), 4)
    0.5
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from framing.errors import Errors, FramingError

_KEYS = ("tp", "fp", "fn", "tn")
#: Below this tpr - fpr gap the classifier carries too little signal to invert.
MIN_GAP = 0.05


@dataclass
class ErrorRates:
    """Per-label dev confusion counts ``{label: {tp, fp, fn, tn}}`` and where they came from."""

    counts: dict[str, dict[str, int]]
    source: str = "<memory>"
    level: str | None = None
    notes: list[str] = field(default_factory=list)

    def __contains__(self, label: object) -> bool:
        return label in self.counts

    def tpr(self, label: str) -> float:
        c = self.counts[label]
        pos = c["tp"] + c["fn"]
        return c["tp"] / pos if pos else float("nan")

    def fpr(self, label: str) -> float:
        c = self.counts[label]
        neg = c["fp"] + c["tn"]
        return c["fp"] / neg if neg else float("nan")

    def usable(self, label: str) -> tuple[bool, str]:
        """Whether ``label`` can be corrected, and why not."""
        if label not in self.counts:
            return False, "no dev error rates for this label"
        tpr, fpr = self.tpr(label), self.fpr(label)
        if not (np.isfinite(tpr) and np.isfinite(fpr)):
            return False, "dev data has no positives or no negatives for this label"
        if tpr - fpr < MIN_GAP:
            return False, f"tpr ({tpr:.2f}) barely above fpr ({fpr:.2f}): nothing to invert"
        return True, ""

    def to_dict(self) -> dict[str, Any]:
        return {lab: {**c, "tpr": round(self.tpr(lab), 4), "fpr": round(self.fpr(lab), 4)}
                for lab, c in self.counts.items()}

    @classmethod
    def from_dict(cls, data: Any, source: str = "<memory>", unit: str = "document"
                  ) -> ErrorRates:
        """Parse ``{label: {tp, fp, fn, tn}}`` (or the same under ``error_rates`` and/or
        ``document``/``sentence``); raises E503 with the problem."""
        level = None
        if isinstance(data, dict) and isinstance(data.get("error_rates"), dict):
            data = data["error_rates"]
        if isinstance(data, dict) and any(k in data for k in ("document", "sentence")):
            if unit not in data:
                raise FramingError(Errors.E503.format(
                    path=source, detail=f"no '{unit}' error rates (has: {', '.join(data)})"))
            data, level = data[unit], unit
        if not isinstance(data, dict) or not data:
            raise FramingError(Errors.E503.format(path=source, detail="no labels found"))
        counts: dict[str, dict[str, int]] = {}
        for lab, c in data.items():
            if not isinstance(c, dict) or any(k not in c for k in _KEYS):
                raise FramingError(Errors.E503.format(
                    path=source, detail=f"label '{lab}' needs integer tp, fp, fn and tn"))
            try:
                vals = {k: int(c[k]) for k in _KEYS}
            except (TypeError, ValueError):
                raise FramingError(Errors.E503.format(
                    path=source, detail=f"label '{lab}': counts must be integers")) from None
            if min(vals.values()) < 0:
                raise FramingError(Errors.E503.format(
                    path=source, detail=f"label '{lab}': negative count"))
            counts[str(lab)] = vals
        return cls(counts=counts, source=source, level=level)


def load_error_rates(error_rates: str | Path | None = None, model: str | Path | None = None,
                     unit: str = "document") -> ErrorRates:
    """Error rates from ``--error-rates FILE`` or from ``--model DIR`` (``metrics.json``).

    In a model directory the counts are looked up under ``error_rates`` at the top of
    ``metrics.json`` or of its ``dev`` section. Without them, they are derived from the dev
    report that ``framing train`` writes (per-label precision, recall and support plus the
    number of rows determine tp, fp, fn and tn), from the ``fused`` scorer when present (the one
    ``framing label`` uses with rules) else ``classifier``, provided the model's evaluation
    level (``framing_model.json``) matches ``unit``.
    """
    if error_rates is not None:
        p = Path(error_rates)
        if not p.is_file():
            raise FramingError(Errors.E503.format(path=p, detail="file not found"))
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise FramingError(Errors.E503.format(path=p, detail=f"invalid JSON ({e})")) from None
        return ErrorRates.from_dict(data, source=str(p), unit=unit)
    if model is None:
        raise FramingError(Errors.E502.format(
            detail="--correct needs --model DIR (with metrics.json error_rates) or "
                   "--error-rates FILE"))
    d = Path(model)
    mp = d / "metrics.json"
    if not mp.is_file():
        raise FramingError(Errors.E504.format(path=d, detail="no metrics.json"))
    try:
        metrics = json.loads(mp.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise FramingError(Errors.E504.format(path=d, detail=f"metrics.json: {e}")) from None
    if not isinstance(metrics, dict):
        raise FramingError(Errors.E504.format(path=d, detail="metrics.json is not an object"))
    for section in (metrics, metrics.get("dev")):
        if isinstance(section, dict) and isinstance(section.get("error_rates"), dict):
            return ErrorRates.from_dict(section["error_rates"], source=str(mp), unit=unit)
    return _derived_rates(d, metrics, unit)


def _derived_rates(d: Path, metrics: dict[str, Any], unit: str) -> ErrorRates:
    dev = metrics.get("dev")
    if not isinstance(dev, dict):
        raise FramingError(Errors.E504.format(
            path=d, detail="metrics.json has neither 'error_rates' nor a 'dev' report"))
    level = None
    meta_p = d / "framing_model.json"
    if meta_p.is_file():
        try:
            level = json.loads(meta_p.read_text(encoding="utf-8")).get("level")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            level = None
    if level is not None and level != unit:
        raise FramingError(Errors.E504.format(
            path=d, detail=f"its dev report was measured on {level}s, but --unit is {unit}; "
                           f"the rates do not transfer"))
    scorer = "fused" if isinstance(dev.get("fused"), dict) else "classifier"
    block = dev.get(scorer)
    if not isinstance(block, dict) or not isinstance(block.get("per_label"), dict) \
            or not block.get("n"):
        raise FramingError(Errors.E504.format(
            path=d, detail=f"dev report '{scorer}' lacks per_label precision/recall/support"))
    n = int(block["n"])
    counts: dict[str, dict[str, int]] = {}
    notes = []
    for lab, r in block["per_label"].items():
        sup, rec, prec = int(r.get("support", 0)), float(r.get("recall", 0)), \
            float(r.get("precision", 0))
        tp = round(rec * sup)
        if tp == 0 or prec <= 0:
            notes.append(f"{lab}: no true positives on dev, false positives unknown")
            continue
        fp = round(tp / prec - tp)
        counts[str(lab)] = {"tp": tp, "fn": sup - tp, "fp": fp, "tn": max(n - sup - fp, 0)}
    if not counts:
        raise FramingError(Errors.E504.format(path=d, detail="no label has dev true positives"))
    return ErrorRates(counts=counts, source=f"{d / 'metrics.json'} (dev {scorer}, derived)",
                      level=level or unit, notes=notes)


def acc_point(q: ArrayLike, tpr: float, fpr: float) -> NDArray[np.float64]:
    """Adjusted classify-and-count: ``(q - fpr) / (tpr - fpr)`` clipped to [0, 1].

    Example:
        >>> [round(float(x), 4) for x in acc_point([0.1, 0.3, 0.9], 0.8, 0.1)]
        [0.0, 0.2857, 1.0]
    """
    q_a = np.asarray(q, float)
    gap = tpr - fpr
    if not gap > 0:
        return np.full(q_a.shape, np.nan)
    return np.asarray(np.clip((q_a - fpr) / gap, 0.0, 1.0))


def acc_replicates(q_reps: NDArray[np.float64], counts: dict[str, int],
                   rng: np.random.Generator) -> NDArray[np.float64]:
    """Bootstrap replicates of the corrected share.

    ``q_reps`` has replicates of the labelled share in its first axis (shape ``(B, ...)``); for
    each replicate the dev confusion counts are redrawn (binomial, from rates smoothed by +0.5 so
    that a zero count still carries uncertainty) and the share is inverted. Replicates where the
    redrawn ``tpr - fpr`` falls below a small gap are NaN (dropped by the percentile interval).
    """
    b = q_reps.shape[0]
    pos = counts["tp"] + counts["fn"]
    neg = counts["fp"] + counts["tn"]
    tpr_s = (counts["tp"] + 0.5) / (pos + 1.0)
    fpr_s = (counts["fp"] + 0.5) / (neg + 1.0)
    tpr_b = np.asarray(rng.binomial(pos, tpr_s, size=b), dtype=np.float64) / max(pos, 1)
    fpr_b = np.asarray(rng.binomial(neg, fpr_s, size=b), dtype=np.float64) / max(neg, 1)
    shape = (b,) + (1,) * (q_reps.ndim - 1)
    gap = (tpr_b - fpr_b).reshape(shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.clip((q_reps - fpr_b.reshape(shape)) / gap, 0.0, 1.0)
    return np.asarray(np.where(gap > 0.01, p, np.nan))
