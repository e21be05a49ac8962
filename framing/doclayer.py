"""The document layer: which frames a document *uses*, learned from sentence-score statistics.

A frame's **mentions** are the sentences labelled with it, its **share** is the fraction of the
document's sentences that carry it, and whether the document **uses** it is a calibrated
document-level decision, the way human annotators label articles (typically 2-5 frames for a
news article), not "any one sentence touched it". The decision is a logistic model over
statistics of the frame's sentence scores:

=================  =========================================================================
``max``            the best sentence score
``top3``           the mean of the three best sentence scores
``share``          the fraction of sentences labelled with the frame
``log_mentions``   log(1 + labelled sentences)
``first``          where the first labelled sentence sits (0 = first sentence, 1 = none)
``mean``           the mean sentence score
``lede``           the best score among the first five sentences
``title``          the title's score (0 when there is no title)
``log_sentences``  log(1 + sentences), so counts are read against length
=================  =========================================================================

plus one indicator per frame (a per-frame intercept: frames differ in how often a mention
means use). One model is shared by all frames, so rare frames borrow strength from common
ones. Every statistic but ``log_mentions`` is bounded by length, and ``log_sentences`` lets
the model discount mentions in long documents, so the number of labels does not grow with
length (``scripts/eval_news.py`` reports labels per document by length quartile).

The probabilities are a child frame lifts its parent (a document that uses ``enforcement``
uses ``crime_and_punishment``), and a document's decision threshold is tuned by
cross-validation on the training documents for micro-F1 (never on held-out data).

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> docs = [DocScores(rng.random((12, 2)) * [1, 0.3]) for _ in range(40)]
    >>> y = np.array([[True, False]] * 40)
    >>> layer = DocumentLayer(frames=["a", "b"]).fit(docs, y)
    >>> bool(layer.predict_proba(docs[0])[0] > layer.predict_proba(docs[0])[1])
    True
    >>> DocumentLayer.from_dict(layer.to_dict()).predict(docs[0]).tolist()
    [True, False]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from framing.errors import Errors, FramingError

FEATURES = ("max", "top3", "share", "log_mentions", "first", "mean", "lede", "title",
            "log_sentences")
#: Sentences counted as the lede.
LEDE = 5
FORMAT = "framing-document-layer"
FORMAT_VERSION = 1


@dataclass
class DocScores:
    """One document's sentence scores for the frames of a layer.

    ``scores`` is (sentences x frames) in [0, 1]; ``labelled`` (same shape, bool) says which
    sentence labels were given (default: ``scores >= 0.5``); ``title`` is the title's score per
    frame, or ``None``.
    """

    scores: np.ndarray
    labelled: np.ndarray | None = None
    title: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.scores = np.asarray(self.scores, dtype=float)
        if self.scores.ndim != 2:
            raise FramingError(Errors.E490.format(
                detail=f"sentence scores must be (sentences x frames), got shape "
                       f"{self.scores.shape}"))
        if self.labelled is None:
            self.labelled = self.scores >= 0.5
        self.labelled = np.asarray(self.labelled, dtype=bool).reshape(self.scores.shape)

    @property
    def n_frames(self) -> int:
        return int(self.scores.shape[1])


def features(doc: DocScores, n_frames: int | None = None) -> np.ndarray:
    """The (frames x FEATURES) statistics of one document (see the module docstring)."""
    s = doc.scores
    k = n_frames if n_frames is not None else doc.n_frames
    if s.shape[0] == 0:
        s = np.zeros((0, k))
    if s.shape[1] != k:
        raise FramingError(Errors.E490.format(
            detail=f"a document has scores for {s.shape[1]} frames, the layer has {k}"))
    lab = doc.labelled if doc.labelled is not None and len(s) else np.zeros(s.shape, bool)
    n = s.shape[0]
    out = np.zeros((k, len(FEATURES)))
    if n:
        top = -np.sort(-s, axis=0)
        out[:, 0] = top[0]
        out[:, 1] = top[:3].mean(axis=0)
        out[:, 2] = lab.mean(axis=0)
        out[:, 3] = np.log1p(lab.sum(axis=0))
        first = np.where(lab.any(axis=0), lab.argmax(axis=0) / n, 1.0)
        out[:, 4] = first
        out[:, 5] = s.mean(axis=0)
        out[:, 6] = s[:LEDE].max(axis=0)
    else:
        out[:, 4] = 1.0
    if doc.title is not None:
        out[:, 7] = np.asarray(doc.title, dtype=float).reshape(k)
    out[:, 8] = np.log1p(n)
    return out


def _design(docs: Sequence[DocScores], k: int) -> np.ndarray:
    """Rows (doc, frame) of features plus frame indicators."""
    eye = np.eye(k)
    return np.vstack([np.hstack([features(d, k), eye]) for d in docs]) if docs \
        else np.zeros((0, len(FEATURES) + k))


class DocumentLayer:
    """Learned document decisions over sentence-score statistics (sklearn-style estimator).

    Args:
        frames: the frame ids, in the column order of the :class:`DocScores` it reads.
        parents: ``{child: parent}`` among ``frames``; a child's probability lifts its parent's.
        C: inverse L2 regularisation of the logistic model.
        threshold: the decision threshold; ``None`` tunes it by cross-validation in ``fit``.
        folds: cross-validation folds for the threshold.
        seed: for the folds.
    """

    def __init__(self, frames: Sequence[str], parents: Mapping[str, str] | None = None,
                 C: float = 1.0, threshold: float | None = None, folds: int = 5,
                 seed: int = 0) -> None:
        self.frames = list(frames)
        self.parents = dict(parents or {})
        self.C = C
        self.threshold = threshold
        self.folds = folds
        self.seed = seed

    # ----- fitting ------------------------------------------------------------------------
    def _check(self, docs: Sequence[DocScores], y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=bool)
        k = len(self.frames)
        if y.shape != (len(docs), k):
            raise FramingError(Errors.E490.format(
                detail=f"labels have shape {y.shape}, expected ({len(docs)}, {k})"))
        if len(docs) < 2 or not y.any() or y.all():
            raise FramingError(Errors.E490.format(
                detail=f"need at least 2 documents with both used and unused frames "
                       f"(got {len(docs)} documents, {int(y.sum())} used frames)"))
        bad = [p for c, p in self.parents.items() if c not in self.frames or
               p not in self.frames]
        if bad:
            raise FramingError(Errors.E490.format(detail=f"unknown parent frames {bad}"))
        return y

    def _fit_lr(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float, np.ndarray,
                                                               np.ndarray]:
        from sklearn.linear_model import LogisticRegression

        mu = x.mean(axis=0)
        sd = x.std(axis=0)
        sd[sd < 1e-9] = 1.0  # a constant feature (e.g. one length in a toy set)
        lr = LogisticRegression(C=self.C, max_iter=5000)
        lr.fit((x - mu) / sd, y)
        return lr.coef_[0], float(lr.intercept_[0]), mu, sd

    def fit(self, docs: Sequence[DocScores], y: np.ndarray) -> DocumentLayer:
        """Fit on documents and their gold ``y`` (documents x frames, bool; parents included)."""
        y = self._check(docs, y)
        k = len(self.frames)
        x = _design(docs, k)
        if self.threshold is None:
            self.threshold_ = self._tune_threshold(docs, y)
        else:
            self.threshold_ = float(self.threshold)
        self.coef_, self.intercept_, self.mean_, self.scale_ = self._fit_lr(x, y.ravel())
        return self

    def _tune_threshold(self, docs: Sequence[DocScores], y: np.ndarray) -> float:
        """The threshold with the best pooled out-of-fold micro-F1."""
        k = len(self.frames)
        n = len(docs)
        folds = max(2, min(self.folds, n))
        order = np.random.default_rng(self.seed).permutation(n)
        prob = np.zeros((n, k))
        for f in range(folds):
            test = order[f::folds]
            train = np.setdiff1d(order, test)
            ytr = y[train]
            if not ytr.any() or ytr.all():
                return 0.5
            w, b, mu, sd = self._fit_lr(_design([docs[i] for i in train], k), ytr.ravel())
            for i in test:
                z = ((np.hstack([features(docs[i], k), np.eye(k)]) - mu) / sd) @ w + b
                prob[i] = self._lift(1.0 / (1.0 + np.exp(-z)))
        best, best_f1 = 0.5, -1.0
        for t in np.arange(0.2, 0.71, 0.025):
            pred = prob >= t
            tp = (pred & y).sum()
            f1 = 2 * tp / max(1, pred.sum() + y.sum())
            if f1 > best_f1 + 1e-12:
                best, best_f1 = float(round(t, 3)), float(f1)
        self.cv_micro_f1_ = round(best_f1, 4)
        return best

    # ----- inference ----------------------------------------------------------------------
    def _lift(self, p: np.ndarray) -> np.ndarray:
        out = p.copy()
        idx = {f: i for i, f in enumerate(self.frames)}
        for child, parent in self.parents.items():
            out[idx[parent]] = max(out[idx[parent]], out[idx[child]])
        return out

    def predict_proba(self, doc: DocScores) -> np.ndarray:
        """P(the document uses each frame), in ``frames`` order."""
        self._check_fitted()
        k = len(self.frames)
        z = ((np.hstack([features(doc, k), np.eye(k)]) - self.mean_) / self.scale_) @ \
            self.coef_ + self.intercept_
        return self._lift(1.0 / (1.0 + np.exp(-z)))

    def predict(self, doc: DocScores) -> np.ndarray:
        """Which frames the document uses (bool, in ``frames`` order)."""
        return self.predict_proba(doc) >= self.threshold_

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise FramingError(Errors.E490.format(detail="the document layer is not fitted"))

    # ----- serialisation ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters (no pickles)."""
        self._check_fitted()
        d: dict[str, Any] = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "features": list(FEATURES),
            "frames": self.frames, "parents": self.parents, "C": self.C,
            "threshold": self.threshold_, "coef": [round(float(v), 8) for v in self.coef_],
            "intercept": round(self.intercept_, 8),
            "mean": [round(float(v), 8) for v in self.mean_],
            "scale": [round(float(v), 8) for v in self.scale_],
        }
        if hasattr(self, "cv_micro_f1_"):
            d["cv_micro_f1"] = self.cv_micro_f1_
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DocumentLayer:
        """Inverse of :meth:`to_dict`; checks the format and the feature list."""
        if d.get("format") != FORMAT or list(d.get("features") or []) != list(FEATURES):
            raise FramingError(Errors.E490.format(
                detail=f"not a {FORMAT} v{FORMAT_VERSION} with features {list(FEATURES)}"))
        layer = cls(frames=d["frames"], parents=d.get("parents") or {}, C=float(d["C"]),
                    threshold=float(d["threshold"]))
        k = len(layer.frames)
        coef = np.asarray(d["coef"], dtype=float)
        if coef.shape != (len(FEATURES) + k,):
            raise FramingError(Errors.E490.format(
                detail=f"{coef.shape[0]} coefficients for {len(FEATURES)} features and {k} "
                       "frames"))
        layer.coef_ = coef
        layer.intercept_ = float(d["intercept"])
        layer.mean_ = np.asarray(d["mean"], dtype=float)
        layer.scale_ = np.asarray(d["scale"], dtype=float)
        layer.threshold_ = float(d["threshold"])
        if "cv_micro_f1" in d:
            layer.cv_micro_f1_ = float(d["cv_micro_f1"])
        return layer
