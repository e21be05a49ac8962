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
   dynamic padding), except the targets that the relevance gate (3) already answers ``none``
   for a document: their answer does not depend on the sentences, so they are not sent to the
   cross-encoder. Under the model's ``opposite_pairing`` (:mod:`framing.models.stance.
   pairing`; the component's ``opposite_pairing`` overrides it) each target is tied to its
   opposite (the declared one in ``opposites``, else the negation): the pairs are also scored
   toward the opposite and the two views averaged (``"mean"``) or multiplied (``"product"``),
   or only one of the two is scored and flipped for the other (``"canonical"``; ``"auto"``:
   product for declared opposites, canonical for the rest); the gate's relevance and the cues'
   clause check (5) then take the target and its opposite together, so asking about the opposite
   gives exactly the flipped answer.
3. **Pooling.** :class:`~framing.models.stance.pooling.PoolingRule` (tuned on dev documents,
   stored in the model) turns the unit probabilities and cue features into the document's
   label and score: one strong sentence can carry the document; conflicts are settled by
   evidence mass; a relevance gate answers ``none`` for targets the document does not discuss.
   Cues count toward a target only when the clause they govern is about it (see 5).
4. **Evidence.** The winner's carrying units (``source="stance_model"``, ``score`` = the unit's
   cue-weighted strength) and the stance cues inside them (``source="stance_cue:<pattern
   id>"``, ``score`` = the cue weight); ``frame`` holds the stance label they support; offsets
   index the original text. A ``none`` result has no evidence.
5. **Target-dependent cues.** A cue ("should", "ought to", "a mistake") is evidence only for the
   clause it governs (:func:`~framing.pipeline.stance_cues.governed_clause`): it counts toward a
   target (in the unit's cue strength and as evidence) only when that clause is about the
   target: cosine similarity of clause and target of at least ``cue_relevance`` under the
   model's relevance encoder, or, for a model without one, a content word shared with the
   target (:func:`clause_about`). "That ought to be the case whether we like the Attorney
   General's approach" is no evidence about federal enforcement of drug laws.
6. **Opposed targets.** Where the codebook declares two of a document's targets opposites
   (``opposites``: "states deciding their own drug policy" <-> "federal enforcement of drug
   laws"), favoring one means not favoring the other (:func:`reconcile_opposites`): when both
   come out favor (or both against), the sentences are compared toward the two targets, the
   target that the sentences support more keeps the label (and its evidence), the other takes
   the opposite one, with the sentences that favor one over the other most as its evidence.

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
from framing.pipeline.component import batched, handed_over
from framing.types import CueMatch, Evidence, StanceResult

MAX_UNIT_CHARS = 600
UNIT_WINDOW = 400
#: the cosine similarity of a cue's clause to a target from which the cue counts toward it
CUE_RELEVANCE = 0.35
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


def _pairing(model: Any, pairing: str | None) -> str:
    """The opposite pairing in force: ``pairing``, else the model's (``"off"`` for models
    without one)."""
    from framing.models.stance.pairing import PAIRINGS

    mode = pairing or str(getattr(model, "opposite_pairing", "off") or "off")
    if mode not in PAIRINGS:
        from framing.errors import Errors, FramingError

        raise FramingError(Errors.E720.format(value=mode, where="stance_detector",
                                              allowed=", ".join(PAIRINGS)))
    return mode


def _score(model: Any, per_doc: Sequence[Sequence[Unit]], tgts: Sequence[Sequence[str]],
           batch_size: int, skip: Sequence[set[str]] | None = None, pairing: str = "off",
           opposites: dict[str, str] | None = None) -> Any:
    """Probabilities of every (target, unit) pair: per document, per target, per unit. The
    targets in ``skip[k]`` of document k are not sent to the model (their answer is already
    settled: the relevance gate) and get ``none`` (uniform for a model without it); the
    others are scored under the opposite ``pairing``
    (:meth:`~framing.models.stance.StanceModel.predict_proba`)."""
    import numpy as np

    keys = [(k, t, u.text) for k, (units, ts) in enumerate(zip(per_doc, tgts, strict=True))
            for t in ts for u in units]
    asked = [i for i, (k, t, _) in enumerate(keys) if not skip or t not in skip[k]]
    labels = list(model.labels)
    out = np.zeros((len(keys), len(labels)))
    if "none" in labels:
        out[:, labels.index("none")] = 1.0
    else:
        out[:] = 1.0 / len(labels)
    if asked:
        kw: dict[str, Any] = {"batch_size": batch_size}
        if pairing != "off" or getattr(model, "opposite_pairing", "off") != "off":
            kw.update(pairing=pairing, opposites=opposites)
        out[asked] = model.predict_proba([keys[i][1:] for i in asked], **kw)
    return out


def _relevance(model: Any, per_doc: Sequence[Sequence[Unit]], tgts: Sequence[Sequence[str]],
               needed: bool, opp: dict[str, str] | None = None
               ) -> list[dict[str, float]] | None:
    """Per document, ``{target: largest cosine similarity to one of its units}``; None when the
    model has no relevance encoder or nothing ``needed`` it. Each unit and each distinct
    target is embedded once. Under an opposite pairing (``opp``: each target's opposite, from
    :func:`_opposites_of`) a target's relevance is the larger of its own and its opposite's (a
    document about one side of a question discusses the other), so the gate answers the same
    for both."""
    enc = getattr(model, "relevance", None)
    if enc is None or not needed:
        return None
    texts = [u.text for units in per_doc for u in units]
    opp = opp or {}
    targets = sorted({t for ts in tgts for t in ts} | set(opp.values()))
    sims = enc.relevance(targets, texts) if texts and targets else None
    col = {t: i for i, t in enumerate(targets)}
    out: list[dict[str, float]] = []
    pos = 0
    for units, ts in zip(per_doc, tgts, strict=True):
        n = len(units)
        out.append({t: max(float(sims[col[x], pos:pos + n].max()) for x in
                            (t, opp.get(t, t))) if n and sims is not None
                    else 0.0 for t in ts})
        pos += n
    return out


def _opposites_of(tgts: Sequence[Sequence[str]], pairing: str,
                  opposites: dict[str, str] | None) -> dict[str, str]:
    """``{target: its opposite}`` for the targets of ``tgts`` under a pairing (empty when
    ``pairing`` is off)."""
    if pairing == "off":
        return {}
    from framing.models.stance.swap import opposite_target

    return {t: opposite_target(t, opposites) for ts in tgts for t in ts}


def _cue_context(model: Any, texts: Sequence[str], per_doc: Sequence[Sequence[Unit]],
                 tgts: Sequence[Sequence[str]], opp: dict[str, str],
                 cue_relevance: float | None
                 ) -> tuple[dict[CueMatch, str | None], dict[tuple[str, str], bool] | None]:
    """Each cue's governed clause, and which clauses are about which targets (or their
    opposites ``opp``; None when ``cue_relevance`` is None: step 5)."""
    clauses = {c: _clause(texts[k], c) for k, units in enumerate(per_doc) for u in units
               for c in u.cues}
    about = clause_about(model, [c for c in clauses.values() if c],
                         [t for ts in tgts for t in ts] + list(opp.values()), cue_relevance) \
        if cue_relevance is not None else None
    return clauses, about


def _stem_words(text: str) -> set[str]:
    from framing.models.stance.data import content_words

    return {w[:5] for w in content_words(text)}


def clause_about(model: Any, clauses: Sequence[str], targets: Sequence[str],
                 threshold: float = CUE_RELEVANCE) -> dict[tuple[str, str], bool]:
    """``{(clause, target): is the clause about the target}``: cosine similarity of at least
    ``threshold`` under the model's relevance encoder; without one, a shared content word
    (compared on its first five letters, so "enforcing" meets "enforcement")."""
    clauses, targets = sorted(set(clauses)), sorted(set(targets))
    if not clauses or not targets:
        return {}
    enc = getattr(model, "relevance", None)
    if enc is not None:
        sims = enc.relevance(targets, clauses)
        return {(c, t): bool(sims[j, i] >= threshold) for j, t in enumerate(targets)
                for i, c in enumerate(clauses)}
    tw = {t: _stem_words(t) for t in targets}
    return {(c, t): bool(_stem_words(c) & tw[t]) for c in clauses for t in targets}


def _target_cue(unit: Unit, cues: Sequence[CueMatch]) -> SentenceCue:
    """The unit's cue features counting only ``cues`` (those about the target)."""
    from framing.pipeline.stance_cues import _noisy_or

    pos = _noisy_or(c.weight for c in cues if c.polarity > 0)
    neg = _noisy_or(c.weight for c in cues if c.polarity < 0)
    return SentenceCue(max(pos, neg), unit.cue.reported,
                       1 if pos > neg else (-1 if neg > pos else 0))


def _clause(text: str, c: CueMatch) -> str | None:
    if c.type == "reported" or c.clause_start < 0 or c.clause_end <= c.clause_start:
        return None
    return " ".join(text[c.clause_start:c.clause_end].split()) or None


def stance_for_each(model: Any, docs: Sequence[Doc], targets_per_doc: Sequence[Sequence[Any]],
                    batch_size: int = 64, opposites: dict[str, str] | None = None,
                    cue_relevance: float | None = CUE_RELEVANCE, pairing: str | None = None,
                    score_gated: bool = False) -> list[list[StanceResult]]:
    """Stance of each processed Doc toward each of its own targets (strings, or codebook
    :class:`~framing.codebook.Target` objects), in target order; all (target, sentence) pairs
    of the batch are scored in one model call. The Docs should have been through
    ``stance_cues`` (else no cue features). ``pairing``: the opposite pairing (default: the
    model's, step 2); ``score_gated=True`` also scores the targets that the relevance gate
    answers ``none`` (what the component did before it skipped them: for timing)."""
    if len(targets_per_doc) != len(docs):
        raise ValueError(f"{len(docs)} docs but {len(targets_per_doc)} target lists")
    mode = _pairing(model, pairing)
    tgts = [list(dict.fromkeys(_target_text(t, i) for i, t in enumerate(ts)))
            for ts in targets_per_doc]
    inferred = [{_target_text(t, i): t for i, t in enumerate(ts)
                 if getattr(t, "issue", None) and getattr(t, "reason", None)}
                for ts in targets_per_doc]
    per_doc = [doc_units(d) for d in docs]
    gate = model.pooling.relevance_threshold if "none" in model.labels else 0.0
    opp = _opposites_of(tgts, mode, opposites)
    rel = _relevance(model, per_doc, tgts, bool(model.pooling.relevance_threshold), opp)
    skip = [{t for t, r in rk.items() if r < gate} for rk in rel] \
        if rel is not None and gate and not score_gated else None
    probs = _score(model, per_doc, tgts, batch_size, skip, mode, opposites)
    texts = [d.text for d in docs]  # Doc.text is rebuilt from the tokens on every access
    clauses, about = _cue_context(model, texts, per_doc, tgts, opp, cue_relevance)
    out: list[list[StanceResult]] = []
    pos = 0
    for k, (units, ts) in enumerate(zip(per_doc, tgts, strict=True)):
        res: list[StanceResult] = []
        text = texts[k]
        scored: dict[str, tuple[Any, list[SentenceCue], list[list[CueMatch]]]] = {}
        for t in ts:
            p = probs[pos:pos + len(units)]
            pos += len(units)
            kept = [[c for c in u.cues if _counts(c, clauses.get(c), t, about, opp.get(t))]
                    for u in units]
            cues = [_target_cue(u, kc) for u, kc in zip(units, kept, strict=True)]
            scored[t] = (p, cues, kept)
            d = model.pooling.pool(p, model.labels, cues, rel[k].get(t) if rel else None)
            res.append(_result(t, d.label, d.score, list(zip(d.evidence, d.strengths,
                                                              strict=True)),
                               units, kept, text))
        if opposites:
            res = reconcile_opposites(model, res, scored, units, text, opposites)
        for r in res:
            it = inferred[k].get(r.target)
            if it is not None:
                r.inferred_issue = it.issue
                r.note = f"{r.note}; {it.reason}" if r.note else it.reason
        out.append(res)
    return out


def _counts(cue: CueMatch, clause: str | None, target: str,
            about: dict[tuple[str, str], bool] | None, opposite: str | None = None) -> bool:
    """Does ``cue`` count toward ``target``? Attribution cues always (they say whose voice a
    sentence is in); stance cues when the clause they govern is about the target, or about its
    ``opposite`` under an opposite pairing (the same question: the cue then counts the same
    toward both) (every cue when ``about`` is None: ``cue_relevance=None`` switches the check
    off)."""
    if cue.type == "reported" or about is None:
        return True
    return clause is not None and (about.get((clause, target), False) or (
        opposite is not None and about.get((clause, opposite), False)))


def _result(target: str, label: str, score: float, carrying: Sequence[tuple[int, float]],
            units: Sequence[Unit], kept: Sequence[Sequence[CueMatch]], text: str,
            note: str | None = None) -> StanceResult:
    """A StanceResult with the carrying units and the target's cues in them as evidence."""
    ev: list[Evidence] = []
    if label != "none":
        for i, s in carrying:
            u = units[i]
            ev.append(Evidence(u.start, u.end, u.text, label, "stance_model", round(s, 4)))
            ev += [Evidence(c.start, c.end, text[c.start:c.end], label,
                            f"stance_cue:{c.pattern}", c.weight) for c in kept[i]]
    return StanceResult(target=target, label=label, score=round(score, 6), evidence=ev,
                        note=note)


def reconcile_opposites(model: Any, results: list[StanceResult],
                        scored: dict[str, tuple[Any, list[SentenceCue], list[list[CueMatch]]]],
                        units: Sequence[Unit], text: str, opposites: dict[str, str]
                        ) -> list[StanceResult]:
    """Step 6 of the module docstring: where two of the results' targets are declared
    opposites and got the same polar label, the target whose favor-minus-against strength,
    summed over the sentences, is larger keeps favor (and the other gets against) when the
    shared label is favor; for a shared against, the one with the larger against-minus-favor
    keeps against. The target that keeps its label keeps its evidence; the evidence of the one
    that changes is the sentences with the largest difference between the two targets (up to
    the pooling rule's ``max_evidence``): the sentences that show why. Both say why in their
    ``note``."""
    import numpy as np

    by_target = {r.target: i for i, r in enumerate(results)}
    done: set[str] = set()
    out = list(results)
    for r in results:
        a, b = r.target, opposites.get(r.target)
        if b is None or b not in by_target or a in done or b in done:
            continue
        done |= {a, b}
        ra, rb = out[by_target[a]], out[by_target[b]]
        if ra.label != rb.label or ra.label == "none":
            continue
        pa, ca, ka = scored[a]
        pb, cb, kb = scored[b]
        fa, aa = model.pooling.strengths(pa, model.labels, ca)
        fb, ab = model.pooling.strengths(pb, model.labels, cb)
        # per sentence: how much more it supports a than b (favor a, or against b)
        diff = (fa - aa) - (fb - ab)
        total = float(diff.sum())
        if abs(total) < 1e-9:
            continue
        win_fav = total > 0  # a is the target the sentences favor more
        sign = 1.0 if win_fav else -1.0
        order = [int(i) for i in np.argsort(-sign * diff, kind="stable")
                 if sign * diff[i] > 0][:model.pooling.max_evidence]
        fav, ag = (a, b) if win_fav else (b, a)
        why = (f"'{fav}' and '{ag}' are declared opposites; both came out {ra.label}, and "
               f"the sentences support '{fav}' over '{ag}' (summed favor-minus-against "
               f"difference {abs(total):.2f})")
        for t, lab in ((fav, "favor"), (ag, "against")):
            old = out[by_target[t]]
            if old.label == lab:  # it keeps its label and its own strongest sentences
                out[by_target[t]] = StanceResult(old.target, old.label, old.score,
                                                 old.evidence, note=why)
                continue
            score = min(1.0, max((abs(float(diff[i])) for i in order), default=0.0))
            out[by_target[t]] = _result(t, lab, score, [(i, abs(float(diff[i]))) for i in order],
                                        units, ka if t == a else kb, text, note=why)
    return out


def stance_for_docs(model: Any, docs: Sequence[Doc], targets: Sequence[Any],
                    batch_size: int = 64) -> list[list[StanceResult]]:
    """:func:`stance_for_each` with the same targets for every Doc."""
    return stance_for_each(model, docs, [targets] * len(docs), batch_size)


def doc_inputs(model: Any, texts: Sequence[str], targets: Sequence[str],
               nlp: Language | None = None, batch_size: int = 64, relevance: bool = True,
               cue_relevance: float | None = CUE_RELEVANCE, pairing: str | None = None,
               opposites: dict[str, str] | None = None
               ) -> list[tuple[Any, list[SentenceCue], float | None]]:
    """Per (document, target) row: the unit probabilities, cue features and relevance (None
    without a relevance encoder, or with ``relevance=False``; cue features counting only the
    cues whose clause is about the target, step 5) that the pooling rule sees (to
    tune :class:`~framing.models.stance.pooling.PoolingRule` on dev documents, and to
    evaluate), under the opposite ``pairing`` (default: the model's) with the declared
    ``opposites``. Every row is scored (tuning varies the relevance gate)."""
    nlp = nlp or _stance_nlp()
    mode = _pairing(model, pairing)
    texts = list(texts)
    per_doc = [doc_units(d) for d in nlp.pipe(texts)]
    tgts = [[check_target(t, f"row {i + 1}")] for i, t in enumerate(targets)]
    probs = _score(model, per_doc, tgts, batch_size, None, mode, opposites)
    opp = _opposites_of(tgts, mode, opposites)
    rel = _relevance(model, per_doc, tgts, relevance, opp)
    clauses, about = _cue_context(model, texts, per_doc, tgts, opp, cue_relevance)
    out = []
    pos = 0
    for i, units in enumerate(per_doc):
        t = tgts[i][0]
        cues = [_target_cue(u, [c for c in u.cues
                                if _counts(c, clauses.get(c), t, about, opp.get(t))])
                for u in units]
        out.append((probs[pos:pos + len(units)], cues,
                    rel[i][t] if rel is not None else None))
        pos += len(units)
    return out


def targets_for(codebook: Any, meta: dict[str, Any] | None = None,
                extra: Sequence[str] = (), text: str | None = None) -> list[Any]:
    """The targets to score a document against: the codebook's default targets of the
    document's issue (``meta["issue"]``) followed by the ``extra`` free-text targets
    (``--target``), duplicates dropped. A document without an issue, given its ``text``, gets
    the default targets of the issue inferred from it (:func:`framing.pipeline.issue.
    inferred_targets`) as :class:`~framing.pipeline.issue.InferredTarget` objects, so that its
    results say the issue was inferred."""
    from framing.pipeline.issue import inferred_targets

    issue = (meta or {}).get("issue")
    own: list[Any] = [t.text for t in getattr(codebook, "targets", []) if issue and
                      t.issue == issue]
    own += inferred_targets(codebook, meta, text)
    out: dict[str, Any] = {}
    for t in [*own, *(check_target(t, f"--target #{i + 1}") for i, t in enumerate(extra))]:
        out.setdefault(getattr(t, "text", t), t)
    return list(out.values())


# ----- the component -----------------------------------------------------------------------
class StanceDetector:
    """Runs a stance model toward each Doc's targets and sets ``doc._.stance``; see the module
    docstring. Put it after ``stance_cues`` (whose sentences and cues it uses). Documents of a
    batch (``batch_size`` of ``nlp.pipe``) are scored together."""

    def __init__(self, nlp: Language, name: str = "stance_detector", *,
                 model: str | None = None, targets: Sequence[str] = (),
                 batch_size: int = 64, opposites: dict[str, str] | None = None,
                 cue_relevance: float | None = CUE_RELEVANCE,
                 opposite_pairing: str | None = None) -> None:
        self.nlp = nlp
        self.opposites = dict(opposites or {})
        #: None: the model's own ``opposite_pairing``; else overrides it (step 2)
        self.opposite_pairing = opposite_pairing
        self.cue_relevance = cue_relevance
        self.name = name
        self.batch_size = batch_size
        self._model_path = model
        self._model: Any = handed_over(model)
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
                    from framing.errors import Errors, ModelMissingError

                    raise ModelMissingError(Errors.E709.format(
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
                                  [per_doc[i] for i in todo], batch_size=self.batch_size,
                                  opposites=self.opposites, cue_relevance=self.cue_relevance,
                                  pairing=self.opposite_pairing)
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
    default_config={"model": None, "targets": [], "batch_size": 64, "opposites": {},
                    "cue_relevance": CUE_RELEVANCE, "opposite_pairing": None},
)
def make_stance_detector(nlp: Language, name: str, model: str | None, targets: list[str],
                         batch_size: int, opposites: dict[str, str],
                         cue_relevance: float | None,
                         opposite_pairing: str | None) -> StanceDetector:
    """Factory: ``nlp.add_pipe("stance_detector", config={"model": DIR, "targets": [...]})``
    after ``stance_cues``; ``model`` None uses the default stance model; ``opposites``:
    ``{target: its declared opposite}`` (:meth:`~framing.codebook.Codebook.opposites`);
    ``opposite_pairing``: None = the model's setting, else one of
    :data:`~framing.models.stance.pairing.PAIRINGS` (step 2)."""
    if opposite_pairing is not None:
        from framing.models.stance.pairing import PAIRINGS

        if opposite_pairing not in PAIRINGS:
            from framing.errors import Errors, FramingError

            raise FramingError(Errors.E720.format(value=opposite_pairing,
                                                  where=f"component {name!r}",
                                                  allowed=", ".join(PAIRINGS)))
    return StanceDetector(nlp, name, model=model, targets=targets, batch_size=batch_size,
                          opposites=opposites, cue_relevance=cue_relevance,
                          opposite_pairing=opposite_pairing)


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
                    nlp: Language | None = None, batch_size: int = 64,
                    opposites: dict[str, str] | None = None,
                    pairing: str | None = None) -> list[StanceResult]:
    """Stance of one document toward each target (see the module docstring). ``text`` is a
    string (processed with ``nlp``, default: :func:`build_stance_nlp`) or a processed Doc;
    ``opposites``: declared opposite targets (steps 2 and 6); ``pairing``: the opposite
    pairing (default: the model's)."""
    doc = text if isinstance(text, Doc) else (nlp or _stance_nlp())(text)
    return stance_for_each(model, [doc], [targets], batch_size=batch_size,
                           opposites=opposites, pairing=pairing)[0]
