"""Build the spaCy pipeline the Analyzer runs.

Default: ``spacy.blank("en")`` + ``line_breaks`` + ``sentencizer`` (spaCy's punctuation rule
on arrays, :mod:`framing.pipeline.sentencizer`) + ``framing_lemmatizer``
(lookup tables from spacy-lookups-data) + ``frame_ruler``; with a frame model,
``frame_classifier``; with a stance model, ``stance_cues`` and ``stance_detector``, so that
stance reads the same Doc (one parse per document). Name a trained spaCy pipeline
(``spacy_model="en_core_web_sm"``) to use its sentence boundaries and lemmas instead.

Example:
    >>> from framing.pipeline import build_nlp
    >>> build_nlp().pipe_names
    ['line_breaks', 'sentencizer', 'framing_lemmatizer', 'frame_ruler']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import spacy
from spacy.language import Language

from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.pipeline import lemmatizer as _lemmatizer  # noqa: F401  (registers factory)
from framing.pipeline import linebreaks as _linebreaks  # noqa: F401
from framing.pipeline import sentencizer as _sentencizer  # noqa: F401
from framing.pipeline.blank import MAX_LENGTH, blank_nlp
from framing.pipeline.component import handing_over
from framing.pipeline.ruler import FrameRuler

if TYPE_CHECKING:
    from framing.models.frames.model import FrameModel
    from framing.models.stance.model import StanceModel



def build_nlp(codebook: Codebook | None = None, spacy_model: str | None = None,
              doc_pooling: str = "any", classifier: FrameModel | None = None,
              stance_model: StanceModel | None = None) -> Language:
    """A ready pipeline with the rule layer, and the classifier and stance components of the
    models given; see the module docstring."""
    if spacy_model:
        try:
            nlp = spacy.load(spacy_model, exclude=["ner"])
        except Exception as e:  # OSError for a missing package, others for broken ones
            raise FramingError(Errors.E302.format(name=spacy_model, detail=e)) from None
        if not nlp.has_pipe("parser") and not nlp.has_pipe("senter") and \
                not nlp.has_pipe("sentencizer"):
            nlp.add_pipe("sentencizer", first=True)
    else:
        nlp = blank_nlp()
        nlp.add_pipe("line_breaks")
        nlp.add_pipe("framing_sentencizer", name="sentencizer")  # spaCy's rule, on arrays
        nlp.add_pipe("framing_lemmatizer")
    ruler = cast(FrameRuler, nlp.add_pipe("frame_ruler", config={"doc_pooling": doc_pooling}))
    if codebook is not None:
        ruler.set_codebook(codebook)
    if not spacy_model:
        nlp.initialize()
    else:
        ruler.initialize()
    nlp.max_length = MAX_LENGTH
    if classifier is not None:
        from framing.pipeline.classifier import FrameClassifier

        with handing_over(classifier):
            clf = nlp.add_pipe("frame_classifier", after="frame_ruler",
                               config={"model": str(classifier.path)})
        assert isinstance(clf, FrameClassifier)
        clf.set_model(classifier)
    if stance_model is not None:
        from framing.pipeline.stance import StanceDetector

        nlp.add_pipe("stance_cues")
        from framing.pipeline.issue import opposites_of

        opposites = opposites_of(codebook) if codebook is not None else {}
        with handing_over(stance_model):
            det = nlp.add_pipe("stance_detector", config={"model": str(stance_model.path),
                                                          "opposites": opposites})
        assert isinstance(det, StanceDetector)
        det.set_model(stance_model)
    return nlp


def describe_nlp(nlp: Language) -> dict[str, Any]:
    """Name, version and components of a pipeline, for the ``model`` field of results."""
    meta = nlp.meta
    return {"name": f"{meta.get('lang', 'en')}_{meta.get('name', 'pipeline')}",
            "version": meta.get("version"), "spacy": spacy.__version__,
            "components": list(nlp.pipe_names)}
