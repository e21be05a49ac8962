"""framing: stance and framing analysis of op-eds and news.

Example:
    >>> import framing
    >>> res = framing.load(rules_only=True)("Leave marijuana policy to the states.")
    >>> res.primary_frame
    'federalism'
"""

from framing.analyzer import Analyzer, load
from framing.codebook import Codebook
from framing.types import Article, DocResult, Evidence, SentenceResult, StanceResult
from framing.version import __version__

__all__ = [
    "Analyzer",
    "Article",
    "Codebook",
    "DocResult",
    "Evidence",
    "SentenceResult",
    "StanceResult",
    "__version__",
    "load",
]
