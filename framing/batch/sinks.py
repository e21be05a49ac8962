"""Output sinks for labelled documents: JSON Lines (one DocResult per line) or Parquet.

The Parquet layout keeps columns that aggregation reads cheaply (``id``, ``outlet``, ``date``,
``title``, ``labels``, ``primary_frame``, one ``score__<frame>`` column per frame) and the full
nested record as JSON strings (``meta_json``, ``sentences_json``, ``stance_json``,
``model_json``), so nothing of the DocResult is lost.

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

import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from framing.errors import Errors, FramingError
from framing.types import STANDARD_META, DocResult


class JsonlSink:
    """Writes one DocResult JSON object per line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = open(path, "w", encoding="utf-8")

    def write(self, res: DocResult) -> None:
        self._fh.write(json.dumps(res.to_dict(), ensure_ascii=False) + "\n")

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> JsonlSink:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class ParquetSink:
    """Writes row groups of ``batch_rows`` DocResults; see the module docstring for columns."""

    def __init__(self, path: Path, frame_ids: list[str], batch_rows: int = 1000) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = path
        self.frame_ids = list(frame_ids)
        self.batch_rows = batch_rows
        self._rows: list[dict[str, Any]] = []
        fields = [pa.field("id", pa.string())]
        fields += [pa.field(m, pa.string()) for m in STANDARD_META]
        fields += [pa.field("labels", pa.list_(pa.string())),
                   pa.field("primary_frame", pa.string())]
        fields += [pa.field(f"score__{f}", pa.float32()) for f in self.frame_ids]
        fields += [pa.field(c, pa.string()) for c in
                   ("meta_json", "stance_json", "sentences_json", "model_json")]
        self.schema = pa.schema(fields)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = pq.ParquetWriter(path, self.schema, compression="zstd")

    def write(self, res: DocResult) -> None:
        d = res.to_dict()
        row: dict[str, Any] = {"id": d["id"]}
        for m in STANDARD_META:
            v = d["meta"].get(m)
            row[m] = None if v is None else str(v)
        row["labels"] = d["labels"]
        row["primary_frame"] = d["primary_frame"]
        for f in self.frame_ids:
            row[f"score__{f}"] = d["frames"].get(f)
        row["meta_json"] = json.dumps(d["meta"], ensure_ascii=False)
        row["stance_json"] = json.dumps(d["stance"], ensure_ascii=False)
        row["sentences_json"] = json.dumps(d["sentences"], ensure_ascii=False)
        row["model_json"] = json.dumps(d["model"], ensure_ascii=False)
        self._rows.append(row)
        if len(self._rows) >= self.batch_rows:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def open_sink(path: str | Path, frame_ids: list[str]) -> JsonlSink | ParquetSink:
    """A sink chosen by the output suffix (.jsonl or .parquet)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return JsonlSink(path)
    if suffix in (".parquet", ".pq"):
        return ParquetSink(path, frame_ids)
    raise FramingError(Errors.E204.format(path=path))


def read_results(path: str | Path) -> list[DocResult]:
    """Read back a JSONL or Parquet output (small files; for tests and inspection)."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        out = []
        for row in pq.read_table(path).to_pylist():
            out.append(DocResult.from_dict({
                "id": row["id"], "meta": json.loads(row["meta_json"]),
                "frames": {k[len("score__"):]: v for k, v in row.items()
                           if k.startswith("score__") and v is not None},
                "labels": row["labels"], "primary_frame": row["primary_frame"],
                "stance": json.loads(row["stance_json"]),
                "sentences": json.loads(row["sentences_json"]),
                "model": json.loads(row["model_json"])}))
        return out
    with open(path, encoding="utf-8") as fh:
        return [DocResult.from_dict(json.loads(line)) for line in fh if line.strip()]
