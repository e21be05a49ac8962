"""Labelled output as tables for analysis: a pandas DataFrame or a Hugging Face
``datasets.Dataset``, one row per document or one row per sentence.

* :func:`documents_frame` / :func:`documents_dataset`: ``id``, the standard metadata
  (``outlet``, ``date``, ``title``, ``author``, ``url``), ``labels``, ``primary_frame``, one
  ``score__<frame>``, ``share__<frame>`` (fraction of its sentences labelled) and
  ``mentions__<frame>`` (evidence spans) column per frame (0 where the frame has none; null
  where an output written before shares and mentions were stored cannot tell), ``stance``
  (list of {target, label, score}) and ``n_sentences``, plus ``meta`` (a dict; ``meta_json``
  text in a Dataset, where every row must have the same types);
* :func:`sentences_frame` / :func:`sentences_dataset`: ``id`` (of the document), ``sentence``
  (its index), ``start``/``end`` (character offsets into the document), ``text``, ``labels``,
  one ``score__<frame>`` column per frame and ``evidence`` (list of {start, end, text, frame,
  source, score}), plus the document's ``outlet`` and ``date``.

They read any labelled output (a file or a checked directory, see :mod:`framing.io.output`).

Example:
    >>> import json, tempfile, pathlib
    >>> from framing.batch import label
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "in.jsonl").write_text(json.dumps(
    ...     {"id": "1", "text": "Leave it to the states. Police made arrests.", "outlet": "L"}))
    >>> _ = label([d / "in.jsonl"], d / "out.parquet", load_kwargs={"rules_only": True},
    ...           progress=False)
    >>> s = sentences_frame(d / "out.parquet")
    >>> s[["id", "sentence", "text"]].values.tolist()[0], "federalism" in s.labels[0]
    (['1', 0, 'Leave it to the states.'], True)
    >>> documents_dataset(d / "out.parquet")[0]["outlet"]
    'L'
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from framing.io.output import iter_output
from framing.io.schema import mentions_column, score_column, share_column
from framing.types import STANDARD_META, DocResult


def _frames(results: list[DocResult]) -> list[str]:
    seen: dict[str, None] = {}
    for r in results:
        for f in r.frames:
            seen.setdefault(f, None)
    return list(seen)


def _doc_rows(results: list[DocResult], json_meta: bool) -> Iterator[dict[str, Any]]:
    frames = _frames(results)
    for r in results:
        row: dict[str, Any] = {"id": r.id}
        for m in STANDARD_META:
            v = r.meta.get(m)
            row[m] = None if v is None else str(v)
        row["labels"] = list(r.labels)
        row["primary_frame"] = r.primary_frame
        for f in frames:
            row[score_column(f)] = r.frames.get(f)
        # a result of an older output has empty shares although sentences are labelled
        # (and empty mentions although there is evidence): unknown, not zero
        shares_known = bool(r.shares) or not any(s.labels for s in r.sentences)
        mentions_known = bool(r.mentions) or not any(s.evidence for s in r.sentences)
        for f in frames:
            row[share_column(f)] = r.shares.get(f, 0.0) if shares_known else None
        for f in frames:
            row[mentions_column(f)] = r.mentions.get(f, 0) if mentions_known else None
        row["stance"] = [{"target": s.target, "label": s.label, "score": s.score}
                         for s in r.stance]
        row["n_sentences"] = len(r.sentences)
        if json_meta:
            row["meta_json"] = json.dumps(r.meta, ensure_ascii=False)
        else:
            row["meta"] = dict(r.meta)
        yield row


def _sentence_rows(results: list[DocResult]) -> Iterator[dict[str, Any]]:
    frames = _frames(results)
    for r in results:
        for i, s in enumerate(r.sentences):
            row: dict[str, Any] = {"id": r.id, "sentence": i, "start": s.start, "end": s.end,
                                   "text": s.text, "labels": list(s.labels)}
            for f in frames:
                row[score_column(f)] = s.frames.get(f, 0.0)
            row["evidence"] = [{"start": e.start, "end": e.end, "text": e.text,
                                "frame": e.frame, "source": e.source, "score": e.score}
                               for e in s.evidence]
            row["outlet"] = None if r.meta.get("outlet") is None else str(r.meta["outlet"])
            row["date"] = None if r.meta.get("date") is None else str(r.meta["date"])
            yield row


_DOC_COLUMNS = ["id", *STANDARD_META, "labels", "primary_frame"]
_SENT_COLUMNS = ["id", "sentence", "start", "end", "text", "labels"]


def documents_frame(path: str | Path, *, allow_incomplete: bool = False) -> Any:
    """One row per labelled document, as a ``pandas.DataFrame`` (see the module docstring)."""
    import pandas as pd

    results = list(iter_output(path, allow_incomplete=allow_incomplete))
    rows = list(_doc_rows(results, json_meta=False))
    return pd.DataFrame(rows, columns=None if rows else [*_DOC_COLUMNS, "stance",
                                                           "n_sentences", "meta"])


def sentences_frame(path: str | Path, *, allow_incomplete: bool = False) -> Any:
    """One row per sentence of every labelled document, as a ``pandas.DataFrame``."""
    import pandas as pd

    results = list(iter_output(path, allow_incomplete=allow_incomplete))
    rows = list(_sentence_rows(results))
    return pd.DataFrame(rows, columns=None if rows else [*_SENT_COLUMNS, "evidence", "outlet",
                                                           "date"])


def documents_dataset(path: str | Path, *, allow_incomplete: bool = False) -> Any:
    """One row per labelled document, as a ``datasets.Dataset`` (``meta_json`` holds the
    metadata as JSON text)."""
    import datasets

    results = list(iter_output(path, allow_incomplete=allow_incomplete))
    return datasets.Dataset.from_list(list(_doc_rows(results, json_meta=True)))


def sentences_dataset(path: str | Path, *, allow_incomplete: bool = False) -> Any:
    """One row per sentence of every labelled document, as a ``datasets.Dataset``."""
    import datasets

    results = list(iter_output(path, allow_incomplete=allow_incomplete))
    return datasets.Dataset.from_list(list(_sentence_rows(results)))
