"""spaCy components of framing and the builder of the default pipeline.

Importing this package registers the factories ``framing_lemmatizer`` and ``frame_ruler``.
"""

from framing.pipeline.build import build_nlp, describe_nlp
from framing.pipeline.lemmatizer import LowerLookupLemmatizer
from framing.pipeline.ruler import FrameRuler, RuleScores

__all__ = ["FrameRuler", "LowerLookupLemmatizer", "RuleScores", "build_nlp", "describe_nlp"]
