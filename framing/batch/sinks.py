"""Writers of labelled documents: JSON Lines (one DocResult per line) or Parquet, in the
layout of :mod:`framing.io.schema` (the one place the columns are named).

The same encoders write single output files (:func:`open_sink`) and shards
(:class:`ShardEncoder`, which returns the bytes of one shard file); both are deterministic, and a
single Parquet file is cut into row groups of ``ROW_GROUP`` documents whatever the shards were,
so its bytes do not depend on how the work was split (workers, shard size).

Example:
    >>> import tempfile, pathlib
    >>> from framing.types import DocResult
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "o.jsonl"
    >>> with open_sink(p, ["federalism"]) as sink:
    ...     sink.write(DocResult("a", {}, {"federalism": 0.9}, ["federalism"], "federalism"))
    >>> p.read_text().count("\\n")
    1
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from framing.errors import Errors, FramingError
from framing.io.output import OUTPUT_SUFFIXES, output_format, read_output
from framing.io.schema import (
    frames_in,
    line_to_result,
    parquet_schema,
    result_line,
    result_row,
    row_to_result,
)
from framing.types import DocResult

#: Output formats, by file suffix.
SUFFIXES = OUTPUT_SUFFIXES
SHARD_FORMATS = ("parquet", "jsonl")
#: Rows per Parquet row group of a single output file.
ROW_GROUP = 1000

# the names of the results schema, kept here for existing imports
jsonl_line = result_line
parquet_row = result_row
format_of = output_format

__all__ = ["ROW_GROUP", "SHARD_FORMATS", "SUFFIXES", "JsonlSink", "ParquetSink", "ShardEncoder",
           "decode_results", "encode_results", "format_of", "jsonl_line", "open_sink",
           "parquet_row", "parquet_schema", "read_results", "row_to_result"]


class ShardEncoder:
    """Builds the bytes of one shard file result by result, keeping only the encoded form
    (JSON text, Arrow columns), not the DocResult objects, so a shard's memory stays small.

    :meth:`add` encodes a result completely before keeping it, so a result that cannot be
    encoded raises and leaves the shard as it was (the caller rejects that document)."""

    def __init__(self, fmt: str, frame_ids: list[str]) -> None:
        if fmt not in SHARD_FORMATS:
            raise ValueError(f"unknown shard format {fmt!r}")
        self.fmt = fmt
        self.frame_ids = list(frame_ids)
        self.count = 0
        self._parts: list[Any] = []
        self._rows: list[dict[str, Any]] = []
        self._schema: Any = parquet_schema(self.frame_ids) if fmt == "parquet" else None

    def add(self, res: DocResult) -> None:
        if self.fmt == "jsonl":
            self._parts.append(result_line(res).encode("utf-8"))
        else:
            self._rows.append(result_row(res, self.frame_ids))
            if len(self._rows) >= 256:
                self._flush()
        self.count += 1

    def _flush(self) -> None:
        import pyarrow as pa

        if self._rows:
            self._parts.append(pa.RecordBatch.from_pylist(self._rows, schema=self._schema))
            self._rows = []

    def finish(self) -> bytes:
        """The file's bytes (deterministic: equal results give equal bytes)."""
        if self.fmt == "jsonl":
            return b"".join(self._parts)
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._flush()
        table = pa.Table.from_batches(self._parts, schema=self._schema).combine_chunks()
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd", row_group_size=max(1, len(table)))
        return buf.getvalue()


def encode_results(results: Iterable[DocResult], fmt: str, frame_ids: list[str]) -> bytes:
    """The bytes of one shard file holding ``results`` (deterministic for equal input)."""
    enc = ShardEncoder(fmt, frame_ids)
    for r in results:
        enc.add(r)
    return enc.finish()


def decode_results(data: bytes, fmt: str) -> Iterator[DocResult]:
    """Invert :func:`encode_results`."""
    if fmt == "jsonl":
        for line in data.decode("utf-8").splitlines():
            if line.strip():
                yield line_to_result(line)
        return
    import pyarrow.parquet as pq

    for row in pq.read_table(io.BytesIO(data)).to_pylist():
        yield row_to_result(row)


class JsonlSink:
    """Writes one DocResult JSON object per line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[bytes] = open(path, "wb")

    def write(self, res: DocResult) -> None:
        self._fh.write(result_line(res).encode("utf-8"))

    def write_encoded(self, data: bytes) -> None:
        """Append a shard encoded by :class:`ShardEncoder` with ``fmt="jsonl"``."""
        self._fh.write(data)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlSink:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class ParquetSink:
    """Writes row groups of exactly ``batch_rows`` DocResults (the last one shorter), whether
    they come one by one or as encoded shards.

    ``frame_ids`` ``None`` takes the schema from the first result or shard written.
    """

    def __init__(self, path: Path, frame_ids: list[str] | None,
                 batch_rows: int = ROW_GROUP) -> None:
        self.path = path
        self.frame_ids = list(frame_ids) if frame_ids is not None else None
        self.batch_rows = batch_rows
        self._rows: list[dict[str, Any]] = []
        self._tables: list[Any] = []
        self._pending = 0
        self._writer: Any = None
        self.schema: Any = None
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.frame_ids is not None:
            self._open(parquet_schema(self.frame_ids))

    def _open(self, schema: Any) -> None:
        import pyarrow.parquet as pq

        self.schema = schema
        self._writer = pq.ParquetWriter(self.path, schema, compression="zstd")

    def write(self, res: DocResult) -> None:
        import pyarrow as pa

        if self.frame_ids is None:
            self.frame_ids = list(res.frames)
            self._open(parquet_schema(self.frame_ids))
        self._rows.append(result_row(res, self.frame_ids))
        if len(self._rows) >= 256:
            self._add(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def write_encoded(self, data: bytes) -> None:
        """Append a shard encoded by :class:`ShardEncoder` with ``fmt="parquet"``."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(data))
        if self._writer is None:  # the schema by name (not the read-back one: Parquet
            self.frame_ids = frames_in(table.column_names)  # names list items "element")
            self._open(parquet_schema(self.frame_ids))
        if self._rows:
            self._add(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []
        if len(table):
            self._add(table.cast(self.schema))

    def _add(self, table: Any, final: bool = False) -> None:
        """Queue ``table``; write every complete row group of ``batch_rows`` rows."""
        import pyarrow as pa

        if len(table):
            self._tables.append(table)
            self._pending += len(table)
        if self._pending < self.batch_rows and not (final and self._pending):
            return
        whole = pa.concat_tables(self._tables).combine_chunks()
        n_full = len(whole) if final else len(whole) // self.batch_rows * self.batch_rows
        for start in range(0, n_full, self.batch_rows):
            part = whole.slice(start, min(self.batch_rows, n_full - start))
            self._writer.write_table(part, row_group_size=self.batch_rows)
        rest = whole.slice(n_full)
        self._tables = [rest] if len(rest) else []
        self._pending = len(rest)

    def close(self) -> None:
        import pyarrow as pa

        if self._writer is None:  # nothing was written: still leave a valid, empty file
            self._open(parquet_schema(self.frame_ids or []))
        if self._rows:
            self._add(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []
        if self._pending:
            self._add(pa.table({}), final=True)
        self._writer.close()

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_sink(path: str | Path, frame_ids: list[str] | None) -> JsonlSink | ParquetSink:
    """A sink chosen by the output suffix (.jsonl or .parquet)."""
    path = Path(path)
    fmt = output_format(path)
    if fmt == "jsonl":
        return JsonlSink(path)
    if fmt == "parquet":
        return ParquetSink(path, frame_ids)
    raise FramingError(Errors.E204.format(path=path))


def read_results(path: str | Path) -> list[DocResult]:
    """Read back a JSONL or Parquet output file, or a sharded output directory."""
    return read_output(path)
