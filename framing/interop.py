"""Labelled output as tables, and training from tables: pandas and Hugging Face ``datasets``.

``framing label`` writes JSONL, Parquet or a sharded folder (read by the public reader
:func:`framing.batch.read_output`); these functions flatten it into one row per **document** or
one row per **sentence**, with plain columns:

* documents: ``id``, ``labels`` (list), ``primary_frame``, ``n_sentences``, ``score__<frame>``
  (document probability), ``share__<frame>`` (fraction of sentences labelled),
  ``mentions__<frame>`` (evidence spans), ``stance`` (list of ``{target, label, score}``),
  ``model`` (the classifier's name, or ``rules``), and one ``meta.<key>`` column per metadata key;
* sentences: ``doc_id``, ``sentence`` (index in the document), ``start``, ``end`` (character
  offsets into the document), ``text``, ``labels`` (list), ``score__<frame>``, ``evidence`` (list
  of ``{start, end, text, frame, source}``), and the document's ``meta.<key>`` columns.

Every frame the output scores gets its score columns in every row, so a frame a document does not
use is 0.0, never missing. :func:`train_frames` trains a frame classifier from a DataFrame, a
``datasets.Dataset`` or row dicts with a text column and a labels column (a list of frame ids;
``[]`` for a negative example); a sentence table (after correcting its ``labels``) trains a
sentence-level model directly.

Example:
    >>> import framing
    >>> from framing.interop import sentences_frame
    >>> res = framing.load(rules_only=True)("Drug policy should be left to the states. "
    ...                                     "The team won.")
    >>> df = sentences_frame([res])
    >>> list(df.columns[:6])
    ['doc_id', 'sentence', 'start', 'end', 'text', 'labels']
    >>> "federalism" in df.loc[0, "labels"], df.loc[1, "text"]
    (True, 'The team won.')
    >>> float(df.loc[1, "score__federalism"])
    0.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing.errors import Errors, FramingError
from framing.types import DocResult

if TYPE_CHECKING:
    import pandas as pd

    from framing.models.frames.settings import FrameSettings
    from framing.models.trainer import TrainResult

__all__ = ["documents_dataset", "documents_frame", "labelled_rows", "sentences_dataset",
           "sentences_frame", "train_frames"]

Results = str | Path | Iterable[DocResult]


def _results(source: Results) -> list[DocResult]:
    if isinstance(source, str | Path):
        from framing.batch import read_output

        return read_output(source)
    out = list(source)
    for r in out:
        if not isinstance(r, DocResult):
            raise FramingError(Errors.E868.format(
                detail=f"expected a labelled output path or DocResults, found "
                       f"{type(r).__name__}"))
    return out


def _frames(results: Sequence[DocResult]) -> list[str]:
    """Every frame the output scores, in first-seen order."""
    seen: dict[str, None] = {}
    for r in results:
        seen.update(dict.fromkeys(r.frames))
        for s in r.sentences:
            seen.update(dict.fromkeys(s.frames))
    return list(seen)


def _model_name(r: DocResult) -> str:
    clf = r.model.get("classifier") if isinstance(r.model, dict) else None
    if isinstance(clf, dict):
        return str(clf.get("name") or clf.get("method") or "classifier")
    return "rules"


def _shares_mentions(r: DocResult) -> tuple[dict[str, float], dict[str, int]]:
    """Per frame, the fraction of sentences labelled with it and its evidence spans, as
    :class:`~framing.types.DocResult` defines them: counted from the sentences when the output
    has them (the Parquet layout does not store ``shares``/``mentions`` themselves), else the
    stored values."""
    if not r.sentences:
        return {k: float(v) for k, v in r.shares.items()}, {k: int(v) for k, v in
                                                             r.mentions.items()}
    counts: dict[str, int] = {}
    mentions: dict[str, int] = {}
    for s in r.sentences:
        for f in s.labels:
            counts[f] = counts.get(f, 0) + 1
        for e in s.evidence:
            mentions[e.frame] = mentions.get(e.frame, 0) + 1
    return {f: c / len(r.sentences) for f, c in counts.items()}, mentions


def documents_frame(source: Results) -> pd.DataFrame:
    """One row per document of a labelled output (a path that :func:`framing.batch.read_output`
    reads, or DocResults); the columns are listed in the module docstring."""
    import pandas as pd

    results = _results(source)
    frames = _frames(results)
    rows = []
    for r in results:
        row: dict[str, Any] = {"id": r.id, "labels": list(r.labels),
                               "primary_frame": r.primary_frame,
                               "n_sentences": len(r.sentences)}
        for f in frames:
            row[f"score__{f}"] = float(r.frames.get(f, 0.0))
        shares, mentions = _shares_mentions(r)
        for f in frames:
            row[f"share__{f}"] = shares.get(f, 0.0)
        for f in frames:
            row[f"mentions__{f}"] = mentions.get(f, 0)
        row["stance"] = [{"target": s.target, "label": s.label, "score": s.score}
                         for s in r.stance]
        row["model"] = _model_name(r)
        for k, v in r.meta.items():
            row[f"meta.{k}"] = v
        rows.append(row)
    return pd.DataFrame(rows, columns=_columns(rows, ["id", "labels", "primary_frame",
                                                      "n_sentences"]))


def sentences_frame(source: Results) -> pd.DataFrame:
    """One row per sentence of a labelled output (see :func:`documents_frame`)."""
    import pandas as pd

    results = _results(source)
    frames = _frames(results)
    rows = []
    for r in results:
        for i, s in enumerate(r.sentences):
            row: dict[str, Any] = {"doc_id": r.id, "sentence": i, "start": s.start,
                                   "end": s.end, "text": s.text, "labels": list(s.labels)}
            for f in frames:
                row[f"score__{f}"] = float(s.frames.get(f, 0.0))
            row["evidence"] = [{"start": e.start, "end": e.end, "text": e.text,
                                "frame": e.frame, "source": e.source} for e in s.evidence]
            for k, v in r.meta.items():
                row[f"meta.{k}"] = v
            rows.append(row)
    return pd.DataFrame(rows, columns=_columns(rows, ["doc_id", "sentence", "start", "end",
                                                      "text", "labels"]))


def _columns(rows: list[dict[str, Any]], first: list[str]) -> list[str]:
    seen: dict[str, None] = dict.fromkeys(first)
    for r in rows:
        seen.update(dict.fromkeys(r))
    return list(seen)


def documents_dataset(source: Results) -> Any:
    """:func:`documents_frame` as a Hugging Face ``datasets.Dataset``."""
    return _dataset(documents_frame(source))


def sentences_dataset(source: Results) -> Any:
    """:func:`sentences_frame` as a Hugging Face ``datasets.Dataset``."""
    return _dataset(sentences_frame(source))


def _dataset(df: pd.DataFrame) -> Any:
    import datasets

    return datasets.Dataset.from_pandas(df, preserve_index=False)


def labelled_rows(data: Any, text: str = "text", labels: str = "labels"
                  ) -> list[dict[str, Any]]:
    """``{"text", "labels"}`` dicts from a pandas DataFrame, a ``datasets.Dataset`` or row dicts.

    The labels column holds lists of frame ids (a numpy array from Parquet counts as a list);
    a missing value is an error, not "no label" (``[]`` says that), so nothing is guessed.

    Raises:
        FramingError: ``[E868]`` when a column is missing, ``[E402]`` for a bad value (with its
            row number).

    Example:
        >>> import pandas as pd
        >>> from framing.interop import labelled_rows
        >>> labelled_rows(pd.DataFrame({"sentence": ["Leave it to the states."],
        ...                             "frames": [["federalism"]]}), "sentence", "frames")
        [{'text': 'Leave it to the states.', 'labels': ['federalism']}]
    """
    kind, columns, records = _records(data)
    for col in (text, labels):
        if columns is not None and col not in columns:
            raise FramingError(Errors.E868.format(
                detail=f"the {kind} has no column '{col}' (columns: "
                       f"{', '.join(map(str, columns))}); pass text=/labels= to name yours"))
    out = []
    for i, r in enumerate(records):
        if not isinstance(r, dict) or text not in r or labels not in r:
            raise FramingError(Errors.E868.format(
                detail=f"row {i + 1} of the {kind} lacks '{text}' or '{labels}'"))
        lab = r[labels]
        if isinstance(lab, float) and math.isnan(lab):
            lab = None  # pandas' missing value: reported as missing, not read as "no label"
        out.append({"text": r[text], "labels": lab.tolist() if hasattr(lab, "tolist") else lab})
    return out


def _records(data: Any) -> tuple[str, list[str] | None, list[Any]]:
    try:
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            return "DataFrame", list(data.columns), data.to_dict("records")
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    try:
        import datasets

        if isinstance(data, datasets.Dataset):
            return "Dataset", list(data.column_names), list(data)
    except ImportError:  # pragma: no cover - datasets is a dependency
        pass
    if isinstance(data, str | Path):
        raise FramingError(Errors.E868.format(
            detail="a path: train from files with framing.models.train or `framing train`"))
    return "rows", None, list(data)


def train_frames(data: Any, out: str | Path, settings: FrameSettings | None = None, *,
                 text: str = "text", labels: str = "labels", eval_data: Any = None,
                 **kwargs: Any) -> TrainResult:
    """Train a frame classifier from a DataFrame, ``datasets.Dataset`` or row dicts (see
    :func:`labelled_rows`); ``eval_data`` may be any of those too. Other keyword arguments go
    to :func:`framing.models.train` (``codebook``, ``overwrite``, ``progress``, ...).

    Example:
        >>> from framing.interop import train_frames
        >>> train_frames(df, "models/mine", FrameSettings(method="tfidf"))  # doctest: +SKIP
    """
    from framing.models import train
    from framing.models.frames.data import LabelledData

    def rows(d: Any, what: str) -> LabelledData:
        return LabelledData.from_rows(labelled_rows(d, text, labels), source=what)

    dev = None if eval_data is None else rows(eval_data, "the evaluation data")
    return train("frames", rows(data, "the training data"), out, settings, eval_data=dev,
                 **kwargs)
