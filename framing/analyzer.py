"""The Analyzer: one call for one text or many, returning :class:`~framing.types.DocResult`.

Example:
    >>> import framing
    >>> analyzer = framing.load(rules_only=True)
    >>> res = analyzer("Drug policy should be left to the states.")
    >>> "federalism" in res.labels
    True
    >>> [r.id for r in analyzer.pipe(["One text.", {"id": "b", "text": "Another."}])]
    ['doc-2', 'b']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacy.language import Language
from spacy.tokens import Doc

from framing.codebook import Codebook
from framing.doclayer import DocumentLayer, doc_scores
from framing.errors import Errors, FramingError
from framing.pipeline.build import build_nlp, describe_nlp
from framing.pipeline.stance import targets_for
from framing.types import Article, DocResult, Evidence, RuleMatch, SentenceResult
from framing.version import __version__

if TYPE_CHECKING:
    from framing.models.frames.model import FrameModel
    from framing.models.stance.model import StanceModel

RecordLike = str | Article | dict[str, Any]


#: A used child frame ranks before its parent unless the parent's own document probability is
#: higher by more than this.
CHILD_MARGIN = 0.05


class Analyzer:
    """Runs the spaCy pipeline (rules, and the classifier and stance components when present).

    Build it with :func:`framing.load`. ``analyzer(text)`` scores one text;
    ``analyzer.pipe(records)`` streams many (strings, :class:`Article` objects or dicts with
    ``text`` and optional ``id`` / ``meta``), batching inside: records -> Docs (each with its
    stance targets) -> ``nlp.pipe`` -> :class:`DocResult`, one parse per document.

    With a classifier, frame scores are the rules+classifier fused scores (see
    :mod:`framing.pipeline.classifier`), labels use the model's fused thresholds, and a sentence
    the classifier flags (a fused label whose classifier probability also reaches the model's
    threshold) gets an :class:`Evidence` with source ``classifier`` spanning the sentence. With a
    stance model, the ``stance_cues`` and ``stance_detector`` components score each document
    toward the codebook targets of its issue (``meta["issue"]``) and ``targets``.
    """

    def __init__(self, nlp: Language, codebook: Codebook, batch_size: int = 32,
                 classifier: FrameModel | None = None, stance_model: StanceModel | None = None,
                 targets: Sequence[str] = (), doc_layer: DocumentLayer | None = None) -> None:
        self.nlp = nlp
        self.codebook = codebook
        self.batch_size = batch_size
        self.classifier = classifier
        self._counter = 0
        self.model_info: dict[str, Any] = {
            "framing": __version__,
            "codebook": f"{codebook.name}@{codebook.version}",
            "spacy_pipeline": describe_nlp(nlp),
            "rules": True,
            "classifier": classifier.info() if classifier is not None else None,
            "stance": stance_model.info() if stance_model is not None else None,
            "document_layer": doc_layer.describe() if doc_layer is not None else None,
        }
        self.doc_layer = doc_layer
        self._layer_frames = [f for f in doc_layer.frames if f in codebook] \
            if doc_layer is not None else []
        self.stance_model = stance_model
        self.targets = list(targets)
        if stance_model is not None:
            self.targets = targets_for(codebook, {}, self.targets)  # checked once, here

    # ----- public API ------------------------------------------------------------------------
    def __call__(self, record: RecordLike) -> DocResult:
        return next(iter(self.pipe([record])))

    def pipe(self, records: Iterable[RecordLike], batch_size: int | None = None
             ) -> Iterator[DocResult]:
        """Stream results in input order; memory is bounded by the batch size."""
        bs = batch_size or self.batch_size
        docs = (self._doc(self._to_article(r)) for r in records)
        for doc, art in self.nlp.pipe(docs, as_tuples=True, batch_size=bs):
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

    def _doc(self, art: Article) -> tuple[Doc, Article]:
        """The article's Doc (tokenised), with its stance targets set for the pipeline."""
        if not isinstance(art.text, str):
            raise FramingError(Errors.E304.format(kind=type(art.text).__name__))
        doc = self.nlp.make_doc(art.text)
        if self.stance_model is not None:
            doc._.stance_targets = targets_for(self.codebook, art.meta, self.targets, art.text)
        return doc, art

    def result(self, doc: Doc, art: Article) -> DocResult:
        """Turn a processed Doc into the DocResult record."""
        fused = self.classifier is not None and doc.has_extension("fused_sentence_scores") \
            and doc._.fused_sentence_scores is not None
        scorer: _Scores = _FusedScores(self, doc, self.classifier) if fused and \
            self.classifier is not None else _RuleScores(self, doc)
        text = _doc_text(doc, art)
        sentences: list[SentenceResult] = []
        for i, ps in enumerate(doc._.frame_sentences or []):
            start, end = ps["start"], ps["end"]
            seg = text[start:end]
            stripped = seg.strip()
            if not stripped:
                continue
            start += len(seg) - len(seg.lstrip())
            end = start + len(stripped)
            shown, labels, clf = scorer.sentence(i, ps["scores"])
            evidence = [Evidence(start=m.start, end=m.end, text=text[m.start:m.end],
                                 frame=m.frame, source=f"rule:{m.pattern}", score=m.weight)
                        for m in map(RuleMatch._make, ps["matches"])]
            evidence += [Evidence(start=start, end=end, text=stripped, frame=f,
                                  source="classifier", score=round(p, 4)) for f, p in clf]
            sentences.append(SentenceResult(start=start, end=end, text=stripped, frames=shown,
                                            labels=labels, evidence=evidence))
        frames, labels = scorer.document()
        # one sentence is its own document: it uses what it says (the layer reads how frames
        # spread over sentences, which one sentence cannot show)
        if self.doc_layer is not None and self._layer_frames and len(sentences) > 1:
            frames, labels = self._document_decision(sentences, frames, labels)
        shares, mentions = _shares_mentions(sentences)
        stance = doc._.stance if doc.has_extension("stance") and doc._.stance else []
        return DocResult(id=art.id, meta=dict(art.meta), frames=frames, labels=labels,
                         primary_frame=labels[0] if labels else None, stance=list(stance),
                         sentences=sentences, model=dict(self.model_info), shares=shares,
                         mentions=mentions)

    def _document_decision(self, sentences: list[SentenceResult], frames: dict[str, float],
                           labels: list[str]) -> tuple[dict[str, float], list[str]]:
        """The frames the document uses: the document layer's probabilities and decisions for
        its frames (frames of the codebook it does not know keep the sentence-based ones)."""
        layer = self.doc_layer
        assert layer is not None
        ds = doc_scores(sentences, layer.frames)
        p, own = layer.predict_proba(ds), layer.predict_proba(ds, lift=False)
        th = layer.threshold_
        known = set(self._layer_frames)
        out = {f: v for f, v in frames.items() if f not in known}
        rank = dict(out)  # each frame's own evidence (no lift from its children)
        used = [f for f in labels if f not in known]
        for j, f in enumerate(layer.frames):
            if f in known:
                out[f] = round(float(p[j]), 4)
                rank[f] = float(own[j])
                if p[j] >= th:
                    used.append(f)
        ranked = self._rank(self.codebook.closure(used), rank)
        # a child implies its parent, and its sentences count for the parent too: a used child
        # goes before its parent unless the parent's own evidence is clearly stronger, so the
        # primary frame is the specific one ("federalism", not "legality")
        for f in list(ranked):
            parent = self.codebook.parent(f)
            if parent in ranked and ranked.index(parent) < ranked.index(f) and \
                    rank[f] >= rank[parent] - CHILD_MARGIN:
                ranked.remove(f)
                ranked.insert(ranked.index(parent), f)
        return out, ranked

    def _rank(self, labels: list[str], scores: dict[str, float]) -> list[str]:
        """Best first; on ties the more specific frame (a child) comes before its parent."""
        order = {f: i for i, f in enumerate(self.codebook.frame_ids)}
        return sorted(labels, key=lambda f: (-round(scores[f], 6),
                                             -len(self.codebook.ancestors(f)), order[f]))


class _Scores:
    """How one Doc's sentences and document are scored and labelled (rules, or fused)."""

    def sentence(self, i: int, rule: dict[str, float]
                 ) -> tuple[dict[str, float], list[str], list[tuple[str, float]]]:
        """Sentence ``i``'s shown scores, labels (best first) and classifier evidence."""
        raise NotImplementedError

    def document(self) -> tuple[dict[str, float], list[str]]:
        raise NotImplementedError


class _RuleScores(_Scores):
    """The rule layer alone: the ruler's scores at the codebook thresholds."""

    def __init__(self, an: Analyzer, doc: Doc) -> None:
        self.an, self.doc, self.cb = an, doc, an.codebook

    def sentence(self, i: int, rule: dict[str, float]
                 ) -> tuple[dict[str, float], list[str], list[tuple[str, float]]]:
        cb = self.cb
        labels = sorted((f for f, v in rule.items() if v >= cb.threshold(f)),
                        key=lambda f: (-rule[f], -len(cb.ancestors(f))))
        return dict(rule), labels, []

    def document(self) -> tuple[dict[str, float], list[str]]:
        frames: dict[str, float] = dict(self.doc._.frame_scores or {})
        hits = [f for f, v in frames.items() if v >= self.cb.threshold(f)]
        return frames, self.an._rank(hits, frames)


class _FusedScores(_Scores):
    """Rules + classifier: the model's labels use fused scores and thresholds, codebook frames
    the model does not know keep their rule scores."""

    def __init__(self, an: Analyzer, doc: Doc, fm: FrameModel) -> None:
        self.an, self.doc, self.cb = an, doc, an.codebook
        self.p_th = dict(zip(fm.labels, fm.thresholds.tolist(), strict=True))
        self.f_th = dict(zip(fm.labels, fm.fused_thresholds.tolist(), strict=True))
        self.fused_s, self.clf_s = doc._.fused_sentence_scores, doc._.clf_sentence_scores

    def _labelled(self, scores: dict[str, float]) -> list[str]:
        f_th, cb = self.f_th, self.cb
        hits = [f for f, v in scores.items() if v >= (f_th[f] if f in f_th else
                                                      cb.threshold(f))]
        return self.an._rank(cb.closure(hits), scores)

    def sentence(self, i: int, rule: dict[str, float]
                 ) -> tuple[dict[str, float], list[str], list[tuple[str, float]]]:
        fused, clf = self.fused_s[i], self.clf_s[i]
        scores = {f: (fused[f] if f in fused else rule.get(f, 0.0)) for f in self.cb.frame_ids}
        labels = self._labelled(scores)
        evidence = [(f, clf[f]) for f in labels if f in clf and clf[f] >= self.p_th[f]]
        shown = {f: v for f, v in scores.items() if v >= 0.01 or f in labels}
        return shown, labels, evidence

    def document(self) -> tuple[dict[str, float], list[str]]:
        rule_doc: dict[str, float] = dict(self.doc._.frame_scores or {})
        fused_doc: dict[str, float] = self.doc._.fused_doc_scores or {}
        frames = {f: float(fused_doc[f]) if f in fused_doc else rule_doc.get(f, 0.0)
                  for f in self.cb.frame_ids}
        return frames, self._labelled(frames)


def _shares_mentions(sentences: Sequence[SentenceResult]
                     ) -> tuple[dict[str, float], dict[str, int]]:
    """Per frame: the fraction of sentences labelled with it, and its evidence spans (rule
    matches and classifier-flagged sentences); frames with neither are left out."""
    n = len(sentences)
    counts: dict[str, int] = {}
    mentions: dict[str, int] = {}
    for s in sentences:
        for f in s.labels:
            counts[f] = counts.get(f, 0) + 1
        for e in s.evidence:
            mentions[e.frame] = mentions.get(e.frame, 0) + 1
    shares = {f: c / n for f, c in counts.items()} if n else {}
    return shares, mentions


def _doc_text(doc: Doc, art: Article) -> str:
    """The Doc's text: the article's own string when the Doc was made from it (spaCy's
    tokenizer keeps every character, so ``doc.text == art.text``); ``Doc.text`` builds a Token
    object for every token, which cost more than the rest of :meth:`Analyzer.result`."""
    if len(doc) == 0:
        return doc.text
    last = doc[-1]
    if last.idx + len(last.text_with_ws) == len(art.text) and \
            art.text.startswith(doc[0].text) and art.text.endswith(last.text_with_ws):
        return art.text
    return doc.text


def model_dirs(model: str | Path | None = None, stance_model: str | Path | None = None
               ) -> tuple[str | Path | None, str | Path | None]:
    """The frame and stance model directories :func:`load` uses when not ``rules_only``: the
    ones given, else the default ones when they are built
    (:func:`framing.models.directory.default_dir`), else None."""
    from framing.models.directory import default_dir, is_built

    if model is None:
        default = default_dir("frames")
        model = default.resolve() if default is not None and is_built(default) else None
    if stance_model is None:
        sd = default_dir("stance")
        stance_model = sd.resolve() if sd is not None and is_built(sd) else None
    return model, stance_model


def load(model: str | Path | None = None, *, rules_only: bool = False,
         codebook: str | Codebook | None = None, spacy_model: str | None = None,
         batch_size: int = 32, targets: Sequence[str] = (),
         stance_model: str | Path | None = None,
         document_layer: bool | str | Path | DocumentLayer = True) -> Analyzer:
    """Build an :class:`Analyzer`.

    Args:
        model: a trained model directory (classifier); ``None`` uses the default model when it is
            built (``models/frames-default`` under the current directory, or
            ``$FRAMING_DEFAULT_MODEL``), else rules alone.
        rules_only: use the rule layer only, even when a model is available.
        codebook: a codebook path or object; default: the model's codebook, else the shipped one.
        spacy_model: name or path of a trained spaCy pipeline to use instead of the blank one.
        batch_size: documents per batch in :meth:`Analyzer.pipe`.
        targets: free-text stance targets scored for every document, after the codebook's
            default targets of the document's issue (``meta["issue"]``).
        stance_model: a stance model directory; ``None`` uses the default stance model when it
            is built (``models/stance-default``, or ``$FRAMING_DEFAULT_STANCE_MODEL``). Stance
            needs a model, so ``rules_only`` and an absent model leave ``stance`` empty.
        document_layer: how documents are labelled from their sentences. ``True``: the
            learned document layer (:mod:`framing.doclayer`): the model's own
            (``doc_layer.json`` in its directory), else the shipped one fitted on rule scores;
            ``False``: every frame any sentence carries (the sentence union); or a layer file
            or object.
    """
    if isinstance(codebook, Codebook):
        cb: Codebook | None = codebook
    elif codebook:
        cb = Codebook.load(codebook)
    else:
        cb = None
    fm: FrameModel | None = None
    path, spath = model_dirs(model, stance_model) if not rules_only else (None, None)
    if path is not None:
        from framing.models.frames.model import FrameModel

        fm = FrameModel.load(path)
    if cb is None:
        cb = _model_codebook(fm) if fm is not None else Codebook.default()
    elif fm is not None:
        unknown = [lab for lab in fm.labels if lab not in cb]
        if unknown:
            raise FramingError(Errors.E301.format(
                path=fm.path, detail=f"its label(s) {unknown} are not frames of the codebook "
                                     f"'{cb.source}'; omit --codebook to use the model's own"))
    sm: StanceModel | None = None
    if spath is not None:
        from framing.models.stance.model import StanceModel

        sm = StanceModel.load(spath)
    nlp = build_nlp(cb, spacy_model=spacy_model, classifier=fm, stance_model=sm)
    return Analyzer(nlp, cb, batch_size=batch_size, classifier=fm, stance_model=sm,
                    targets=targets, doc_layer=_document_layer(document_layer, fm))


def _document_layer(spec: bool | str | Path | DocumentLayer, fm: FrameModel | None
                    ) -> DocumentLayer | None:
    from framing import doclayer

    if isinstance(spec, DocumentLayer):
        return spec
    if spec is False:
        return None
    if spec is True:
        own = Path(fm.path) / doclayer.FILE if fm is not None and fm.path else None
        if own is not None and own.is_file():
            return doclayer.load_layer(own)
        return doclayer.default_rules_layer()
    return doclayer.load_layer(spec)


def _model_codebook(fm: FrameModel) -> Codebook:
    """The model's codebook, the default one when its labels are default frames, else a
    codebook of its labels without rules."""
    cb = fm.rules_codebook()
    if cb is not None:
        return cb
    return Codebook.from_dict(
        {"name": fm.name, "version": "model",
         "frames": [{"id": lab, "name": lab, "parent": None, "description": "",
                     "patterns": []} for lab in fm.labels]},
        source=f"labels of {fm.path}")
