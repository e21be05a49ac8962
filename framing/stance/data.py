"""Stance data: rows of ``text``, ``target`` and ``stance`` (favor / against / none).

Read from JSONL, CSV/TSV or Parquet (the formats of ``framing train``; the format follows the
file extension, see :func:`framing.train.data.detect_format`), or built from dicts. Labels are
case-insensitive (``FAVOR`` and ``favor`` are the same); every problem is reported with its file
and line (or row) number.

Example:
    >>> from framing.stance.data import StanceData
    >>> d = StanceData.from_rows([{"text": "Leave it to the states.",
    ...                            "target": "states deciding drug policy", "stance": "FAVOR"}])
    >>> d.labels, d.fingerprint()[:8]
    (['favor'], '1a0202c8')
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from framing.errors import Errors, FramingError
from framing.train.data import detect_format

#: All stance labels, in the canonical order used for probability columns.
STANCE_LABELS: tuple[str, ...] = ("favor", "against", "none")
POLAR: tuple[str, ...] = ("favor", "against")


def canonical_labels(labels: Iterable[str]) -> list[str]:
    """The given labels in the canonical order ``favor, against, none``."""
    got = set(labels)
    return [lab for lab in STANCE_LABELS if lab in got]


def _err(where: str, detail: str) -> FramingError:
    return FramingError(Errors.E702.format(where=where, detail=detail))


def _string(value: Any, fld: str, loc: str) -> str:
    if value is None:
        raise _err(loc, f"missing field '{fld}'")
    if not isinstance(value, str):
        raise _err(loc, f"field '{fld}' must be a string, found {type(value).__name__}")
    if not value.strip():
        raise _err(loc, f"empty '{fld}'")
    return value


def _label(value: Any, fld: str, loc: str) -> str:
    s = _string(value, fld, loc).strip().lower()
    if s not in STANCE_LABELS:
        raise FramingError(Errors.E703.format(label=value, where=loc))
    return s


def check_target(target: Any, where: str = "") -> str:
    """A usable target string (stripped), or ``[E706]``."""
    if not isinstance(target, str) or not target.strip():
        raise FramingError(Errors.E706.format(where=where or "(argument)", value=target))
    return " ".join(target.split())


@dataclass
class StanceData:
    """Parallel lists of texts, targets and labels; ``where[i]`` locates row i in its source."""

    texts: list[str]
    targets: list[str]
    labels: list[str]
    source: str = "<memory>"
    where: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not len(self.texts) == len(self.targets) == len(self.labels):
            raise ValueError("texts, targets and labels differ in length")
        if not self.where:
            self.where = [f"row {i + 1} of {self.source}" for i in range(len(self.texts))]

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """``(target, text)`` pairs, the model's input."""
        return list(zip(self.targets, self.texts, strict=True))

    def subset(self, idx: Sequence[int]) -> StanceData:
        return StanceData([self.texts[i] for i in idx], [self.targets[i] for i in idx],
                          [self.labels[i] for i in idx], self.source,
                          [self.where[i] for i in idx])

    def label_counts(self) -> dict[str, int]:
        c = Counter(self.labels)
        return {lab: int(c[lab]) for lab in canonical_labels(c)}

    def used_labels(self) -> list[str]:
        return canonical_labels(self.labels)

    def fingerprint(self) -> str:
        """sha256 of the rows (text, target, label, in order): identifies the training data."""
        h = hashlib.sha256()
        for row in zip(self.texts, self.targets, self.labels, strict=True):
            h.update(json.dumps(list(row), ensure_ascii=False).encode("utf-8"))
            h.update(b"\n")
        return h.hexdigest()

    def y(self, labels: Sequence[str]) -> np.ndarray:
        """Label indices into ``labels`` (each row's label must be among them)."""
        index = {lab: j for j, lab in enumerate(labels)}
        return np.array([index[lab] for lab in self.labels], dtype=np.int64)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any]], source: str = "<memory>",
                  text_field: str = "text", target_field: str = "target",
                  stance_field: str = "stance") -> StanceData:
        """From dicts with ``text``, ``target`` and ``stance`` (other keys are ignored)."""
        return cls._build(((f"row {i + 1} of {source}", r) for i, r in enumerate(rows)),
                          source, text_field, target_field, stance_field)

    @classmethod
    def _build(cls, located: Iterable[tuple[str, Any]], source: str, text_field: str,
               target_field: str, stance_field: str) -> StanceData:
        texts, targets, labels, where = [], [], [], []
        for loc, r in located:
            if not isinstance(r, Mapping):
                raise _err(loc, f"expected an object with '{text_field}', '{target_field}' and "
                                f"'{stance_field}', found {type(r).__name__}")
            texts.append(_string(r.get(text_field), text_field, loc))
            t = r.get(target_field)
            if not isinstance(t, str) or not t.strip():
                raise FramingError(Errors.E706.format(where=f"in {loc}", value=t))
            targets.append(" ".join(t.split()))
            labels.append(_label(r.get(stance_field), stance_field, loc))
            where.append(loc)
        return cls(texts, targets, labels, source, where)


def _iter_file(p: Path, fmt: str, fields: Sequence[str]) -> Iterator[tuple[str, Any]]:
    if fmt == "jsonl":
        try:
            lines = p.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as e:
            raise _err(f"'{p}'", f"not UTF-8 ({e})") from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            loc = f"line {n} of {p.name}"
            try:
                yield loc, json.loads(line)
            except json.JSONDecodeError as e:
                raise _err(loc, f"invalid JSON ({e.msg})") from None
    elif fmt in ("csv", "tsv"):
        with p.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t" if fmt == "tsv" else ",")
            cols = reader.fieldnames or []
            missing = [f for f in fields if f not in cols]
            if missing:
                raise _err(f"'{p}'", f"no column(s) {missing}; columns are: {cols}")
            for n, row in enumerate(reader, 2):
                yield f"line {n} of {p.name}", row
    else:
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(p)
        except Exception as e:  # ArrowInvalid, OSError: not a Parquet file
            raise _err(f"'{p}'", f"unreadable ({e})") from None
        missing = [f for f in fields if f not in table.column_names]
        if missing:
            raise _err(f"'{p}'", f"no column(s) {missing}; columns are: {table.column_names}")
        for n, row in enumerate(table.select(list(fields)).to_pylist(), 1):
            yield f"row {n} of {p.name}", row


def read_stance(path: str | Path, text_field: str = "text", target_field: str = "target",
                stance_field: str = "stance") -> StanceData:
    """Read stance rows from a JSONL, CSV/TSV or Parquet file (see the module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise FramingError(Errors.E201.format(path=p))
    fmt = detect_format(p)
    data = StanceData._build(_iter_file(p, fmt, (text_field, target_field, stance_field)),
                             str(p), text_field, target_field, stance_field)
    if not len(data):
        raise FramingError(Errors.E704.format(source=p, detail="the file has no rows"))
    return data


StanceLike = str | Path | StanceData | Sequence[Mapping[str, Any]]


def as_stance_data(data: StanceLike, **fields: str) -> StanceData:
    """A path, :class:`StanceData` or a list of row dicts, as :class:`StanceData`."""
    if isinstance(data, StanceData):
        return data
    if isinstance(data, (str, Path)):
        return read_stance(data, **fields)
    return StanceData.from_rows(data, **fields)


def split_dev(data: StanceData, fraction: float, seed: int, how: str = "auto",
              min_dev_targets: int = 3) -> tuple[StanceData, StanceData, str]:
    """Hold out ``fraction`` of ``data`` as dev rows; returns (train, dev, description).

    ``how="targets"`` holds out whole targets (about ``fraction`` of the rows, at least
    ``min_dev_targets`` targets), so dev measures stance toward unseen targets; ``"rows"`` holds
    out random rows; ``"auto"`` uses targets when there are at least ``2 * min_dev_targets``
    distinct targets. Seeded; both parts keep the input order.

    Example:
        >>> rows = [{"text": f"t{i}", "target": f"T{i % 8}", "stance": "favor"}
        ...         for i in range(40)]
        >>> tr, dev, how = split_dev(StanceData.from_rows(rows), 0.25, 0)
        >>> len(set(tr.targets) & set(dev.targets)), how.split()[0]
        (0, 'targets')
    """
    n = len(data)
    rng = np.random.default_rng(seed)
    targets = sorted(set(data.targets))
    by_target = how == "targets" or (how == "auto" and len(targets) >= 2 * min_dev_targets)
    if by_target and len(targets) >= 2:
        order = [targets[int(i)] for i in rng.permutation(len(targets))]
        counts = Counter(data.targets)
        chosen: set[str] = set()
        rows = 0
        for t in order:
            if len(chosen) >= min_dev_targets and rows >= fraction * n:
                break
            if len(chosen) >= len(targets) - 1:
                break
            chosen.add(t)
            rows += counts[t]
        dev = [i for i in range(n) if data.targets[i] in chosen]
        train = [i for i in range(n) if data.targets[i] not in chosen]
        desc = (f"targets held out: {len(chosen)} of {len(targets)} targets, {len(dev)} rows "
                f"(seed {seed})")
    else:
        n_dev = round(n * fraction)
        perm = rng.permutation(n)
        dev = sorted(int(i) for i in perm[:n_dev])
        train = sorted(int(i) for i in perm[n_dev:])
        desc = f"rows held out: {fraction:.0%} of the training rows (seed {seed})"
    return data.subset(train), data.subset(dev), desc


_MOTION = [  # (pattern, replacement) for debate motions "This house ..."; first match wins
    (re.compile(r"^(this house) would not\b", re.I), r"\1 would"),
    (re.compile(r"^(this house) would never\b", re.I), r"\1 would"),
    (re.compile(r"^(this house) would\b", re.I), r"\1 would not"),
    (re.compile(r"^(this house) does not believe\b", re.I), r"\1 believes"),
    (re.compile(r"^(this house) believes\b", re.I), r"\1 does not believe"),
    (re.compile(r"^(this house) supports\b", re.I), r"\1 opposes"),
    (re.compile(r"^(this house) opposes\b", re.I), r"\1 supports"),
]
_OPPOSE = "opposition to "


def negate_target(target: str) -> str:
    """A target that means the opposite, so that a stance toward it flips: debate motions
    negate their verb ("This house would ban boxing" -> "This house would not ban boxing",
    "believes" -> "does not believe", "supports" <-> "opposes"); other targets become
    "opposition to <target>" (and back).

    Example:
        >>> negate_target("This house would ban boxing")
        'This house would not ban boxing'
        >>> negate_target("stricter gun laws"), negate_target("opposition to stricter gun laws")
        ('opposition to stricter gun laws', 'stricter gun laws')
    """
    t = " ".join(target.split())
    for pat, rep in _MOTION:
        if pat.search(t):
            return pat.sub(rep, t, count=1)
    if t.lower().startswith(_OPPOSE):
        return t[len(_OPPOSE):]
    return _OPPOSE + t


def add_negated_targets(data: StanceData, share: float, seed: int) -> tuple[StanceData, int]:
    """``data`` plus, for a seeded ``share`` of its favor/against rows, the same text toward
    the negated target (:func:`negate_target`) with the opposite label: the model has to read
    the target's direction, not just the text. Returns the new data and the rows added."""
    if share <= 0:
        return data, 0
    flip = {"favor": "against", "against": "favor"}
    texts, targets, labels, where = (list(data.texts), list(data.targets), list(data.labels),
                                     list(data.where))
    added = 0
    for i, (x, t, lab) in enumerate(zip(data.texts, data.targets, data.labels, strict=True)):
        if lab not in flip:
            continue
        h = hashlib.sha256(f"{seed}\x1f{i}\x1f{t}\x1f{x}".encode()).hexdigest()
        if int(h[:8], 16) / 0xFFFFFFFF >= share:
            continue
        texts.append(x)
        targets.append(negate_target(t))
        labels.append(flip[lab])
        where.append(f"{data.where[i]} (negated target)")
        added += 1
    return StanceData(texts, targets, labels, data.source, where), added
