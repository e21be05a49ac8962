"""framing: stance and framing analysis of op-eds and news.

Heavy dependencies (spaCy, torch) load on first use of :func:`load` / :class:`Analyzer`, so
``import framing`` and commands that do not analyse text (aggregate, report, codebook) start fast.

Example:
    >>> import framing
    >>> res = framing.load(rules_only=True)("Leave marijuana policy to the states.")
    >>> res.primary_frame
    'federalism'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from framing.codebook import Codebook
from framing.types import Article, DocResult, Evidence, SentenceResult, StanceResult
from framing.version import __version__

if TYPE_CHECKING:
    from framing.analyzer import Analyzer, load

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


def __getattr__(name: str) -> Any:
    if name in ("Analyzer", "load"):
        from framing import analyzer

        return getattr(analyzer, name)
    raise AttributeError(f"module 'framing' has no attribute {name!r}")
