"""The ``frame_classifier`` spaCy component: a trained frame model scores sentences and the
document, and its probabilities are fused with the rule scores of ``frame_ruler``.

It runs after ``frame_ruler`` and sets:

* ``doc._.clf_sentence_scores``: one ``{label: probability}`` per sentence (the sentences of
  ``doc._.frame_sentences``, else the non-blank ``doc.sents``, in order);
* ``doc._.clf_doc_scores``: ``{label: probability}`` for the document. A document-level model
  scores the whole text as overlapping token windows pooled with the model's pooling; for a
  sentence-level model the sentences are the windows (a model trained on sentences is not run on
  text of another kind), pooled the same way;
* ``doc._.fused_sentence_scores`` / ``doc._.fused_doc_scores``: rules + classifier, per label
  ``sigmoid(w . [logit(p), r, r > 0] + b)`` with coefficients fitted on dev data at train time
  (see :mod:`framing.models.frames.fusion`); a child frame's fused score lifts its parent's,
  as in the rule layer. For a sentence-level model a document's fused score is the maximum of its
  sentences' fused scores (a document uses a frame when one of its sentences does, judged with
  the sentence thresholds); a document-level model fuses its document probability with the rule
  layer's document score.

Sentences of a batch of documents are scored together, sorted by length with dynamic padding
under ``torch.inference_mode``. Two environment variables tune CPU inference:
``FRAMING_NUM_THREADS`` (torch threads; default: the CPUs this process may use; 1 is faster on
a machine that other jobs keep busy) and ``FRAMING_PRECISION`` (``auto``, the default:
``mixed`` on CPUs with native bf16, else ``fp32``; ``mixed`` scores in bfloat16 and scores again
in fp32 only the sentences with a decision within ``FRAMING_MIXED_MARGIN`` (0.1 in logits) of
a threshold, so the labels are fp32's; ``bf16`` alone is faster still, but a label at its threshold
can flip).

Example:
    >>> import framing.pipeline.classifier                             # registers the factory
    >>> from framing.pipeline import build_nlp
    >>> nlp = build_nlp()
    >>> clf = nlp.add_pipe("frame_classifier",                          # doctest: +SKIP
    ...                    config={"model": "models/frames-default"})
    >>> nlp("Leave it to the states.")._.fused_doc_scores["federalism"] > 0.5  # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from framing.errors import Errors, ModelMissingError
from framing.models.frames.model import FrameModel
from framing.models.inference import mixed_margin, pool, rescore_mixed
from framing.pipeline.component import batched, handed_over

for _ext in ("clf_sentence_scores", "clf_doc_scores", "fused_sentence_scores",
             "fused_doc_scores"):
    if not Doc.has_extension(_ext):
        Doc.set_extension(_ext, default=None)


def _sentences(doc: Doc) -> list[tuple[int, int, dict[str, float]]]:
    """(start_char, end_char, rule scores) of the sentences the rule layer scored."""
    if doc._.frame_sentences is not None:
        return [(s["start"], s["end"], s["scores"]) for s in doc._.frame_sentences]
    if doc.has_annotation("SENT_START"):
        sents = [s for s in doc.sents if not all(t.is_space for t in s)]
    else:
        sents = [doc[:]] if len(doc) else []
    return [(s.start_char, s.end_char, {}) for s in sents]


def _headings(doc: Doc, n: int) -> list[bool]:
    """Per sentence of the ``n`` of :func:`_sentences`: a title, heading or news boilerplate
    line of a longer text (as the rule layer marks them), which carries no frame whatever its
    words. A one-sentence text is the user's text, not an article's title line: never
    skipped."""
    if n < 2 or doc._.frame_sentences is None:
        return [False] * n
    return [bool(s.get("heading")) for s in doc._.frame_sentences]


class FrameClassifier:
    """Scores sentences and documents with a :class:`~framing.models.frames.FrameModel` and
    fuses the
    scores with the rule layer's; see the module docstring."""

    def __init__(self, nlp: Language, name: str = "frame_classifier", *,
                 model: str | None = None, batch_size: int = 32,
                 max_sentences: int = 1024) -> None:
        self.nlp = nlp
        self.name = name
        self.batch_size = batch_size
        self.max_sentences = max_sentences
        self._model_path = model
        self._model: FrameModel | None = None
        handed = handed_over(model)
        if handed is not None:
            self.set_model(handed)

    # ----- the model ---------------------------------------------------------------------
    @property
    def model(self) -> FrameModel:
        """The frame model; loaded on first use from the configured directory."""
        if self._model is None:
            if not self._model_path:
                raise ModelMissingError(Errors.E301.format(
                    path="(none)", detail="the frame_classifier component has no model; set "
                                          "config={'model': DIR} or call set_model()"))
            self.set_model(FrameModel.load(self._model_path))
        assert self._model is not None
        return self._model

    def set_model(self, model: FrameModel) -> None:
        """Use an already loaded model."""
        self._model = model
        cb = model.rules_codebook()
        index = {lab: j for j, lab in enumerate(model.labels)}
        # (child column, parent column) pairs for lifting parents, children before parents
        self._lifts: list[tuple[int, int]] = []
        self.scored = self.rechecked = 0  # sentences scored; re-checked in fp32 (``mixed``)
        if cb is not None:
            for lab in model.labels:
                if lab in cb:
                    for anc in cb.ancestors(lab):
                        if anc in index:
                            self._lifts.append((index[lab], index[anc]))

    def initialize(self, get_examples: Any = None, *, nlp: Language | None = None) -> None:
        _ = self.model

    # ----- processing --------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        self._process([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        """Docs in batches of ``batch_size``, or fewer with ``max_sentences`` sentences."""
        return batched(stream, self._process, batch_size,
                       lambda d: max(1, len(d._.frame_sentences or ())), self.max_sentences)

    def _lift(self, scores: np.ndarray) -> np.ndarray:
        for child, parent in self._lifts:
            scores[:, parent] = np.maximum(scores[:, parent], scores[:, child])
        return scores

    def _process(self, docs: list[Doc]) -> None:
        fm = self.model
        labels = fm.labels
        per_doc = [_sentences(doc) for doc in docs]
        doc_texts = [doc.text for doc in docs]  # Doc.text rebuilds the string on every access
        texts = [text[s:e].strip() for text, sents in zip(doc_texts, per_doc, strict=True)
                 for s, e, _ in sents]
        r_all = np.array([[sc.get(lab, 0.0) for lab in labels] for sents in per_doc
                          for _, _, sc in sents]).reshape(len(texts), len(labels))
        # titles, bylines and credits are not sent to the model: they carry no frame
        keep = np.array([not h for doc, sents in zip(docs, per_doc, strict=True)
                         for h in _headings(doc, len(sents))], dtype=bool)
        probs = np.zeros((len(texts), len(labels)))
        kept = [t for t, k in zip(texts, keep, strict=True) if k]
        if kept:
            if fm.precision == "mixed":
                probs[keep] = self._mixed(fm, kept, r_all[keep])
            else:
                probs[keep] = fm.predict_proba(kept, batch_size=self.batch_size)
        doc_probs = None
        if fm.level == "document":
            doc_probs = fm.predict_proba(doc_texts, batch_size=self.batch_size)
        pos = 0
        for k, (doc, sents) in enumerate(zip(docs, per_doc, strict=True)):
            n = len(sents)
            p = probs[pos:pos + n]
            r = r_all[pos:pos + n]
            skip = ~keep[pos:pos + n]
            pos += n
            fused = self._lift(fm.fuse(p, r)) if n else np.zeros((0, len(labels)))
            fused[skip] = 0.0  # a title or credit line carries no frame, fused or not
            if doc_probs is not None:
                p_doc = doc_probs[k]
                rd = doc._.frame_scores or {}
                r_doc = np.array([[rd.get(lab, 0.0) for lab in labels]])
                f_doc = self._lift(fm.fuse(p_doc.reshape(1, -1), r_doc))[0]
            else:
                p_doc = pool(p, np.zeros(n, dtype=np.int64), 1, fm.pooling)[0] if n \
                    else np.zeros(len(labels))
                f_doc = fused.max(axis=0) if n else np.zeros(len(labels))
            doc._.clf_sentence_scores = [dict(zip(labels, map(float, row), strict=True))
                                         for row in p]
            doc._.fused_sentence_scores = [dict(zip(labels, map(float, row), strict=True))
                                           for row in fused]
            doc._.clf_doc_scores = dict(zip(labels, map(float, p_doc), strict=True))
            doc._.fused_doc_scores = dict(zip(labels, map(float, f_doc), strict=True))

    def _mixed(self, fm: FrameModel, texts: list[str], r: np.ndarray) -> np.ndarray:
        """``mixed`` precision: bf16 for every sentence, fp32 again for those whose classifier
        or fused decisions lie within the margin (the labels of fp32; see
        :func:`framing.models.inference.rescore_mixed`)."""
        margin = mixed_margin()
        probs, redone = rescore_mixed(
            lambda items, prec: fm.predict_proba(items, batch_size=self.batch_size,
                                                 precision=prec),
            texts, lambda p: fm.undecided(p, r, margin, lift=self._lift))
        self.rechecked += redone
        self.scored += len(texts)
        return probs

    # ----- serialisation -----------------------------------------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the model directory (weights, ``framing_model.json``, card ...) to ``path``."""
        self.model.copy_to(path)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> FrameClassifier:
        self.set_model(FrameModel.load(path))
        return self


@Language.factory(
    "frame_classifier",
    assigns=["doc._.clf_sentence_scores", "doc._.clf_doc_scores", "doc._.fused_sentence_scores",
             "doc._.fused_doc_scores"],
    default_config={"model": None, "batch_size": 32, "max_sentences": 1024},
)
def make_frame_classifier(nlp: Language, name: str, model: str | None, batch_size: int,
                          max_sentences: int) -> FrameClassifier:
    """Factory: ``nlp.add_pipe("frame_classifier", config={"model": "models/frames-default"})``
    (after ``frame_ruler``)."""
    return FrameClassifier(nlp, name, model=model, batch_size=batch_size,
                           max_sentences=max_sentences)
