"""Fast token-pattern matching for the ``frame_ruler``: the same matches as one spaCy
``Matcher`` over every codebook token pattern, an order of magnitude faster (see
:class:`TokenIndex`).

Example:
    >>> import spacy
    >>> from spacy.matcher import Matcher
    >>> from framing.pipeline.token_index import TokenIndex
    >>> nlp = spacy.blank("en")
    >>> pats = [("p.states", [{"LOWER": "the"}, {"LOWER": {"IN": ["states", "state"]}}])]
    >>> full = Matcher(nlp.vocab)
    >>> full.add("p.states", [pats[0][1]])
    >>> TokenIndex(nlp, pats, full).matches(nlp("Leave it to the states."))
    [('p.states', 3, 5)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spacy.attrs import IDS, LEMMA, LOWER, ORTH
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

_TEXT_ATTRS = {"ORTH": ORTH, "TEXT": ORTH, "LOWER": LOWER, "LEMMA": LEMMA}
_COLUMNS = (ORTH, LOWER, LEMMA)
_FLAGS = {name: IDS[name] for name in (
    "IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT",
    "IS_SPACE", "IS_STOP", "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT",
    "IS_CURRENCY", "LIKE_NUM", "LIKE_URL", "LIKE_EMAIL")}

# A necessary condition on one token: ("set", column, hashes, negate) or ("flag", attr, value)
_Cond = tuple[Any, ...]


def _repeats(op: str | None) -> tuple[int, int | None]:
    """Minimum and maximum number of tokens a token spec with operator ``op`` consumes."""
    if op in (None, "!"):
        return 1, 1
    if op == "?":
        return 0, 1
    if op == "*":
        return 0, None
    if op == "+":
        return 1, None
    if op.startswith("{") and op.endswith("}"):
        body = op[1:-1]
        if "," not in body:
            return int(body), int(body)
        lo, hi = body.split(",", 1)
        return int(lo or 0), (int(hi) if hi.strip() else None)
    return 0, None  # an operator this planner does not know: assume anything


def _conditions(spec: dict[str, Any], strings: Any) -> list[_Cond]:
    """Necessary conditions of a (non-negated) token spec that numpy can test on a whole Doc;
    keys it cannot read (POS, REGEX, extensions, ...) only make the spec stricter."""
    import numpy as np

    out: list[_Cond] = []
    for key, value in spec.items():
        if key in _TEXT_ATTRS:
            col = _COLUMNS.index(_TEXT_ATTRS[key])
            if isinstance(value, str):
                vals, neg = [value], False
            elif isinstance(value, dict) and len(value) == 1 and isinstance(
                    next(iter(value.values())), list) and all(
                    isinstance(v, str) for v in next(iter(value.values()))):
                op = next(iter(value))
                if op not in ("IN", "NOT_IN"):
                    continue
                vals, neg = list(value[op]), op == "NOT_IN"
            else:
                continue
            arr = np.array(sorted({strings.add(v) for v in vals}), dtype=np.uint64)
            out.append(("set", col, arr, neg))
        elif key in _FLAGS and isinstance(value, bool):
            out.append(("flag", _FLAGS[key], value))
    return out


@dataclass
class _Plan:
    """How to find one token pattern's matches without running it over the whole Doc."""

    pid: str
    order: int
    matcher: Matcher | None  # None: a one-token pattern whose anchor hits are its matches
    anchor: _Cond  # a word list one token of every match is in
    required: list[_Cond]  # word lists every match also has a token in
    before: int | None  # most tokens a match has before its first anchor token (None: any)
    after: int | None  # most tokens a match has after it
    tokens: list[list[_Cond]] | None  # what each token spec needs (unbounded patterns only)


class TokenIndex:
    """Finds exactly the matches that one ``Matcher`` over all token patterns finds, faster.

    One Matcher evaluates every pattern's first token at every position of the Doc, calling
    Python set predicates (``{"IN": [...]}``) dozens of times per token. Nearly every codebook
    pattern has a token that must be one of a few words (its *anchor*), and a match lies within
    ``length`` tokens of it (or, for ``*`` / ``+`` operators, within the run of tokens that
    some token spec of the pattern could match). So each pattern runs with its own Matcher only
    on those windows around its anchor's occurrences (found for all patterns at once with
    numpy), and only when the pattern's other required words occur in the window too. Windows
    are merged where they overlap, so every match is found exactly once. Patterns without an
    anchor run over the whole Doc as before. Matches come back sorted by (start, end, pattern
    order).
    """

    def __init__(self, nlp: Language, patterns: list[tuple[str, list[dict[str, Any]]]],
                 full: Matcher) -> None:
        self.full = full  # all patterns in one Matcher: decides the order of exact ties
        strings = nlp.vocab.strings
        stop = {w.lower() for w in getattr(nlp.Defaults, "stop_words", set())}
        self.plans: list[_Plan] = []
        self.order = {pid: i for i, (pid, _) in enumerate(patterns)}
        rest: list[tuple[str, list[dict[str, Any]]]] = []
        for order, (pid, toks) in enumerate(patterns):
            mandatory: list[tuple[tuple[int, int], int, _Cond]] = []
            per_token: list[list[_Cond]] | None = []
            reps = [_repeats(spec.get("OP")) for spec in toks]
            for k, spec in enumerate(toks):
                op = spec.get("OP")
                conds = _conditions(spec, strings) if op != "!" else []
                if per_token is not None:
                    per_token = [*per_token, conds] if conds else None
                if reps[k][0] >= 1 and op != "!":
                    for c in conds:
                        if c[0] == "set" and not c[3]:
                            words = [strings[int(h)] for h in c[2]]
                            rank = (sum(1 for w in words if w.lower() in stop), len(words))
                            mandatory.append((rank, k, c))
            if not mandatory:
                rest.append((pid, toks))
                continue
            mandatory.sort(key=lambda m: m[0])
            _, k, anchor = mandatory[0]
            # a match has at most ``before`` tokens before the first token its anchor spec
            # takes, and at most ``after`` after that one
            highs = [hi for _, hi in reps]
            before = None if None in highs[:k] else sum(h or 0 for h in highs[:k])
            after = None if None in highs[k:] else sum(h or 0 for h in highs[k:]) - 1
            # one token, one word-list test: the anchor's hits are the matches
            only = (len(toks) == 1 and len(toks[0]) == 1 + ("OP" in toks[0])
                    and toks[0].get("OP") in (None, "{1}", "{1,1}"))
            matcher = None
            if not only:
                matcher = Matcher(nlp.vocab, validate=True)
                matcher.add(pid, [toks])
            # runs of tokens the specs can take bound the unbounded side(s) of a pattern (for
            # bounded ones computing them costs more than it saves)
            unbounded = before is None or after is None
            self.plans.append(_Plan(pid, order, matcher, anchor, [m[2] for m in mandatory[1:]],
                                    before, after, per_token if unbounded else None))
        # one sorted array of every listed word per column: a Doc is looked up once per column
        # (searchsorted), then each word list is one gather over its own membership table
        import numpy as np

        conds = [c for p in self.plans for c in [p.anchor, *p.required, *(
            x for t in (p.tokens or []) for x in t)] if c[0] == "set"]
        self._vocab: dict[int, Any] = {}
        self._member: dict[int, Any] = {}
        self._vidx: dict[int, Any] = {}  # word list -> its words' positions in the vocab
        for col in range(len(_COLUMNS)):
            arrays = [c[2] for c in conds if c[1] == col]
            if not arrays:
                continue
            vocab = np.unique(np.concatenate(arrays))
            self._vocab[col] = vocab
            for arr in arrays:
                member = np.zeros(len(vocab) + 1, dtype=bool)
                self._vidx[id(arr)] = np.searchsorted(vocab, arr)
                member[self._vidx[id(arr)]] = True
                self._member[id(arr)] = member
        # token flags (IS_ALPHA, LIKE_NUM, ...) come in the same to_array call as the words
        flags = sorted({c[1] for p in self.plans for t in (p.tokens or []) for c in t
                        if c[0] == "flag"})
        self._attrs = [*_COLUMNS, *flags]
        self._flag_col = {f: len(_COLUMNS) + i for i, f in enumerate(flags)}
        self.rest: Matcher | None = None
        if rest:
            self.rest = Matcher(nlp.vocab, validate=True)
            for pid, toks in rest:
                self.rest.add(pid, [toks])
        self.needs_lemma = any("LEMMA" in spec for _, toks in patterns for spec in toks)

    def matches(self, doc: Doc) -> list[tuple[str, int, int]]:
        import numpy as np

        strings = doc.vocab.strings
        out: list[tuple[int, int, int, str]] = []
        if self.rest is not None:
            out += [(s, e, self.order[strings[k]], strings[k]) for k, s, e in self.rest(doc)]
        n = len(doc)
        if n == 0 or not self.plans:
            return self._ordered(doc, out)
        cols = doc.to_array(self._attrs)
        where: dict[int, Any] = {}  # column -> index of each token's word in the vocab
        present: dict[int, Any] = {}  # column -> which vocab words occur in this Doc
        for col, vocab in self._vocab.items():
            pos = np.searchsorted(vocab, cols[:, col])
            found = pos < len(vocab)
            found[found] = vocab[pos[found]] == cols[found, col]
            where[col] = np.where(found, pos, len(vocab))
            present[col] = np.zeros(len(vocab) + 1, dtype=bool)
            present[col][where[col]] = True
        masks: dict[Any, Any] = {}
        sums: dict[Any, Any] = {}

        def occurs(c: _Cond) -> bool:
            return bool(present[c[1]][self._vidx[id(c[2])]].any())

        def mask(c: _Cond) -> Any:
            key = (c[0], id(c[2]) if c[0] == "set" else c[1])
            m = masks.get(key)
            if m is None:
                m = masks[key] = (self._member[id(c[2])][where[c[1]]] if c[0] == "set"
                                  else cols[:, self._flag_col[c[1]]].astype(bool))
            negate = c[3] if c[0] == "set" else not c[2]
            return ~m if negate else m

        def csum(c: _Cond) -> Any:
            key = id(c[2])
            if key not in sums:
                sums[key] = np.concatenate(([0], np.cumsum(mask(c))))
            return sums[key]

        for plan in self.plans:
            # most patterns' words do not all occur in a given Doc: skip those at once
            if not occurs(plan.anchor) or not all(occurs(c) for c in plan.required):
                continue
            idx = np.flatnonzero(mask(plan.anchor))
            if plan.matcher is None:
                out += [(int(i), int(i) + 1, plan.order, plan.pid) for i in idx]
                continue
            lo = np.maximum(idx - plan.before, 0) if plan.before is not None \
                else np.zeros(len(idx), dtype=np.int64)
            hi = np.minimum(idx + plan.after + 1, n) if plan.after is not None \
                else np.full(len(idx), n)
            if plan.tokens is not None:
                # every token of a match satisfies what some token spec needs: a match lies
                # inside one run of such tokens (a clause, for most patterns)
                can = np.zeros(n, dtype=bool)
                for conds in plan.tokens:
                    m = mask(conds[0])
                    for c in conds[1:]:
                        m = m & mask(c)
                    can |= m
                stops = np.flatnonzero(~can)
                if len(stops):
                    k = np.searchsorted(stops, idx)
                    lo = np.maximum(lo, np.where(k > 0, stops[np.maximum(k - 1, 0)] + 1, 0))
                    hi = np.minimum(hi, np.where(k < len(stops),
                                                 stops[np.minimum(k, len(stops) - 1)], n))
            ok = np.ones(len(lo), dtype=bool)
            for c in plan.required:
                cs = csum(c)
                ok &= cs[hi] > cs[lo]
            if not ok.any():
                continue
            lo, hi = lo[ok], hi[ok]
            # merge overlapping windows (both bounds grow with the anchor position)
            brk = np.flatnonzero(lo[1:] >= hi[:-1]) + 1
            firsts = np.concatenate(([0], brk))
            lasts = np.concatenate((brk - 1, [len(hi) - 1]))
            for a, b in zip(lo[firsts].tolist(), hi[lasts].tolist(), strict=True):
                out += [(s + a, e + a, plan.order, plan.pid)
                        for _, s, e in plan.matcher(doc[a:b])]
        return self._ordered(doc, out)

    def _ordered(self, doc: Doc, out: list[tuple[int, int, int, str]]
                 ) -> list[tuple[str, int, int]]:
        """Sorted by (start, end); matches of several patterns on the very same tokens come in
        the order one Matcher over all patterns gives them (the ruler keeps the first of equal
        weight), which running it on just those tokens reproduces."""
        out.sort()
        res = [(pid, s, e) for s, e, _, pid in out]
        i = 0
        while i < len(res):
            j = i + 1
            while j < len(res) and res[j][1:] == res[i][1:]:
                j += 1
            if j - i > 1:
                s, e = res[i][1], res[i][2]
                strings = doc.vocab.strings
                rank = {strings[k]: r for r, (k, a, b) in enumerate(self.full(doc[s:e]))
                        if a == 0 and b == e - s}
                res[i:j] = sorted(res[i:j], key=lambda m: rank.get(m[0], len(rank)))
            i = j
        return res
