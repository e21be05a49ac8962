"""The run fingerprint a sharded output directory's manifest is checked against on --resume.

The manifest itself (:class:`Manifest`, the file layout) is part of the results format and lives
in :mod:`framing.io.manifest`; it is re-exported here. The fingerprint is a hash of the inputs
(paths, sizes, modification times), the model and codebook, and the options that change the
output; ``--resume`` refuses to continue a run whose fingerprint differs and says what changed.

Example:
    >>> fingerprint({"a": 1}) == fingerprint({"a": 1}), diff_configs({"a": 1}, {"a": 2})
    (True, ['a: 1 -> 2'])
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from framing.codebook import Codebook
from framing.errors import FramingError
from framing.io.articles import IngestConfig
from framing.io.manifest import (
    LAYOUT,
    MANIFEST,
    REJECTS_DIR,
    Manifest,
    ShardEntry,
    is_ours,
    rejects_name,
    shard_name,
)
from framing.version import __version__

__all__ = [
    "LAYOUT", "MANIFEST", "REJECTS_DIR", "Manifest", "ShardEntry", "codebook_digest",
    "describe_ingest", "describe_model", "describe_path", "diff_configs", "fingerprint",
    "is_ours", "rejects_name", "run_config", "shard_name",
]


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
               shard_size: int, shard_format: str, shard_words: int | None = None
               ) -> dict[str, Any]:
    """Everything the output of a sharded run depends on (hashed into the fingerprint)."""
    out = {
        "framing": __version__,
        "inputs": [describe_path(p) for p in inputs],
        "ingest": describe_ingest(cfg),
        "model": model,
        "shard_size": shard_size,
        "shard_format": shard_format,
    }
    if shard_words is not None:
        out["shard_words"] = shard_words
    return out


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
