"""Read labelled output back: one JSONL/Parquet file, or a sharded output directory.

A directory is read through its manifest, and checked first (:func:`check_run`): a run still
being written (its lock is held), an unfinished run, a shard whose size or SHA-256 differs from
the manifest, a missing shard, or shard files the manifest does not list (files of two runs
mixed) are refused with a numbered error saying what to do. ``allow_incomplete=True``
(``--allow-incomplete``) reads the intact shards the manifest lists instead, with a warning
(:class:`~framing.errors.FramingWarning`) saying what was left out.

Shards are read one at a time in input order, so memory stays at one shard. For aggregation,
:func:`read_table` returns the Parquet columns as one Arrow table; a directory of Parquet shards
is also a plain Parquet dataset (``pandas.read_parquet(DIR)``), because the manifest, rejects,
lock and temporary files start with ``_`` or ``.``.

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
import re
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError, FramingWarning, Warnings
from framing.io.lock import writer_of
from framing.io.manifest import MANIFEST, REJECTS_DIR, Manifest, ShardEntry
from framing.io.schema import parquet_schema, result_row, row_to_result
from framing.io.streams import StreamBroken, iter_lines
from framing.types import DocResult

#: Output formats, by file suffix.
OUTPUT_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet",
                   ".pq": "parquet"}
_SHARD = re.compile(r"part-(\d{6})\.(parquet|jsonl)$")
_SHARD_REJECTS = re.compile(r"part-(\d{6})\.rejects\.jsonl$")


def output_format(path: str | Path) -> str | None:
    """``"jsonl"`` / ``"parquet"`` for an output file name, else ``None``."""
    return OUTPUT_SUFFIXES.get(Path(path).suffix.lower())


@dataclass
class RunCheck:
    """What :func:`check_run` found: the manifest, the shards to read, what was left out."""

    manifest: Manifest
    shards: list[ShardEntry]
    problems: list[str] = field(default_factory=list)


def load_manifest(path: str | Path, *, allow_incomplete: bool = False) -> Manifest:
    """The manifest of a sharded output directory (an unfinished run is refused by default)."""
    root = Path(path)
    if not (root / MANIFEST).is_file():
        raise FramingError(Errors.E610.format(path=root, manifest=MANIFEST))
    m = Manifest.load(root)
    if not m.complete and not allow_incomplete:
        raise FramingError(Errors.E609.format(path=root, done=len(m.shards)))
    return m


def check_run(path: str | Path, *, allow_incomplete: bool = False, verify: bool = True,
              warn: bool = True) -> RunCheck:
    """Check a sharded output directory against its manifest (see the module docstring).

    ``verify`` compares every listed file's SHA-256 (else only sizes). Refuses with E617 (a run
    is writing it), E609 (unfinished), E611 (damaged or missing shards) or E616 (files of
    another run); with ``allow_incomplete`` it returns the intact listed shards and warns."""
    root = Path(path)
    m = load_manifest(root, allow_incomplete=True)
    problems: list[str] = []
    writer = writer_of(root)
    if writer is not None:
        if not allow_incomplete:
            raise FramingError(Errors.E617.format(path=root, pid=writer.get("pid", "?"),
                                                  host=writer.get("host", "?")))
        problems.append(f"a run is still writing it (pid {writer.get('pid', '?')})")
    if not m.complete:
        if not allow_incomplete:
            raise FramingError(Errors.E609.format(path=root, done=len(m.shards)))
        problems.append(f"the run is unfinished ({len(m.shards)} shard(s) finished)")
    damaged: list[str] = []
    good: list[ShardEntry] = []
    prev_end = 0
    for e in m.ordered():
        problem = e.verify(root, checksums=verify)
        if problem is None and e.start != prev_end and m.complete:
            problem = f"shard {e.index} starts at record {e.start}, not {prev_end}"
        if problem is None:
            good.append(e)
        else:
            damaged.append(problem)
        prev_end = e.end
    if m.complete:
        missing = sorted(set(range(m.n_shards or 0)) - set(m.shards))
        if missing:
            damaged.append(f"shard(s) {missing[:10]} listed as part of the run are missing "
                           "from the manifest")
        if m.total_records is not None and prev_end != m.total_records and not missing:
            damaged.append(f"the shards cover {prev_end} records, the run read "
                           f"{m.total_records}")
    if damaged:
        if not allow_incomplete:
            raise FramingError(Errors.E611.format(path=root, detail="; ".join(damaged[:5])))
        problems += damaged
    foreign = _unlisted(root, m)
    if foreign and m.complete:
        detail = (f"{len(foreign)} shard file(s) the manifest does not list, e.g. "
                  f"{', '.join(foreign[:3])}")
        if not allow_incomplete:
            raise FramingError(Errors.E616.format(path=root, detail=detail))
        problems.append(detail)
    if problems and warn:
        warnings.warn(FramingWarning(Warnings.W615.format(
            path=root, detail="; ".join(problems[:5]) + "; only the intact listed shards "
                              f"({len(good)}) are read")), stacklevel=3)
    return RunCheck(m, good, problems)


def _unlisted(root: Path, m: Manifest) -> list[str]:
    listed = {e.file for e in m.shards.values()} | {
        e.rejects_file for e in m.shards.values() if e.rejects_file}
    out = [p.name for p in sorted(root.iterdir()) if _SHARD.match(p.name)
           and p.name not in listed]
    rej = root / REJECTS_DIR
    if rej.is_dir():
        out += [f"{REJECTS_DIR}/{p.name}" for p in sorted(rej.iterdir())
                if _SHARD_REJECTS.match(p.name) and f"{REJECTS_DIR}/{p.name}" not in listed]
    return out


def _check(p: Path) -> None:
    if not p.exists():
        raise FramingError(Errors.E201.format(path=p))
    if p.is_file() and output_format(p) is None:
        raise FramingError(Errors.E610.format(path=p, manifest=MANIFEST))


def output_files(path: str | Path, *, allow_incomplete: bool = False,
                 verify: bool = True) -> list[Path]:
    """The labelled-record files of an output, in input order (a file: itself), after
    :func:`check_run`."""
    p = Path(path)
    if p.is_file():
        return [p]
    run = check_run(p, allow_incomplete=allow_incomplete, verify=verify)
    return [p / e.file for e in run.shards]


def iter_jsonl_results(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line, DocResult dict)`` of a JSONL output file; E507 at a line that is not one."""
    try:
        for n, raw in iter_lines(path):
            if not raw.strip():
                continue
            try:
                d = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
                raise FramingError(Errors.E507.format(
                    path=path, detail=f"line {n}: not JSON ({str(e)[:80]})")) from None
            if not isinstance(d, dict):
                raise FramingError(Errors.E507.format(
                    path=path, detail=f"line {n}: not a JSON object"))
            yield n, d
    except StreamBroken as e:
        raise FramingError(Errors.E507.format(path=path, detail=str(e))) from None
    except OSError as e:
        raise FramingError(Errors.E507.format(path=path, detail=e.strerror or e)) from None


def parquet_file(path: Path) -> Any:
    """``pyarrow.parquet.ParquetFile(path)``, or E905 when it is not readable Parquet."""
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except Exception as e:  # ArrowInvalid, OSError, ...: several types for corrupt files
        raise FramingError(Errors.E905.format(path=path, detail=str(e)[:200])) from None


def _parquet_rows(path: Path, columns: Sequence[str] | None = None
                  ) -> Iterator[dict[str, Any]]:
    pf = parquet_file(path)
    try:
        for batch in pf.iter_batches(batch_size=4096, columns=list(columns) if columns
                                     else None):
            yield from batch.to_pylist()
    except FramingError:
        raise
    except Exception as e:
        raise FramingError(Errors.E905.format(path=path, detail=str(e)[:200])) from None


def _result(d: dict[str, Any], path: Path, where: str) -> DocResult:
    try:
        return DocResult.from_dict(d)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise FramingError(Errors.E507.format(
            path=path, detail=f"{where}: not a labelled document ({type(e).__name__}: {e})")
        ) from None


def iter_output(path: str | Path, *, allow_incomplete: bool = False,
                verify: bool = True) -> Iterator[DocResult]:
    """Stream the DocResults of a file or directory output, in input order."""
    p = Path(path)
    _check(p)
    for f in output_files(p, allow_incomplete=allow_incomplete, verify=verify):
        if output_format(f) == "jsonl":
            for n, d in iter_jsonl_results(f):
                yield _result(d, f, f"line {n}")
        else:
            for i, row in enumerate(_parquet_rows(f), 1):
                try:
                    yield row_to_result(row)
                except (KeyError, TypeError, ValueError, AttributeError) as e:
                    raise FramingError(Errors.E507.format(
                        path=f, detail=f"row {i}: not a labelled document ({e})")) from None


def read_output(path: str | Path, *, allow_incomplete: bool = False,
                verify: bool = True) -> list[DocResult]:
    """All DocResults of a file or directory output, in input order (see :func:`iter_output`);
    repeated ids are kept and reported with a warning (W616)."""
    out = list(iter_output(path, allow_incomplete=allow_incomplete, verify=verify))
    counts = Counter(r.id for r in out)
    dup = {k: c for k, c in counts.items() if c > 1}
    if dup:
        ex = ", ".join(f"{k!r} x{c}" for k, c in list(dup.items())[:3])
        warnings.warn(FramingWarning(Warnings.W616.format(
            n=sum(dup.values()) - len(dup), examples=ex,
            action="read_output returns every copy")), stacklevel=2)
    return out


def iter_rejects(path: str | Path, *, allow_incomplete: bool = False) -> Iterator[dict[str, Any]]:
    """The rejects of an output (file: ``OUT.rejects.jsonl`` beside it), in input order."""
    p = Path(path)
    if p.is_file() or output_format(p) is not None:
        files = [p.with_name(p.stem + ".rejects.jsonl")]
    else:
        run = check_run(p, allow_incomplete=allow_incomplete, verify=False, warn=False)
        files = [p / e.rejects_file for e in run.shards if e.rejects_file]
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
               allow_incomplete: bool = False, verify: bool = True) -> Any:
    """The output as one ``pyarrow.Table`` in the Parquet layout of :mod:`framing.io.schema`
    (JSONL output is converted), reading only ``columns``."""
    import pyarrow as pa

    p = Path(path)
    _check(p)
    tables = []
    for f in output_files(p, allow_incomplete=allow_incomplete, verify=verify):
        if output_format(f) == "parquet":
            pf = parquet_file(f)
            try:
                tables.append(pf.read(columns=list(columns) if columns else None))
            except Exception as e:
                raise FramingError(Errors.E905.format(path=f, detail=str(e)[:200])) from None
            continue
        rows: list[dict[str, Any]] = []
        frame_ids: list[str] | None = None
        for n, d in iter_jsonl_results(f):
            res = _result(d, f, f"line {n}")
            frame_ids = frame_ids or list(res.frames)
            rows.append(result_row(res, frame_ids))
        t = pa.Table.from_pylist(rows, schema=parquet_schema(frame_ids or []))
        tables.append(t.select(list(columns)) if columns else t)
    if not tables:
        return pa.table({c: pa.array([], pa.string()) for c in (columns or ["id"])})
    return pa.concat_tables(tables, promote_options="default")
