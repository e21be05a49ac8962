"""What the web page shows of a :class:`~framing.types.DocResult`: the text cut into plain
stretches and labelled sentences (rule matches marked inside them, classifier-flagged
sentences set apart), a per-frame score table, and the colours, checked for contrast.

Templates (``templates/*.html``) do the markup; this module only decides what goes where, so
it can be tested without a browser.

Example:
    >>> import framing
    >>> res = framing.load(rules_only=True)("It is a crime. Leave drug policy to the states.")
    >>> view = document_view("It is a crime. Leave drug policy to the states.", res,
    ...                      framing.Codebook.default())
    >>> [(p.kind, p.text) for p in view.parts][-1]
    ('sentence', 'Leave drug policy to the states.')
    >>> [(m.text, m.mark is not None) for m in view.parts[-1].pieces]
    [('Leave drug policy to the states', True), ('.', False)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from framing.codebook import Codebook
from framing.types import DocResult, Evidence, SentenceResult

#: Frame highlight colours: (background, border). Text on them is INK; both pass WCAG AA.
FRAME_COLOURS: tuple[tuple[str, str], ...] = (
    ("#d6e4f5", "#1d4e89"),  # blue
    ("#fbe3cc", "#a35412"),  # orange
    ("#d3f0e1", "#1f7550"),  # green
    ("#f7d9de", "#a52f40"),  # red
    ("#e6def2", "#5e4587"),  # purple
    ("#efe4d3", "#6e5536"),  # brown
    ("#f6dcec", "#9c3f74"),  # pink
    ("#d9ecf5", "#2f6f91"),  # sky
)
INK = "#1f2933"
MUTED = "#4b5563"
PAPER = "#ffffff"
#: Below this score a frame is left out of the table unless it is a label.
SHOW_FROM = 0.05


@dataclass
class Piece:
    """A stretch of a sentence; ``mark`` is the rule evidence it shows, if any."""

    text: str
    mark: Evidence | None = None
    colour: int = 0


@dataclass
class Tag:
    """A frame named after a sentence, with what found it (``rule``, ``model``, both)."""

    frame: str
    colour: int
    sources: str


@dataclass
class Part:
    """A stretch of the document: ``plain`` text, or a labelled ``sentence``."""

    kind: str
    text: str
    start: int
    end: int
    pieces: list[Piece] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    rule_frames: list[str] = field(default_factory=list)
    model_frames: list[str] = field(default_factory=list)
    colour: int = 0
    index: int = 0
    tags: list[Tag] = field(default_factory=list)

    @property
    def classifier(self) -> bool:
        """The classifier flagged this sentence for at least one frame."""
        return bool(self.model_frames)


@dataclass
class FrameRow:
    """One row of the per-frame table."""

    id: str
    name: str
    parent: str | None
    score: float
    label: bool
    sentences: int
    rule_hits: int
    model_hits: int
    colour: int | None


@dataclass
class DocumentView:
    """Everything the result page shows of one DocResult."""

    parts: list[Part]
    frames: list[FrameRow]
    colours: dict[str, int]
    mode: str
    labelled_sentences: int


def frame_colours(res: DocResult, codebook: Codebook) -> dict[str, int]:
    """A palette index for each frame the page highlights: labels first (best first), then
    frames of any labelled sentence, in codebook order."""
    order: list[str] = list(res.labels)
    for s in res.sentences:
        order += [f for f in s.labels if f not in order]
    order += [f for f in codebook.frame_ids if f not in order and f in res.frames
              and res.frames[f] >= SHOW_FROM]
    return {f: i % len(FRAME_COLOURS) for i, f in enumerate(order)}


def document_view(text: str, res: DocResult, codebook: Codebook) -> DocumentView:
    """Cut ``text`` into plain stretches and labelled sentences with their rule marks."""
    colours = frame_colours(res, codebook)
    parts: list[Part] = []
    pos = 0
    n_labelled = 0
    for i, s in enumerate(res.sentences):
        if not s.labels or s.start < pos or s.end > len(text):
            continue
        if s.start > pos:
            parts.append(Part("plain", text[pos:s.start], pos, s.start))
        n_labelled += 1
        parts.append(_sentence_part(text, s, i + 1, colours, codebook))
        pos = s.end
    if pos < len(text):
        parts.append(Part("plain", text[pos:], pos, len(text)))
    rows = []
    for f in codebook.frame_ids:
        v = res.frames.get(f, 0.0)
        is_label = f in res.labels
        if v < SHOW_FROM and not is_label:
            continue
        fr = codebook.frame(f)
        rows.append(FrameRow(
            id=f, name=fr.name, parent=fr.parent, score=v, label=is_label,
            sentences=sum(1 for s in res.sentences if f in s.labels),
            rule_hits=sum(1 for e in res.evidence if e.frame == f and e.source != "classifier"),
            model_hits=sum(1 for e in res.evidence if e.frame == f and e.source == "classifier"),
            colour=colours.get(f)))
    rank = {f: i for i, f in enumerate(res.labels)}  # labels best first, a child before its parent
    rows.sort(key=lambda r: (rank.get(r.id, len(rank)), -r.score))
    clf = res.model.get("classifier") if isinstance(res.model, dict) else None
    mode = "rules + classifier" if clf else "rules only"
    return DocumentView(parts=parts, frames=rows, colours=colours, mode=mode,
                        labelled_sentences=n_labelled)


def _sentence_part(text: str, s: SentenceResult, index: int, colours: dict[str, int],
                   codebook: Codebook) -> Part:
    rule_frames = [f for f in s.labels
                   if any(e.frame == f and e.source.startswith("rule:") for e in s.evidence)]
    model_frames = [f for f in s.labels
                    if any(e.frame == f and e.source == "classifier" for e in s.evidence)]
    # rule matches of the sentence's own labels, left to right; an overlapping later match is
    # left unmarked (it stays listed in the JSON)
    marks = sorted((e for e in s.evidence if e.source.startswith("rule:") and e.frame in s.labels
                    and s.start <= e.start < e.end <= s.end),
                   key=lambda e: (e.start, -(e.end - e.start)))
    pieces: list[Piece] = []
    pos = s.start
    for e in marks:
        if e.start < pos:
            continue
        if e.start > pos:
            pieces.append(Piece(text[pos:e.start]))
        pieces.append(Piece(text[e.start:e.end], e, colours.get(e.frame, 0)))
        pos = e.end
    if pos < s.end:
        pieces.append(Piece(text[pos:s.end]))
    # a child frame implies its parent: name the most specific labels only
    implied = {a for f in s.labels for a in codebook.ancestors(f) if f in codebook}
    tags = [Tag(f, colours.get(f, 0), " + ".join(
        src for src, fs in (("rule", rule_frames), ("model", model_frames)) if f in fs))
        for f in s.labels if f not in implied]
    return Part("sentence", text[s.start:s.end], s.start, s.end, pieces=pieces,
                labels=list(s.labels), rule_frames=rule_frames, model_frames=model_frames,
                colour=colours.get(s.labels[0], 0), index=index, tags=tags)


# ----- contrast (WCAG 2.x) -------------------------------------------------------------------
def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    rgb = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21; text needs 4.5, large 3).

    >>> round(contrast("#000000", "#ffffff"), 1)
    21.0
    """
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def palette_css() -> dict[str, Any]:
    """Template context for ``frames.css``."""
    return {"colours": list(enumerate(FRAME_COLOURS)), "ink": INK, "muted": MUTED,
            "paper": PAPER}
