"""The ``stance_detector`` spaCy component: document-level stance toward free-text targets,
with the sentences that show it, on the same Doc as the rest of the pipeline.

Targets: ``doc._.stance_targets`` when set (the Analyzer sets each document's targets on its
Doc before ``nlp.pipe``: the codebook's targets of its issue and the user's), else the
component's configured ``targets``. Result: ``doc._.stance``, one
:class:`~framing.types.StanceResult` per target, in target order.

Steps for each document:

1. **Units.** The sentences of the ``stance_cues`` component (:mod:`framing.pipeline.
   stance_cues`; without it, the non-blank ``doc.sents``), stripped of surrounding space;
   blank units and units without a letter are dropped. A sentence longer than
   ``max_unit_chars`` characters is cut into overlapping windows at spaces (``unit_window``
   characters, overlapping by a quarter), each a unit of its own with its own offsets, so one
   strong passage of a run-on sentence still counts on its own.
2. **Scoring.** Every (target, unit) pair of every document of a batch is scored by the stance
   model (:class:`~framing.models.stance.StanceModel`) in one call (length-sorted batches,
   dynamic padding).
3. **Pooling.** :class:`~framing.models.stance.pooling.PoolingRule` (tuned on dev documents,
   stored in the model) turns the unit probabilities and cue features into the document's
   label and score: one strong sentence can carry the document; conflicts are settled by
   evidence mass; a relevance gate answers ``none`` for targets the document does not discuss.
4. **Evidence.** The winner's carrying units (``source="stance_model"``, ``score`` = the unit's
   cue-weighted strength) and the stance cues inside them (``source="stance_cue:<pattern
   id>"``, ``score`` = the cue weight); ``frame`` holds the stance label they support; offsets
   index the original text. A ``none`` result has no evidence.

Example:
    >>> from framing.pipeline.stance import build_stance_nlp
    >>> nlp = build_stance_nlp()
    >>> nlp.add_pipe("stance_detector", config={"model": "models/stance-default"}
    ...              )                                                 # doctest: +SKIP
    >>> doc = nlp.make_doc("Leave drug policy to the states.")       # doctest: +SKIP
    >>> doc._.stance_targets = ["states deciding their own drug policy"]  # doctest: +SKIP
    >>> nlp(doc)._.stance[0].label                                    # doctest: +SKIP
    'favor'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from framing.models.stance.data import check_target
from framing.models.stance.pooling import SentenceCue
from framing.pipeline import stance_cues as _stance_cues  # noqa: F401  (registers the factory)
from framing.pipeline.component import batched
from framing.types import CueMatch, Evidence, StanceResult

MAX_UNIT_CHARS = 600
UNIT_WINDOW = 400
_LETTER = re.compile(r"[^\W\d_]")

for _ext in ("stance", "stance_targets"):
    if not Doc.has_extension(_ext):
        Doc.set_extension(_ext, default=None)

_NLP: Language | None = None


@dataclass
class Unit:
    """A scored piece of a document: char offsets into the text, and its sentence's cues."""

    start: int
    end: int
    text: str
    cue: SentenceCue
    cues: list[CueMatch]


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
            cues = [CueMatch(*c) for c in s.get("cues", []) if a <= c[0] and c[1] <= b]
            units.append(Unit(a, b, piece, cue, cues))
    return units


def _target_text(t: Any, i: int) -> str:
    return check_target(getattr(t, "text", t), f"#{i + 1}")


def _score(model: Any, per_doc: Sequence[Sequence[Unit]], tgts: Sequence[Sequence[str]],
           batch_size: int) -> Any:
    """Probabilities of every (target, unit) pair: per document, per target, per unit."""
    pairs = [(t, u.text) for units, ts in zip(per_doc, tgts, strict=True) for t in ts
             for u in units]
    return model.predict_proba(pairs, batch_size=batch_size)


def _relevance(model: Any, per_doc: Sequence[Sequence[Unit]], tgts: Sequence[Sequence[str]],
               needed: bool) -> list[dict[str, float]] | None:
    """Per document, ``{target: largest cosine similarity to one of its units}``; None when the
    model has no relevance encoder or nothing ``needed`` it. Each unit and each distinct
    target is embedded once."""
    enc = getattr(model, "relevance", None)
    if enc is None or not needed:
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


def stance_for_each(model: Any, docs: Sequence[Doc], targets_per_doc: Sequence[Sequence[Any]],
                    batch_size: int = 64) -> list[list[StanceResult]]:
    """Stance of each processed Doc toward each of its own targets (strings, or codebook
    :class:`~framing.codebook.Target` objects), in target order; all (target, sentence) pairs
    of the batch are scored in one model call. The Docs should have been through
    ``stance_cues`` (else no cue features)."""
    if len(targets_per_doc) != len(docs):
        raise ValueError(f"{len(docs)} docs but {len(targets_per_doc)} target lists")
    tgts = [list(dict.fromkeys(_target_text(t, i) for i, t in enumerate(ts)))
            for ts in targets_per_doc]
    per_doc = [doc_units(d) for d in docs]
    probs = _score(model, per_doc, tgts, batch_size)
    rel = _relevance(model, per_doc, tgts, bool(model.pooling.relevance_threshold))
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
                    ev += [Evidence(c.start, c.end, text[c.start:c.end], d.label,
                                    f"stance_cue:{c.pattern}", c.weight) for c in u.cues]
            res.append(StanceResult(target=t, label=d.label, score=round(d.score, 6),
                                    evidence=ev))
        out.append(res)
    return out


def stance_for_docs(model: Any, docs: Sequence[Doc], targets: Sequence[Any],
                    batch_size: int = 64) -> list[list[StanceResult]]:
    """:func:`stance_for_each` with the same targets for every Doc."""
    return stance_for_each(model, docs, [targets] * len(docs), batch_size)


def doc_inputs(model: Any, texts: Sequence[str], targets: Sequence[str],
               nlp: Language | None = None, batch_size: int = 64, relevance: bool = True
               ) -> list[tuple[Any, list[SentenceCue], float | None]]:
    """Per (document, target) row: the unit probabilities, cue features and relevance (None
    without a relevance encoder, or with ``relevance=False``) that the pooling rule sees (to
    tune :class:`~framing.models.stance.pooling.PoolingRule` on dev documents, and to
    evaluate)."""
    nlp = nlp or _stance_nlp()
    per_doc = [doc_units(d) for d in nlp.pipe(texts)]
    tgts = [[check_target(t, f"row {i + 1}")] for i, t in enumerate(targets)]
    probs = _score(model, per_doc, tgts, batch_size)
    rel = _relevance(model, per_doc, tgts, relevance)
    out = []
    pos = 0
    for i, units in enumerate(per_doc):
        out.append((probs[pos:pos + len(units)], [u.cue for u in units],
                    rel[i][tgts[i][0]] if rel is not None else None))
        pos += len(units)
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


# ----- the component -----------------------------------------------------------------------
class StanceDetector:
    """Runs a stance model toward each Doc's targets and sets ``doc._.stance``; see the module
    docstring. Put it after ``stance_cues`` (whose sentences and cues it uses). Documents of a
    batch (``batch_size`` of ``nlp.pipe``) are scored together."""

    def __init__(self, nlp: Language, name: str = "stance_detector", *,
                 model: str | None = None, targets: Sequence[str] = (),
                 batch_size: int = 64) -> None:
        self.nlp = nlp
        self.name = name
        self.batch_size = batch_size
        self._model_path = model
        self._model: Any = None
        self.targets: list[str] = []
        self.set_targets(targets)

    @property
    def model(self) -> Any:
        """The :class:`~framing.models.stance.StanceModel` (loaded on first use: the configured
        directory, else the default stance model)."""
        if self._model is None:
            from framing.models.directory import default_dir, is_built
            from framing.models.stance.model import StanceModel

            path: str | Path | None = self._model_path
            if not path:
                path = default_dir("stance")
                if path is None or not is_built(path):
                    from framing.errors import Errors, FramingError

                    raise FramingError(Errors.E709.format(
                        path=path if path is not None else
                        "($FRAMING_DEFAULT_STANCE_MODEL=none)"))
            self._model = StanceModel.load(path)
        return self._model

    def set_model(self, model: Any) -> None:
        """Use an already loaded :class:`~framing.models.stance.StanceModel`."""
        self._model = model

    def set_targets(self, targets: Sequence[str]) -> None:
        """Replace the default targets (free text; duplicates dropped, order kept)."""
        self.targets = list(dict.fromkeys(check_target(t, f"#{i + 1}")
                                          for i, t in enumerate(targets)))

    def initialize(self, get_examples: Any = None, *, nlp: Language | None = None) -> None:
        if self.targets:
            _ = self.model

    def __call__(self, doc: Doc) -> Doc:
        self._process([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], batch_size: int = 32) -> Iterator[Doc]:
        return batched(stream, self._process, batch_size)

    def _process(self, docs: list[Doc]) -> None:
        per_doc = [d._.stance_targets if d._.stance_targets is not None else self.targets
                   for d in docs]
        todo = [i for i, ts in enumerate(per_doc) if ts]
        for doc in docs:
            doc._.stance = []
        if not todo:
            return
        results = stance_for_each(self.model, [docs[i] for i in todo],
                                  [per_doc[i] for i in todo], batch_size=self.batch_size)
        for i, res in zip(todo, results, strict=True):
            docs[i]._.stance = res

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the model directory and ``targets.json`` to ``path``."""
        path = Path(path)
        self.model.copy_to(path / "model")
        (path / "targets.json").write_text(json.dumps(self.targets, ensure_ascii=False))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> StanceDetector:
        from framing.models.stance.model import StanceModel

        path = Path(path)
        self.set_model(StanceModel.load(path / "model"))
        self.set_targets(json.loads((path / "targets.json").read_text(encoding="utf-8")))
        return self


@Language.factory(
    "stance_detector",
    assigns=["doc._.stance"],
    default_config={"model": None, "targets": [], "batch_size": 64},
)
def make_stance_detector(nlp: Language, name: str, model: str | None, targets: list[str],
                         batch_size: int) -> StanceDetector:
    """Factory: ``nlp.add_pipe("stance_detector", config={"model": DIR, "targets": [...]})``
    after ``stance_cues``; ``model`` None uses the default stance model."""
    return StanceDetector(nlp, name, model=model, targets=targets, batch_size=batch_size)


def build_stance_nlp(cues: str | None = None) -> Language:
    """A light pipeline for stance alone: blank English + ``line_breaks`` + ``sentencizer`` +
    ``stance_cues`` (the same sentence boundaries as the Analyzer's default pipeline)."""
    from framing.pipeline import linebreaks as _linebreaks  # noqa: F401  (registers factory)
    from framing.pipeline.blank import MAX_LENGTH, blank_nlp

    nlp = blank_nlp()
    nlp.add_pipe("line_breaks")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("stance_cues", config={"cues": cues})
    nlp.initialize()
    nlp.max_length = MAX_LENGTH
    return nlp


def _stance_nlp() -> Language:
    global _NLP
    if _NLP is None:
        _NLP = build_stance_nlp()
    return _NLP


def document_stance(model: Any, text: str | Doc, targets: Sequence[Any],
                    nlp: Language | None = None, batch_size: int = 64) -> list[StanceResult]:
    """Stance of one document toward each target (see the module docstring). ``text`` is a
    string (processed with ``nlp``, default: :func:`build_stance_nlp`) or a processed Doc."""
    doc = text if isinstance(text, Doc) else (nlp or _stance_nlp())(text)
    return stance_for_docs(model, [doc], targets, batch_size=batch_size)[0]
