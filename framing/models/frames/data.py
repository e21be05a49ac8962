"""Frame-labelled data for training and evaluation: reading, label sets, fingerprints, splits.

DATA is a JSONL, CSV/TSV or Parquet file with a text column (``text``) and a labels column
(``labels``): a JSON list of label ids in JSONL and Parquet, a ``;``-separated string in CSV/TSV
(an empty cell or ``[]`` means "no label": a negative example). Every problem is reported with
its file and line (or row) number.

Example:
    >>> import json, tempfile, pathlib
    >>> from framing.models.frames.data import read_labelled
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.jsonl"
    >>> _ = p.write_text(json.dumps({"text": "Leave it to the states.", "labels": ["federalism"]}))
    >>> d = read_labelled(p)
    >>> d.texts, d.labels, d.fingerprint()[:8]
    (['Leave it to the states.'], [['federalism']], 'f5657d2a')
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.models.data import (
    Rows,
    check_text,
    data_error,
    detect_format,
    iter_rows,
    split_rows,
)


@dataclass
class LabelledData(Rows):
    """Texts with their label lists; ``where[i]`` locates row i in its source for messages."""

    labels: list[list[str]]

    def subset(self, idx: Sequence[int]) -> LabelledData:
        return LabelledData([self.texts[i] for i in idx], [list(self.labels[i]) for i in idx],
                            self.source, [self.where[i] for i in idx])

    def label_counts(self) -> Counter[str]:
        return Counter(lab for labs in self.labels for lab in labs)

    def used_labels(self) -> list[str]:
        """Labels that occur, sorted."""
        return sorted(self.label_counts())

    def matrix(self, label_set: Sequence[str]) -> np.ndarray:
        """0/1 matrix (rows x labels); labels outside ``label_set`` are ignored here (check them
        first with :func:`check_labels`)."""
        index = {lab: j for j, lab in enumerate(label_set)}
        y = np.zeros((len(self), len(label_set)), dtype=np.int64)
        for i, labs in enumerate(self.labels):
            for lab in labs:
                if lab in index:
                    y[i, index[lab]] = 1
        return y

    def fingerprint(self) -> str:
        """sha256 of the rows (text and sorted labels, in order): identifies the training data."""
        h = hashlib.sha256()
        for t, labs in zip(self.texts, self.labels, strict=True):
            h.update(json.dumps([t, sorted(labs)], ensure_ascii=False).encode("utf-8"))
            h.update(b"\n")
        return h.hexdigest()

    @classmethod
    def from_rows(cls, rows: Sequence[dict[str, Any]], source: str = "<memory>") -> LabelledData:
        """From dicts with ``text`` and ``labels`` (used by the Python API and tests)."""
        texts, labels, where = [], [], []
        for i, r in enumerate(rows):
            loc = f"row {i + 1} of {source}"
            texts.append(check_text(r.get("text"), "text", loc))
            labels.append(_labels(r.get("labels"), "labels", loc, split_strings=False))
            where.append(loc)
        return cls(texts, labels, source, where)


def _labels(value: Any, fld: str, loc: str, split_strings: bool) -> list[str]:
    if value is None:
        raise FramingError(Errors.E402.format(
            where=loc, detail=f"missing labels field '{fld}' (use [] for a row with no label)"))
    if isinstance(value, str):
        s = value.strip()
        if s.startswith("["):
            try:
                value = json.loads(s)
            except json.JSONDecodeError as e:
                raise data_error(loc, f"labels look like a JSON list but do not parse ({e.msg})"
                                 ) from None
        elif split_strings:
            value = [x for x in (p.strip() for p in s.split(";")) if x]
        else:
            raise FramingError(Errors.E402.format(
                where=loc, detail=f"labels field '{fld}' must be a list of label ids, found the "
                                  f"string {value!r}"))
    if hasattr(value, "tolist"):  # numpy arrays from Parquet
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not all(isinstance(x, str) for x in value):
        raise FramingError(Errors.E402.format(
            where=loc, detail=f"labels field '{fld}' must be a list of strings, found {value!r}"))
    out: list[str] = []
    for x in value:
        x = x.strip()
        if x and x not in out:
            out.append(x)
    return out


def read_labelled(path: str | Path, text_field: str = "text", labels_field: str = "labels"
                  ) -> LabelledData:
    """Read DATA (see the module docstring); raises numbered errors with line numbers."""
    texts: list[str] = []
    labels: list[list[str]] = []
    where: list[str] = []
    fmt = detect_format(Path(path)) if Path(path).is_file() else None
    for loc, row in iter_rows(path, (text_field, labels_field)):
        if not isinstance(row, dict):
            raise data_error(loc, f"expected a JSON object, found {type(row).__name__}")
        texts.append(check_text(row.get(text_field), text_field, loc))
        raw = row.get(labels_field)
        if fmt != "jsonl" and raw is None:
            raw = ""  # an empty CSV cell or Parquet null: no label
        labels.append(_labels(raw, labels_field, loc, split_strings=fmt != "jsonl"))
        where.append(loc)
    if not texts:
        raise FramingError(Errors.E403.format(path=path, detail="the file has no rows"))
    return LabelledData(texts, labels, str(path), where)


def check_labels(data: LabelledData, known: Sequence[str]) -> None:
    """Raise ``[E401]`` at the first label outside ``known``, with its location."""
    ok = set(known)
    for labs, loc in zip(data.labels, data.where, strict=True):
        for lab in labs:
            if lab not in ok:
                raise FramingError(Errors.E401.format(label=lab, where=loc,
                                                      known=", ".join(known)))


def close_labels(data: LabelledData, codebook: Codebook) -> tuple[LabelledData, int]:
    """Add the codebook parents of every label (a child frame implies its parent), as the rule
    layer and the corpus build do. Returns the new data and the number of rows changed."""
    changed = 0
    out = []
    for labs in data.labels:
        closed = codebook.closure(labs)
        if set(closed) != set(labs):
            changed += 1
        out.append(closed)
    return LabelledData(list(data.texts), out, data.source, list(data.where)), changed


def resolve_label_set(data: LabelledData, codebook: Codebook | None) -> list[str]:
    """The labels a model learns: those the data uses, in codebook order when a codebook is
    given (every label must then be a codebook frame), else sorted."""
    if codebook is None:
        return data.used_labels()
    check_labels(data, codebook.frame_ids)
    used = set(data.used_labels())
    return [f for f in codebook.frame_ids if f in used]


def split_eval(data: LabelledData, fraction: float, seed: int
               ) -> tuple[LabelledData, LabelledData]:
    """A seeded random split of ``fraction`` of the rows for dev; both parts keep input order."""
    train, dev = split_rows(data, fraction, seed)
    return train, dev
