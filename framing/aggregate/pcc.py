"""Probabilistic classify-and-count (PCC) on recalibrated document probabilities.

A cell's share of documents that use a frame is estimated as the mean, over the cell's
documents, of the *calibrated* probability that a document uses it. The classifier's own
document probabilities are often miscalibrated (the default model's are under-confident between
0.1 and 0.7), so their plain mean is biased; a labelled validation sample (``framing label``
output of documents that carry gold labels in ``meta``) fits, per frame, a Platt map from the
probability to P(gold): a logistic regression (scikit-learn's ``LogisticRegression``) on
``logit(p)``. Unlike an adjusted count, nothing is inverted, so PCC degrades gracefully: a map
that carries little signal pulls every document toward the validation sample's prevalence
instead of amplifying noise.

A frame is not calibrated (the reason is kept) when the validation documents carry no
probability for it, when it has fewer than :data:`MIN_CLASS` positive or negative documents, or
when the map's slope is not clearly above zero (its 95% lower bound): such a map gives every
document about the validation sample's prevalence, which hides real differences between cells.
Maps resting on fewer than ``RELIABLE_MIN`` positives or negatives are marked unreliable.

Intervals: a parametric bootstrap that redraws the map's two parameters from their asymptotic
normal distribution (the inverse Fisher information of the fit, i.e. the uncertainty of a map
fitted on a sample of this size) and the cell's share binomially, as the adjusted count's
interval redraws the confusion counts and the sample.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> def docs(n, prevalence):  # under-confident scores: 0.6 for users, 0.35 for the rest
    ...     y = rng.random(n) < prevalence
    ...     return y, np.where(y, 0.6, 0.35) + rng.normal(0, 0.05, n)
    >>> y, p = docs(300, 0.3)  # the validation sample
    >>> cal = Calibration.fit({"economic": p}, {"economic": y})
    >>> y2, p2 = docs(1000, 0.1)  # a cell where the frame is rarer
    >>> [round(float(x), 2) for x in (y2.mean(), p2.mean(), cal.calibrated("economic", p2).mean())]
    [0.11, 0.37, 0.13]
    >>> Calibration.fit({"morality": p}, {"morality": np.zeros(300, bool)}).usable("morality")[1]
    'the validation sample has 0 positive and 300 negative documents with a probability for this frame (fewer than 5 of either)'
"""  # noqa: E501

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

#: Fewer positive (or negative) validation documents than this: the frame is not calibrated.
MIN_CLASS = 5
#: Inverse L2 strength of the Platt fit (scikit-learn's ``C``; the intercept is not penalised).
PLATT_C = 1.0
#: Probabilities are clipped to [EPS, 1 - EPS] before the logit.
EPS = 1e-4
#: Bins of logit(p) per cell for the bootstrap replicates (the point estimate is exact).
GRID = 256
#: Maps (and adjusted-count rates) resting on fewer positives or negatives than this are
#: marked unreliable.
RELIABLE_MIN = 30
#: Why PCC is unavailable without a validation sample.
NEEDS_VALIDATION = ("pcc needs a labelled validation sample (--validation) to calibrate the "
                    "document probabilities; error rates from --model/--error-rates give acc "
                    "only")


def logit(p: ArrayLike) -> NDArray[np.float64]:
    """``log(p / (1 - p))`` of ``p`` clipped to ``[EPS, 1 - EPS]``.

    Example:
        >>> [round(float(x), 3) for x in logit([0.5, 0.9, 1.0])]
        [0.0, 2.197, 9.21]
    """
    q = np.clip(np.asarray(p, np.float64), EPS, 1 - EPS)
    return np.asarray(np.log(q / (1 - q)))


@dataclass
class PlattMap:
    """``P(gold | p) = expit(intercept + slope * logit(p))`` with the parameters' covariance."""

    intercept: float
    slope: float
    cov: NDArray[np.float64]
    n_pos: int
    n_neg: int

    def __call__(self, p: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(expit(self.intercept + self.slope * logit(p)))

    def draws(self, b: int, rng: np.random.Generator) -> NDArray[np.float64]:
        """``b`` parameter pairs (intercept, slope) from their asymptotic normal distribution."""
        return rng.multivariate_normal([self.intercept, self.slope], self.cov, size=b,
                                       method="eigh")

    def slope_low(self) -> float:
        """Lower 95% bound of the slope."""
        return self.slope - 1.959963984540054 * float(np.sqrt(max(self.cov[1, 1], 0.0)))


def fit_platt(p: ArrayLike, y: ArrayLike, c: float | None = None
              ) -> tuple[PlattMap | None, str]:
    """A Platt map of the documents that have a probability, or ``None`` and why not
    (``c``: inverse regularisation strength, default :data:`PLATT_C`)."""
    from sklearn.linear_model import LogisticRegression

    c = PLATT_C if c is None else c

    p_a = np.asarray(p, np.float64)
    y_a = np.asarray(y, bool)
    ok = np.isfinite(p_a)
    if not ok.any():
        return None, "the validation documents carry no probability for this frame"
    p_a, y_a = p_a[ok], y_a[ok]
    n_pos, n_neg = int(y_a.sum()), int((~y_a).sum())
    if min(n_pos, n_neg) < MIN_CLASS:
        return None, (f"the validation sample has {n_pos} positive and {n_neg} negative "
                      f"documents with a probability for this frame (fewer than {MIN_CLASS} "
                      f"of either)")
    x = logit(p_a)
    lr = LogisticRegression(C=c).fit(x[:, None], y_a)
    a, s = float(lr.intercept_[0]), float(lr.coef_[0, 0])
    # covariance of (intercept, slope): the inverse of the penalised Fisher information
    q = expit(a + s * x)
    w = q * (1 - q)
    design = np.stack([np.ones_like(x), x], axis=1)
    info = design.T @ (design * w[:, None]) + np.diag([0.0, 1.0 / c])
    cov = np.linalg.pinv(info)
    return PlattMap(a, s, cov, n_pos, n_neg), ""


@dataclass
class Calibration:
    """Per-frame Platt maps fitted on a validation sample, and why other frames have none."""

    maps: dict[str, PlattMap] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    n: int = 0

    @classmethod
    def fit(cls, probs: dict[str, ArrayLike], gold: dict[str, ArrayLike],
            c: float | None = None) -> Calibration:
        """Maps for every frame of ``gold`` (``{frame: bool per document}``) from
        ``probs`` (``{frame: probability per document}``, NaN where a document has none)."""
        out = cls(n=max((len(np.asarray(v)) for v in gold.values()), default=0))
        for f, y in gold.items():
            m, why = fit_platt(probs[f], y, c) if f in probs else (
                None, "the validation documents carry no probability for this frame")
            if m is None:
                out.refused[f] = why
            else:
                out.maps[f] = m
        return out

    def usable(self, frame: str) -> tuple[bool, str]:
        """Whether ``frame`` has a map whose slope is clearly positive, and why not (a map
        without slope gives every document the validation sample's prevalence: the cells'
        differences would be lost)."""
        m = self.maps.get(frame)
        if m is None:
            return False, self.refused.get(frame,
                                           "the validation sample does not have this frame")
        if m.slope_low() <= 0:
            return False, (f"the document probabilities do not separate this frame in the "
                           f"validation sample (calibration slope {m.slope:.2f}, 95% lower "
                           f"bound {m.slope_low():.2f})")
        return True, ""

    def reliable(self, frame: str) -> tuple[bool, str]:
        """Whether ``frame``'s map rests on enough validation documents and separates them."""
        m = self.maps[frame]
        if min(m.n_pos, m.n_neg) < RELIABLE_MIN:
            return False, (f"calibration rests on {m.n_pos} positive and {m.n_neg} negative "
                           f"validation documents (fewer than {RELIABLE_MIN})")
        return True, ""

    def calibrated(self, frame: str, p: ArrayLike) -> NDArray[np.float64]:
        """Calibrated probabilities of ``frame`` (NaN stays NaN)."""
        p_a = np.asarray(p, np.float64)
        return np.where(np.isfinite(p_a), self.maps[frame](p_a), np.nan)

    def to_dict(self) -> dict[str, Any]:
        return {f: {"intercept": round(m.intercept, 4), "slope": round(m.slope, 4),
                    "n_pos": m.n_pos, "n_neg": m.n_neg} for f, m in self.maps.items()}


def pcc_replicates(m: PlattMap, p: NDArray[Any], doc_cell: NDArray[np.int64], share: NDArray[
        np.float64], n: NDArray[np.float64], b: int, rng: np.random.Generator
                   ) -> NDArray[np.float64]:
    """Bootstrap replicates (shape ``(b, cells)``) of the PCC shares ``share`` of cells with
    ``n`` documents: the map's parameters redrawn (:meth:`PlattMap.draws`) and applied to each
    cell's documents (``p``, ``doc_cell``: -1 for documents in no cell), plus binomial sampling
    noise around the point share. Each cell's logit(p) are binned on a :data:`GRID`-point grid
    so that the cost does not grow with documents x replicates."""
    c = len(n)
    keep = doc_cell >= 0
    x = logit(p[keep])
    cell = doc_cell[keep]
    lo, hi = (float(x.min()), float(x.max())) if len(x) else (0.0, 0.0)
    width = (hi - lo) / GRID or 1.0
    bins = np.minimum(((x - lo) / width).astype(np.int64), GRID - 1)
    counts = np.bincount(cell * GRID + bins, minlength=c * GRID).reshape(c, GRID)
    centres = lo + (np.arange(GRID) + 0.5) * width
    theta = m.draws(b, rng)
    cal = expit(theta[:, :1] + theta[:, 1:] * centres[None, :])  # (b, GRID)
    with np.errstate(divide="ignore", invalid="ignore"):
        maps = (cal @ counts.T) / n[None, :]
        # the binned map's mean at the fitted parameters, so that the redrawn maps are
        # centred on the exact point share
        centre = (expit(m.intercept + m.slope * centres) @ counts.T) / n
        sample = rng.binomial(n.astype(np.int64)[None, :].repeat(b, 0),
                              np.clip(np.nan_to_num(share), 0, 1)[None, :]) / np.maximum(n, 1)
    return np.asarray(np.clip(maps - centre + sample, 0.0, 1.0))


__all__ = ["RELIABLE_MIN", "Calibration", "PlattMap", "fit_platt", "logit", "pcc_replicates"]
