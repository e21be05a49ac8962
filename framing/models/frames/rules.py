"""Rule-layer scores for labelled texts, as the Analyzer computes them.

At sentence level each text is scored as one sentence (sentence splitting is switched off, so
the score is the noisy-OR of the patterns matched in the whole text); at document level the
text is split into sentences and the document score is used. Used to fit and evaluate the
rules+classifier fusion and for ``framing evaluate --compare-rules``.

Example:
    >>> from framing.codebook import Codebook
    >>> from framing.models.frames.rules import rule_scores
    >>> r = rule_scores(["Leave it to the states."], Codebook.default(), ["federalism"])
    >>> float(r[0, 0]) >= 0.5
    True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
from spacy.language import Language

from framing.codebook import Codebook
from framing.pipeline.build import build_nlp

_SPLITTERS = ("line_breaks", "sentencizer", "senter", "parser")
_NLP_CACHE: dict[str, Language] = {}


def rules_nlp(codebook: Codebook) -> Language:
    """The rule pipeline of a codebook, built once per codebook content (compiling the
    patterns takes seconds; training and evaluation score several sets of texts)."""
    key = hashlib.sha256(json.dumps(codebook.to_dict(), sort_keys=True).encode()).hexdigest()
    if key not in _NLP_CACHE:
        if len(_NLP_CACHE) >= 4:
            _NLP_CACHE.pop(next(iter(_NLP_CACHE)))
        _NLP_CACHE[key] = build_nlp(codebook)
    return _NLP_CACHE[key]


def rule_scores(texts: Sequence[str], codebook: Codebook, labels: Sequence[str],
                level: str = "sentence", nlp: Language | None = None,
                batch_size: int = 256) -> np.ndarray:
    """Rule scores ``(n_texts, n_labels)``; labels that are not codebook frames score 0."""
    nlp = nlp or rules_nlp(codebook)
    disable = [n for n in nlp.pipe_names if n in _SPLITTERS] if level == "sentence" else []
    out = np.zeros((len(texts), len(labels)))
    for i, doc in enumerate(nlp.pipe(texts, batch_size=batch_size, disable=disable)):
        if level == "sentence":
            sents = doc._.frame_sentences or []
            scores: dict[str, float] = {}
            for s in sents:  # one sentence, unless the pipeline split anyway
                for f, v in s["scores"].items():
                    scores[f] = max(scores.get(f, 0.0), v)
        else:
            scores = doc._.frame_scores or {}
        for j, lab in enumerate(labels):
            out[i, j] = scores.get(lab, 0.0)
    return out


def rule_thresholds(codebook: Codebook, labels: Sequence[str]) -> np.ndarray:
    """The codebook thresholds of ``labels`` (what the rule layer labels with)."""
    return np.array([codebook.threshold(lab) if lab in codebook else 0.5 for lab in labels])
