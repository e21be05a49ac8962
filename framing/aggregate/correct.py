"""Prevalence corrected for classifier error: adjusted classify-and-count with propagated error.

A classifier with true-positive rate ``tpr`` and false-positive rate ``fpr`` for a label turns a
true prevalence ``p`` into an expected labelled share ``q = fpr + (tpr - fpr) * p``. Inverting
gives the adjusted classify-and-count estimate (Forman 2008)::

    p = (q - fpr) / (tpr - fpr), clipped to [0, 1]

``tpr`` and ``fpr`` are measured on labelled dev data (confusion counts per label), so they are
uncertain too; the interval comes from a parametric bootstrap that redraws both the dev
confusion counts and the sample (binomial draws, or the cluster bootstrap replicates for
sentence shares).

Small labelled samples make ``tpr`` and ``fpr`` noisy, and dividing by a small, noisy
``tpr - fpr`` can move a share far from the truth (a raw 0.95 "corrected" to 0.15). So the
default estimator (``correction="auto"``) degrades gracefully:

* **shrinkage** (:func:`shrunk_acc`): the corrected share is ``q + w (p_acc - q)``, with the
  weight ``w`` in [0, 1] that minimises the estimated mean squared error of the combination
  (the bias of the labelled share, estimated from ``p_acc - q`` less its noise, against the
  variance the inversion adds from the sample and from the measured rates). Precise rates and
  a clear bias give ``w`` near 1 (plain adjusted count); uncertain rates or no evident bias
  give ``w`` near 0 (the labelled share is kept);
* **fallback**: a label whose ``tpr - fpr`` is not clearly above ``MIN_GAP`` (its lower 95%
  bound), or with too few positives or negatives in the labelled sample, is not corrected;
* **marked**: ``reliable`` is False where the rates rest on fewer than ``RELIABLE_MIN``
  positives or negatives, or where the gap's lower bound is small; the summary lists why;
* **checked**: with a labelled validation sample (:meth:`ErrorRates.from_labelled`, documents
  that carry both gold and predicted labels) the rates come from all of it, and the correction
  of each label is cross-validated on it (rates from K-1 folds, the K-th fold's share
  corrected and compared with its gold share): a label whose correction does not lower the
  error there is not corrected. ``correction="acc"`` is the plain adjusted count.

With a labelled validation sample whose documents carry the classifier's document
probabilities, a second estimator is available: probabilistic classify-and-count on
recalibrated probabilities (:mod:`framing.aggregate.pcc`, ``correction="pcc"``). Under
``"auto"`` each label gets whichever of raw, shrunk adjusted count and PCC has the lowest
cross-validated error on the validation sample (raw on ties, so never worse than raw on that
check); :meth:`ErrorRates.method` says which and why.

Error rates are read from a model directory's ``metrics.json`` (key ``error_rates``, or
``cv.error_rates`` when training measured them by cross-validation on all its labelled data,
which is preferred to a small dev split), from a JSON file with the same structure:
``{label: {"tp": .., "fp": .., "fn": .., "tn": ..}}``, optionally split by unit:
``{"document": {...}, "sentence": {...}}``, or from a labelled validation sample.

Example:
    >>> rates = ErrorRates({"federalism": {"tp": 80, "fn": 20, "fp": 10, "tn": 90}})
    >>> round(float(acc_point(0.45, rates.tpr("federalism"), rates.fpr("federalism"))), 4)
    0.5
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from framing.aggregate.pcc import NEEDS_VALIDATION, RELIABLE_MIN, Calibration
from framing.errors import Errors, FramingError

_KEYS = ("tp", "fp", "fn", "tn")
#: Below this tpr - fpr gap (its lower 95% bound) the classifier carries too little signal to
#: invert.
MIN_GAP = 0.05
# Rates resting on fewer positives (or negatives) than RELIABLE_MIN are marked unreliable
# (:data:`framing.aggregate.pcc.RELIABLE_MIN`, shared with the calibration maps).

#: Folds of the cross-validation check on a labelled validation sample.
CV_FOLDS = 5
#: Times the cross-validation is repeated on new random folds (errors averaged).
CV_REPEATS = 4
_Z95 = 1.959963984540054


@dataclass
class ErrorRates:
    """Per-label dev confusion counts ``{label: {tp, fp, fn, tn}}`` and where they came from."""

    counts: dict[str, dict[str, int]]
    source: str = "<memory>"
    level: str | None = None
    notes: list[str] = field(default_factory=list)
    #: per label, the cross-validated mean absolute error of the raw and the corrected share
    #: on the validation sample (only for rates measured on one, see :meth:`from_labelled`)
    cv: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Platt maps of the document probabilities (only from a validation sample)
    calibration: Calibration | None = None
    #: how labels are corrected (``auto``, ``acc`` or ``pcc``; see :meth:`method`)
    mode: str = "auto"
    #: labels whose aggregated documents lack probabilities, and why (:meth:`for_data`)
    no_probs: dict[str, str] = field(default_factory=dict)

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

    def variances(self, label: str) -> tuple[float, float]:
        """Sampling variances of ``tpr`` and ``fpr`` (binomial, with +0.5 smoothing so that a
        rate of 0 or 1 still carries uncertainty)."""
        c = self.counts[label]
        pos, neg = c["tp"] + c["fn"], c["fp"] + c["tn"]
        t = (c["tp"] + 0.5) / (pos + 1.0)
        f = (c["fp"] + 0.5) / (neg + 1.0)
        return t * (1 - t) / max(pos, 1), f * (1 - f) / max(neg, 1)

    def gap_low(self, label: str) -> float:
        """Lower 95% bound of ``tpr - fpr``."""
        v_t, v_f = self.variances(label)
        return self.tpr(label) - self.fpr(label) - _Z95 * float(np.sqrt(v_t + v_f))

    def usable(self, label: str, cv_check: bool = True) -> tuple[bool, str]:
        """Whether ``label`` can be corrected by the adjusted count, and why not
        (``cv_check=False``: every check but the cross-validated one)."""
        if label not in self.counts:
            return False, "no error rates for this label"
        tpr, fpr = self.tpr(label), self.fpr(label)
        if not (np.isfinite(tpr) and np.isfinite(fpr)):
            return False, "the labelled data has no positives or no negatives for this label"
        if tpr - fpr < MIN_GAP:
            return False, f"tpr ({tpr:.2f}) barely above fpr ({fpr:.2f}): nothing to invert"
        lo = self.gap_low(label)
        if lo < MIN_GAP:
            return False, (f"tpr - fpr = {tpr - fpr:.2f} but its 95% lower bound is "
                           f"{lo:.2f}: the classifier does not clearly separate this label")
        cv = self.cv.get(label)
        if cv_check and cv is not None and cv["corrected"] > cv["raw"]:
            return False, (f"in {CV_FOLDS}-fold cross-validation on the validation sample the "
                           f"correction did not lower the error (mean absolute error "
                           f"{cv['corrected']:.3f} corrected vs {cv['raw']:.3f} raw)")
        return True, ""

    def pcc_usable(self, label: str) -> tuple[bool, str]:
        """Whether ``label`` can be estimated by PCC, and why not."""
        if self.calibration is None:
            return False, NEEDS_VALIDATION
        if label in self.no_probs:
            return False, self.no_probs[label]
        return self.calibration.usable(label)

    def method(self, label: str, correction: str | None = None) -> tuple[str, str]:
        """How ``label`` is estimated: ``"acc"``, ``"pcc"`` or ``"raw"`` (not corrected, with
        the reason), under ``correction`` (default: :attr:`mode`).

        ``acc``: the adjusted count where :meth:`usable`. ``pcc``: PCC where the label has a
        calibration map. ``auto``: without a calibration, as ``acc``; with one, the estimator
        with the lowest cross-validated error among raw, shrunk adjusted count (where usable)
        and PCC (where calibrated), raw on ties.
        """
        mode = correction or self.mode
        acc_ok, acc_why = self.usable(label)
        if mode == "acc":
            return ("acc", "") if acc_ok else ("raw", acc_why)
        pcc_ok, pcc_why = self.pcc_usable(label)
        if mode == "pcc":
            return ("pcc", "") if pcc_ok else ("raw", pcc_why)
        cv = self.cv.get(label, {})
        if self.calibration is None or not pcc_ok or "pcc" not in cv:
            if acc_ok:
                return "acc", ""
            return "raw", acc_why if self.calibration is None else f"{acc_why}; pcc: {pcc_why}"
        errors = {"raw": cv["raw"], "pcc": cv["pcc"]}
        if self.usable(label, cv_check=False)[0]:
            errors["acc"] = cv["corrected"]
        best = min(errors, key=lambda k: (errors[k], k != "raw"))
        if best == "raw":
            shown = ", ".join(f"{k} {v:.3f}" for k, v in errors.items())
            return "raw", (f"in repeated {CV_FOLDS}-fold cross-validation on the validation "
                           f"sample no correction lowered the error (mean absolute error "
                           f"{shown})")
        return best, ""

    def for_data(self, correction: str, probs_of: Any, frames: list[str]) -> ErrorRates:
        """A copy set to ``correction`` for aggregated documents whose probabilities
        ``probs_of(frame)`` gives (None, or NaN for a document without one): PCC is not used
        for a frame some document lacks a probability of. ``correction="pcc"`` without a
        calibration is E530."""
        if correction == "pcc" and self.calibration is None:
            raise FramingError(Errors.E530.format(detail=NEEDS_VALIDATION))
        missing: dict[str, str] = {}
        if self.calibration is not None:
            for f in frames:
                if f not in self.calibration.maps:
                    continue
                p = probs_of(f)
                if p is None:
                    missing[f] = ("the aggregated documents carry no probability for this "
                                  "frame (the frames of `framing label` output, or its "
                                  "score__<frame> columns)")
                elif not np.isfinite(p).all():
                    missing[f] = (f"{int((~np.isfinite(p)).sum())} of the {len(p)} aggregated "
                                  f"documents carry no probability for this frame")
        return replace(self, mode=correction, no_probs=missing)

    def reliable(self, label: str) -> tuple[bool, str]:
        """Whether a usable correction of ``label`` rests on enough labelled data."""
        c = self.counts[label]
        pos, neg = c["tp"] + c["fn"], c["fp"] + c["tn"]
        if min(pos, neg) < RELIABLE_MIN:
            return False, (f"rates rest on {pos} positive and {neg} negative labelled "
                           f"examples (fewer than {RELIABLE_MIN})")
        if self.gap_low(label) < 0.2:
            return False, f"tpr - fpr may be as small as {self.gap_low(label):.2f}"
        return True, ""

    def reliable_by(self, label: str, how: str) -> tuple[bool, str]:
        """:meth:`reliable` for the estimator ``how`` that :meth:`method` picked: the adjusted
        count's rates (``acc``) or the calibration map (``pcc``)."""
        if how == "pcc":
            assert self.calibration is not None  # method() picks pcc only with a map
            return self.calibration.reliable(label)
        return self.reliable(label)

    def to_dict(self) -> dict[str, Any]:
        return {lab: {**c, "tpr": round(self.tpr(lab), 4), "fpr": round(self.fpr(lab), 4),
                      **({"cv_mae": self.cv[lab]} if lab in self.cv else {})}
                for lab, c in self.counts.items()}

    @classmethod
    def from_labelled(cls, source: Any, unit: str = "document", folds: int = CV_FOLDS,
                      seed: int = 0, repeats: int | None = None) -> ErrorRates:
        """Rates counted on a labelled validation sample: documents that carry both gold
        labels and the classifier's predictions (``framing label`` output of annotated
        documents: ingest keeps the gold ``labels`` in ``meta``). Every document counts (no
        dev split), and each label's correction is cross-validated on the sample
        (``folds`` folds, ``repeats`` times on new random folds, default :data:`CV_REPEATS`;
        see the module docstring). Where the documents carry the classifier's document
        probabilities, per-label Platt maps are fitted on all of the sample
        (:class:`~framing.aggregate.pcc.Calibration`) and PCC is cross-validated the same
        way (``cv[label]["pcc"]``). Document unit only."""
        from framing.aggregate.load import iter_documents

        if unit != "document":
            raise FramingError(Errors.E512.format(
                where=_where(source), detail="a validation sample gives document-level rates; "
                                             "use --unit document"))
        gold = [set(d.labels) for d in iter_documents(source, (), "gold", need_text=False)]
        pred_docs = list(iter_documents(source, (), "predicted", need_text=False))
        pred = [set(d.labels) for d in pred_docs]
        if len(gold) < 2 * folds:
            raise FramingError(Errors.E512.format(
                where=_where(source), detail=f"{len(gold)} documents; at least {2 * folds} "
                                             "are needed"))
        labels = sorted(set().union(*gold, *pred))
        y = np.array([[lab in g for lab in labels] for g in gold], dtype=bool)
        yhat = np.array([[lab in p for lab in labels] for p in pred], dtype=bool)
        counts = {lab: _confusion(y[:, j], yhat[:, j]) for j, lab in enumerate(labels)}
        probs = np.array([[np.nan if d.probs is None else d.probs.get(lab, np.nan)
                           for lab in labels] for d in pred_docs], dtype=np.float64)
        calibration = None
        if np.isfinite(probs).any():
            calibration = Calibration.fit({lab: probs[:, j] for j, lab in enumerate(labels)},
                                          {lab: y[:, j] for j, lab in enumerate(labels)})
        rates = cls(counts=counts, source=f"{_where(source)} (validation sample, "
                                          f"{len(gold)} documents)", level="document",
                    calibration=calibration)
        rng = np.random.default_rng(seed)
        splits = [rng.permutation(len(gold)) % folds
                  for _ in range(CV_REPEATS if repeats is None else repeats)]
        for j, lab in enumerate(labels):
            err_pcc = []
            err_raw, err_cor = [], []
            for fold, k in ((fold, k) for fold in splits for k in range(folds)):
                tr, te = fold != k, fold == k
                part = cls({lab: _confusion(y[tr, j], yhat[tr, j])})
                q = float(yhat[te, j].mean())
                truth = float(y[te, j].mean())
                err_raw.append(abs(q - truth))
                est = q
                if part.usable(lab)[0]:
                    est = float(shrunk_acc(np.array([q]), np.array([float(te.sum())]), part,
                                           lab)[0][0])
                err_cor.append(abs(est - truth))
                if calibration is not None and calibration.usable(lab)[0]:
                    # the fold's share from a map fitted on the other folds (raw if the other
                    # folds cannot give one, as the adjusted count falls back above)
                    fit = Calibration.fit({lab: probs[tr, j]}, {lab: y[tr, j]})
                    est = q
                    if fit.usable(lab)[0] and np.isfinite(probs[te, j]).all():
                        est = float(fit.calibrated(lab, probs[te, j]).mean())
                    err_pcc.append(abs(est - truth))
            rates.cv[lab] = {"raw": round(float(np.mean(err_raw)), 4),
                             "corrected": round(float(np.mean(err_cor)), 4)}
            if err_pcc:
                rates.cv[lab]["pcc"] = round(float(np.mean(err_pcc)), 4)
        return rates

    @classmethod
    def from_dict(cls, data: Any, source: str = "<memory>", unit: str = "document"
                  ) -> ErrorRates:
        """Parse ``{label: {tp, fp, fn, tn}}`` (or the same under ``error_rates`` and/or
        ``document``/``sentence``); raises E503 with the problem."""
        _check_unit(unit)
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


def _check_unit(unit: str) -> None:
    if unit == "mention":
        raise FramingError(Errors.E502.format(
            detail="--correct needs error rates of the unit counted, and classifier error is "
                   "measured on documents and sentences, not on mentions; use --unit document "
                   "or sentence with --correct"))


def load_error_rates(error_rates: str | Path | None = None, model: str | Path | None = None,
                     unit: str = "document") -> ErrorRates:
    """Error rates from ``--error-rates FILE`` or from ``--model DIR`` (``metrics.json``).

    In a model directory the counts are looked up under ``error_rates`` in the ``cv`` section
    of ``metrics.json`` (out-of-fold counts over all the labelled data, preferred), at its top,
    or in its ``dev`` section. Without them, they are derived from the dev
    report that ``framing train`` writes (per-label precision, recall and support plus the
    number of rows determine tp, fp, fn and tn), from the ``fused`` scorer when present (the one
    ``framing label`` uses with rules) else ``classifier``, provided the model's evaluation
    level (``framing_model.json``) matches ``unit``.
    """
    _check_unit(unit)
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
    # rates cross-validated on all the labelled data first, then a dev split's
    for name, section in (("cv", metrics.get("cv")), ("", metrics), ("dev", metrics.get("dev"))):
        if isinstance(section, dict) and isinstance(section.get("error_rates"), dict):
            src = f"{mp} ({name} error_rates)" if name else str(mp)
            return ErrorRates.from_dict(section["error_rates"], source=src, unit=unit)
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


def _confusion(y: NDArray[np.bool_], yhat: NDArray[np.bool_]) -> dict[str, int]:
    return {"tp": int(np.sum(y & yhat)), "fp": int(np.sum(~y & yhat)),
            "fn": int(np.sum(y & ~yhat)), "tn": int(np.sum(~y & ~yhat))}


def _where(source: Any) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    if isinstance(source, (list, tuple)) and source and all(
            isinstance(x, (str, Path)) for x in source):
        return ", ".join(str(x) for x in source)
    return "<memory>"


def shrunk_acc(q: ArrayLike, n_eff: ArrayLike, rates: ErrorRates, label: str,
               var_q: ArrayLike | None = None, plain: bool = False
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Corrected shares ``q + w (p_acc - q)`` and the weights ``w`` (see the module docstring).

    ``q``: labelled shares; ``n_eff``: their (effective) sample sizes; ``var_q``: their
    variances when known (sentence shares: from the cluster bootstrap), else binomial;
    ``plain=True`` gives the plain adjusted count (``w = 1``). Cells without documents stay
    NaN.

    Example:
        >>> r = ErrorRates({"f": {"tp": 400, "fn": 100, "fp": 100, "tn": 400}})
        >>> p, w = shrunk_acc([0.62, 0.5], [2000, 20], r, "f")
        >>> [round(float(x), 2) for x in p], [round(float(x), 2) for x in w]
        ([0.69, 0.5], [0.9, 0.0])
    """
    q_a = np.asarray(q, float)
    n_a = np.asarray(n_eff, float)
    tpr, fpr = rates.tpr(label), rates.fpr(label)
    gap = tpr - fpr
    p_acc = acc_point(q_a, tpr, fpr)
    if plain:
        return p_acc, np.where(np.isfinite(q_a), 1.0, np.nan)
    v_t, v_f = rates.variances(label)
    with np.errstate(divide="ignore", invalid="ignore"):
        qs = np.clip(q_a, 0.5 / np.maximum(n_a, 1), 1 - 0.5 / np.maximum(n_a, 1))
        v_q = (np.asarray(var_q, float) if var_q is not None
               else qs * (1 - qs) / np.maximum(n_a, 1))
        pp = np.nan_to_num(p_acc)
        v_acc = (v_q + v_f * (1 - pp) ** 2 + v_t * pp ** 2) / gap ** 2
        cov = v_q / gap
        d = p_acc - q_a
        var_d = np.maximum(v_q + v_acc - 2 * cov, 1e-12)
        bias2 = np.maximum(d * d - var_d, 0.0)
        w = np.clip((bias2 + v_q - cov) / (bias2 + var_d), 0.0, 1.0)
    w = np.where(np.isfinite(q_a), np.nan_to_num(w), np.nan)
    return q_a + w * (p_acc - q_a), w
