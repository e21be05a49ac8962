"""``line_breaks``: start a new sentence at paragraph breaks and at short heading-like lines.

Articles carry titles, bylines, datelines and photo credits on lines of their own, without
final punctuation; punctuation-based sentence splitting glues them to the next sentence, so a
credit line would inherit the frames of the sentence after it. This component runs before the
``sentencizer`` (which keeps starts that are already set) and marks as sentence start:

* the first token after a whitespace token with a blank line (``\\n\\n``), and
* the first token after a single line break when it starts with a capital letter and the line
  before does not end in a lower-case word or a comma (a hard-wrapped sentence continues in
  lower case, or after a lower-case word).

Example:
    >>> from framing.pipeline import build_nlp
    >>> doc = build_nlp()("Photo: Jane Doe/Staff\\nStates should decide.")
    >>> [s.text.strip() for s in doc.sents]
    ['Photo: Jane Doe/Staff', 'States should decide.']
"""

from __future__ import annotations

from typing import Any, cast

from spacy.attrs import IS_SPACE, ORTH, SENT_START
from spacy.errors import Errors as SpacyErrors
from spacy.language import Language
from spacy.tokens import Doc


@Language.component("line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """See the module docstring."""
    breaks = _line_break_tokens(doc)
    if not breaks:
        return doc
    import numpy as np

    n = len(doc)
    # decide on arrays and write all boundaries at once: setting ``token.is_sent_start`` one
    # by one rescans the whole Doc for a parse each time
    space = doc.to_array(IS_SPACE).astype(bool)
    starts = doc.to_array(SENT_START).astype(np.int64)
    before = starts.copy()
    changed = False
    for i, count in breaks:
        if space[i] and i > 0:
            starts[i] = -1  # whitespace stays with the sentence before it
            changed = True
        j = i + 1
        while j < n and space[j]:
            j += 1
        if j >= n:
            continue
        if count >= 2:
            starts[j] = 1
            changed = True
            continue
        k = i
        while k >= 0 and space[k]:
            k -= 1
        if k < 0:
            continue
        nxt, prev = doc[j], doc[k]
        if nxt.text[:1].isupper() and prev.text not in (",", ";", "-") and not (
                prev.is_alpha and prev.is_lower):
            starts[j] = 1
            changed = True
    if changed and doc.has_annotation("DEP"):  # as ``token.is_sent_start = ...`` would
        raise ValueError(SpacyErrors.E043)
    if (starts != before).any():
        doc.from_array([SENT_START], cast(Any, starts.astype(np.uint64).reshape(-1, 1)))
    return doc


def _line_break_tokens(doc: Doc) -> list[tuple[int, int]]:
    """``(token index, number of line breaks)`` for the tokens whose whitespace holds a line
    break, in order.

    spaCy keeps at most one plain space as a token's trailing whitespace, so line breaks only
    occur in whitespace tokens; those are found with one array lookup instead of visiting every
    token in Python (and without ``doc.text``, which builds a Token for every token).
    """
    if not len(doc):
        return []
    arr = doc.to_array([IS_SPACE, ORTH])
    strings = doc.vocab.strings
    out = []
    for i in arr[:, 0].nonzero()[0].tolist():
        text = strings[int(arr[i, 1])]
        if "\n" in text:
            out.append((i, text.count("\n")))
    return out
