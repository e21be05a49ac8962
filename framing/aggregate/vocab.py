"""Distinctive vocabulary: weighted log-odds ratios with an informative Dirichlet prior.

Monroe, Colaresi & Quinn (2008), "Fightin' Words": for a term ``w`` and two corpora ``i`` and
``j``, the log-odds difference is shrunk toward the background by Dirichlet pseudo-counts
``a_w = a0 * pi_w`` (``pi_w`` the term's frequency in all the text compared, ``a0`` the prior
size) and divided by its approximate standard error, giving a z-score. Terms are lower-cased
words and two-word phrases without stop words.

Scopes written to ``vocab.csv``:

* ``group``: each group's text against all other groups' text;
* ``frame``: sentences that carry a frame against all other sentences;
* ``group_frame``: within the sentences of a frame, each group against the other groups (how an
  outlet talks when it uses the frame).

Example:
    >>> docs = [{"id": "a", "outlet": "A", "labels": [], "text": "Prosecutors raid farms. Rain.",
    ...          "sentences": [{"start": 0, "end": 23, "labels": ["enforcement"]},
    ...                        {"start": 24, "end": 29, "labels": []}]},
    ...         {"id": "b", "outlet": "B", "labels": [], "text": "Clinics treat addiction.",
    ...          "sentences": [{"start": 0, "end": 24, "labels": ["health_and_safety"]}]}]
    >>> v = distinctive_vocabulary(docs, by=["outlet"], min_count=1, top=2, min_z=0)
    >>> sorted(v[(v.scope == "group") & (v.outlet == "A")].term)
    ['farms', 'raid']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from framing.aggregate.load import Doc, Source, iter_documents
from framing.aggregate.stats import weighted_log_odds

_TOKEN = re.compile(r"[a-z][a-z'\-]*[a-z]|[a-z]")
_ALL = "*"


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | {"s", "t", "said", "says", "mr", "ms", "it's"}


def terms(text: str, stop: frozenset[str], bigrams: bool = True) -> list[str]:
    """Lower-cased words and adjacent two-word phrases, neither part a stop word.

    Example:
        >>> terms("The States' rights, and federal law.", frozenset({"the", "and"}))
        ['states', 'rights', 'federal', 'law', 'states rights', 'federal law']
    """
    toks = _TOKEN.findall(text.lower())
    words = [t for t in toks if t not in stop and len(t) > 1]
    if not bigrams:
        return words
    pairs = [f"{a} {b}" for a, b in pairwise(toks)
             if a not in stop and b not in stop and len(a) > 1 and len(b) > 1]
    return words + pairs


def count_terms(docs: Iterable[Doc], bigrams: bool = True
                ) -> dict[tuple[tuple[str, ...], str], Counter[str]]:
    """Term counts per (group values, frame), with ``"*"`` for all of a group's sentences."""
    stop = _stop_words()
    out: dict[tuple[tuple[str, ...], str], Counter[str]] = {}
    for d in docs:
        for text, labels in d.sentences or []:
            if not text.strip():
                continue
            ts = terms(text, stop, bigrams)
            if not ts:
                continue
            for key in (_ALL, *set(labels)):
                out.setdefault((d.keys, key), Counter()).update(ts)
    return out


def distinctive_vocabulary(source: Source | Iterable[Doc], by: Sequence[str] = ("outlet",),
                           labels_from: str = "auto", top: int = 20, min_count: int = 5,
                           prior_scale: float = 1000.0, min_z: float = 1.96,
                           bigrams: bool = True) -> pd.DataFrame:
    """The ``top`` most distinctive terms per group, per frame and per group within a frame.

    ``source`` is anything :func:`~framing.aggregate.load.iter_documents` reads (or already
    normalised :class:`Doc` objects). Terms need ``min_count`` occurrences in all the text and a
    z-score of at least ``min_z``. Columns: ``scope``, the grouping fields, ``frame``, ``term``,
    ``z``, ``log_odds``, ``count`` (in the group/frame), ``count_rest``, ``rank``.
    """
    docs: Iterable[Doc]
    if isinstance(source, (str, Path, pd.DataFrame)):
        docs = iter_documents(source, tuple(by), labels_from)
    else:
        items = list(source)
        if items and all(isinstance(x, Doc) for x in items):
            docs = items
        else:
            docs = iter_documents(items, tuple(by), labels_from)
    counts = count_terms(docs, bigrams)
    cols = ["scope", *by, "frame", "term", "z", "log_odds", "count", "count_rest", "rank"]
    if not counts:
        return pd.DataFrame(columns=cols)
    total: Counter[str] = Counter()
    for (_, f), c in counts.items():
        if f == _ALL:
            total.update(c)
    vocab = sorted(w for w, c in total.items() if c >= min_count)
    if not vocab:
        return pd.DataFrame(columns=cols)
    idx = {w: i for i, w in enumerate(vocab)}

    def vec(c: Counter[str]) -> np.ndarray:
        v = np.zeros(len(vocab))
        for w, n in c.items():
            i = idx.get(w)
            if i is not None:
                v[i] = n
        return v

    groups = sorted({g for g, _ in counts})
    frames = sorted({f for _, f in counts if f != _ALL})
    g_all = {g: vec(counts[(g, _ALL)]) for g in groups if (g, _ALL) in counts}
    all_vec = np.sum(list(g_all.values()), axis=0)
    rows: list[dict[str, Any]] = []

    def emit(scope: str, g: tuple[str, ...] | None, f: str | None, yi: np.ndarray,
             yj: np.ndarray, background: np.ndarray) -> None:
        if yi.sum() == 0 or yj.sum() == 0:
            return
        prior = prior_scale * background / background.sum()
        prior = np.maximum(prior, 1e-3)
        delta, z = weighted_log_odds(yi, yj, prior)
        order = np.argsort(-z)[:top]
        for r, i in enumerate(order, start=1):
            if z[i] < min_z or yi[i] == 0:
                break
            row: dict[str, Any] = {"scope": scope}
            for c, v in zip(by, g if g is not None else (None,) * len(by), strict=True):
                row[c] = v
            row.update(frame=f, term=vocab[i], z=float(z[i]), log_odds=float(delta[i]),
                       count=int(yi[i]), count_rest=int(yj[i]), rank=r)
            rows.append(row)

    if len(g_all) > 1:
        for g, v in g_all.items():
            emit("group", g, None, v, all_vec - v, all_vec)
    f_vecs: dict[str, dict[tuple[str, ...], np.ndarray]] = {}
    for f in frames:
        f_vecs[f] = {g: vec(counts[(g, f)]) for g in groups if (g, f) in counts}
        fv = np.sum(list(f_vecs[f].values()), axis=0)
        emit("frame", None, f, fv, all_vec - fv, all_vec)
        if len(f_vecs[f]) > 1:
            for g, v in f_vecs[f].items():
                emit("group_frame", g, f, v, fv - v, fv)
    return pd.DataFrame(rows, columns=cols)
