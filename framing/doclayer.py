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
``max_by_length``  ``max`` x ``log_sentences``
``mentions_by_length``  ``log_mentions`` x ``log_sentences``
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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from framing.errors import Errors, FramingError

if TYPE_CHECKING:
    from framing.analyzer import Analyzer
    from framing.types import SentenceResult

FEATURES = ("max", "top3", "share", "log_mentions", "first", "mean", "lede", "title",
            "log_sentences", "max_by_length", "mentions_by_length")
#: Sentences counted as the lede.
LEDE = 5
FORMAT = "framing-document-layer"
FORMAT_VERSION = 2


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
    # one mention in a five-sentence text is use, in a forty-sentence article often not: the
    # interactions let one linear model read evidence differently by length
    out[:, 9] = out[:, 0] * out[:, 8]
    out[:, 10] = out[:, 3] * out[:, 8]
    return out


def _design(docs: Sequence[DocScores], k: int) -> np.ndarray:
    """Rows (doc, frame) of features plus frame indicators."""
    eye = np.eye(k)
    return np.vstack([np.hstack([features(d, k), eye]) for d in docs]) if docs \
        else np.zeros((0, len(FEATURES) + k))


def doc_scores(sentences: Sequence[SentenceResult], frames: Sequence[str]) -> DocScores:
    """A document's :class:`DocScores` over ``frames`` from its sentence results (their shown
    scores, and their labels as the labelled sentences)."""
    k = len(frames)
    scores = np.zeros((len(sentences), k))
    labelled = np.zeros((len(sentences), k), dtype=bool)
    col = {f: j for j, f in enumerate(frames)}
    for i, s in enumerate(sentences):
        for f, v in s.frames.items():
            j = col.get(f)
            if j is not None:
                scores[i, j] = v
        for f in s.labels:
            j = col.get(f)
            if j is not None:
                labelled[i, j] = True
    return DocScores(scores, labelled)


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
        #: The tuned threshold gives at most this many labels per gold label (out of fold).
        self.max_label_ratio = 1.1
        #: What the layer was fitted on and its metrics (from its file), and where it came from.
        self.info_: dict[str, Any] = {}
        self.source_: str | None = None

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

    def _fit_lr(self, x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None
                ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
        from sklearn.linear_model import LogisticRegression

        mu = x.mean(axis=0)
        sd = x.std(axis=0)
        sd[sd < 1e-9] = 1.0  # a constant feature (e.g. one length in a toy set)
        lr = LogisticRegression(C=self.C, max_iter=5000)
        lr.fit((x - mu) / sd, y, sample_weight=w)
        return lr.coef_[0], float(lr.intercept_[0]), mu, sd

    def fit(self, docs: Sequence[DocScores], y: np.ndarray,
            tune_on: np.ndarray | None = None,
            sample_weight: np.ndarray | None = None) -> DocumentLayer:
        """Fit on documents and their gold ``y`` (documents x frames, bool; parents included).
        ``tune_on`` (bool per document, default all) picks the documents whose out-of-fold
        micro-F1 chooses the threshold (all documents train the model); ``sample_weight``
        weighs documents in the fit."""
        y = self._check(docs, y)
        k = len(self.frames)
        x = _design(docs, k)
        sw = np.ones(len(docs)) if sample_weight is None else \
            np.asarray(sample_weight, dtype=float).reshape(len(docs))
        if self.threshold is None:
            mask = np.ones(len(docs), bool) if tune_on is None else np.asarray(tune_on, bool)
            self.threshold_ = self._tune_threshold(docs, y, mask, sw)
        else:
            self.threshold_ = float(self.threshold)
        self.coef_, self.intercept_, self.mean_, self.scale_ = self._fit_lr(
            x, y.ravel(), np.repeat(sw, k))
        return self

    def _tune_threshold(self, docs: Sequence[DocScores], y: np.ndarray,
                        mask: np.ndarray, sw: np.ndarray) -> float:
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
            w, b, mu, sd = self._fit_lr(_design([docs[i] for i in train], k), ytr.ravel(),
                                        np.repeat(sw[train], k))
            for i in test:
                z = ((np.hstack([features(docs[i], k), np.eye(k)]) - mu) / sd) @ w + b
                prob[i] = self._lift(1.0 / (1.0 + np.exp(-z)))
        best, best_f1 = 0.5, -1.0
        prob, y = prob[mask], y[mask]
        # precision first: among thresholds that give no more labels than the annotators did
        # (+10 %), the best micro-F1; a recall-hungry threshold would bring back the
        # saturation the layer exists to remove
        for capped in (True, False):
            for t in np.arange(0.2, 0.71, 0.025):
                pred = prob >= t
                if capped and pred.sum() > self.max_label_ratio * y.sum():
                    continue
                tp = (pred & y).sum()
                f1 = 2 * tp / max(1, pred.sum() + y.sum())
                if f1 > best_f1 + 1e-12:
                    best, best_f1 = float(round(t, 3)), float(f1)
            if best_f1 >= 0:
                break
        self.cv_micro_f1_ = round(best_f1, 4)
        return best

    # ----- inference ----------------------------------------------------------------------
    def _lift(self, p: np.ndarray) -> np.ndarray:
        out = p.copy()
        idx = {f: i for i, f in enumerate(self.frames)}
        for child, parent in self.parents.items():
            out[idx[parent]] = max(out[idx[parent]], out[idx[child]])
        return out

    def predict_proba(self, doc: DocScores, lift: bool = True) -> np.ndarray:
        """P(the document uses each frame), in ``frames`` order; ``lift``: a child's
        probability lifts its parent's (``False``: each frame's own evidence)."""
        self._check_fitted()
        k = len(self.frames)
        z = ((np.hstack([features(doc, k), np.eye(k)]) - self.mean_) / self.scale_) @ \
            self.coef_ + self.intercept_
        p = 1.0 / (1.0 + np.exp(-z))
        return self._lift(p) if lift else p

    def describe(self) -> dict[str, Any]:
        """What a result's ``model`` record says about the layer."""
        d: dict[str, Any] = {"source": self.source_, "threshold": self.threshold_}
        if self.info_.get("fitted_on"):
            d["fitted_on"] = self.info_["fitted_on"]
        return d

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


#: The file name of a document layer inside a model directory.
FILE = "doc_layer.json"


def save(layer: DocumentLayer, path: str | Path, **info: Any) -> Path:
    """Write ``layer`` (plus ``info``: what it was fitted on, its metrics) as JSON."""
    import json

    path = Path(path)
    d = layer.to_dict()
    d.update(info)
    path.write_text(json.dumps(d, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_layer(path: str | Path) -> DocumentLayer:
    """Read a layer written by :func:`save`; ``[E490]`` when it is not one."""
    import json

    path = Path(path)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise FramingError(Errors.E490.format(detail=f"cannot read {path}: {e}")) from None
    if not isinstance(d, dict):
        raise FramingError(Errors.E490.format(detail=f"{path} is not a JSON object"))
    layer = DocumentLayer.from_dict(d)
    layer.info_ = {k: v for k, v in d.items()
                   if k in ("fitted_on", "scores", "documents", "metrics")}
    layer.source_ = str(path)
    return layer


def default_rules_layer() -> DocumentLayer:
    """The shipped layer fitted on the rule layer's sentence scores
    (``framing/resources/doc_layer_rules.json``, built by ``scripts/fit_doc_layer.py``)."""
    from importlib import resources

    ref = resources.files("framing") / "resources" / "doc_layer_rules.json"
    with resources.as_file(ref) as p:
        layer = load_layer(p)
    layer.source_ = "framing/resources/doc_layer_rules.json"
    return layer


def sentence_results(analyzer: Analyzer, records: Sequence[Any]) -> list[list[SentenceResult]]:
    """Each record's sentence results from ``analyzer`` without its document layer (the
    inputs a layer is fitted on)."""
    layer = analyzer.doc_layer
    analyzer.doc_layer = None
    try:
        return [r.sentences for r in analyzer.pipe(records)]
    finally:
        analyzer.doc_layer = layer


def document_metrics(pred: Sequence[Sequence[str]], gold: Sequence[Sequence[str]],
                     frames: Sequence[str]) -> dict[str, Any]:
    """Document-level multi-label metrics of predicted against gold frame lists: micro
    precision/recall/F1, macro-F1 (over frames with gold or predicted documents), labels per
    document (predicted and gold), the largest share of documents any one frame is predicted
    on (and gold's), and per frame precision/recall/F1/support.

    Example:
        >>> m = document_metrics([["a"], ["a", "b"]], [["a"], ["b"]], ["a", "b"])
        >>> m["micro_f1"], m["labels_per_doc"], m["gold_labels_per_doc"]
        (0.8, 1.5, 1.0)
    """
    if len(pred) != len(gold):
        raise FramingError(Errors.E490.format(
            detail=f"{len(pred)} predictions for {len(gold)} gold documents"))
    n = max(1, len(gold))
    p = np.array([[f in set(x) for f in frames] for x in pred], dtype=bool).reshape(-1, len(frames))
    y = np.array([[f in set(x) for f in frames] for x in gold], dtype=bool).reshape(-1, len(frames))
    tp, fp, fn = (p & y).sum(0), (p & ~y).sum(0), (~p & y).sum(0)

    def f1(t: float, a: float, b: float) -> float:
        return 2 * t / (2 * t + a + b) if t + a + b else 0.0

    per = {f: {"precision": round(float(tp[j] / (tp[j] + fp[j])), 4) if tp[j] + fp[j] else None,
               "recall": round(float(tp[j] / (tp[j] + fn[j])), 4) if tp[j] + fn[j] else None,
               "f1": round(f1(tp[j], fp[j], fn[j]), 4), "support": int(y[:, j].sum()),
               "predicted": int(p[:, j].sum())} for j, f in enumerate(frames)}
    seen = [j for j in range(len(frames)) if y[:, j].any() or p[:, j].any()]
    T, FP, FN = float(tp.sum()), float(fp.sum()), float(fn.sum())
    return {
        "documents": len(gold),
        "micro_precision": round(T / (T + FP), 4) if T + FP else 0.0,
        "micro_recall": round(T / (T + FN), 4) if T + FN else 0.0,
        "micro_f1": round(f1(T, FP, FN), 4),
        "macro_f1": round(float(np.mean([f1(tp[j], fp[j], fn[j]) for j in seen])), 4)
        if seen else 0.0,
        "labels_per_doc": round(float(p.sum()) / n, 4),
        "gold_labels_per_doc": round(float(y.sum()) / n, 4),
        "max_frame_share": round(float(p.mean(0).max()), 4) if len(p) else 0.0,
        "gold_max_frame_share": round(float(y.mean(0).max()), 4) if len(y) else 0.0,
        "per_frame": per,
    }
