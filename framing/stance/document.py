"""Document-level stance toward free-text targets, with the sentences that show it.

Steps for each document:

1. **Units.** The sentences of the ``stance_cues`` component (the same boundaries as the
   Analyzer's pipeline: ``line_breaks`` + ``sentencizer``), stripped of surrounding space;
   blank units and units without a letter are dropped. A sentence longer than
   ``max_unit_chars`` characters is cut into overlapping windows at spaces (``unit_window``
   characters, overlapping by a quarter), each a unit of its own with its own offsets, so one
   strong passage of a run-on sentence still counts on its own.
2. **Scoring.** Every (target, unit) pair of every document in the batch is scored by the
   stance model in one call (length-sorted batches, dynamic padding).
3. **Pooling.** :class:`~framing.stance.pooling.PoolingRule` (tuned on dev documents, stored
   in the model) turns the unit probabilities and cue features into the document's label and
   score: one strong sentence can carry the document; conflicts are settled by evidence mass.
4. **Evidence.** The winner's carrying units (``source="stance_model"``, ``score`` = the unit's
   cue-weighted strength) and the stance cues inside them (``source="stance_cue:<pattern
   id>"``, ``score`` = the cue weight); ``frame`` holds the stance label they support; offsets
   index the original text. A ``none`` result has no evidence.

Example:
    >>> from framing.stance import StanceModel, document_stance
    >>> m = StanceModel.load("models/stance-default")                      # doctest: +SKIP
    >>> res = document_stance(m, open("oped.txt").read(),                    # doctest: +SKIP
    ...                       ["states deciding their own drug policy"])
    >>> res[0].label, res[0].evidence[0].source                              # doctest: +SKIP
    ('favor', 'stance_model')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

import framing.pipeline.stance  # noqa: F401  (registers the Doc extensions and factories)
from framing.stance.data import check_target
from framing.stance.pooling import SentenceCue
from framing.types import Evidence, StanceResult

MAX_UNIT_CHARS = 600
UNIT_WINDOW = 400
_LETTER = re.compile(r"[^\W\d_]")

_NLP: Language | None = None


def _stance_nlp() -> Language:
    global _NLP
    if _NLP is None:
        from framing.pipeline.stance import build_stance_nlp

        _NLP = build_stance_nlp()
    return _NLP


@dataclass
class Unit:
    """A scored piece of a document: char offsets into the text, and its sentence's cues."""

    start: int
    end: int
    text: str
    cue: SentenceCue
    cues: list[list[Any]]


def _windows(start: int, text: str, size: int) -> list[tuple[int, int]]:
    """Overlapping character windows of ``text`` cut at spaces (offsets relative to doc)."""
    out: list[tuple[int, int]] = []
    step = max(1, size * 3 // 4)
    pos = 0
    n = len(text)
    while pos < n:
        end = min(n, pos + size)
        if end < n:
            cut = text.rfind(" ", pos + size // 2, end)
            end = cut if cut > pos else end
        out.append((start + pos, start + end))
        if end >= n:
            break
        nxt = pos + step
        sp = text.find(" ", nxt)
        pos = sp + 1 if 0 <= sp < end else min(nxt, end)
    return out


def doc_units(doc: Doc, max_unit_chars: int = MAX_UNIT_CHARS,
              unit_window: int = UNIT_WINDOW) -> list[Unit]:
    """The units of a processed Doc (step 1 of the module docstring)."""
    text = doc.text
    sents: list[dict[str, Any]] | None = doc._.stance_cue_sentences
    if sents is None:
        if doc.has_annotation("SENT_START"):
            spans = [(s.start_char, s.end_char) for s in doc.sents]
        else:
            spans = [(0, len(text))] if text else []
        sents = [{"start": s, "end": e, "cues": []} for s, e in spans]
    units: list[Unit] = []
    for s in sents:
        seg = text[s["start"]:s["end"]]
        stripped = seg.strip()
        if not stripped or not _LETTER.search(stripped):
            continue
        start = s["start"] + len(seg) - len(seg.lstrip())
        cue = SentenceCue.from_dict(s)
        pieces = [(start, start + len(stripped))]
        if len(stripped) > max_unit_chars:
            pieces = _windows(start, stripped, unit_window)
        for a, b in pieces:
            piece = text[a:b].strip()
            if not piece:
                continue
            a += len(text[a:b]) - len(text[a:b].lstrip())
            b = a + len(piece)
            cues = [c for c in s.get("cues", []) if a <= c[0] and c[1] <= b]
            units.append(Unit(a, b, piece, cue, cues))
    return units


def _target_text(t: Any, i: int) -> str:
    return check_target(getattr(t, "text", t), f"#{i + 1}")


def stance_for_docs(model: Any, docs: Sequence[Doc], targets: Sequence[Any],
                    batch_size: int = 64) -> list[list[StanceResult]]:
    """Stance of each processed Doc toward each target (strings, or codebook
    :class:`~framing.codebook.Target` objects): one list of :class:`StanceResult` per doc, in
    target order. The Docs should have been through ``stance_cues`` (else no cue features)."""
    return stance_for_each(model, docs, [targets] * len(docs), batch_size)


def stance_for_each(model: Any, docs: Sequence[Doc], targets_per_doc: Sequence[Sequence[Any]],
                    batch_size: int = 64) -> list[list[StanceResult]]:
    """Like :func:`stance_for_docs`, with each Doc's own targets (e.g. the codebook targets of
    its issue plus the user's); all (target, sentence) pairs of the batch are scored in one
    model call."""
    if len(targets_per_doc) != len(docs):
        raise ValueError(f"{len(docs)} docs but {len(targets_per_doc)} target lists")
    tgts = [list(dict.fromkeys(_target_text(t, i) for i, t in enumerate(ts)))
            for ts in targets_per_doc]
    per_doc = [doc_units(d) for d in docs]
    pairs = [(t, u.text) for units, ts in zip(per_doc, tgts, strict=True) for t in ts
             for u in units]
    probs = model.predict_proba(pairs, batch_size=batch_size)
    rel = _relevance(model, per_doc, tgts, batch_size)
    out: list[list[StanceResult]] = []
    pos = 0
    for k, (doc, units, ts) in enumerate(zip(docs, per_doc, tgts, strict=True)):
        res: list[StanceResult] = []
        cues = [u.cue for u in units]
        text = doc.text  # Doc.text is rebuilt from the tokens on every access
        for t in ts:
            p = probs[pos:pos + len(units)]
            pos += len(units)
            d = model.pooling.pool(p, model.labels, cues, rel[k].get(t) if rel else None)
            ev: list[Evidence] = []
            if d.label != "none":
                for i, s in zip(d.evidence, d.strengths, strict=True):
                    u = units[i]
                    ev.append(Evidence(u.start, u.end, u.text, d.label, "stance_model",
                                       round(s, 4)))
                    ev += [Evidence(int(c[0]), int(c[1]), text[c[0]:c[1]], d.label,
                                    f"stance_cue:{c[2]}", float(c[5])) for c in u.cues]
            res.append(StanceResult(target=t, label=d.label, score=round(d.score, 6),
                                    evidence=ev))
        out.append(res)
    return out


def _relevance(model: Any, per_doc: Sequence[Sequence[Unit]],
               tgts: Sequence[Sequence[str]], batch_size: int = 64
               ) -> list[dict[str, float]] | None:
    """Per document, ``{target: largest cosine similarity to one of its units}`` (None when
    the model has no relevance encoder or its gate is off). Each unit and each distinct target
    is embedded once."""
    enc = getattr(model, "relevance", None)
    if enc is None or not model.pooling.relevance_threshold:
        return None
    texts = [u.text for units in per_doc for u in units]
    targets = sorted({t for ts in tgts for t in ts})
    sims = enc.relevance(targets, texts) if texts and targets else None
    col = {t: i for i, t in enumerate(targets)}
    out: list[dict[str, float]] = []
    pos = 0
    for units, ts in zip(per_doc, tgts, strict=True):
        n = len(units)
        out.append({t: float(sims[col[t], pos:pos + n].max()) if n and sims is not None
                    else 0.0 for t in ts})
        pos += n
    return out


def targets_for(codebook: Any, meta: dict[str, Any] | None = None,
                extra: Sequence[str] = ()) -> list[str]:
    """The targets to score a document against: the codebook's default targets of the
    document's issue (``meta["issue"]``; none when the document has no issue) followed by the
    ``extra`` free-text targets (``--target``), duplicates dropped."""
    issue = (meta or {}).get("issue")
    own = [t.text for t in getattr(codebook, "targets", []) if issue and t.issue == issue]
    return list(dict.fromkeys([*own, *(check_target(t, f"--target #{i + 1}")
                                       for i, t in enumerate(extra))]))


def document_stance(model: Any, text: str | Doc, targets: Sequence[Any],
                    nlp: Language | None = None, batch_size: int = 64) -> list[StanceResult]:
    """Stance of one document toward each target (see the module docstring).

    ``text`` is a string (processed with ``nlp``, default: :func:`~framing.pipeline.stance.
    build_stance_nlp`) or an already processed Doc.
    """
    doc = text if isinstance(text, Doc) else (nlp or _stance_nlp())(text)
    return stance_for_docs(model, [doc], targets, batch_size=batch_size)[0]


def pipe_documents(model: Any, texts: Sequence[str], targets_per_doc: Sequence[Sequence[Any]],
                   nlp: Language | None = None, batch_size: int = 64
                   ) -> list[list[StanceResult]]:
    """Stance of many texts, each toward its own targets (processed with ``nlp``, default
    :func:`~framing.pipeline.stance.build_stance_nlp`)."""
    nlp = nlp or _stance_nlp()
    return stance_for_each(model, list(nlp.pipe(texts)), targets_per_doc, batch_size)


def doc_inputs(model: Any, texts: Sequence[str], targets: Sequence[str],
               nlp: Language | None = None, batch_size: int = 64, relevance: bool = True
               ) -> list[tuple[Any, list[SentenceCue], float | None]]:
    """Per (document, target) row: the unit probabilities, cue features and relevance (None
    without a relevance encoder, or with ``relevance=False``) that the pooling rule sees (used
    to tune :class:`~framing.stance.pooling.PoolingRule` on dev documents and to evaluate)."""
    nlp = nlp or _stance_nlp()
    docs = list(nlp.pipe(texts))
    per_doc = [doc_units(d) for d in docs]
    tgts = [check_target(t, f"row {i + 1}") for i, t in enumerate(targets)]
    pairs = [(t, u.text) for t, units in zip(tgts, per_doc, strict=True) for u in units]
    probs = model.predict_proba(pairs, batch_size=batch_size)
    rel: list[float | None] = [None] * len(per_doc)
    enc = getattr(model, "relevance", None)
    if relevance and enc is not None:
        unit_texts = [u.text for units in per_doc for u in units]
        uniq = sorted(set(tgts))
        sims = enc.relevance(uniq, unit_texts) if unit_texts else None
        col = {t: i for i, t in enumerate(uniq)}
        pos = 0
        for i, (t, units) in enumerate(zip(tgts, per_doc, strict=True)):
            n = len(units)
            rel[i] = float(sims[col[t], pos:pos + n].max()) if n and sims is not None else 0.0
            pos += n
    out = []
    pos = 0
    for units, r in zip(per_doc, rel, strict=True):
        out.append((probs[pos:pos + len(units)], [u.cue for u in units], r))
        pos += len(units)
    return out
