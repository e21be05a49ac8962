"""What the framing spaCy components share: matchers compiled once, and documents processed
in batches.

Example:
    >>> from framing.pipeline.component import batched
    >>> seen = []
    >>> list(batched(iter("abcde"), seen.append, 2))
    ['a', 'b', 'c', 'd', 'e']
    >>> seen
    [['a', 'b'], ['c', 'd'], ['e']]
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

T = TypeVar("T")
_handoff = threading.local()


@contextmanager
def handing_over(model: Any) -> Iterator[None]:
    """Within the block (this thread), a component created for ``model.path`` takes the
    loaded ``model`` (:func:`handed_over`) instead of loading it again. ``nlp.add_pipe``
    checks every component against a runtime Protocol, ``hasattr(component, "model")``
    among its attributes, and a component whose model property loads lazily would load it
    there a second time (in some processes only: that depends on the order of a set)."""
    _handoff.model = model
    try:
        yield
    finally:
        _handoff.model = None


def handed_over(path: Any) -> Any | None:
    """The model handed over for ``path`` by :func:`handing_over`, else None."""
    model = getattr(_handoff, "model", None)
    if model is None or not path or str(getattr(model, "path", None)) != str(path):
        return None
    return model


def batched(stream: Iterable[T], process: Callable[[list[T]], None], batch_size: int,
            size: Callable[[T], int] | None = None, max_size: int | None = None
            ) -> Iterator[T]:
    """Yield ``stream`` in order, calling ``process`` on each batch first: ``batch_size``
    items, or fewer when their ``size`` (e.g. sentences of a Doc) reaches ``max_size``."""
    buf: list[T] = []
    total = 0
    for item in stream:
        buf.append(item)
        total += size(item) if size is not None else 1
        if len(buf) >= batch_size or (max_size is not None and total >= max_size):
            process(buf)
            yield from buf
            buf, total = [], 0
    if buf:
        process(buf)
        yield from buf


class MatcherComponent:
    """A component with a token ``Matcher`` and a ``PhraseMatcher`` compiled by ``_build``:
    at ``initialize``, or on first use."""

    def __init__(self, nlp: Language, name: str, spans_key: str) -> None:
        self.nlp = nlp
        self.name = name
        self.spans_key = spans_key  # where the component's matches go (a span group)
        self._matchers: tuple[Matcher, PhraseMatcher] | None = None

    def _build(self) -> tuple[Matcher, PhraseMatcher]:
        raise NotImplementedError

    @property
    def matchers(self) -> tuple[Matcher, PhraseMatcher]:
        if self._matchers is None:
            self._matchers = self._build()
        return self._matchers

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *,
                   nlp: Language | None = None) -> None:
        self._matchers = self._build()

    def __call__(self, doc: Doc) -> Doc:
        raise NotImplementedError

    def pipe(self, stream: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        for doc in stream:
            yield self(doc)
