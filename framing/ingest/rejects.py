"""The rejects file (JSON Lines: file, line, id, code, reason) and run counters.

Example:
    >>> s = IngestStats(); s.read += 2; s.labelled += 1; s.rejected += 1; s.balanced
    True
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

from framing.ingest.readers import Reject


@dataclass
class IngestStats:
    """Counts of a run; ``balanced`` checks that no record was lost."""

    read: int = 0
    labelled: int = 0
    rejected: int = 0
    words: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        return self.read == self.labelled + self.rejected


class RejectsWriter:
    """Appends rejects to a JSONL file, created only when the first reject arrives."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._fh: IO[str] | None = None
        self.count = 0
        if self.path is not None and self.path.exists():
            self.path.unlink()

    def write(self, rej: Reject) -> None:
        self.count += 1
        if self.path is None:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "w", encoding="utf-8")
        self._fh.write(json.dumps(rej.to_dict(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> RejectsWriter:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
