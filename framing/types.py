"""Typed records shared by every stage: Article in, DocResult out, and the evidence records the
spaCy components leave on a Doc on the way.

All records convert to and from plain JSON-ready dicts (the Doc-level :class:`RuleMatch` and
:class:`CueMatch` are named tuples: they serialise as plain lists), so every command can print
or store them.

Example:
    >>> from framing.types import Evidence
    >>> Evidence(0, 6, "States", "federalism", "rule:federalism.x").to_dict()["source"]
    'rule:federalism.x'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

#: Metadata fields that ingest normalises (others are kept as they are).
STANDARD_META = ("outlet", "date", "title", "author", "url")


class RuleMatch(NamedTuple):
    """A codebook pattern matched in a sentence (``frame_ruler``): character offsets into the
    Doc's text, the frame, the pattern id and the pattern's weight."""

    start: int
    end: int
    frame: str
    pattern: str
    weight: float


class CueMatch(NamedTuple):
    """An explicit stance cue matched in a sentence (``stance_cues``): character offsets, the
    cue pattern id, its type (prescriptive / evaluative / reported), its polarity (+1 / -1 /
    0, after negation), its weight, whether a negator flipped it, and the character span of
    the clause it governs (``clause_start``, ``clause_end``; the proposition a "should" or "a
    mistake" is about: a cue is stance evidence toward a target only when that clause is about
    the target; -1 when unknown)."""

    start: int
    end: int
    pattern: str
    type: str
    polarity: int
    weight: float
    negated: bool
    clause_start: int = -1
    clause_end: int = -1


@dataclass
class Article:
    """One input document: its id, its text and its metadata (``outlet``, ``date`` in ISO, ...)."""

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "meta": dict(self.meta)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Article:
        return cls(id=str(d["id"]), text=d["text"], meta=dict(d.get("meta") or {}))


@dataclass
class Evidence:
    """A piece of text that supports a frame or stance: character offsets into the original text.

    ``source`` says what produced it: ``rule:<pattern id>`` or ``classifier``.
    """

    start: int
    end: int
    text: str
    frame: str
    source: str
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text,
                             "frame": self.frame, "source": self.source}
        if self.score is not None:
            d["score"] = self.score
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        return cls(
            start=int(d["start"]),
            end=int(d["end"]),
            text=d["text"],
            frame=d["frame"],
            source=d["source"],
            score=d.get("score"),
        )


@dataclass
class SentenceResult:
    """Frame scores, labels and evidence of one sentence (offsets into the original text)."""

    start: int
    end: int
    text: str
    frames: dict[str, float] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "frames": {k: round(v, 4) for k, v in self.frames.items()},
            "labels": list(self.labels),
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SentenceResult:
        return cls(
            start=int(d["start"]),
            end=int(d["end"]),
            text=d["text"],
            frames=dict(d.get("frames") or {}),
            labels=list(d.get("labels") or []),
            evidence=[Evidence.from_dict(e) for e in d.get("evidence") or []],
        )


@dataclass
class StanceResult:
    """Stance toward one target: ``favor``, ``against`` or ``none``, with supporting sentences."""

    target: str
    label: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    #: why the label is what it is when a rule set it (declared opposite targets)
    note: str | None = None
    #: the issue whose default target this is, when the issue was inferred from the text
    #: (the document had no ``issue`` in its metadata)
    inferred_issue: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "target": self.target,
            "label": self.label,
            "score": round(self.score, 4),
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.note:
            d["note"] = self.note
        if self.inferred_issue:
            d["inferred_issue"] = self.inferred_issue
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StanceResult:
        return cls(
            target=d["target"],
            label=d["label"],
            score=float(d["score"]),
            evidence=[Evidence.from_dict(e) for e in d.get("evidence") or []],
            note=d.get("note"),
            inferred_issue=d.get("inferred_issue"),
        )


@dataclass
class DocResult:
    """The analysis of one document; its JSON form is the contract of every command.

    Keys: ``id``, ``meta``, ``frames`` ({frame: document probability in [0, 1]}), ``labels``
    (the frames the document *uses*: the document decision, best first), ``primary_frame`` (or
    None), ``shares`` ({frame: fraction of the document's sentences labelled with it}),
    ``mentions`` ({frame: number of evidence spans for it}; frames with none are left out of
    both), ``stance``, ``sentences`` and ``model`` (what produced it).
    """

    id: str
    meta: dict[str, Any]
    frames: dict[str, float]
    labels: list[str]
    primary_frame: str | None
    stance: list[StanceResult] = field(default_factory=list)
    sentences: list[SentenceResult] = field(default_factory=list)
    model: dict[str, Any] = field(default_factory=dict)
    shares: dict[str, float] = field(default_factory=dict)
    mentions: dict[str, int] = field(default_factory=dict)

    @property
    def evidence(self) -> list[Evidence]:
        """All evidence of all sentences, in text order."""
        return [e for s in self.sentences for e in s.evidence]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "meta": dict(self.meta),
            "frames": {k: round(v, 4) for k, v in self.frames.items()},
            "labels": list(self.labels),
            "primary_frame": self.primary_frame,
            "shares": {k: round(v, 4) for k, v in self.shares.items()},
            "mentions": dict(self.mentions),
            "stance": [s.to_dict() for s in self.stance],
            "sentences": [s.to_dict() for s in self.sentences],
            "model": dict(self.model),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DocResult:
        return cls(
            id=str(d["id"]),
            meta=dict(d.get("meta") or {}),
            frames={k: float(v) for k, v in (d.get("frames") or {}).items()},
            labels=list(d.get("labels") or []),
            primary_frame=d.get("primary_frame"),
            stance=[StanceResult.from_dict(s) for s in d.get("stance") or []],
            sentences=[SentenceResult.from_dict(s) for s in d.get("sentences") or []],
            model=dict(d.get("model") or {}),
            shares={k: float(v) for k, v in (d.get("shares") or {}).items()},
            mentions={k: int(v) for k, v in (d.get("mentions") or {}).items()},
        )
