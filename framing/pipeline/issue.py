"""Which issue is a text about? Inferred from the codebook's issue keywords and descriptions,
for documents that carry no ``issue`` in their metadata, so that they still get stance toward
the default targets of their issue (flagged as inferred).

Each issue of the codebook (``issues``: ``id``, ``name``, ``description``, ``keywords``) is
scored on the text: every occurrence of one of its keywords counts 1 (whole words, case-
insensitive, a plural "s"/"es" allowed; an all-capitals keyword such as "ICE" only in
capitals), every occurrence of a content word of its description counts ``description_weight``.
The best issue is inferred when it has at least ``min_hits`` keyword occurrences and its score
is at least ``margin`` times the runner-up's; otherwise no issue is inferred (the document gets
no default targets rather than a guess).

Example:
    >>> from framing.codebook import Codebook
    >>> from framing.pipeline.issue import infer_issue
    >>> g = infer_issue(Codebook.default(), "Marijuana laws belong to the states. Federal "
    ...                 "drug prosecutors should stand down where a state legalised cannabis.")
    >>> g.issue, g.keyword_hits
    ('drug_policy', 3)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from framing.models.stance.data import content_words

MIN_HITS = 3
MARGIN = 1.5
DESCRIPTION_WEIGHT = 0.25


@dataclass
class IssueGuess:
    """The inferred issue, its score, its keyword occurrences and the runner-up's score."""

    issue: str
    score: float
    keyword_hits: int
    matched: dict[str, int] = field(default_factory=dict)
    runner_up: float = 0.0

    def describe(self) -> str:
        top = ", ".join(f"{k} x{n}" for k, n in sorted(self.matched.items(),
                                                       key=lambda kv: (-kv[1], kv[0]))[:5])
        return (f"issue '{self.issue}' inferred from the text (score {self.score:.2f}, "
                f"runner-up {self.runner_up:.2f}; keywords: {top})")


@dataclass(frozen=True)
class InferredTarget:
    """A default target of an issue inferred from the text (:func:`targets_for`)."""

    text: str
    issue: str
    reason: str = ""


@lru_cache(maxsize=4096)
def _pattern(keyword: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(w) for w in keyword.split())
    flags = 0 if keyword.isupper() and len(keyword) > 1 else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){body}(?:e?s)?(?![\w-])", flags)


def issue_scores(issues: Sequence[Any], text: str,
                 description_weight: float = DESCRIPTION_WEIGHT
                 ) -> list[tuple[str, float, int, dict[str, int]]]:
    """``(issue id, score, keyword occurrences, {keyword: occurrences})`` per issue, best
    first."""
    lower_words: dict[str, int] = {}
    for w in re.findall(r"[^\W\d_]+", text.lower()):
        lower_words[w] = lower_words.get(w, 0) + 1
    out = []
    for iss in issues:
        matched = {k: n for k in iss.keywords if (n := len(_pattern(k).findall(text)))}
        hits = sum(matched.values())
        desc = sum(lower_words.get(w, 0) for w in content_words(iss.description)
                   if w not in {k.lower() for k in iss.keywords})
        out.append((iss.id, hits + description_weight * desc, hits, matched))
    return sorted(out, key=lambda r: (-r[1], r[0]))


def _shipped() -> Any:
    from framing.codebook import Codebook

    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = Codebook.default()
    return _SHIPPED


_SHIPPED: Any = None


def issues_of(codebook: Any) -> list[Any]:
    """The codebook's issues; a codebook without any (one saved with a model before codebooks
    had issues) gets the shipped codebook's issues with the ids its targets name."""
    own = list(getattr(codebook, "issues", []) or [])
    if own:
        return own
    named = {t.issue for t in getattr(codebook, "targets", [])}
    return [i for i in _shipped().issues if i.id in named]


def opposites_of(codebook: Any) -> dict[str, str]:
    """The codebook's declared opposite targets (:meth:`~framing.codebook.Codebook.
    opposites`); a codebook that declares none gets the shipped codebook's pairs whose two
    targets it has too (same id and text)."""
    if any(getattr(t, "opposite", None) for t in getattr(codebook, "targets", [])):
        return dict(codebook.opposites())
    mine = {(t.id, t.text) for t in getattr(codebook, "targets", [])}
    shipped = _shipped()
    both = {t.text for t in shipped.targets if (t.id, t.text) in mine}
    return {a: b for a, b in shipped.opposites().items() if a in both and b in both}


def infer_issue(codebook: Any, text: str, min_hits: int = MIN_HITS, margin: float = MARGIN,
                only_with_targets: bool = True) -> IssueGuess | None:
    """The issue ``text`` is about (see the module docstring), or None. With
    ``only_with_targets`` only issues that have default targets in the codebook compete."""
    issues = issues_of(codebook)
    if only_with_targets:
        have = {t.issue for t in getattr(codebook, "targets", [])}
        issues = [i for i in issues if i.id in have]
    if not issues or not text:
        return None
    scores = issue_scores(issues, text)
    best, rest = scores[0], scores[1:]
    second = rest[0][1] if rest else 0.0
    if best[2] < min_hits or best[1] < margin * second:
        return None
    return IssueGuess(best[0], round(best[1], 3), best[2], best[3], round(second, 3))


def inferred_targets(codebook: Any, meta: Mapping[str, Any] | None, text: str | None
                     ) -> list[InferredTarget]:
    """The default targets of the issue inferred from ``text`` when ``meta`` has no issue;
    empty when it has one, when there is no text, or when no issue is clear enough."""
    if (meta or {}).get("issue") or not text:
        return []
    guess = infer_issue(codebook, text)
    if guess is None:
        return []
    why = guess.describe()
    return [InferredTarget(t.text, guess.issue, why) for t in codebook.targets
            if t.issue == guess.issue]
