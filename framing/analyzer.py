"""The Analyzer: one call for one text or many, returning :class:`~framing.types.DocResult`.

Example:
    >>> import framing
    >>> analyzer = framing.load(rules_only=True)
    >>> res = analyzer("Drug policy should be left to the states.")
    >>> "federalism" in res.labels
    True
    >>> [r.id for r in analyzer.pipe(["One text.", {"id": "b", "text": "Another."}])]
    ['doc-1', 'b']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.pipeline.build import build_nlp, describe_nlp
from framing.types import Article, DocResult, Evidence, SentenceResult
from framing.version import __version__

RecordLike = str | Article | dict[str, Any]


class Analyzer:
    """Runs the spaCy pipeline (rules, and the classifier and stance layers when present).

    Build it with :func:`framing.load`. ``analyzer(text)`` scores one text;
    ``analyzer.pipe(records)`` streams many (strings, :class:`Article` objects or dicts with
    ``text`` and optional ``id`` / ``meta``), batching inside.
    """

    def __init__(self, nlp: Language, codebook: Codebook, batch_size: int = 32) -> None:
        self.nlp = nlp
        self.codebook = codebook
        self.batch_size = batch_size
        self._counter = 0
        self.model_info: dict[str, Any] = {
            "framing": __version__,
            "codebook": f"{codebook.name}@{codebook.version}",
            "spacy_pipeline": describe_nlp(nlp),
            "rules": True,
            "classifier": None,
            "stance": None,
        }

    # ----- public API ------------------------------------------------------------------------
    def __call__(self, record: RecordLike) -> DocResult:
        return next(iter(self.pipe([record])))

    def pipe(self, records: Iterable[RecordLike], batch_size: int | None = None
             ) -> Iterator[DocResult]:
        """Stream results in input order; memory is bounded by the batch size."""
        arts = (self._to_article(r) for r in records)
        pairs = ((a.text, a) for a in arts)
        for doc, art in self.nlp.pipe(pairs, as_tuples=True,
                                      batch_size=batch_size or self.batch_size):
            yield self.result(doc, art)

    # ----- conversion ------------------------------------------------------------------------
    def _to_article(self, r: RecordLike) -> Article:
        if isinstance(r, Article):
            return r
        self._counter += 1
        if isinstance(r, str):
            return Article(id=f"doc-{self._counter}", text=r)
        if isinstance(r, dict):
            text = r.get("text")
            if not isinstance(text, str):
                raise FramingError(Errors.E304.format(kind=type(text).__name__))
            meta = dict(r.get("meta") or {})
            return Article(id=str(r.get("id", f"doc-{self._counter}")), text=text, meta=meta)
        raise FramingError(Errors.E304.format(kind=type(r).__name__))

    def result(self, doc: Doc, art: Article) -> DocResult:
        """Turn a processed Doc into the DocResult record."""
        cb = self.codebook
        text = doc.text
        sentences: list[SentenceResult] = []
        for ps in doc._.frame_sentences or []:
            start, end = ps["start"], ps["end"]
            seg = text[start:end]
            stripped = seg.strip()
            if not stripped:
                continue
            start += len(seg) - len(seg.lstrip())
            end = start + len(stripped)
            scores: dict[str, float] = ps["scores"]
            labels = sorted((f for f, v in scores.items() if v >= cb.threshold(f)),
                            key=lambda f: (-scores[f], -len(cb.ancestors(f))))
            evidence = [Evidence(start=s, end=e, text=text[s:e], frame=frame,
                                 source=f"rule:{pid}", score=w)
                        for s, e, frame, pid, w in ps["matches"]]
            sentences.append(SentenceResult(start=start, end=end, text=stripped,
                                            frames=dict(scores), labels=labels,
                                            evidence=evidence))
        frames: dict[str, float] = dict(doc._.frame_scores or {})
        labels = self._rank([f for f, v in frames.items() if v >= cb.threshold(f)], frames)
        return DocResult(id=art.id, meta=dict(art.meta), frames=frames, labels=labels,
                         primary_frame=labels[0] if labels else None, stance=[],
                         sentences=sentences, model=dict(self.model_info))

    def _rank(self, labels: list[str], scores: dict[str, float]) -> list[str]:
        """Best first; on ties the more specific frame (a child) comes before its parent."""
        order = {f: i for i, f in enumerate(self.codebook.frame_ids)}
        return sorted(labels, key=lambda f: (-round(scores[f], 6),
                                             -len(self.codebook.ancestors(f)), order[f]))


def load(model: str | None = None, *, rules_only: bool = False,
         codebook: str | Codebook | None = None, spacy_model: str | None = None,
         batch_size: int = 32) -> Analyzer:
    """Build an :class:`Analyzer`.

    Args:
        model: a trained model directory (classifier); ``None`` uses the default model when it is
            installed, else rules alone.
        rules_only: use the rule layer only, even when a model is available.
        codebook: a codebook path or object; default: the shipped codebook (or the model's).
        spacy_model: name or path of a trained spaCy pipeline to use instead of the blank one.
        batch_size: documents per batch in :meth:`Analyzer.pipe`.
    """
    if isinstance(codebook, Codebook):
        cb = codebook
    elif codebook:
        cb = Codebook.load(codebook)
    else:
        cb = Codebook.default()
    if model is not None and not rules_only:
        raise FramingError(Errors.E301.format(
            path=model, detail="classifier models are not supported by this version yet; "
                               "use --rules-only"))
    nlp = build_nlp(cb, spacy_model=spacy_model)
    return Analyzer(nlp, cb, batch_size=batch_size)
