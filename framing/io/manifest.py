"""The manifest of a sharded output directory: what a run wrote, and whether it finished.

A sharded run writes, into ``OUTDIR/``::

    _manifest.json                      this manifest (rewritten atomically)
    part-000000.parquet                 labelled records of input records [0, shard_size)
    part-000001.parquet                 ...
    _rejects/part-000001.rejects.jsonl  rejects of shard 1 (only shards that have rejects)

Names starting with ``_`` or ``.`` are skipped by Parquet dataset readers, so
``pyarrow.parquet.read_table("OUTDIR")`` or ``pandas.read_parquet("OUTDIR")`` read exactly the
labelled records. Every shard file is written atomically, so a directory never holds a torn
shard, even while a run is going or after it was killed.

The manifest lists the finished shards, each with its input record range ``[start, end)``, its
counts (read = labelled + rejected) and the SHA-256 of its files, plus the run's *fingerprint*:
a hash of the inputs, the model and the options that change the output (computed by
:mod:`framing.batch.manifest`). Readers (:mod:`framing.io.output`) check a directory against it:
unfinished, mixed or altered runs are refused unless asked for explicitly.

Example:
    >>> m = Manifest(fingerprint="f", config={}, shard_format="jsonl", shard_size=10)
    >>> Manifest.from_dict(m.to_dict()).shard_size
    10
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError
from framing.io.fsutil import TMP_PREFIX, atomic_write, sha256_file
from framing.version import __version__

MANIFEST = "_manifest.json"
REJECTS_DIR = "_rejects"
LAYOUT = "framing-shards/1"


def shard_name(index: int, fmt: str) -> str:
    return f"part-{index:06d}.{fmt}"


def rejects_name(index: int) -> str:
    return f"{REJECTS_DIR}/part-{index:06d}.rejects.jsonl"


def is_ours(name: str) -> bool:
    """Whether a top-level entry of an output directory was written by a sharded run."""
    return (name in (MANIFEST, REJECTS_DIR) or name.startswith(TMP_PREFIX)
            or (name.startswith("part-") and name.endswith((".parquet", ".jsonl"))))


@dataclass
class ShardEntry:
    """One finished shard: input records ``[start, end)``, counts and file checksums."""

    index: int
    start: int
    end: int
    read: int
    labelled: int
    rejected: int
    words: int
    file: str
    bytes: int
    sha256: str
    reasons: dict[str, int] = field(default_factory=dict)
    rejects_file: str | None = None
    rejects_bytes: int = 0
    rejects_sha256: str | None = None

    def verify(self, root: Path, *, checksums: bool = True) -> str | None:
        """``None`` when the shard's files are intact, else what is wrong."""
        files = [(self.file, self.bytes, self.sha256)]
        if self.rejects_file:
            files.append((self.rejects_file, self.rejects_bytes, self.rejects_sha256 or ""))
        for name, size, digest in files:
            p = root / name
            if not p.is_file():
                return f"{name} is missing"
            if p.stat().st_size != size:
                return f"{name} has {p.stat().st_size} bytes, the manifest says {size}"
            if checksums and sha256_file(p) != digest:
                return f"{name} does not match its checksum"
        if self.read != self.labelled + self.rejected or self.read != self.end - self.start:
            return f"shard {self.index} does not add up"
        return None


@dataclass
class Manifest:
    """What a sharded output directory holds; see the module docstring."""

    fingerprint: str
    config: dict[str, Any]
    shard_format: str
    shard_size: int
    shards: dict[int, ShardEntry] = field(default_factory=dict)
    complete: bool = False
    n_shards: int | None = None
    total_records: int | None = None
    model_info: dict[str, Any] | None = None  # what labelled the shards (checked on resume)
    duplicate_ids: int = 0  # records whose id repeats an earlier record's (a finished run)

    def totals(self) -> dict[str, Any]:
        reasons: dict[str, int] = {}
        for s in self.shards.values():
            for k, v in s.reasons.items():
                reasons[k] = reasons.get(k, 0) + v
        return {
            "read": sum(s.read for s in self.shards.values()),
            "labelled": sum(s.labelled for s in self.shards.values()),
            "rejected": sum(s.rejected for s in self.shards.values()),
            "words": sum(s.words for s in self.shards.values()),
            "reasons": dict(sorted(reasons.items())),
        }

    def ordered(self) -> list[ShardEntry]:
        return [self.shards[i] for i in sorted(self.shards)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "layout": LAYOUT,
            "framing": __version__,
            "fingerprint": self.fingerprint,
            "complete": self.complete,
            "n_shards": self.n_shards,
            "total_records": self.total_records,
            "shard_format": self.shard_format,
            "shard_size": self.shard_size,
            "totals": self.totals(),
            "config": self.config,
            "model_info": self.model_info,
            "duplicate_ids": self.duplicate_ids,
            "shards": [asdict(s) for s in self.ordered()],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Manifest:
        shards = {int(s["index"]): ShardEntry(**s) for s in d.get("shards", [])}
        return cls(fingerprint=d["fingerprint"], config=d.get("config", {}),
                   shard_format=d["shard_format"], shard_size=int(d["shard_size"]),
                   shards=shards, complete=bool(d.get("complete")),
                   n_shards=d.get("n_shards"), total_records=d.get("total_records"),
                   model_info=d.get("model_info"),
                   duplicate_ids=int(d.get("duplicate_ids") or 0))

    def save(self, root: Path) -> None:
        """Rewrite ``root/_manifest.json`` atomically."""
        data = json.dumps(self.to_dict(), indent=1, ensure_ascii=False, sort_keys=False)
        atomic_write(root / MANIFEST, (data + "\n").encode("utf-8"))

    @classmethod
    def load(cls, root: Path) -> Manifest:
        """Read ``root/_manifest.json``; a clear error when it is unreadable."""
        path = root / MANIFEST
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            if d.get("layout") != LAYOUT:
                raise ValueError(f"unknown layout {d.get('layout')!r}, expected {LAYOUT!r}")
            return cls.from_dict(d)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise FramingError(Errors.E604.format(path=path, detail=e)) from None
