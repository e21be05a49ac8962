"""The blank English pipeline every framing pipeline starts from (no trained components).

Example:
    >>> from framing.pipeline.blank import blank_nlp
    >>> blank_nlp().max_length
    5000000
"""

from __future__ import annotations

import spacy
from spacy.language import Language

#: spaCy refuses texts longer than this by default (1e6); long speeches and reports exceed it.
MAX_LENGTH = 5_000_000


def blank_nlp() -> Language:
    """``spacy.blank("en")`` that accepts texts up to :data:`MAX_LENGTH` characters."""
    nlp = spacy.blank("en")
    nlp.max_length = MAX_LENGTH
    return nlp
