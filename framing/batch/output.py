"""Read labelled output back: one JSONL/Parquet file, or a sharded output directory.

A directory is read through its manifest, shard by shard in input order, so memory stays at
one shard; an unfinished run is refused unless ``allow_incomplete=True`` (then the finished
shards are read). For aggregation, :func:`read_table` returns the Parquet columns as one Arrow
table (``columns=`` reads only what is needed); a directory of Parquet shards is also a plain
Parquet dataset (``pyarrow.parquet.read_table(DIR)``, ``pandas.read_parquet(DIR)``,
``dask.dataframe.read_parquet(DIR)``), because the manifest, rejects and temporary files start
with ``_`` or ``.``.

Example:
    >>> import json, tempfile, pathlib, framing
    >>> from framing.batch import label
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "in.jsonl").write_text(json.dumps({"id": "1", "text": "States decide."}))
    >>> _ = label([d / "in.jsonl"], d / "out/", load_kwargs={"rules_only": True}, progress=False)
    >>> [r.id for r in read_output(d / "out")]
    ['1']
    >>> read_table(d / "out", columns=["id", "primary_frame"]).num_rows
    1
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from framing.batch.manifest import MANIFEST, Manifest
from framing.batch.sinks import decode_results, format_of, parquet_row, parquet_schema
from framing.errors import Errors, FramingError
from framing.types import DocResult


def load_manifest(path: str | Path, *, allow_incomplete: bool = False) -> Manifest:
    """The manifest of a sharded output directory (an unfinished run is refused by default)."""
    root = Path(path)
    if not (root / MANIFEST).is_file():
        raise FramingError(Errors.E610.format(path=root, manifest=MANIFEST))
    m = Manifest.load(root)
    if not m.complete and not allow_incomplete:
        raise FramingError(Errors.E609.format(path=root, done=len(m.shards)))
    return m


def output_files(path: str | Path, *, allow_incomplete: bool = False,
                 verify: bool = False) -> list[Path]:
    """The labelled-record files of an output, in input order (a file: itself)."""
    p = Path(path)
    if p.is_file():
        return [p]
    m = load_manifest(p, allow_incomplete=allow_incomplete)
    files = []
    for e in m.ordered():
        if verify:
            problem = e.verify(p)
            if problem:
                raise FramingError(Errors.E611.format(path=p, detail=problem))
        elif not (p / e.file).is_file():
            raise FramingError(Errors.E611.format(path=p, detail=f"{e.file} is missing"))
        files.append(p / e.file)
    return files


def _check(p: Path) -> None:
    if p.is_file() and format_of(p) is None:
        raise FramingError(Errors.E610.format(path=p, manifest=MANIFEST))
    if not p.exists():
        raise FramingError(Errors.E201.format(path=p))


def iter_output(path: str | Path, *, allow_incomplete: bool = False,
                verify: bool = False) -> Iterator[DocResult]:
    """Stream the DocResults of a file or directory output, in input order."""
    p = Path(path)
    _check(p)
    for f in output_files(p, allow_incomplete=allow_incomplete, verify=verify):
        fmt = format_of(f)
        if fmt == "jsonl":
            with open(f, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield DocResult.from_dict(json.loads(line))
        else:
            yield from decode_results(f.read_bytes(), "parquet")


def read_output(path: str | Path, *, allow_incomplete: bool = False,
                verify: bool = False) -> list[DocResult]:
    """All DocResults of a file or directory output, in input order (see :func:`iter_output`)."""
    return list(iter_output(path, allow_incomplete=allow_incomplete, verify=verify))


def iter_rejects(path: str | Path, *, allow_incomplete: bool = False) -> Iterator[dict[str, Any]]:
    """The rejects of an output (file: ``OUT.rejects.jsonl`` beside it), in input order."""
    p = Path(path)
    if p.is_file() or format_of(p) is not None:
        files = [p.with_name(p.stem + ".rejects.jsonl")]
    else:
        m = load_manifest(p, allow_incomplete=allow_incomplete)
        files = [p / e.rejects_file for e in m.ordered() if e.rejects_file]
    for f in files:
        if f.is_file():
            with open(f, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield json.loads(line)


def read_rejects(path: str | Path, *, allow_incomplete: bool = False) -> list[dict[str, Any]]:
    """All rejects of an output (see :func:`iter_rejects`)."""
    return list(iter_rejects(path, allow_incomplete=allow_incomplete))


def read_table(path: str | Path, columns: Sequence[str] | None = None, *,
               allow_incomplete: bool = False) -> Any:
    """The output as one ``pyarrow.Table`` in the Parquet layout of
    :mod:`framing.batch.sinks` (JSONL output is converted), reading only ``columns``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = Path(path)
    _check(p)
    tables = []
    for f in output_files(p, allow_incomplete=allow_incomplete):
        if format_of(f) == "parquet":
            tables.append(pq.read_table(f, columns=list(columns) if columns else None))
            continue
        rows: list[dict[str, Any]] = []
        frame_ids: list[str] | None = None
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    res = DocResult.from_dict(json.loads(line))
                    frame_ids = frame_ids or list(res.frames)
                    rows.append(parquet_row(res, frame_ids))
        t = pa.Table.from_pylist(rows, schema=parquet_schema(frame_ids or []))
        tables.append(t.select(list(columns)) if columns else t)
    if not tables:
        return pa.table({c: pa.array([], pa.string()) for c in (columns or ["id"])})
    return pa.concat_tables(tables, promote_options="default")
