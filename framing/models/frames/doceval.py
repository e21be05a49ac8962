"""Fitting and judging a document layer on documents with gold "frames used" labels.

One pass of the analyzer (without a layer) gives every document's sentence results; the layer
is fitted on the ``fit`` documents and every decision is scored on the ``test`` documents,
against the yardsticks a researcher would ask for, fitted on the same ``fit`` documents:

* ``union``: every frame any sentence carries (what documents got before the layer);
* ``prior``: the k most frequent frames of the fit documents for every document (k: the mean
  number of gold labels, rounded);
* ``tfidf``: a TF-IDF linear SVM, one per frame, C chosen by cross-validation on the fit
  documents (never on the test documents);
* ``layer``: the learned document layer.

It also reports labels per document by length quartile (the layer's count must not grow with
length the way the union's does).

Example:
    >>> import framing                                                   # doctest: +SKIP
    >>> an = framing.load(rules_only=True, document_layer=False)       # doctest: +SKIP
    >>> layer, report = fit_and_evaluate(an, docs)                     # doctest: +SKIP
    >>> report["test"]["layer"]["micro_f1"]                            # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from framing.doclayer import DocumentLayer, doc_scores, document_metrics, sentence_results
from framing.errors import Errors, FramingError

if TYPE_CHECKING:
    from framing.analyzer import Analyzer
    from framing.types import SentenceResult

Doc = Mapping[str, Any]


def _labels(d: Doc) -> list[str]:
    return list(d.get("frames") or d.get("labels") or [])


def prior_baseline(fit: Sequence[Doc], n_test: int) -> list[list[str]]:
    """The k most frequent frames of ``fit`` for each of ``n_test`` documents."""
    counts = Counter(f for d in fit for f in _labels(d))
    k = max(1, round(sum(len(_labels(d)) for d in fit) / max(1, len(fit))))
    top = [f for f, _ in counts.most_common(k)]
    return [list(top) for _ in range(n_test)]


def tfidf_baseline(fit: Sequence[Doc], test: Sequence[Doc], frames: Sequence[str],
                   seed: int = 0) -> tuple[list[list[str]], float]:
    """A one-vs-rest TF-IDF linear SVM trained on ``fit`` (C by 5-fold CV micro-F1 on ``fit``);
    returns its ``test`` predictions and the C chosen."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import KFold
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    used = [f for f in frames if any(f in _labels(d) for d in fit)]
    y = np.array([[f in _labels(d) for f in used] for d in fit], dtype=int)
    texts = [str(d["text"]) for d in fit]

    def model(c: float) -> Any:
        return make_pipeline(
            TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2)),
            OneVsRestClassifier(LinearSVC(C=c)))

    best_c, best = 1.0, -1.0
    folds = KFold(n_splits=min(5, len(fit)), shuffle=True, random_state=seed)
    for c in (0.1, 0.3, 1.0, 3.0):
        tp = fp = fn = 0
        for tr, te in folds.split(texts):
            ytr = y[tr]
            keep = (ytr.sum(0) > 0) & (ytr.sum(0) < len(tr))
            pred = np.zeros((len(te), len(used)), dtype=bool)
            if keep.any():
                m = model(c).fit([texts[i] for i in tr], ytr[:, keep])
                pred[:, keep] = m.predict([texts[i] for i in te]).astype(bool)
            gold = y[te].astype(bool)
            tp += int((pred & gold).sum())
            fp += int((pred & ~gold).sum())
            fn += int((~pred & gold).sum())
        f1 = 2 * tp / max(1, 2 * tp + fp + fn)
        if f1 > best + 1e-12:
            best_c, best = c, f1
    keep = (y.sum(0) > 0) & (y.sum(0) < len(fit))
    m = model(best_c).fit(texts, y[:, keep])
    pred = m.predict([str(d["text"]) for d in test]).astype(bool)
    cols = [f for f, k in zip(used, keep, strict=True) if k]
    always = [f for f, k in zip(used, keep, strict=True) if not k and y[:, used.index(f)].all()]
    return [[f for f, v in zip(cols, row, strict=True) if v] + always for row in pred], best_c


def _quartiles(test: Sequence[Doc], preds: Mapping[str, Sequence[Sequence[str]]]
               ) -> list[dict[str, Any]]:
    words = np.array([len(str(d["text"]).split()) for d in test])
    edges = np.quantile(words, [0.25, 0.5, 0.75]) if len(words) else np.zeros(3)
    q = np.searchsorted(edges, words, side="right")
    out = []
    for i in range(4):
        idx = [int(j) for j in np.flatnonzero(q == i)]
        if not len(idx):
            continue
        row: dict[str, Any] = {"quartile": i + 1, "documents": len(idx),
                               "mean_words": round(float(words[idx].mean()), 1),
                               "gold": round(float(np.mean([len(_labels(test[j]))
                                                           for j in idx])), 3)}
        for name, pred in preds.items():
            row[name] = round(float(np.mean([len(pred[j]) for j in idx])), 3)
        out.append(row)
    return out


#: Leads (first sentences) of every fit document added as short documents, each weighing a
#: third of a whole article (the three excerpts of one article weigh as much as the article:
#: on the news corpus they cost the long-article test 0.02 micro-F1 and lift the short
#: collection articles' micro-F1 from 0.49 to 0.61, rules layer).
EXCERPTS = (2, 4, 6)
EXCERPT_WEIGHT = 1 / 3


def excerpts(doc: Doc, sentences: Sequence[SentenceResult], sizes: Sequence[int] = EXCERPTS
             ) -> list[tuple[list[SentenceResult], list[str]]]:
    """Short documents cut from a long one: its first ``k`` gold sentences for each size k,
    with the analyzer's sentences that end inside them and, as gold, the frames of those gold
    sentences. A short text uses what its few sentences say (the collection's short articles
    are labelled that way), while a long article does not use every frame it mentions; with
    only long articles to learn from, the layer would carry the long-article rule over to
    short texts and miss most of their frames."""
    gold = doc.get("sentences") or []
    out = []
    for k in sizes:
        if len(gold) <= k:
            continue
        end = int(gold[k - 1]["end"])
        sents = [s for s in sentences if s.end <= end]
        labels = sorted({f for g in gold[:k] for f in g.get("labels") or []})
        if sents:
            out.append((sents, labels))
    return out


def fit_and_evaluate(analyzer: Analyzer, docs: Sequence[Doc],
                     fit_splits: Sequence[str] = ("train", "dev"), test_split: str = "test",
                     C: float = 1.0, seed: int = 0, excerpt_sizes: Sequence[int] = EXCERPTS,
                     ) -> tuple[DocumentLayer, dict[str, Any]]:
    """Fit a layer on the ``fit_splits`` documents (each a dict with ``text``, ``frames`` or
    ``labels``, ``split`` and, for the short excerpts (:func:`excerpts`), gold ``sentences``)
    and report every decision on the ``test_split`` documents."""
    cb = analyzer.codebook
    frames = list(cb.frame_ids)
    fit = [d for d in docs if d.get("split") in fit_splits]
    test = [d for d in docs if d.get("split") == test_split]
    if len(fit) < 2 or not test:
        raise FramingError(Errors.E490.format(
            detail=f"need documents in the splits {list(fit_splits)} and '{test_split}' "
                   f"(got {len(fit)} and {len(test)})"))
    results = sentence_results(analyzer, [{"id": str(d.get("id", i)), "text": d["text"]}
                                          for i, d in enumerate([*fit, *test])])
    fit_res, test_res = results[:len(fit)], results[len(fit):]
    parents = {f: p for f in frames if (p := cb.parent(f)) is not None}
    fit_docs = [(r, _labels(d)) for d, r in zip(fit, fit_res, strict=True)]
    n_long = len(fit_docs)
    for d, r in zip(fit, fit_res, strict=True):
        fit_docs += excerpts(d, r, excerpt_sizes)
    y = np.array([[f in set(cb.closure(g)) for f in frames] for _, g in fit_docs], dtype=bool)
    # the excerpts teach the model how length changes what a mention means; the threshold
    # is chosen for whole articles, the documents the layer is for
    long = np.arange(len(fit_docs)) < n_long
    layer = DocumentLayer(frames, parents=parents, C=C, seed=seed).fit(
        [doc_scores(s, frames) for s, _ in fit_docs], y, tune_on=long,
        sample_weight=np.where(long, 1.0, EXCERPT_WEIGHT))
    gold = [cb.closure(_labels(d)) for d in test]
    layer_pred = [[f for f, v in zip(frames, layer.predict(doc_scores(r, frames)),
                                     strict=True) if v] for r in test_res]
    union = [cb.closure(f for s in r for f in s.labels) for r in test_res]
    tfidf, c = tfidf_baseline(fit, test, frames, seed=seed)
    preds = {"union": union, "prior": prior_baseline(fit, len(test)),
             "tfidf": [cb.closure(p) for p in tfidf], "layer": layer_pred}
    report: dict[str, Any] = {
        "fit_documents": len(fit), "fit_excerpts": len(fit_docs) - n_long,
        "test_documents": len(test),
        "threshold": layer.threshold_, "cv_micro_f1": getattr(layer, "cv_micro_f1_", None),
        "tfidf_C": c,
        "test": {name: document_metrics(p, gold, frames) for name, p in preds.items()},
        "labels_by_length_quartile": _quartiles(test, {"union": union, "layer": layer_pred}),
    }
    return layer, report
