"""The results schema: how a :class:`~framing.types.DocResult` is stored, in one place.

JSON Lines output holds one ``DocResult.to_dict()`` per line. Parquet output (single files and
the shards of a directory run) has one row per document with these columns:

==================  ===================  =====================================================
column              type                 holds
==================  ===================  =====================================================
``id``              string               the document id
``outlet``, ``date``, ``title``, ``author``, ``url``
                    string               standard metadata (``date`` as ISO text), or null
``labels``          list<string>         frames the document uses, best first
``primary_frame``   string               the top frame, or null
``score__<frame>``  float32              one column per codebook frame: the document score
``share__<frame>``  float32              per frame: the fraction of the document's sentences
                                         labelled with it (null: none)
``mentions__<frame>``
                    int32                per frame: its evidence spans (null: none)
``n_sentences``     int32                the document's sentences (weights shares)
``meta_json``       string (JSON)        all metadata, as an object
``stance_json``     string (JSON)        stance results, as a list
``sentences_json``  string (JSON)        sentences with labels, scores and evidence
``model_json``      string (JSON)        what produced the result
==================  ===================  =====================================================

Every reader decodes rows with :func:`row_to_result` / :func:`row_to_dict` and finds frame
columns with :func:`score_column` / :func:`frame_of` (and :func:`share_column` /
:func:`mentions_column`, :func:`frame_of` with ``prefix``), so the naming lives here only.
Files written before shares and mentions were stored lack those columns; :func:`row_to_dict`
then leaves the ``shares`` / ``mentions`` keys out, so readers can tell "none" from "unknown"
(:func:`stores_shares`).

Example:
    >>> from framing.types import DocResult
    >>> r = DocResult("a", {"outlet": "X"}, {"federalism": 0.9}, ["federalism"], "federalism")
    >>> row = result_row(r, ["federalism"])
    >>> row["score__federalism"], frame_of("score__federalism"), frame_of("labels")
    (0.9, 'federalism', None)
    >>> row_to_result(row) == r
    True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from framing.types import STANDARD_META, DocResult

#: Prefix of the per-frame score columns.
SCORE_PREFIX = "score__"
#: Prefixes of the per-frame sentence-share and mention-count columns.
SHARE_PREFIX, MENTIONS_PREFIX = "share__", "mentions__"
#: The column of a document's sentence count.
N_SENTENCES = "n_sentences"
#: The columns holding the nested parts of a DocResult as JSON text.
META_JSON, STANCE_JSON, SENTENCES_JSON, MODEL_JSON = (
    "meta_json", "stance_json", "sentences_json", "model_json")
#: Those columns, the DocResult key each holds and its empty value.
JSON_COLUMNS: dict[str, tuple[str, Any]] = {
    META_JSON: ("meta", {}), STANCE_JSON: ("stance", []),
    SENTENCES_JSON: ("sentences", []), MODEL_JSON: ("model", {}),
}
#: Columns every Parquet output has (``score__<frame>`` columns come after ``primary_frame``).
BASE_COLUMNS = ("id", *STANDARD_META, "labels", "primary_frame")
#: Columns that mark a table as framing output.
MARKER_COLUMNS = frozenset({"id", "labels", "primary_frame", MODEL_JSON})


def score_column(frame: str) -> str:
    """The Parquet column of a frame's document score."""
    return f"{SCORE_PREFIX}{frame}"


def share_column(frame: str) -> str:
    """The Parquet column of a frame's sentence share."""
    return f"{SHARE_PREFIX}{frame}"


def mentions_column(frame: str) -> str:
    """The Parquet column of a frame's mention count."""
    return f"{MENTIONS_PREFIX}{frame}"


def frame_of(column: str, prefix: str = SCORE_PREFIX) -> str | None:
    """The frame a ``score__<frame>`` column (or ``prefix<frame>``) holds, else ``None``."""
    return column[len(prefix):] if column.startswith(prefix) else None


def frames_in(columns: Iterable[str], prefix: str = SCORE_PREFIX) -> list[str]:
    """The frames of the score columns (or ``prefix`` columns) among ``columns``, in order."""
    return [f for f in (frame_of(c, prefix) for c in columns) if f is not None]


def stores_shares(columns: Iterable[str]) -> bool:
    """Whether a Parquet layout stores sentence shares, mention counts and sentence counts
    (they came together; files written before have none of them)."""
    return N_SENTENCES in set(columns)


def is_result_table(columns: Iterable[str]) -> bool:
    """Whether a table's columns are this layout (any score or JSON column)."""
    cols = list(columns)
    return any(c in JSON_COLUMNS or c.startswith(SCORE_PREFIX) for c in cols)


def result_line(res: DocResult) -> str:
    """One DocResult as one JSON line (with the newline)."""
    return json.dumps(res.to_dict(), ensure_ascii=False) + "\n"


def line_to_result(line: str | bytes) -> DocResult:
    """Invert :func:`result_line`."""
    return DocResult.from_dict(json.loads(line))


def parquet_schema(frame_ids: Iterable[str]) -> Any:
    """The Arrow schema of Parquet output for a codebook's frames (see the module docstring)."""
    import pyarrow as pa

    fields = [pa.field("id", pa.string())]
    fields += [pa.field(m, pa.string()) for m in STANDARD_META]
    fields += [pa.field("labels", pa.list_(pa.string())),
               pa.field("primary_frame", pa.string())]
    frames = list(frame_ids)
    fields += [pa.field(score_column(f), pa.float32()) for f in frames]
    fields += [pa.field(share_column(f), pa.float32()) for f in frames]
    fields += [pa.field(mentions_column(f), pa.int32()) for f in frames]
    fields += [pa.field(N_SENTENCES, pa.int32())]
    fields += [pa.field(c, pa.string()) for c in JSON_COLUMNS]
    return pa.schema(fields)


def result_row(res: DocResult, frame_ids: Iterable[str]) -> dict[str, Any]:
    """One DocResult as a row of :func:`parquet_schema`."""
    d = res.to_dict()
    row: dict[str, Any] = {"id": d["id"]}
    for m in STANDARD_META:
        v = d["meta"].get(m)
        row[m] = None if v is None else str(v)
    row["labels"] = d["labels"]
    row["primary_frame"] = d["primary_frame"]
    frames = list(frame_ids)
    for f in frames:
        row[score_column(f)] = d["frames"].get(f)
    for f in frames:
        row[share_column(f)] = d["shares"].get(f)
    for f in frames:
        row[mentions_column(f)] = d["mentions"].get(f)
    row[N_SENTENCES] = len(d["sentences"])
    for col, (key, _) in JSON_COLUMNS.items():
        row[col] = json.dumps(d[key], ensure_ascii=False)
    return row


def _json(v: Any, default: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return default
    return json.loads(v) if isinstance(v, str | bytes) else v


def row_to_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A Parquet-layout row (all or some columns) as a ``DocResult.to_dict()``-shaped dict;
    standard metadata columns fill ``meta`` where ``meta_json`` was not read."""
    meta = dict(_json(row.get(META_JSON), {}))
    for k in STANDARD_META:
        if row.get(k) is not None and k not in meta:
            meta[k] = row[k]
    labels = row.get("labels")
    out: dict[str, Any] = {
        "id": row.get("id", ""), "meta": meta,
        "frames": {f: v for c, v in row.items()
                   if (f := frame_of(c)) is not None and v is not None},
        "labels": [] if labels is None else list(labels),
        "primary_frame": row.get("primary_frame"),
    }
    # left out (not empty) when the file predates these columns: "unknown", not "none"
    if N_SENTENCES in row or any(c.startswith(SHARE_PREFIX) for c in row):
        out["shares"] = _per_frame(row, SHARE_PREFIX, float)
    if N_SENTENCES in row or any(c.startswith(MENTIONS_PREFIX) for c in row):
        out["mentions"] = _per_frame(row, MENTIONS_PREFIX, int)
    for col, (key, default) in JSON_COLUMNS.items():
        if key != "meta":
            out[key] = _json(row.get(col), default)
    return out


def _per_frame(row: Mapping[str, Any], prefix: str, kind: Any) -> dict[str, Any]:
    return {f: kind(v) for c, v in row.items()
            if (f := frame_of(c, prefix)) is not None and v is not None
            and not (isinstance(v, float) and v != v)}


def row_to_result(row: Mapping[str, Any]) -> DocResult:
    """Invert :func:`result_row`."""
    return DocResult.from_dict(row_to_dict(row))


def results_table(results: Sequence[DocResult], frame_ids: Sequence[str] | None = None) -> Any:
    """DocResults as one Arrow table in the Parquet layout (frames from the first result when
    ``frame_ids`` is not given)."""
    import pyarrow as pa

    frames = list(frame_ids) if frame_ids is not None else (
        list(results[0].frames) if results else [])
    return pa.Table.from_pylist([result_row(r, frames) for r in results],
                                schema=parquet_schema(frames))
