"""The TF-IDF baselines: the non-neural head of every task.

Word 1-2 gram TF-IDF (sublinear term frequency, accents stripped) and logistic regression:

* :class:`TfidfMultiLabel`: one binary model per label (one-vs-rest, liblinear) for
  multi-label tasks (frames);
* :class:`TfidfLabelClassifier`: one multinomial model for single-label tasks; with
  ``paired=True`` the first text of each pair (a stance target) gets its own TF-IDF block
  beside the text's, so the model learns which words signal each label and which targets lean
  which way (but not how a text relates to a target it never saw: that is what the
  cross-encoder adds).

They follow scikit-learn conventions (``__init__`` stores parameters, ``fit`` returns ``self``,
learned state ends in ``_``) and are saved with skops (``model.skops``), never pickle; loading
refuses any type outside :data:`TRUSTED_TYPES`.

Example:
    >>> import numpy as np
    >>> from framing.models.tfidf import TfidfLabelClassifier, TfidfMultiLabel
    >>> clf = TfidfMultiLabel().fit(["the states decide", "police arrest people"] * 5,
    ...                              np.array([[1, 0], [0, 1]] * 5))
    >>> int(clf.predict_proba(["states decide"]).argmax())
    0
    >>> st = TfidfLabelClassifier(C=4.0, paired=True, classes=("favor", "against")).fit(
    ...     [("the plan", "we back the plan"), ("the plan", "the plan is a disaster")] * 5,
    ...     ["favor", "against"] * 5)
    >>> st.labels_, int(st.predict_proba([("the plan", "we back it")]).argmax())
    (['favor', 'against'], 0)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from framing.models.directory import load_skops, save_skops

#: Types (beyond skops' defaults) that ``model.skops`` may contain; anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.pipeline.Pipeline",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.multiclass._ConstantPredictor",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.preprocessing._label.LabelBinarizer",
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


class _Tfidf:
    """Parameters shared by the baselines (see the module docstring)."""

    def __init__(self, C: float = 10.0, min_df: int = 1, ngram_range: tuple[int, int] = (1, 2),
                 class_weight: str | None = "balanced", seed: int = 0) -> None:
        self.C = C
        self.min_df = min_df
        self.ngram_range = ngram_range
        self.class_weight = class_weight
        self.seed = seed

    def _vectorizer(self, ngram_range: tuple[int, int], min_df: int = 1) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(ngram_range=ngram_range, min_df=min_df, sublinear_tf=True,
                               strip_accents="unicode")


class TfidfMultiLabel(_Tfidf):
    """Multi-label TF-IDF + logistic regression (one binary model per label)."""

    def fit(self, texts: Sequence[str], y: np.ndarray) -> TfidfMultiLabel:
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import Pipeline

        y = np.asarray(y)
        if y.ndim != 2 or y.shape[0] != len(texts):
            raise ValueError("y must be a (n_texts, n_labels) 0/1 matrix")
        self.pipeline_ = Pipeline([
            ("tfidf", self._vectorizer(self.ngram_range, self.min_df)),
            # liblinear: as accurate as lbfgs here and several times faster on sparse features
            ("clf", OneVsRestClassifier(LogisticRegression(
                C=self.C, class_weight=self.class_weight, solver="liblinear", max_iter=2000,
                random_state=self.seed))),
        ])
        with warnings.catch_warnings():  # "label present in all examples": constant predictor
            warnings.simplefilter("ignore", UserWarning)
            self.pipeline_.fit(list(texts), y)
        self.n_labels_ = y.shape[1]
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        out = np.asarray(self.pipeline_.predict_proba(list(texts)), dtype=np.float64)
        if self.n_labels_ == 1 and out.ndim == 2 and out.shape[1] == 2:
            out = out[:, 1:]  # one label is a binary problem: sklearn gives P(0) and P(1)
        return out.reshape(len(texts), self.n_labels_)

    def save(self, path: str | Path) -> None:
        save_skops(self.pipeline_, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> TfidfMultiLabel:
        """Load ``model.skops``; ``ValueError`` naming any type outside the allow list."""
        obj = cls()
        obj.pipeline_ = load_skops(Path(path), TRUSTED_TYPES)
        obj.n_labels_ = len(obj.pipeline_.named_steps["clf"].estimators_)
        return obj


class TfidfLabelClassifier(_Tfidf):
    """Single-label TF-IDF + multinomial logistic regression; inputs are texts, or
    ``(first, text)`` pairs with ``paired=True``. ``classes`` fixes the column order of the
    labels (default: sorted)."""

    def __init__(self, C: float = 4.0, min_df: int = 1, ngram_range: tuple[int, int] = (1, 2),
                 class_weight: str | None = "balanced", seed: int = 0, paired: bool = False,
                 classes: Sequence[str] = ()) -> None:
        super().__init__(C, min_df, ngram_range, class_weight, seed)
        self.paired = paired
        self.classes = tuple(classes)

    def _split(self, inputs: Sequence[Any]) -> tuple[list[str], list[str] | None]:
        if not self.paired:
            return list(inputs), None
        return [x for _, x in inputs], [t for t, _ in inputs]

    def _features(self, inputs: Sequence[Any]) -> Any:
        from scipy.sparse import hstack

        texts, firsts = self._split(inputs)
        blocks = [self.text_vec_.transform(texts)]
        if firsts is not None and self.target_vec_ is not None:
            blocks.append(self.target_vec_.transform(firsts))
        return hstack(blocks).tocsr()

    def fit(self, inputs: Sequence[Any], y: Sequence[str]) -> TfidfLabelClassifier:
        from sklearn.linear_model import LogisticRegression

        if len(inputs) != len(y):
            raise ValueError("inputs and labels differ in length")
        got = set(y)
        self.labels_ = [c for c in self.classes if c in got] if self.classes else sorted(got)
        texts, firsts = self._split(inputs)
        self.text_vec_ = self._vectorizer(self.ngram_range, self.min_df).fit(texts)
        self.target_vec_ = self._vectorizer((1, 2)).fit(firsts) if firsts is not None else None
        self.clf_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000,
                                       random_state=self.seed)
        self.clf_.fit(self._features(inputs), np.asarray(list(y), dtype=object))
        return self

    @property
    def n_labels_(self) -> int:
        return len(self.labels_)

    def predict_proba(self, inputs: Sequence[Any]) -> np.ndarray:
        """Probabilities ``(n_inputs, n_labels)`` in ``labels_`` order."""
        if not len(inputs):
            return np.zeros((0, len(self.labels_)))
        p = self.clf_.predict_proba(self._features(inputs))
        cols = [list(self.clf_.classes_).index(lab) for lab in self.labels_]
        return np.asarray(p[:, cols], dtype=np.float64)

    def save(self, path: str | Path) -> None:
        state: dict[str, Any] = {"text": self.text_vec_, "clf": self.clf_,
                                 "labels": list(self.labels_)}
        if self.target_vec_ is not None:
            state["target"] = self.target_vec_
        save_skops(state, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> TfidfLabelClassifier:
        """Load ``model.skops``; ``ValueError`` naming any type outside the allow list."""
        d: Any = load_skops(Path(path), TRUSTED_TYPES)
        if not isinstance(d, dict) or not {"text", "clf", "labels"} <= set(d):
            raise ValueError("model.skops does not hold a TF-IDF label classifier")
        obj = cls(paired="target" in d)
        obj.text_vec_, obj.clf_ = d["text"], d["clf"]
        obj.target_vec_ = d.get("target")
        obj.labels_ = [str(x) for x in d["labels"]]
        obj.classes = tuple(obj.labels_)
        return obj
