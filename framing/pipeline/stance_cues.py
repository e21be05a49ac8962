"""The ``stance_cues`` spaCy component: explicit stance cues as rules.

It applies the patterns of ``framing/resources/stance_cues.jsonl`` (rules are data:
one JSON object per line with ``id``, ``type``, ``polarity``, ``weight`` and either ``phrases``
(matched on lower-case text) or a spaCy Matcher token ``pattern``). Cue types:

* ``prescriptive``: the author says what should happen ("should", "must", "ought to", "it's time
  to", "leave it to", "let the ...", "we urge"); negated forms ("should not", "must never",
  "should no longer", "time to end") are patterns of their own with polarity -1;
* ``evaluative``: the author judges ("support", "a good idea" +1; "wrong", "a mistake",
  "oppose", "misguided" -1). A negator ("not", "n't", "never", "no", "hardly", "nor") within
  ``negation_window`` tokens before the cue in the same sentence flips its polarity ("not a
  mistake" is +1, "do not support" is -1);
* ``reported``: attribution ("supporters say", "critics argue", "said Smith", "according to"):
  the stance in that sentence may belong to someone else, not the author.

Each prescriptive or evaluative cue is attached to the **clause it governs**
(:func:`governed_clause`): with a dependency parse (a pipeline with a parser), the subtree of the
verb the modal or judgement belongs to; without one, the stretch of the sentence between clause
boundaries around the cue (";", ":", a comma before a conjunction, a complementiser "that",
adjunct subordinators such as "whether", "because", "although"). "Drug policy should be left to
the states, whether we like it or not" attaches "should" to "Drug policy should be left to the
states". The ``stance_detector`` counts a cue as evidence toward a target only when that clause
is about the target (:func:`clause_about`).

Where matches overlap, the longest wins (so "should not" is one -1 cue, not "should" +1 as
well). Per sentence: ``pos`` and ``neg`` are the noisy-OR of the weights of the +1 and -1 cues,
``strength = max(pos, neg)``, ``polarity`` is +1, -1 or 0 (``pos`` vs ``neg``), and
``reported`` says whether an attribution cue occurs. Cue polarity is the direction of the
sentence's own claim ("X should happen" / "X is wrong"), not a stance toward any target: the
stance model relates the sentence to the target, and the pooling step uses ``strength`` and
``reported`` to decide how much a sentence speaks for the author (see
:mod:`framing.stance.pooling`).

Results: span group ``doc.spans["stance_cues"]`` (label = cue type, ``id_`` = pattern id) and
``doc._.stance_cue_sentences``: one plain-JSON dict per non-blank sentence with ``start``,
``end`` (characters), ``tok_start``, ``tok_end``, ``pos``, ``neg``, ``strength``, ``polarity``,
``reported`` and ``cues`` (:class:`~framing.types.CueMatch` records: offsets, pattern id,
type, polarity, weight, negated). The ``stance_detector`` component
(:mod:`framing.pipeline.stance`) reads them.

Example:
    >>> from framing.pipeline.stance import build_stance_nlp
    >>> nlp = build_stance_nlp()
    >>> doc = nlp("Drug policy should not be run from Washington. It is time to let states decide.")
    >>> [(s["polarity"], [c.pattern for c in s["cues"]]) for s in doc._.stance_cue_sentences]
    [(-1, ['cue.modal_not']), (1, ['cue.time_to'])]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from framing.errors import Errors, FramingError
from framing.pipeline.component import MatcherComponent
from framing.types import CueMatch

SPANS_KEY = "stance_cues"
CUE_TYPES = ("prescriptive", "evaluative", "reported")
NEGATORS = frozenset({"not", "n't", "n’t", "never", "no", "hardly", "nor", "neither", "nothing",
                      "nobody", "without"})
_CUE_FILE = "stance_cues.jsonl"

if not Doc.has_extension("stance_cue_sentences"):
    Doc.set_extension("stance_cue_sentences", default=None)


def default_cues_path() -> Path:
    """Filesystem path of the shipped cue file."""
    return Path(str(resources.files("framing") / "resources" / _CUE_FILE))


def check_cues(rows: Sequence[tuple[str, Any]]) -> list[str]:
    """Every problem of located cue objects (``(where, obj)``); empty when valid."""
    problems: list[str] = []
    seen: set[str] = set()
    for where, c in rows:
        if not isinstance(c, dict):
            problems.append(f"{where}: expected an object")
            continue
        cid = c.get("id")
        if not isinstance(cid, str) or not cid:
            problems.append(f"{where}: missing 'id'")
        elif cid in seen:
            problems.append(f"{where}: duplicate id '{cid}'")
        else:
            seen.add(cid)
        unknown = set(c) - {"id", "type", "polarity", "weight", "phrases", "pattern", "note"}
        if unknown:
            problems.append(f"{where}: unknown key(s) {sorted(unknown)}")
        if c.get("type") not in CUE_TYPES:
            problems.append(f"{where}: 'type' must be one of {CUE_TYPES}, found {c.get('type')!r}")
        pol = c.get("polarity")
        want = (0,) if c.get("type") == "reported" else (1, -1)
        if pol not in want:
            problems.append(f"{where}: 'polarity' must be one of {want} for type "
                            f"{c.get('type')!r}, found {pol!r}")
        w = c.get("weight", 0.5)
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0 < w <= 1:
            problems.append(f"{where}: 'weight' must be in (0, 1], found {w!r}")
        has_ph, has_pat = "phrases" in c, "pattern" in c
        if has_ph == has_pat:
            problems.append(f"{where}: give exactly one of 'phrases' or 'pattern'")
        elif has_ph:
            ph = c["phrases"]
            if not isinstance(ph, list) or not ph or not all(
                    isinstance(s, str) and s.strip() for s in ph):
                problems.append(f"{where}: 'phrases' must be a non-empty list of strings")
        else:
            pat = c["pattern"]
            if not isinstance(pat, list) or not pat or not all(isinstance(t, dict) for t in pat):
                problems.append(f"{where}: 'pattern' must be a non-empty list of token objects")
    return problems


def read_cues(path: str | Path) -> list[dict[str, Any]]:
    """Read and validate a cue JSONL file; ``[E708]`` lists every problem with its line."""
    p = Path(path)
    if not p.is_file():
        raise FramingError(Errors.E708.format(path=p, n=1, problems="  - the file does not exist"))
    rows: list[tuple[str, Any]] = []
    problems: list[str] = []
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append((f"line {n}", json.loads(line)))
        except json.JSONDecodeError as e:
            problems.append(f"line {n}: invalid JSON ({e.msg})")
    problems += check_cues(rows)
    if problems:
        raise FramingError(Errors.E708.format(path=p, n=len(problems),
                                              problems="\n".join(f"  - {x}" for x in problems)))
    return [c for _, c in rows]


#: words that open a clause of their own: a cue's clause ends before them (and starts after them)
CLAUSE_OPENERS = frozenset({"whether", "because", "although", "though", "while", "whereas",
                            "unless", "since", "if", "when", "but", "yet", "so", "which",
                            "who", "that"})
#: openers that still belong to the governed proposition when they follow the cue
#: ("time to admit that drug policy should be left to the states")
_COMPLEMENT = frozenset({"that"})
_HARD_STOPS = frozenset({";", ":", "—", "–", "--", "(", ")"})


def governed_clause(doc: Doc, start: int, end: int, sent: Span) -> tuple[int, int]:
    """Token span ``[a, b)`` of the clause that the cue at tokens ``[start, end)`` governs,
    inside ``sent`` (see the module docstring).

    Example:
        >>> from framing.pipeline.blank import blank_nlp
        >>> nlp = blank_nlp(); nlp.add_pipe("sentencizer")  # doctest: +ELLIPSIS
        <...>
        >>> doc = nlp("That ought to be the case, whether we like the approach or not.")
        >>> a, b = governed_clause(doc, 1, 3, doc[:])
        >>> doc[a:b].text
        'That ought to be the case'
    """
    if doc.has_annotation("DEP"):
        head = doc[start]
        while head.dep_ in ("aux", "auxpass", "neg", "advmod", "amod", "det", "xcomp") and \
                head.head.i != head.i and sent.start <= head.head.i < sent.end:
            head = head.head
        a = max(sent.start, head.left_edge.i)
        b = min(sent.end, head.right_edge.i + 1)
        # adjunct clauses hanging off the verb ("whether ...") are not the proposition
        for child in head.children:
            if child.dep_ in ("advcl", "conj", "parataxis") and child.i > end:
                b = min(b, child.left_edge.i)
        return a, max(b, end)
    a = start
    while a > sent.start:
        prev = doc[a - 1]
        low = prev.lower_
        if low in _HARD_STOPS:
            break
        if low in CLAUSE_OPENERS and not (low in _COMPLEMENT and a - 1 == sent.start):
            break  # (a sentence-initial "That" is a demonstrative subject, not an opener)
        if low == "," and a < start and doc[a].lower_ in CLAUSE_OPENERS:
            break
        if low == "," and a - 2 >= sent.start and doc[a - 2].lower_ in CLAUSE_OPENERS:
            break
        a -= 1
    b = end
    while b < sent.end:
        tok = doc[b]
        low = tok.lower_
        if low in _HARD_STOPS or (low in CLAUSE_OPENERS and low not in _COMPLEMENT):
            break
        if low == "," and b + 1 < sent.end and doc[b + 1].lower_ in CLAUSE_OPENERS | {"and", "or"}:
            break
        b += 1
    while b > end and (doc[b - 1].is_punct or doc[b - 1].is_space):
        b -= 1
    return a, b


def _noisy_or(ws: Iterable[float]) -> float:
    miss = 1.0
    for w in ws:
        miss *= 1.0 - w
    return 1.0 - miss


class StanceCues(MatcherComponent):
    """Marks stance cue spans and per-sentence cue polarity; see the module docstring."""

    def __init__(self, nlp: Language, name: str = "stance_cues", *, cues: str | None = None,
                 negation_window: int = 3, spans_key: str = SPANS_KEY) -> None:
        if negation_window < 0:
            raise ValueError(f"negation_window must be 0 or more, got {negation_window}")
        super().__init__(nlp, name, spans_key)
        self.negation_window = negation_window
        self._path = cues
        self._cues: list[dict[str, Any]] | None = None

    @property
    def cues(self) -> list[dict[str, Any]]:
        """The cue patterns in use (loaded lazily from the configured or shipped file)."""
        if self._cues is None:
            self._cues = read_cues(self._path or default_cues_path())
        return self._cues

    def set_cues(self, cues: Sequence[dict[str, Any]]) -> None:
        """Replace the cue patterns (validated; recompiled on the next call)."""
        problems = check_cues([(f"cues[{i}]", c) for i, c in enumerate(cues)])
        if problems:
            raise FramingError(Errors.E708.format(
                path="<memory>", n=len(problems), problems="\n".join(f"  - {x}"
                                                                    for x in problems)))
        self._cues = [dict(c) for c in cues]
        self._matchers = None

    def _build(self) -> tuple[Matcher, PhraseMatcher]:
        matcher = Matcher(self.nlp.vocab, validate=True)
        phrase = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for c in self.cues:
            if "pattern" in c:
                try:
                    matcher.add(c["id"], [c["pattern"]])
                except Exception as e:  # spaCy's MatchPatternError for a bad token pattern
                    raise FramingError(Errors.E708.format(
                        path=self._path or default_cues_path(), n=1,
                        problems=f"  - cue '{c['id']}': {e}")) from None
            else:
                phrase.add(c["id"], [self.nlp.make_doc(s) for s in c["phrases"]])
        self._by_id = {c["id"]: c for c in self.cues}
        return matcher, phrase

    def __call__(self, doc: Doc) -> Doc:
        matcher, phrase = self.matchers
        strings = self.nlp.vocab.strings
        raw = [(strings[k], s, e) for k, s, e in matcher(doc)] if len(matcher) else []
        raw += [(strings[k], s, e) for k, s, e in phrase(doc)] if len(phrase) else []
        # the longest match wins where matches overlap ("should not" over "should")
        raw.sort(key=lambda m: (-(m[2] - m[1]), m[1], m[0]))
        taken = [False] * len(doc)
        kept: list[tuple[str, int, int]] = []
        for pid, s, e in raw:
            if any(taken[s:e]):
                continue
            for i in range(s, e):
                taken[i] = True
            kept.append((pid, s, e))
        kept.sort(key=lambda m: (m[1], m[2]))
        if doc.has_annotation("SENT_START"):
            sents = [s for s in doc.sents if not all(t.is_space for t in s)]
        else:
            sents = [doc[:]] if len(doc) else []
        out: list[dict[str, Any]] = []
        group: list[Span] = []
        k = 0
        for sent in sents:
            while k < len(kept) and kept[k][1] < sent.start:
                k += 1
            cues: list[CueMatch] = []
            j = k
            while j < len(kept) and kept[j][1] < sent.end:
                pid, s, e = kept[j]
                j += 1
                if e > sent.end:
                    continue
                c = self._by_id[pid]
                pol = int(c["polarity"])
                negated = False
                if c["type"] == "evaluative" and self.negation_window:
                    lo = max(sent.start, s - self.negation_window)
                    if any(t.lower_ in NEGATORS for t in doc[lo:s]):
                        pol, negated = -pol, True
                span = Span(doc, s, e, label=c["type"], span_id=pid)
                group.append(span)
                ca, cb = governed_clause(doc, s, e, sent) if c["type"] != "reported" \
                    else (sent.start, sent.end)
                cues.append(CueMatch(span.start_char, span.end_char, pid, c["type"], pol,
                                     float(c.get("weight", 0.5)), negated,
                                     doc[ca].idx, doc[cb - 1].idx + len(doc[cb - 1].text)))
            k = j
            pos = _noisy_or(c.weight for c in cues if c.polarity > 0)
            neg = _noisy_or(c.weight for c in cues if c.polarity < 0)
            out.append({"start": sent.start_char, "end": sent.end_char,
                        "tok_start": sent.start, "tok_end": sent.end,
                        "pos": round(pos, 6), "neg": round(neg, 6),
                        "strength": round(max(pos, neg), 6),
                        "polarity": 1 if pos > neg else (-1 if neg > pos else 0),
                        "reported": any(c.type == "reported" for c in cues), "cues": cues})
        doc.spans[self.spans_key] = group
        doc._.stance_cue_sentences = out
        return doc

    # ----- serialisation -------------------------------------------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "cues.jsonl").write_text(
            "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in self.cues),
            encoding="utf-8")
        (path / "cfg.json").write_text(json.dumps(
            {"negation_window": self.negation_window, "spans_key": self.spans_key}, indent=1))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> StanceCues:
        path = Path(path)
        self._cues = read_cues(path / "cues.jsonl")
        self._matchers = None
        cfg = json.loads((path / "cfg.json").read_text(encoding="utf-8"))
        self.negation_window = int(cfg["negation_window"])
        self.spans_key = str(cfg["spans_key"])
        return self


@Language.factory(
    "stance_cues",
    assigns=["doc._.stance_cue_sentences", "doc.spans"],
    default_config={"cues": None, "negation_window": 3, "spans_key": SPANS_KEY},
)
def make_stance_cues(nlp: Language, name: str, cues: str | None, negation_window: int,
                     spans_key: str) -> StanceCues:
    """Factory: ``nlp.add_pipe("stance_cues")`` after a sentence splitter (optionally
    ``config={"cues": "my_cues.jsonl"}``)."""
    return StanceCues(nlp, name, cues=cues, negation_window=negation_window,
                      spans_key=spans_key)
