"""The TF-IDF stance baseline: separate word 1-2 gram TF-IDF of the text and of the target,
side by side, and one multinomial logistic regression.

It is the yardstick the cross-encoder has to beat. A linear model over the two feature blocks
learns which words signal each stance and which targets lean which way, but not how a text
relates to a target it never saw; that is exactly what the cross-encoder adds. Follows
scikit-learn conventions (``fit`` returns ``self``, learned state ends in ``_``) and is saved
with skops (``model.skops``), never pickle; loading refuses any type outside
:data:`TRUSTED_TYPES`.

Example:
    >>> from framing.stance.tfidf import TfidfStanceClassifier
    >>> clf = TfidfStanceClassifier().fit(
    ...     [("the plan", "we back the plan"), ("the plan", "the plan is a disaster")] * 5,
    ...     ["favor", "against"] * 5)
    >>> clf.labels_, int(clf.predict_proba([("the plan", "we back it")]).argmax())
    (['favor', 'against'], 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framing.stance.data import canonical_labels

#: Types (beyond skops' defaults) that ``model.skops`` may contain; anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.str_",
    "builtins.dict",
    "builtins.list",
    "builtins.str",
    "scipy.sparse._csr.csr_matrix",
    "scipy.sparse._csr.csr_array",
)


class TfidfStanceClassifier:
    """TF-IDF(text) + TF-IDF(target) + multinomial logistic regression.

    Args:
        C: inverse regularisation strength.
        min_df: ignore n-grams in fewer texts than this.
        ngram_range: word n-gram range of the text features (targets use unigrams+bigrams).
        class_weight: ``"balanced"`` reweights rare labels.
        seed: random state of the solver.
    """

    def __init__(self, C: float = 4.0, min_df: int = 1, ngram_range: tuple[int, int] = (1, 2),
                 class_weight: str | None = "balanced", seed: int = 0) -> None:
        self.C = C
        self.min_df = min_df
        self.ngram_range = ngram_range
        self.class_weight = class_weight
        self.seed = seed

    def _features(self, pairs: Sequence[tuple[str, str]]) -> Any:
        from scipy.sparse import hstack

        targets = [t for t, _ in pairs]
        texts = [x for _, x in pairs]
        return hstack([self.text_vec_.transform(texts),
                       self.target_vec_.transform(targets)]).tocsr()

    def fit(self, pairs: Sequence[tuple[str, str]], y: Sequence[str]) -> TfidfStanceClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if len(pairs) != len(y):
            raise ValueError("pairs and labels differ in length")
        self.labels_ = canonical_labels(y)
        self.text_vec_ = TfidfVectorizer(ngram_range=self.ngram_range, min_df=self.min_df,
                                         sublinear_tf=True, strip_accents="unicode")
        self.target_vec_ = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True,
                                           strip_accents="unicode")
        self.text_vec_.fit([x for _, x in pairs])
        self.target_vec_.fit([t for t, _ in pairs])
        self.clf_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000,
                                       random_state=self.seed)
        self.clf_.fit(self._features(pairs), np.asarray(list(y), dtype=object))
        return self

    def predict_proba(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probabilities ``(n_pairs, n_labels)`` in ``labels_`` order."""
        if not len(pairs):
            return np.zeros((0, len(self.labels_)))
        p = self.clf_.predict_proba(self._features(pairs))
        cols = [list(self.clf_.classes_).index(lab) for lab in self.labels_]
        return np.asarray(p[:, cols], dtype=np.float64)

    # ----- serialisation -------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        from skops.io import dump

        dump({"text": self.text_vec_, "target": self.target_vec_, "clf": self.clf_,
              "labels": list(self.labels_)}, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> TfidfStanceClassifier:
        """Load ``model.skops``; raises ``ValueError`` naming any type outside the allow list."""
        from skops.io import get_untrusted_types, load

        path = Path(path)
        found = get_untrusted_types(file=path)
        bad = sorted(set(found) - set(TRUSTED_TYPES))
        if bad:
            raise ValueError(f"model.skops contains types that are not allowed: {bad}")
        d: Any = load(path, trusted=[t for t in found if t in TRUSTED_TYPES])
        if not isinstance(d, dict) or not {"text", "target", "clf", "labels"} <= set(d):
            raise ValueError("model.skops does not hold a TF-IDF stance classifier")
        obj = cls()
        obj.text_vec_, obj.target_vec_, obj.clf_ = d["text"], d["target"], d["clf"]
        obj.labels_ = [str(x) for x in d["labels"]]
        return obj
