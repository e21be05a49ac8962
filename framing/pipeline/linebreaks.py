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

from spacy.language import Language
from spacy.tokens import Doc


@Language.component("line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """See the module docstring."""
    n = len(doc)
    for i, tok in enumerate(doc):
        ws = tok.text if tok.is_space else tok.whitespace_
        if "\n" not in ws:
            continue
        if tok.is_space and i > 0:
            tok.is_sent_start = False  # whitespace stays with the sentence before it
        j = i + 1
        while j < n and doc[j].is_space:
            j += 1
        if j >= n:
            continue
        nxt = doc[j]
        if ws.count("\n") >= 2:
            nxt.is_sent_start = True
            continue
        k = i
        while k >= 0 and doc[k].is_space:
            k -= 1
        if k < 0:
            continue
        prev = doc[k]
        if nxt.text[:1].isupper() and prev.text not in (",", ";", "-") and not (
                prev.is_alpha and prev.is_lower):
            nxt.is_sent_start = True
    return doc
