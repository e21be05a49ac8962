"""Output encodings for labelled documents: JSON Lines (one DocResult per line) or Parquet.

The Parquet layout keeps columns that aggregation reads cheaply (``id``, ``outlet``, ``date``,
``title``, ``author``, ``url``, ``labels``, ``primary_frame``, one ``score__<frame>`` column per
frame) and the full nested record as JSON strings (``meta_json``, ``sentences_json``,
``stance_json``, ``model_json``), so nothing of the DocResult is lost.

The same encoders write single output files (:func:`open_sink`) and shards
(:func:`encode_results`, which returns the bytes of one shard file); both are deterministic:
the same results give the same bytes.

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
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from framing.errors import Errors, FramingError
from framing.types import STANDARD_META, DocResult

#: Output formats, by file suffix.
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
SHARD_FORMATS = ("parquet", "jsonl")
#: Rows per Parquet row group (single files; a shard is written as one table).
ROW_GROUP = 1000


def format_of(path: str | Path) -> str | None:
    """``"jsonl"`` / ``"parquet"`` for an output file name, else ``None``."""
    return SUFFIXES.get(Path(path).suffix.lower())


def jsonl_line(res: DocResult) -> str:
    """One DocResult as one JSON line (with the newline)."""
    return json.dumps(res.to_dict(), ensure_ascii=False) + "\n"


def parquet_schema(frame_ids: Iterable[str]) -> Any:
    """The Arrow schema of Parquet output for a codebook's frames (see the module docstring)."""
    import pyarrow as pa

    fields = [pa.field("id", pa.string())]
    fields += [pa.field(m, pa.string()) for m in STANDARD_META]
    fields += [pa.field("labels", pa.list_(pa.string())),
               pa.field("primary_frame", pa.string())]
    fields += [pa.field(f"score__{f}", pa.float32()) for f in frame_ids]
    fields += [pa.field(c, pa.string()) for c in
               ("meta_json", "stance_json", "sentences_json", "model_json")]
    return pa.schema(fields)


def parquet_row(res: DocResult, frame_ids: Iterable[str]) -> dict[str, Any]:
    """One DocResult as a row of :func:`parquet_schema`."""
    d = res.to_dict()
    row: dict[str, Any] = {"id": d["id"]}
    for m in STANDARD_META:
        v = d["meta"].get(m)
        row[m] = None if v is None else str(v)
    row["labels"] = d["labels"]
    row["primary_frame"] = d["primary_frame"]
    for f in frame_ids:
        row[f"score__{f}"] = d["frames"].get(f)
    row["meta_json"] = json.dumps(d["meta"], ensure_ascii=False)
    row["stance_json"] = json.dumps(d["stance"], ensure_ascii=False)
    row["sentences_json"] = json.dumps(d["sentences"], ensure_ascii=False)
    row["model_json"] = json.dumps(d["model"], ensure_ascii=False)
    return row


def row_to_result(row: dict[str, Any]) -> DocResult:
    """Invert :func:`parquet_row`."""
    return DocResult.from_dict({
        "id": row["id"], "meta": json.loads(row["meta_json"]),
        "frames": {k[len("score__"):]: v for k, v in row.items()
                   if k.startswith("score__") and v is not None},
        "labels": row["labels"], "primary_frame": row["primary_frame"],
        "stance": json.loads(row["stance_json"]),
        "sentences": json.loads(row["sentences_json"]),
        "model": json.loads(row["model_json"])})


class ShardEncoder:
    """Builds the bytes of one shard file result by result, keeping only the encoded form
    (JSON text, Arrow columns), not the DocResult objects, so a shard's memory stays small."""

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
        self.count += 1
        if self.fmt == "jsonl":
            self._parts.append(jsonl_line(res).encode("utf-8"))
            return
        self._rows.append(parquet_row(res, self.frame_ids))
        if len(self._rows) >= 256:
            self._flush()

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
                yield DocResult.from_dict(json.loads(line))
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
        self._fh.write(jsonl_line(res).encode("utf-8"))

    def write_encoded(self, data: bytes) -> None:
        """Append a shard encoded by :func:`encode_results` with ``fmt="jsonl"``."""
        self._fh.write(data)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlSink:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class ParquetSink:
    """Writes row groups of ``batch_rows`` DocResults; see the module docstring for columns.

    ``frame_ids`` ``None`` takes the schema from the first encoded shard written.
    """

    def __init__(self, path: Path, frame_ids: list[str] | None,
                 batch_rows: int = ROW_GROUP) -> None:
        self.path = path
        self.frame_ids = list(frame_ids) if frame_ids is not None else None
        self.batch_rows = batch_rows
        self._rows: list[dict[str, Any]] = []
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
        if self.frame_ids is None:
            self.frame_ids = list(res.frames)
            self._open(parquet_schema(self.frame_ids))
        self._rows.append(parquet_row(res, self.frame_ids))
        if len(self._rows) >= self.batch_rows:
            self._flush()

    def write_encoded(self, data: bytes) -> None:
        """Append a shard encoded by :func:`encode_results` with ``fmt="parquet"``."""
        import pyarrow.parquet as pq

        self._flush()
        table = pq.read_table(io.BytesIO(data))
        if self._writer is None:
            self.frame_ids = [c[len("score__"):] for c in table.column_names
                              if c.startswith("score__")]
            self._open(table.schema)
        if len(table):
            self._writer.write_table(table.cast(self.schema), row_group_size=self.batch_rows)

    def _flush(self) -> None:
        import pyarrow as pa

        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        if self._writer is None:  # nothing was written: still leave a valid, empty file
            self._open(parquet_schema(self.frame_ids or []))
        self._flush()
        self._writer.close()

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_sink(path: str | Path, frame_ids: list[str] | None) -> JsonlSink | ParquetSink:
    """A sink chosen by the output suffix (.jsonl or .parquet)."""
    path = Path(path)
    fmt = format_of(path)
    if fmt == "jsonl":
        return JsonlSink(path)
    if fmt == "parquet":
        return ParquetSink(path, frame_ids)
    raise FramingError(Errors.E204.format(path=path))


def read_results(path: str | Path) -> list[DocResult]:
    """Read back a JSONL or Parquet output file, or a sharded output directory."""
    from framing.batch.output import read_output

    return read_output(path)
