"""Located records: a row read from a file, where it was, and the rejects that say why not.

Every reader of :mod:`framing.io` yields, in input order, :class:`Row` objects (a mapping and
its :class:`Location`) or :class:`Reject` objects (the location, a numbered code and a reason),
so a caller can account for every record: ``read == used + rejected``.

Example:
    >>> loc = Location("data/in.csv", 3)
    >>> str(loc), str(Location("d.parquet", 2, "row")), str(Location("notes.txt", None))
    ('line 3 of in.csv', 'row 2 of d.parquet', 'notes.txt')
    >>> Reject("in.csv", 3, "E111", "[E111] row could not be parsed: x").to_dict()["line"]
    3
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Location:
    """Where a record was: ``file``, its 1-based ``line`` (or ``row`` for Parquet) or ``None``
    for a whole file; ``str()`` gives ``"line 3 of in.jsonl"`` as messages use it."""

    file: str
    line: int | None
    unit: str = "line"

    def __str__(self) -> str:
        name = Path(self.file).name
        return name if self.line is None else f"{self.unit} {self.line} of {name}"

    @property
    def default_id(self) -> str:
        """The id of a record without one: ``in.jsonl:3`` (``in.txt`` for a whole file)."""
        name = Path(self.file).name
        return name if self.line is None else f"{name}:{self.line}"


@dataclass
class Row:
    """One record as read (a mapping of field -> value) and where it came from."""

    data: dict[str, Any]
    loc: Location


@dataclass
class Reject:
    """A record that could not be used, with where it was and why."""

    file: str
    line: int | None
    code: str
    reason: str
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "id": self.id, "code": self.code,
                "reason": self.reason}

    def to_line(self) -> bytes:
        """One line of a rejects file (JSON; a lone surrogate in a file name or id is written
        as its ``\\udcxx`` escape, so the line is always valid UTF-8)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False) + "\n"
        return text.encode("utf-8", "backslashreplace")

    @classmethod
    def at(cls, loc: Location, reason: str, id: str | None = None) -> Reject:
        """A reject at ``loc``; the code is read from the reason (``"[E111] ..."``)."""
        code = reason[1:5] if reason.startswith("[E") else "E000"
        return cls(file=loc.file, line=loc.line, code=code, reason=reason, id=id)


@dataclass
class IngestStats:
    """Counts of a run; ``balanced`` checks that no record was lost.

    Example:
        >>> s = IngestStats(); s.read += 2; s.labelled += 1; s.rejected += 1; s.balanced
        True
    """

    read: int = 0
    labelled: int = 0
    rejected: int = 0
    words: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        return self.read == self.labelled + self.rejected


@dataclass
class RowOptions:
    """How whole-file documents become rows, and how CSV cells are given back.

    ``empty_as_none``: an empty CSV/TSV cell is ``None`` (ingest; the text field stays ``""``)
    or ``""`` (as written).
    """

    text_field: str = "text"
    id_field: str = "id"
    html_favor_precision: bool = True
    empty_as_none: bool = True
    #: a CSV record (all its physical lines) may hold at most this many characters; a longer
    #: one is an unterminated quote (or a text far over any limit), cut at its first line
    max_record_chars: int = 20_000_000
