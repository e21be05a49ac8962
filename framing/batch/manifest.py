"""The manifest of a sharded output directory, and the run fingerprint it is checked against.

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
a hash of the inputs (paths, sizes, modification times), the model and codebook, and the
options that change the output. ``--resume`` refuses to continue a run whose fingerprint
differs and says what changed.

Example:
    >>> m = Manifest(fingerprint="f", config={}, shard_format="jsonl", shard_size=10)
    >>> Manifest.from_dict(m.to_dict()).shard_size
    10
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from framing.batch.fsutil import TMP_PREFIX, atomic_write, sha256_file
from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.ingest import IngestConfig
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
            "shards": [asdict(s) for s in self.ordered()],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Manifest:
        shards = {int(s["index"]): ShardEntry(**s) for s in d.get("shards", [])}
        return cls(fingerprint=d["fingerprint"], config=d.get("config", {}),
                   shard_format=d["shard_format"], shard_size=int(d["shard_size"]),
                   shards=shards, complete=bool(d.get("complete")),
                   n_shards=d.get("n_shards"), total_records=d.get("total_records"),
                   model_info=d.get("model_info"))

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


# ----- fingerprint -------------------------------------------------------------------------
def describe_path(p: str | Path) -> dict[str, Any]:
    """Path, size and modification time of an input (a folder: of every file in it)."""
    path = Path(p).resolve()
    if path.is_dir():
        h = hashlib.sha256()
        n = size = 0
        for f in sorted(x for x in path.rglob("*") if x.is_file()):
            st = f.stat()
            h.update(f"{f.relative_to(path).as_posix()}\t{st.st_size}\t{st.st_mtime_ns}\n"
                     .encode())
            n += 1
            size += st.st_size
        return {"path": str(path), "files": n, "size": size, "listing": h.hexdigest()[:16]}
    st = path.stat()
    return {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def codebook_digest(cb: Codebook) -> str:
    data = json.dumps(cb.to_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


def _default_models(load_kwargs: dict[str, Any]) -> dict[str, Any]:
    """What ``framing.load`` resolves by itself and what changes the output of a run with
    models: the default frame and stance model directories it would use (a rebuilt or
    recalibrated default must not be mixed with shards of the old one on ``--resume``) and the
    inference precision (``mixed`` and ``fp32`` scores differ in the last digits)."""
    from framing.analyzer import model_dirs

    out: dict[str, Any] = {}
    frames, stance = model_dirs(load_kwargs.get("model"), load_kwargs.get("stance_model"))
    if load_kwargs.get("model") is None:
        out["default_model"] = describe_path(frames) if frames is not None else None
    if load_kwargs.get("stance_model") is None:
        out["default_stance_model"] = describe_path(stance) if stance is not None else None
    try:
        from framing.models.inference import resolve_precision

        out["precision"] = resolve_precision()
    except FramingError as e:  # a bad $FRAMING_PRECISION: framing.load reports it
        out["precision"] = str(e)
    return out


def describe_model(load_kwargs: dict[str, Any] | None, model_info: dict[str, Any] | None = None,
                   codebook: Codebook | None = None) -> dict[str, Any]:
    """The parts of ``framing.load(**load_kwargs)`` (or of a built Analyzer) that change output.

    ``batch_size`` is left out: it changes speed, not results, so a run may resume with another.
    """
    out: dict[str, Any] = {}
    if load_kwargs is not None:
        for k, v in sorted(load_kwargs.items()):
            if k == "batch_size":
                continue
            if k == "codebook" and v is not None:
                out[k] = codebook_digest(v if isinstance(v, Codebook) else Codebook.load(v))
            elif k == "model" and v is not None and Path(str(v)).exists():
                out[k] = describe_path(v)
            elif isinstance(v, (str, int, float, bool)) or v is None:
                out[k] = v
            elif isinstance(v, (list, tuple)) and all(
                    isinstance(x, (str, int, float, bool)) for x in v):
                out[k] = list(v)
            else:
                out[k] = repr(v)
        if load_kwargs.get("codebook") is None and (
                load_kwargs.get("model") is None or load_kwargs.get("rules_only")):
            out["codebook"] = codebook_digest(Codebook.default())
        if not load_kwargs.get("rules_only"):
            out.update(_default_models(load_kwargs))
    if model_info is not None:
        out["model_info"] = model_info
    if codebook is not None:
        out["codebook"] = codebook_digest(codebook)
    return out


def describe_ingest(cfg: IngestConfig) -> dict[str, Any]:
    d = asdict(cfg)
    if d.get("meta_fields") is not None:
        d["meta_fields"] = list(d["meta_fields"])
    return json.loads(json.dumps(d, default=repr))


def run_config(inputs: list[str | Path], cfg: IngestConfig, model: dict[str, Any],
               shard_size: int, shard_format: str) -> dict[str, Any]:
    """Everything the output of a sharded run depends on (hashed into the fingerprint)."""
    return {
        "framing": __version__,
        "inputs": [describe_path(p) for p in inputs],
        "ingest": describe_ingest(cfg),
        "model": model,
        "shard_size": shard_size,
        "shard_format": shard_format,
    }


def fingerprint(config: dict[str, Any]) -> str:
    data = json.dumps(config, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def diff_configs(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Human-readable differences between two run configs (``where: old -> new``)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for k in sorted(set(old) | set(new), key=str):
            out += diff_configs(old.get(k), new.get(k), f"{prefix}.{k}" if prefix else str(k))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out += diff_configs(a, b, f"{prefix}[{i}]")
        return out
    if old != new:
        def short(v: Any) -> str:
            s = json.dumps(v, ensure_ascii=False, default=repr)
            return s if len(s) <= 80 else s[:77] + "..."
        return [f"{prefix}: {short(old)} -> {short(new)}"]
    return []
