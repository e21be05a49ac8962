"""Document stance from sentence stance: one strong sentence can carry a document.

Inputs per document and target: the model's probabilities for each sentence (``favor``,
``against`` and, for three-label models, ``none``) and the sentence's stance cues (from the
``stance_cues`` component, :mod:`framing.pipeline.stance_cues`: ``strength`` of explicit cues
and whether it is ``reported`` speech).

The rule (:meth:`PoolingRule.pool`):

1. **Cue weighting.** A sentence's weight is ``w = (1 + cue_weight * strength) *
   (reported_weight if reported else 1)``: explicit author cues ("should", "it's time to",
   "a mistake") make a sentence count more, attributed speech ("critics say") less. Its
   strength for a polar label ``l`` is ``s_l = 1 - (1 - p_l) ** w``: ``w > 1`` moves ``p_l``
   toward 1 without reaching it, ``w < 1`` toward 0, ``w = 1`` leaves it as it is.
2. **Carrying sentences.** A sentence carries ``l`` when ``l`` is its stronger polar label and
   ``s_l >= doc_threshold``.
3. **Decision.** No carrying sentence: ``none`` (score = 1 - the strongest ``s`` in the
   document). Carrying sentences of one label only: that label; the score is its strongest
   ``s`` -- so a single strong sentence decides the document however many neutral sentences
   surround it. **Conflict** (sentences carry both labels): the label with the larger sum of
   ``s`` over its carrying sentences wins; when the two sums are within ``conflict_margin``
   (relative to their total) of each other, the label of the single strongest sentence wins.
   The score is the winner's strongest ``s`` times its share of the two sums, so a contested
   document scores lower.
4. A two-label model (no ``none``) never answers ``none``: every sentence carries its stronger
   label (``doc_threshold`` is not used) and step 3 decides.
5. **Relevance gate.** When the model has a relevance encoder
   (:mod:`framing.models.stance.relevance`) and ``relevance_threshold > 0``, a document whose
   most target-like sentence has a cosine similarity below ``relevance_threshold`` to the
   target is ``none`` whatever its sentences say (score = 1 - that similarity): it does not
   discuss the target.

The evidence is the winner's carrying sentences, strongest first (at most ``max_evidence``).
``doc_threshold``, ``cue_weight``, ``reported_weight`` and ``relevance_threshold`` are tuned on
dev documents (:meth:`PoolingRule.tune`).

Example:
    >>> import numpy as np
    >>> from framing.models.stance.pooling import PoolingRule
    >>> probs = np.array([[.05, .05, .90], [.92, .03, .05], [.10, .10, .80]])
    >>> d = PoolingRule(doc_threshold=0.6).pool(probs, ["favor", "against", "none"])
    >>> d.label, round(d.score, 2), d.evidence
    ('favor', 0.92, [1])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from framing.models.metrics import GRID
from framing.models.stance.metrics import MIN_SUPPORT, stance_report

CUE_WEIGHTS = (0.0, 0.25, 0.5)
REPORTED_WEIGHTS = (1.0, 0.75, 0.5)
RELEVANCE_THRESHOLDS = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


@dataclass
class SentenceCue:
    """The cue features of one sentence (see :mod:`framing.pipeline.stance_cues`)."""

    strength: float = 0.0
    reported: bool = False
    polarity: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> SentenceCue:
        if not d:
            return cls()
        return cls(float(d.get("strength", 0.0)), bool(d.get("reported", False)),
                   int(d.get("polarity", 0)))


@dataclass
class DocStance:
    """The pooled decision: label, score, the supporting sentence indices (strongest first),
    their strengths, and whether both polar labels had carrying sentences."""

    label: str
    score: float
    evidence: list[int] = field(default_factory=list)
    strengths: list[float] = field(default_factory=list)
    conflict: bool = False
    gated: bool = False


@dataclass
class PoolingRule:
    """Sentence probabilities -> document stance; see the module docstring."""

    doc_threshold: float = 0.5
    cue_weight: float = 0.25
    reported_weight: float = 0.75
    conflict_margin: float = 0.1
    max_evidence: int = 3
    relevance_threshold: float = 0.0
    how: str = "default"

    def __post_init__(self) -> None:
        if not 0 < self.doc_threshold <= 1:
            raise ValueError(f"doc_threshold must be in (0, 1], got {self.doc_threshold}")
        if self.cue_weight < 0 or not 0 < self.reported_weight <= 1:
            raise ValueError("cue_weight must be >= 0 and reported_weight in (0, 1]")
        if not 0 <= self.conflict_margin < 1 or self.max_evidence < 1:
            raise ValueError("conflict_margin must be in [0, 1) and max_evidence >= 1")
        if not 0 <= self.relevance_threshold < 1:
            raise ValueError(f"relevance_threshold must be in [0, 1), got "
                             f"{self.relevance_threshold}")

    def to_dict(self) -> dict[str, Any]:
        return {"doc_threshold": round(self.doc_threshold, 4), "cue_weight": self.cue_weight,
                "reported_weight": self.reported_weight,
                "conflict_margin": self.conflict_margin, "max_evidence": self.max_evidence,
                "relevance_threshold": self.relevance_threshold, "how": self.how}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PoolingRule:
        keys = ("doc_threshold", "cue_weight", "reported_weight", "conflict_margin",
                "relevance_threshold")
        kw: dict[str, Any] = {k: float(d[k]) for k in keys if k in d}
        if "max_evidence" in d:
            kw["max_evidence"] = int(d["max_evidence"])
        return cls(**kw, how=str(d.get("how", "default")))

    def strengths(self, probs: np.ndarray, labels: Sequence[str],
                  cues: Sequence[SentenceCue] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Cue-weighted favor and against strengths of each sentence (step 1)."""
        p = np.asarray(probs, dtype=np.float64).reshape(-1, len(labels))
        idx = {lab: j for j, lab in enumerate(labels)}
        w = np.ones(len(p))
        if cues is not None:
            for i, c in enumerate(cues[:len(p)]):
                w[i] = (1.0 + self.cue_weight * c.strength) * (
                    self.reported_weight if c.reported else 1.0)
        return (1.0 - (1.0 - p[:, idx["favor"]]) ** w,
                1.0 - (1.0 - p[:, idx["against"]]) ** w)

    def pool(self, probs: np.ndarray, labels: Sequence[str],
             cues: Sequence[SentenceCue] | None = None,
             relevance: float | None = None) -> DocStance:
        """The document's stance (steps 1-5 of the module docstring); ``relevance`` is the
        target's largest similarity to a sentence of the document (None: no gate)."""
        has_none = "none" in labels
        if has_none and relevance is not None and relevance < self.relevance_threshold:
            return DocStance("none", float(1.0 - max(0.0, relevance)), gated=True)
        sf, sa = self.strengths(probs, labels, cues)
        if not len(sf):
            return DocStance("none" if has_none else "favor", 1.0 if has_none else 0.0)
        fav_side = sf >= sa
        if has_none:
            carry_f = np.flatnonzero(fav_side & (sf >= self.doc_threshold))
            carry_a = np.flatnonzero(~fav_side & (sa >= self.doc_threshold))
        else:
            carry_f, carry_a = np.flatnonzero(fav_side), np.flatnonzero(~fav_side)
        if not len(carry_f) and not len(carry_a):
            return DocStance("none", float(1.0 - max(sf.max(), sa.max())))
        mf, ma = float(sf[carry_f].sum()), float(sa[carry_a].sum())
        conflict = bool(len(carry_f) and len(carry_a))
        if not conflict:
            win = "favor" if len(carry_f) else "against"
        elif abs(mf - ma) > self.conflict_margin * (mf + ma):
            win = "favor" if mf > ma else "against"
        else:
            win = "favor" if sf[carry_f].max() >= sa[carry_a].max() else "against"
        s, carry, mass = (sf, carry_f, mf) if win == "favor" else (sa, carry_a, ma)
        order = sorted(carry.tolist(), key=lambda i: (-s[i], i))[:self.max_evidence]
        share = mass / (mf + ma) if conflict else 1.0
        return DocStance(win, float(s[order[0]] * share), order, [float(s[i]) for i in order],
                         conflict)

    @classmethod
    def tune(cls, docs: Sequence[tuple[Any, ...]], gold: Sequence[str], labels: Sequence[str],
             default_threshold: float = 0.5, min_support: int = MIN_SUPPORT) -> PoolingRule:
        """The rule that maximises dev-document macro-F1 over a grid of ``doc_threshold``
        (0.05..0.95), ``cue_weight`` (0, 0.25, 0.5), ``reported_weight`` (1, 0.75, 0.5) and,
        when the documents come with relevance (``(probs, cues, relevance)`` tuples rather than
        ``(probs, cues)``), ``relevance_threshold`` (0 = off, 0.2 ... 0.5); ties go to the
        defaults (threshold closest to ``default_threshold``, no gate). With fewer than
        ``min_support`` dev documents of some label the defaults stay, with ``doc_threshold =
        default_threshold``."""
        base = cls(doc_threshold=default_threshold)
        present = [lab for lab in labels if lab != "none" or "none" in gold]
        counts = {lab: sum(1 for g in gold if g == lab) for lab in present}
        if not gold or min(counts.values()) < min_support:
            base.how = (f"default (doc_threshold = the sentence rule's {default_threshold:.2f}): "
                        f"fewer than {min_support} dev documents of some label")
            return base
        ths = sorted(GRID, key=lambda t: (abs(t - default_threshold), t)) \
            if "none" in labels else [default_threshold]
        cws = sorted(CUE_WEIGHTS, key=lambda v: abs(v - base.cue_weight))
        rws = sorted(REPORTED_WEIGHTS, key=lambda v: abs(v - base.reported_weight))
        rel = [d[2] if len(d) > 2 else None for d in docs]
        gates = RELEVANCE_THRESHOLDS if "none" in labels and any(
            r is not None for r in rel) else (0.0,)
        best: PoolingRule | None = None
        best_f = -1.0
        for g, cw, rw, t in itertools.product(gates, cws, rws, ths):
            rule = cls(doc_threshold=t, cue_weight=cw, reported_weight=rw,
                       relevance_threshold=g)
            pred = [rule.pool(d[0], labels, d[1], r).label for d, r in zip(docs, rel,
                                                                            strict=True)]
            f = stance_report(gold, pred, labels)["macro_f1"]
            if f > best_f + 1e-12:
                best, best_f = rule, f
        assert best is not None
        best.how = f"tuned on {len(gold)} dev documents (dev macro-F1 {best_f:.3f})"
        return best
