"""A lookup lemmatizer that lemmatizes the lower-cased form of every token.

spaCy's built-in lookup mode looks up ``token.text``, so sentence-initial or title-case words
("States", "Prosecutors") keep their surface form and rules written on lemmas miss them. This
component looks up ``token.lower_`` instead and maps punctuation to its norm (curly quotes become
straight ones), so lemma-based patterns see one form per word.

It works on whole arrays: the Doc's lower-case forms are read with ``Doc.to_array``, each
distinct form is looked up once (and remembered across documents), and the lemmas are written
back with one ``Doc.from_array``. spaCy's per-token loop cost more than the tokenizer itself.

Example:
    >>> import spacy, framing.pipeline  # registers the factory
    >>> nlp = spacy.blank("en")
    >>> _ = nlp.add_pipe("framing_lemmatizer")
    >>> _ = nlp.initialize()
    >>> [t.lemma_ for t in nlp("States enforced laws")]
    ['state', 'enforce', 'law']
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from spacy.attrs import IS_PUNCT, IS_QUOTE, LEMMA, LOWER, NORM
from spacy.errors import Errors as SpacyErrors
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Token

_CACHE_LIMIT = 1_000_000  # distinct lower-case forms remembered (about 100 MB at most)


class LowerLookupLemmatizer(Lemmatizer):
    """Lookup lemmatizer keyed on the lower-cased token; see the module docstring."""

    def lookup_lemmatize(self, token: Token) -> list[str]:
        if token.is_punct or token.is_quote:
            return [token.norm_]
        lower = token.lower_
        table = self.lookups.get_table("lemma_lookup")
        lemma = table.get(lower, lower)
        if isinstance(lemma, str):
            return [lemma.lower()]
        return [lower]

    def _lemma_hash(self, lower: int) -> int:
        """The lemma's string hash for a lower-case form's hash (as :meth:`lookup_lemmatize`)."""
        strings = self.vocab.strings
        form = strings[lower]
        lemma = self.lookups.get_table("lemma_lookup").get(form, form)
        return int(strings.add(lemma.lower() if isinstance(lemma, str) else form))

    def __call__(self, doc: Doc) -> Doc:
        if not self._validated:
            self._validate_tables(SpacyErrors.E1004)
        if len(doc) == 0:
            return doc
        error_handler = self.get_error_handler()
        try:
            arr = doc.to_array([LOWER, NORM, IS_PUNCT, IS_QUOTE, LEMMA])
            punct = (arr[:, 2] != 0) | (arr[:, 3] != 0)
            lemmas = arr[:, 1].copy()  # punctuation and quotes: their norm
            words = ~punct
            if words.any():
                uniq, inv = np.unique(arr[words, 0], return_inverse=True)
                cache: dict[int, int] = self.__dict__.setdefault("_lemma_cache", {})
                if len(cache) > _CACHE_LIMIT:
                    cache.clear()
                mapped = np.empty(len(uniq), dtype=np.uint64)
                for i, h in enumerate(uniq.tolist()):
                    lemma = cache.get(h)
                    if lemma is None:
                        lemma = cache[h] = self._lemma_hash(h)
                    mapped[i] = lemma
                lemmas[words] = mapped[inv.reshape(-1)]
            if not self.overwrite:
                lemmas = np.where(arr[:, 4] != 0, arr[:, 4], lemmas)
            doc.from_array([LEMMA], cast(Any, lemmas.astype(np.uint64).reshape(-1, 1)))
            return doc
        except Exception as e:
            error_handler(self.name, self, [doc], e)
            return doc


@Language.factory(
    "framing_lemmatizer",
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "lookup", "overwrite": True,
                    "scorer": {"@scorers": "spacy.lemmatizer_scorer.v1"}},
)
def make_lower_lookup_lemmatizer(nlp: Language, model: None, name: str, mode: str,
                                 overwrite: bool, scorer: object) -> LowerLookupLemmatizer:
    return LowerLookupLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite,
                                 scorer=scorer)  # type: ignore[arg-type]
