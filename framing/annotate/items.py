"""Annotation items: what one task shows an annotator (a sentence or a whole document).

An :class:`Item` is made from a :class:`~framing.types.DocResult`: its text, the pipeline's
labels and scores (the pre-annotation) and the rule evidence as character spans relative to
the item's own text. Its ``id`` ties annotations back to the document: a document item's id is
the document id, a sentence item's id is ``"<doc id>:<start>-<end>"`` (character offsets of the
sentence in the document).

Example:
    >>> import framing
    >>> from framing.annotate.items import items_from_results
    >>> res = framing.load(rules_only=True)({"id": "d1", "text":
    ...     "Police made arrests. Drug policy should be left to the states."})
    >>> [(it.id, it.labels[:1]) for it in items_from_results([res], "sentence")]
    [('d1:0-20', ['enforcement']), ('d1:21-62', ['federalism'])]
    >>> [(s.text, s.frame) for s in items_from_results([res], "sentence")[1].spans][-1]
    ('left to the states', 'federalism')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.types import DocResult, Evidence

LEVELS = ("sentence", "document")


@dataclass(frozen=True)
class Span:
    """A labelled character span of an item's text (rule evidence, or an annotator's span)."""

    start: int
    end: int
    text: str
    frame: str
    source: str = ""
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text,
                             "frame": self.frame}
        if self.source:
            d["source"] = self.source
        if self.score is not None:
            d["score"] = self.score
        return d


@dataclass
class Item:
    """One thing to annotate; see the module docstring."""

    id: str
    doc_id: str
    level: str
    text: str
    start: int
    end: int
    labels: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    #: frames the rule layer alone decides (its cues reach the codebook threshold), for
    #: rules-versus-model disagreement; None when not computed
    rule_labels: list[str] | None = None
    #: why active selection or bootstrapping picked it (shown to annotators as metadata)
    reason: dict[str, Any] | None = None

    def ref(self) -> dict[str, Any]:
        """The keys every exported task carries so its annotations can be traced back."""
        return {"framing_id": self.id, "doc_id": self.doc_id, "level": self.level,
                "start": self.start, "end": self.end}


def check_level(level: str) -> None:
    if level not in LEVELS:
        raise FramingError(Errors.E856.format(
            detail=f"level must be 'sentence' or 'document', got {level!r}"))


def sentence_id(doc_id: str, start: int, end: int) -> str:
    return f"{doc_id}:{start}-{end}"


def _spans(evidence: Iterable[Evidence], offset: int, limit: int) -> list[Span]:
    """Rule evidence as spans relative to the item (classifier evidence covers the whole
    sentence and is already the item's label, so it is not repeated as a span)."""
    out = []
    for e in evidence:
        if not e.source.startswith("rule:"):
            continue
        s, t = e.start - offset, e.end - offset
        if 0 <= s < t <= limit:
            out.append(Span(s, t, e.text, e.frame, e.source, e.score))
    return out


def rule_decisions(evidence: Iterable[Evidence], codebook: Codebook) -> list[str]:
    """Frames the rules alone decide for one sentence: the noisy-OR of the weights of its
    distinct matched patterns reaches the frame's codebook threshold (parents added)."""
    weights: dict[str, dict[str, float]] = {}
    for e in evidence:
        if e.source.startswith("rule:") and e.score is not None:
            weights.setdefault(e.frame, {})[e.source] = float(e.score)
    hits = []
    for f, ws in weights.items():
        miss = 1.0
        for w in ws.values():
            miss *= 1.0 - w
        if f in codebook and 1.0 - miss >= codebook.threshold(f) - 1e-9:
            hits.append(f)
    return codebook.closure(hits)


def items_from_results(results: Iterable[DocResult], level: str,
                       texts: Mapping[str, str] | None = None,
                       codebook: Codebook | None = None) -> list[Item]:
    """One item per document, or one per non-empty sentence, pre-filled from the results.

    ``texts`` maps document ids to their original text (known when the analyzer ran here);
    without it a document's text is rebuilt from its sentences at their offsets, so offsets
    hold but the whitespace between sentences (paragraph breaks) becomes spaces. With a
    ``codebook``, each item also gets ``rule_labels`` (a document: the union of its
    sentences').
    """
    check_level(level)
    items: list[Item] = []
    for res in results:
        meta = {k: v for k, v in res.meta.items() if v is not None}
        if level == "document":
            text = texts[res.id] if texts is not None and res.id in texts else _doc_text(res)
            rl = None
            if codebook is not None:
                got = {f for s in res.sentences for f in rule_decisions(s.evidence, codebook)}
                rl = [f for f in codebook.frame_ids if f in got]
            items.append(Item(id=res.id, doc_id=res.id, level=level, text=text, start=0,
                              end=len(text), labels=list(res.labels), scores=dict(res.frames),
                              spans=_spans(res.evidence, 0, len(text)), meta=meta,
                              rule_labels=rl))
            continue
        for s in res.sentences:
            if not s.text.strip():
                continue
            items.append(Item(id=sentence_id(res.id, s.start, s.end), doc_id=res.id,
                              level=level, text=s.text, start=s.start, end=s.end,
                              labels=list(s.labels), scores=dict(s.frames),
                              spans=_spans(s.evidence, s.start, len(s.text)), meta=meta,
                              rule_labels=None if codebook is None else
                              rule_decisions(s.evidence, codebook)))
    return items


def _doc_text(res: DocResult) -> str:
    """The document text, rebuilt from its sentences at their offsets (a DocResult keeps the
    sentences, not the raw text; whitespace between sentences becomes spaces)."""
    if not res.sentences:
        return ""
    chars = [" "] * max(s.end for s in res.sentences)
    for s in res.sentences:
        chars[s.start:s.end] = list(s.text)
    return "".join(chars)
