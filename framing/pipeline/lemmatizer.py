"""A lookup lemmatizer that lemmatizes the lower-cased form of every token.

spaCy's built-in lookup mode looks up ``token.text``, so sentence-initial or title-case words
("States", "Prosecutors") keep their surface form and rules written on lemmas miss them. This
component looks up ``token.lower_`` instead and maps punctuation to its norm (curly quotes become
straight ones), so lemma-based patterns see one form per word.

Example:
    >>> import spacy, framing.pipeline  # registers the factory
    >>> nlp = spacy.blank("en")
    >>> _ = nlp.add_pipe("framing_lemmatizer")
    >>> nlp.initialize()
    >>> [t.lemma_ for t in nlp("States enforced laws")]
    ['state', 'enforce', 'law']
"""

from __future__ import annotations

from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Token


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
