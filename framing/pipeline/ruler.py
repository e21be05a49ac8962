"""The ``frame_ruler`` spaCy component: codebook patterns -> evidence spans and frame scores.

Scoring (documented so users can reason about it):

* A **sentence's** score for a frame is the noisy-OR of the weights of the distinct cues of
  that frame matched in it, ``1 - prod(1 - w)``; a match nested inside a longer match of the same
  frame is dropped, so one phrase is not counted twice. A cue is a pattern, or a set of patterns
  whose ids share their first two dot-separated parts (``political.officials_weak`` and
  ``political.officials_weak.president``: variants of one cue count once, at the strongest
  weight matched). A child frame's score lifts its parent's (``parent = max(parent, child)``).
* A title or heading line (at most 16 tokens, no sentence-final punctuation, every word of four
  letters or more capitalised; or all in capitals) is not a sentence: patterns do not match in
  it, so a headline or a byline carries no frame; nor does news boilerplate (a line that starts
  "Photo:", "Related:", "Editor's note", "This story has been updated", or a one-line author bio).
* A **document's** score for a frame (``doc_pooling="any"``, the default) is the noisy-OR of the
  scores of the sentences that carry the frame (score at or above the frame's threshold): a
  document uses a frame when at least one sentence does, the same definition the project's
  corpora use for document labels, and more or stronger sentences raise the score. Weak cues
  below the threshold never add up to a document label. ``doc_pooling="density"`` instead gives
  ``1 - exp(-doc_lambda * sum(s_i) / sqrt(n))`` over all ``n`` sentences, so a passing mention
  in a long text stays low.

Token patterns can also test a token's neighbours without making them part of the match, which
spaCy's Matcher has no operator for: ``{"LOWER": "states", "_": {"prev_lower": {"NOT_IN":
["united"]}}}`` matches "states" but not the "States" of "United States", and ``{"LEMMA":
"arrest", "_": {"next_lower": {"NOT_IN": ["development"]}}}`` an arrest but not "arrested
development" (``prev_lower`` / ``next_lower``: the lower-case text of the previous / next token,
"" at the start / end of a Doc; ``next_title``: whether the next token is title-case, so that
"senator" can exclude "Senator Warren" without swallowing the word after it, which would hide a
stronger cue of the same frame nested in the match).

Results go on the Doc as ``doc._.frame_scores`` ({frame: score}), ``doc._.frame_sentences``
(per sentence: char offsets, scores and :class:`~framing.types.RuleMatch` records, all plain
JSON types) and the span group
``doc.spans["frame_evidence"]`` (label = frame, ``id_`` = pattern id). Sentences expose
``span._.frame_scores``.

Example:
    >>> from framing.pipeline import build_nlp
    >>> nlp = build_nlp()
    >>> doc = nlp("Drug policy should be left to the states. Prosecutors enforce the law.")
    >>> {"federalism", "enforcement"} <= {s.label_ for s in doc.spans["frame_evidence"]}
    True
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from spacy.attrs import IDX, IS_SPACE, LEMMA, LENGTH, LOWER, SENT_START
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token

from framing.codebook import Codebook, Pattern
from framing.pipeline.component import MatcherComponent
from framing.pipeline.rulecache import phrase_keys_cached
from framing.pipeline.token_index import TokenIndex
from framing.types import RuleMatch

SPANS_KEY = "frame_evidence"


def _sent_scores_getter(span: Span) -> dict[str, float]:
    for s in span.doc._.frame_sentences or []:
        if s["tok_start"] == span.start and s["tok_end"] == span.end:
            return dict(s["scores"])
    return {}


if not Doc.has_extension("frame_scores"):
    Doc.set_extension("frame_scores", default=None)
if not Doc.has_extension("frame_sentences"):
    Doc.set_extension("frame_sentences", default=None)
if not Span.has_extension("frame_scores"):
    Span.set_extension("frame_scores", getter=_sent_scores_getter)


def _prev_lower(token: Token) -> str:
    """Lower-case text of the token before ``token`` ("" for a Doc's first token): lets a token
    pattern exclude a left neighbour ("States" after "United")."""
    return token.doc[token.i - 1].lower_ if token.i > 0 else ""


def _next_lower(token: Token) -> str:
    """Lower-case text of the token after ``token`` ("" for a Doc's last token): a right
    neighbour a pattern can exclude without making it part of the match."""
    return token.doc[token.i + 1].lower_ if token.i + 1 < len(token.doc) else ""


def _next_title(token: Token) -> bool:
    """Whether the token after ``token`` is title-case (False at the end of a Doc): a title
    before a name ("Senator Warren") without making the name part of the match."""
    return token.i + 1 < len(token.doc) and token.doc[token.i + 1].is_title


if not Token.has_extension("prev_lower"):
    Token.set_extension("prev_lower", getter=_prev_lower)
if not Token.has_extension("next_lower"):
    Token.set_extension("next_lower", getter=_next_lower)
if not Token.has_extension("next_title"):
    Token.set_extension("next_title", getter=_next_title)


@dataclass(frozen=True)
class RuleScores:
    """Summary of the rule layer on one Doc (a typed view of the Doc extensions)."""

    doc_scores: dict[str, float]
    sentences: list[dict[str, Any]]

    @classmethod
    def from_doc(cls, doc: Doc) -> RuleScores:
        return cls(dict(doc._.frame_scores or {}), list(doc._.frame_sentences or []))


class FrameRuler(MatcherComponent):
    """Applies a codebook's token and phrase patterns; see the module docstring for scoring."""

    def __init__(self, nlp: Language, name: str = "frame_ruler", *,
                 codebook: str | None = None, doc_pooling: str = "any",
                 doc_lambda: float = 3.0, spans_key: str = SPANS_KEY) -> None:
        if doc_pooling not in ("any", "density"):
            raise ValueError(f"doc_pooling must be 'any' or 'density', not {doc_pooling!r}")
        super().__init__(nlp, name, spans_key)
        self.doc_pooling = doc_pooling
        self.doc_lambda = doc_lambda
        self._codebook_path = codebook
        self._codebook: Codebook | None = None

    @property
    def codebook(self) -> Codebook:
        """The codebook in use; loaded lazily so that ``set_codebook`` right after
        ``add_pipe`` does not load the default first."""
        if self._codebook is None:
            self._codebook = (Codebook.load(self._codebook_path) if self._codebook_path
                              else Codebook.default())
        return self._codebook

    # ----- configuration -------------------------------------------------------------------
    def set_codebook(self, codebook: Codebook) -> None:
        """Replace the codebook (patterns are recompiled on the next call)."""
        self._codebook = codebook
        self._matchers = None

    @property
    def patterns(self) -> dict[str, Pattern]:
        return {p.id: p for p in self.codebook.patterns}

    def _phrase_attr(self) -> str:
        """Match phrases on lemmas when an earlier component sets them, else on lower case."""
        before = self.nlp.pipe_names[: self.nlp.pipe_names.index(self.name)] \
            if self.name in self.nlp.pipe_names else self.nlp.pipe_names
        for n in before:
            if "token.lemma" in (self.nlp.get_pipe_meta(n).assigns or []):
                return "LEMMA"
        return "LOWER"

    def _build(self) -> tuple[Matcher, PhraseMatcher]:
        attr = self._phrase_attr()
        matcher = Matcher(self.nlp.vocab, validate=True)
        phrase = PhraseMatcher(self.nlp.vocab, attr=attr)
        before = self.nlp.pipe_names[: self.nlp.pipe_names.index(self.name)] \
            if self.name in self.nlp.pipe_names else []
        texts: list[tuple[str, str]] = []
        token_patterns: list[tuple[str, list[dict[str, Any]]]] = []
        for p in self.codebook.patterns:
            if p.kind == "token":
                toks = [dict(t) for t in p.pattern]
                if attr != "LEMMA":
                    # no lemmatizer in this pipeline: lemma tests fall back to lower case
                    toks = [{("LOWER" if k == "LEMMA" else k): v for k, v in t.items()}
                            for t in toks]
                matcher.add(p.id, [toks])
                token_patterns.append((p.id, toks))
            else:
                texts.extend((p.id, s) for s in p.phrases)
        # compiled once per codebook and versions, then read from the on-disk cache
        keys: list[Any] | None = phrase_keys_cached(
            [s for _, s in texts], attr, before,
            lambda ps: _phrase_keys(self.nlp, before, list(ps), attr)) \
            if set(before) <= _CONTEXT_FREE else None  # a trained pipeline: not cacheable
        if keys is None:
            with self.nlp.select_pipes(enable=before):
                keys = list(self.nlp.pipe(s for _, s in texts))
        by_id: dict[str, list[Any]] = {}
        for (pid, _), key in zip(texts, keys, strict=True):
            by_id.setdefault(pid, []).append(key)
        for pid, ks in by_id.items():
            phrase.add(pid, ks)
        self._weights = {p.id: p.weight for p in self.codebook.patterns}
        self._cue = {p.id: ".".join(p.id.split(".")[:2]) for p in self.codebook.patterns}
        self._frame_of = {p.id: p.frame for p in self.codebook.patterns}
        self._ancestors = {f: self.codebook.ancestors(f) for f in self.codebook.frame_ids}
        self._thresholds = {f: self.codebook.threshold(f) for f in self.codebook.frame_ids}
        strings = self.nlp.vocab.strings
        self._hashes = {name: strings.add(name) for p in self.codebook.patterns
                        for name in (p.id, p.frame)}
        self._index = TokenIndex(self.nlp, token_patterns, matcher)
        return matcher, phrase

    # ----- processing ----------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        matcher, phrase = self.matchers
        vocab_strings = self.nlp.vocab.strings
        if self._index.needs_lemma and not doc.has_annotation("LEMMA"):
            raw = [(vocab_strings[k], s, e) for k, s, e in matcher(doc)]  # E155, as before
        else:  # the same matches as ``matcher(doc)``, an order of magnitude faster
            raw = self._index.matches(doc)
        raw += [(vocab_strings[k], s, e) for k, s, e in phrase(doc)]
        # keep the longest match per frame where matches of the same frame nest
        # (same span or nested: the longest, then strongest, pattern stands for the phrase)
        raw.sort(key=lambda m: (m[1], -(m[2] - m[1]), -self._weights[m[0]]))
        kept: list[tuple[str, int, int]] = []
        # every earlier kept span starts at or before this one, so it is nested in one of
        # them exactly when it ends no later than the furthest end seen for its frame
        end_by_frame: dict[str, int] = {}
        for pid, s, e in raw:
            frame = self._frame_of[pid]
            if end_by_frame.get(frame, -1) >= e:
                continue
            end_by_frame[frame] = e
            kept.append((pid, s, e))
        bounds, idx, length = _sentence_bounds(doc)
        starts = [b[0] for b in bounds]
        text = doc.text
        # every sentence is marked (the classifier skips titles and boilerplate too)
        per_sent: list[dict[str, Any]] = [
            {"tok_start": ts, "tok_end": te, "start": cs, "end": ce, "scores": {},
             "matches": [], "heading": _is_headline(doc, ts, te)
             or _is_boilerplate(text[cs:ce])} for ts, te, cs, ce in bounds]
        group = []
        ends = [b[1] for b in bounds]
        hashes = self._hashes  # label and id as hashes: no string lookups per span
        for pid, s, e in sorted(kept, key=itemgetter(1, 2)):
            i = bisect_right(starts, s) - 1
            if i < 0 or e > ends[i] or per_sent[i]["heading"]:
                continue
            frame = self._frame_of[pid]
            group.append(Span(doc, s, e, label=hashes[frame], span_id=hashes[pid]))
            per_sent[i]["matches"].append(
                RuleMatch(idx[s], idx[e - 1] + length[e - 1], frame, pid, self._weights[pid]))
        totals: dict[str, float] = {}
        miss_doc: dict[str, float] = {}
        thresholds = self._thresholds
        for ps in per_sent:
            miss: dict[str, float] = {}
            strongest: dict[str, tuple[str, float]] = {}  # cue -> (frame, weight)
            for m in ps["matches"]:
                cue = self._cue[m.pattern]
                if cue not in strongest or m.weight > strongest[cue][1]:
                    strongest[cue] = (m.frame, m.weight)
            for frame, w in strongest.values():
                miss[frame] = miss.get(frame, 1.0) * (1.0 - w)
            scores = {f: 1.0 - m for f, m in miss.items()}
            for f, sc in list(scores.items()):
                for anc in self._ancestors.get(f, []):
                    scores[anc] = max(scores.get(anc, 0.0), sc)
            ps["scores"] = {f: round(v, 6) for f, v in scores.items()}
            for f, v in scores.items():
                totals[f] = totals.get(f, 0.0) + v
                if v >= thresholds[f]:
                    miss_doc[f] = miss_doc.get(f, 1.0) * (1.0 - v)
        if self.doc_pooling == "any":
            doc._.frame_scores = {f: round(1.0 - miss_doc.get(f, 1.0), 6)
                                  for f in self.codebook.frame_ids}
        else:
            n = max(1, len(per_sent))
            doc._.frame_scores = {
                f: round(1.0 - math.exp(-self.doc_lambda * totals.get(f, 0.0) / math.sqrt(n)), 6)
                for f in self.codebook.frame_ids
            }
        doc._.frame_sentences = per_sent
        doc.spans[self.spans_key] = group
        return doc

    # ----- serialisation -------------------------------------------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.codebook.to_json(path / "codebook.json")
        (path / "cfg.json").write_text(json.dumps(
            {"doc_pooling": self.doc_pooling, "doc_lambda": self.doc_lambda,
             "spans_key": self.spans_key}, indent=1))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> FrameRuler:
        path = Path(path)
        self.set_codebook(Codebook.load(path / "codebook.json"))
        cfg = json.loads((path / "cfg.json").read_text())
        self.doc_lambda = float(cfg["doc_lambda"])
        self.doc_pooling = cfg.get("doc_pooling", "any")
        self.spans_key = cfg["spans_key"]
        return self


#: Components that set lemmas and lower case token by token, without looking at neighbours.
_CONTEXT_FREE = {"line_breaks", "sentencizer", "framing_lemmatizer"}


def _phrase_keys(nlp: Language, before: list[str], phrases: list[str], attr: str
                 ) -> list[tuple[int, ...]] | None:
    """Each phrase as the PhraseMatcher stores it (its tokens' LEMMA or LOWER hashes), from a
    few long Docs of phrases joined by line breaks instead of one Doc per phrase (a Doc costs
    far more to make than its tokens): identical, since the tokenizer splits at whitespace and
    these components look at one token at a time. ``None`` where that is not guaranteed (a
    trained pipeline; phrases with outer whitespace): then make one Doc per phrase."""
    if not set(before) <= _CONTEXT_FREE or any(not p or p != p.strip() for p in phrases):
        return None
    import numpy as np

    attr_id = LEMMA if attr == "LEMMA" else LOWER
    out: list[tuple[int, ...]] = []
    for i in range(0, len(phrases), 5000):
        part = phrases[i:i + 5000]
        lengths = np.array([len(p) for p in part], dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        # sentence boundaries do not change lemmas: run only what sets them
        with nlp.select_pipes(enable=[n for n in before
                                      if n not in ("line_breaks", "sentencizer")]):
            doc = nlp("\n".join(part))
        arr = doc.to_array([IDX, attr_id])
        pos = arr[:, 0].astype(np.int64)
        which = np.searchsorted(starts, pos, side="right") - 1
        inside = pos < starts[which] + lengths[which]  # drops the joining line breaks
        which, values = which[inside], arr[inside, 1].tolist()
        bounds = np.searchsorted(which, np.arange(len(part) + 1)).tolist()
        out.extend(tuple(values[bounds[k]:bounds[k + 1]]) for k in range(len(part)))
    return out


#: Longest line (in tokens) that can be a title or heading rather than a sentence.
_HEADLINE_MAX = 16


def _is_headline(doc: Doc, start: int, end: int) -> bool:
    """Whether tokens ``start:end`` are a title or heading rather than a sentence: at most
    ``_HEADLINE_MAX`` tokens and either all letters in capitals, or no sentence-final
    punctuation and every word of four letters or more capitalised (two such words at least).

    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> [_is_headline(d, 0, len(d)) for d in nlp.pipe(
    ...     ["Let the States Lead on Drug Policy", "Leave drug policy to the states.",
    ...      "DEPARTMENT OF JUSTICE"])]
    [True, False, True]
    """
    if end - start > _HEADLINE_MAX:
        return False
    words = [t for t in doc[start:end] if t.is_alpha]
    if not words:
        return False
    if all(t.is_upper for t in words) and sum(len(t) > 1 for t in words) >= 2:
        return True
    last = next((t for t in reversed(doc[start:end]) if not t.is_space), None)
    if last is None or last.text in (".", "!", "?", "...") or last.text.endswith((".", "!", "?")):
        return False
    long_words = [t for t in words if len(t) >= 4]
    return len(long_words) >= 2 and all(t.is_title or t.is_upper for t in long_words)


#: News boilerplate that carries no frame whatever its words: photo captions and credits,
#: "Related:" links, editor's notes and corrections, update notices, reporter contacts, and
#: one-line author bios ("Valdivia covers courts and crime for the Chronicle.").
_BOILERPLATE = re.compile(
    r"(?i:(?:photos?|photograph|caption|credits?|related|correction|clarification)\s*:"
    r"|editor['’]s note\b|contact the (?:reporter|writer|author)\b"
    r"|this (?:story|article) (?:has been|was) updated"
    r"|an earlier version of this (?:story|article))"
    r"|[A-Z][\w'’.-]*(?: [A-Z][\w'’.-]*)? (?:covers|writes about|reports on) [^.;]{3,80}"
    r" for (?:the |The )?[A-Z][^.;]{0,40}\.?\s*$")


def _is_boilerplate(text: str) -> bool:
    """Whether a sentence is news boilerplate (``_BOILERPLATE``), which carries no frame.

    >>> [_is_boilerplate(t) for t in (
    ...     "Photo: Deputies outside the county jail on Monday.",
    ...     "Related: Jail population hits a record",
    ...     "Ruiz covers courts and crime for The Bayline Chronicle.",
    ...     "The photo shows deputies outside the jail.",
    ...     "Medicaid covers addiction treatment for the poor in most states.",
    ...     "Credit card debt rose, and correction officers went unpaid.")]
    [True, True, True, False, False, False]
    """
    return _BOILERPLATE.match(text.lstrip()) is not None


def _sentence_bounds(doc: Doc) -> tuple[list[tuple[int, int, int, int]], list[int], list[int]]:
    """The sentences of ``doc`` as ``(token start, token end, char start, char end)``:
    ``doc.sents`` minus the sentences made only of whitespace (the whole Doc when it has no
    sentence boundaries); and every token's character offset and length. Read from arrays:
    ``Span.start_char`` builds a Token object each time."""
    import numpy as np

    n = len(doc)
    if not n:  # an empty Doc counts as annotated and has no sentences
        return [], [], []
    arr = doc.to_array([IDX, LENGTH, SENT_START, IS_SPACE]).astype("int64")
    idx, length = arr[:, 0].tolist(), arr[:, 1].tolist()
    if not doc.has_annotation("SENT_START"):
        return [(0, n, idx[0], idx[-1] + length[-1])], idx, length
    if "sents" in doc.user_hooks:  # a pipeline's own sentence hook decides
        pairs = np.array([(s.start, s.end) for s in doc.sents], dtype=np.int64).reshape(-1, 2)
        tok_s, tok_e = pairs[:, 0], pairs[:, 1]
    else:  # what Doc.sents yields: a sentence starts at 0 and at every SENT_START == 1
        cut = np.flatnonzero(arr[1:, 2] == 1) + 1
        tok_s, tok_e = np.concatenate(([0], cut)), np.concatenate((cut, [n]))
    text = np.concatenate(([0], np.cumsum(arr[:, 3] == 0)))
    keep = text[tok_e] > text[tok_s]
    return ([(a, b, idx[a], idx[b - 1] + length[b - 1]) for a, b in
             zip(tok_s[keep].tolist(), tok_e[keep].tolist(), strict=True)], idx, length)


@Language.factory(
    "frame_ruler",
    assigns=["doc._.frame_scores", "doc._.frame_sentences", "doc.spans"],
    default_config={"codebook": None, "doc_pooling": "any", "doc_lambda": 3.0,
                    "spans_key": SPANS_KEY},
)
def make_frame_ruler(nlp: Language, name: str, codebook: str | None, doc_pooling: str,
                     doc_lambda: float, spans_key: str) -> FrameRuler:
    """Factory: ``nlp.add_pipe("frame_ruler", config={"codebook": "my_codebook.json"})``."""
    return FrameRuler(nlp, name, codebook=codebook, doc_pooling=doc_pooling,
                      doc_lambda=doc_lambda, spans_key=spans_key)
