"""Labelled rows for training and evaluation: one located row reader and the rows of
single-label tasks.

:func:`iter_rows` reads a JSONL, CSV/TSV or Parquet file (the format follows the extension)
and yields every row with its location (``line 3 of train.jsonl``), so that each task's reader
reports a problem where it is. :class:`LabelRows` holds texts with one label each (optionally
paired with a second text, e.g. a stance target); the frames task has its own multi-label rows
(:class:`framing.models.frames.data.LabelledData`).

Example:
    >>> from framing.models.data import LabelRows
    >>> rows = LabelRows.coerce([{"text": "Markets fell.", "label": "NEWS"}], ("news", "opinion"))
    >>> rows.labels, rows.label_counts()
    (['news'], {'news': 1})
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from framing.errors import Errors, FramingError

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv",
           ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}
ErrorFactory = Callable[[str, str], FramingError]


def data_error(where: str, detail: str) -> FramingError:
    """``[E402]``: a problem of the labelled data at ``where``."""
    return FramingError(Errors.E402.format(where=where, detail=detail))


def detect_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FramingError(Errors.E404.format(path=path))
    return fmt


def iter_rows(path: str | Path, fields: Sequence[str], err: ErrorFactory = data_error
              ) -> Iterator[tuple[str, Any]]:
    """``(location, row)`` of every row of a labelled file; CSV/TSV and Parquet rows are dicts
    (a missing column of ``fields`` is an error before the first row), JSONL rows are whatever
    each line holds (the caller checks it is an object). Blank JSONL lines are skipped."""
    p = Path(path)
    if not p.is_file():
        raise FramingError(Errors.E201.format(path=p))
    fmt = detect_format(p)
    if fmt == "jsonl":
        try:
            lines = p.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as e:
            raise err(f"'{p}'", f"not UTF-8 ({e})") from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            loc = f"line {n} of {p.name}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise err(loc, f"invalid JSON ({e.msg})") from None
            yield loc, row
    elif fmt in ("csv", "tsv"):
        with p.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t" if fmt == "tsv" else ",")
            _check_columns(p, reader.fieldnames or [], fields, err)
            for n, row in enumerate(reader, 2):
                yield f"line {n} of {p.name}", row
    else:
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(p)
        except Exception as e:  # ArrowInvalid, OSError: not a Parquet file
            raise err(f"'{p}'", f"unreadable ({e})") from None
        _check_columns(p, table.column_names, fields, err)
        for n, row in enumerate(table.select(list(fields)).to_pylist(), 1):
            yield f"row {n} of {p.name}", row


def _check_columns(p: Path, cols: Sequence[str], fields: Sequence[str],
                   err: ErrorFactory) -> None:
    missing = [f for f in fields if f not in cols]
    if missing:
        what = f"column '{missing[0]}'" if len(missing) == 1 else f"column(s) {missing}"
        raise err(f"'{p}'", f"no {what}; columns are: {list(cols)}")


def check_text(value: Any, fld: str, loc: str, err: ErrorFactory = data_error) -> str:
    """A non-empty string, or a numbered error at ``loc``."""
    if value is None:
        raise err(loc, f"missing text field '{fld}'")
    if not isinstance(value, str):
        raise err(loc, f"text field '{fld}' must be a string, found {type(value).__name__}")
    if not value.strip():
        raise err(loc, f"empty text in field '{fld}'")
    return value


@dataclass
class Rows:
    """Texts with their gold labels (of any form); ``where[i]`` locates row i in its source
    for messages."""

    texts: list[str]
    labels: list[Any]
    source: str = "<memory>"
    where: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ValueError("texts and labels differ in length")
        if not self.where:
            self.where = [f"row {i + 1} of {self.source}" for i in range(len(self.texts))]

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def inputs(self) -> list[Any]:
        """What a model reads: the texts."""
        return list(self.texts)


@dataclass
class LabelRows(Rows):
    """Texts with one label each (``paired``: an optional first text per row, e.g. a stance
    target). ``classes`` is the label set in column order."""

    labels: list[str]
    paired: list[str] | None = None
    classes: tuple[str, ...] = ()

    #: what a row must hold besides the text and the label (the paired text's field)
    pair_field: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.paired is not None and len(self.paired) != len(self.texts):
            raise ValueError("texts and paired texts differ in length")

    @property
    def inputs(self) -> list[Any]:
        """What the model reads: the texts, or ``(pair, text)`` tuples."""
        if self.paired is None:
            return list(self.texts)
        return list(zip(self.paired, self.texts, strict=True))

    @classmethod
    def make(cls, texts: list[str], labels: list[str], source: str, where: list[str],
             paired: list[str] | None, classes: Sequence[str]) -> Any:
        """Construct rows of this class (subclasses with another constructor override it)."""
        return cls(texts, labels, source, where, paired, tuple(classes))

    def subset(self, idx: Sequence[int]) -> Any:
        return self.make([self.texts[i] for i in idx], [self.labels[i] for i in idx],
                         self.source, [self.where[i] for i in idx],
                         [self.paired[i] for i in idx] if self.paired is not None else None,
                         self.classes)

    def ordered(self, labels: Iterable[str]) -> list[str]:
        """``labels`` in the class order (sorted when the rows have no declared classes)."""
        got = set(labels)
        return [c for c in self.classes if c in got] if self.classes else sorted(got)

    def label_counts(self) -> dict[str, int]:
        c = Counter(self.labels)
        return {lab: int(c[lab]) for lab in self.ordered(c)}

    def used_labels(self) -> list[str]:
        return self.ordered(self.labels)

    def fingerprint(self) -> str:
        """sha256 of the rows (text, paired text, label, in order): identifies the data."""
        h = hashlib.sha256()
        cols = [self.texts, self.labels] if self.paired is None else \
            [self.texts, self.paired, self.labels]
        for row in zip(*cols, strict=True):
            h.update(json.dumps(list(row), ensure_ascii=False).encode("utf-8"))
            h.update(b"\n")
        return h.hexdigest()

    def y(self, labels: Sequence[str]) -> np.ndarray:
        """Label indices into ``labels`` (each row's label must be among them)."""
        index = {lab: j for j, lab in enumerate(labels)}
        return np.array([index[lab] for lab in self.labels], dtype=np.int64)

    # ----- reading -------------------------------------------------------------------------
    @classmethod
    def error(cls, where: str, detail: str) -> FramingError:
        return data_error(where, detail)

    @classmethod
    def label_error(cls, label: Any, where: str, classes: Sequence[str]) -> FramingError:
        return FramingError(Errors.E401.format(label=label, where=where,
                                               known=", ".join(classes)))

    @classmethod
    def empty_error(cls, source: Any) -> FramingError:
        return FramingError(Errors.E403.format(path=source, detail="the file has no rows"))

    @classmethod
    def check_pair(cls, value: Any, fld: str, loc: str) -> str:
        return " ".join(check_text(value, fld, loc, cls.error).split())

    @classmethod
    def build(cls, located: Iterable[tuple[str, Any]], source: str, classes: Sequence[str],
              text_field: str, label_field: str, pair_field: str | None = None) -> Any:
        texts, labels, pairs, where = [], [], [], []
        wanted = [text_field, *([pair_field] if pair_field else []), label_field]
        for loc, r in located:
            if not isinstance(r, Mapping):
                raise cls.error(loc, "expected an object with " + ", ".join(
                    f"'{f}'" for f in wanted) + f", found {type(r).__name__}")
            texts.append(check_text(r.get(text_field), text_field, loc, cls.error))
            if pair_field:
                pairs.append(cls.check_pair(r.get(pair_field), pair_field, loc))
            raw = check_text(r.get(label_field), label_field, loc, cls.error)
            lab = raw.strip().lower()
            if classes and lab not in classes:
                raise cls.label_error(raw, loc, classes)
            labels.append(lab)
            where.append(loc)
        return cls.make(texts, labels, source, where, pairs if pair_field else None, classes)

    @classmethod
    def coerce(cls, data: Any, classes: Sequence[str], text_field: str = "text",
               label_field: str = "label", pair_field: str | None = None) -> Any:
        """A path, rows of this class, or a list of row dicts, as rows of this class."""
        pair_field = pair_field or cls.pair_field
        if isinstance(data, cls):
            return data
        if isinstance(data, (str, Path)):
            fields = [text_field, *([pair_field] if pair_field else []), label_field]
            rows = cls.build(iter_rows(data, fields, cls.error), str(data), classes,
                             text_field, label_field, pair_field)
            if not len(rows):
                raise cls.empty_error(data)
            return rows
        return cls.build(((f"row {i + 1} of <memory>", r) for i, r in enumerate(data)),
                         "<memory>", classes, text_field, label_field, pair_field)

    def split(self, fraction: float, seed: int) -> tuple[Any, Any]:
        """A seeded random split of ``fraction`` of the rows for dev; both keep input order."""
        return split_rows(self, fraction, seed)


def split_rows(data: Any, fraction: float, seed: int) -> tuple[Any, Any]:
    """A seeded random split of ``fraction`` of the rows of ``data`` (anything with ``len``
    and ``subset``) for dev; both parts keep the input order."""
    n = len(data)
    n_dev = round(n * fraction)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    dev = sorted(int(i) for i in perm[:n_dev])
    train = sorted(int(i) for i in perm[n_dev:])
    return data.subset(train), data.subset(dev)
