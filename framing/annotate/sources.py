"""Where the items come from: labelled output (``framing label``), or texts run through the
analyzer here.

Example:
    >>> import json, tempfile, pathlib
    >>> from framing.annotate.sources import load_results
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "in.jsonl").write_text(json.dumps({"id": "a", "text": "Police arrested him."}))
    >>> got = load_results([d / "in.jsonl"], texts=True, load_kwargs={"rules_only": True})
    >>> [r.id for r in got.results], got.texts["a"], got.rejected
    (['a'], 'Police arrested him.', 0)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError
from framing.types import DocResult


@dataclass
class Loaded:
    """Results in input order; ``texts`` (id -> original text) when the analyzer ran here."""

    results: list[DocResult]
    texts: dict[str, str] | None = None
    rejected: int = 0
    rejects: list[dict[str, Any]] = field(default_factory=list)
    codebook: Any = None


def load_results(inputs: Sequence[str | Path], *, texts: bool = False,
                 load_kwargs: dict[str, Any] | None = None, text_field: str = "text",
                 id_field: str = "id", limit: int | None = None) -> Loaded:
    """Read labelled output files/directories, or (``texts=True``) read input texts (JSONL,
    CSV/TSV, Parquet, folders of .txt/.html, as ``framing label`` does) and analyze them with
    ``framing.load(**load_kwargs)``; input records that cannot be read are counted and kept in
    ``rejects`` (file, line, code, reason), never dropped silently."""
    for p in inputs:
        if not Path(p).exists():
            raise FramingError(Errors.E201.format(path=p))
    if not texts:
        from framing.batch import read_output

        results: list[DocResult] = []
        for p in inputs:
            results.extend(read_output(p))
            if limit is not None and len(results) >= limit:
                return Loaded(results[:limit])
        return Loaded(results)

    import framing
    from framing.ingest import IngestConfig, Reject, read_records

    analyzer = framing.load(**(load_kwargs or {}))
    cfg = IngestConfig(text_field=text_field, id_field=id_field)
    arts = []
    rejects: list[dict[str, Any]] = []
    for rec in read_records(list(inputs), cfg):
        if isinstance(rec, Reject):
            rejects.append(rec.to_dict())
            continue
        arts.append(rec)
        if limit is not None and len(arts) >= limit:
            break
    seen: dict[str, int] = {}
    for a in arts:
        seen[a.id] = seen.get(a.id, 0) + 1
    dup = [k for k, n in seen.items() if n > 1]
    if dup:
        raise FramingError(Errors.E856.format(
            detail=f"document ids must be unique to trace annotations back; {len(dup)} id(s) "
                   f"repeat, e.g. {dup[:3]} (use --id-field to choose the id column)"))
    res = list(analyzer.pipe(arts))
    return Loaded(res, {a.id: a.text for a in arts}, len(rejects), rejects, analyzer.codebook)


def read_ids(paths: Sequence[str | Path]) -> set[str]:
    """Item ids of earlier rounds, to exclude from selection: JSONL rows with ``id`` or
    ``framing_id`` (the training rows of ``framing annotate import``, or task files)."""
    ids: set[str] = set()
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise FramingError(Errors.E201.format(path=p))
        text = path.read_text(encoding="utf-8")
        rows: list[Any]
        if text.lstrip().startswith("["):
            rows = json.loads(text)
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        for r in rows:
            if not isinstance(r, dict):
                continue
            d: dict[str, Any] = r
            for key in ("data", "metadata"):  # Label Studio tasks, Argilla records
                if isinstance(r.get(key), dict):
                    d = r[key]
            v = d.get("framing_id", r.get("id"))
            if v is not None:
                ids.add(str(v))
    return ids
