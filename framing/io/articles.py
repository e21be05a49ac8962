"""Articles to label: rows read by :mod:`framing.io.rows`, validated and normalised.

:func:`read_records` streams, in input order, an :class:`~framing.types.Article` or a
:class:`~framing.io.records.Reject` for every input record, so ``read == labelled + rejected``.
Whatever one record holds (any Unicode, any nesting, any column type) it becomes an Article or a
Reject with a reason; it never stops the run.

Metadata: field aliases are renamed (``publication`` -> ``outlet``, ``published`` -> ``date``,
...), the date is parsed by the one date parser (:mod:`framing.io.dates`), every other field
is kept as it is (made JSON-safe by :func:`framing.io.values.json_safe`).

Example:
    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_text(json.dumps({"id": "1", "text": "Hi.", "published": "2019/03/04"})
    ...                  + "\\n{bad\\n")
    >>> items = list(read_records([p]))
    >>> [type(r).__name__ for r in items], items[0].meta
    (['Article', 'Reject'], {'date': '2019-03-04'})
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError, RecordError
from framing.io.dates import check_date_format, parse_date
from framing.io.records import Reject, Row
from framing.io.rows import FORMATS, RowOptions, detect_format, iter_rows
from framing.io.values import check_text, json_safe
from framing.types import Article

#: Longest accepted text (characters); spaCy needs memory proportional to it.
MAX_CHARS = 5_000_000

#: Alternative field names mapped to the standard metadata fields.
ALIASES: dict[str, str] = {
    "outlet": "outlet", "source": "outlet", "publication": "outlet", "publisher": "outlet",
    "site": "outlet", "sitename": "outlet", "media": "outlet", "media_name": "outlet",
    "newspaper": "outlet", "speaker": "speaker",
    "date": "date", "published": "date", "pub_date": "date", "publish_date": "date",
    "published_at": "date", "publication_date": "date", "datetime": "date", "timestamp": "date",
    "title": "title", "headline": "title",
    "author": "author", "authors": "author", "byline": "author",
    "url": "url", "link": "url",
}


@dataclass
class IngestConfig:
    """How to read inputs. ``input_format`` ``None`` means: guess from the file suffix.

    ``meta_fields`` ``None`` keeps every field besides text and id as metadata;
    ``date_format`` (strptime codes, or ``unix`` / ``unix_ms``) says how dates are written
    when they are not ISO (see :mod:`framing.io.dates`).
    """

    text_field: str = "text"
    id_field: str = "id"
    date_field: str | None = None
    input_format: str | None = None
    meta_fields: Sequence[str] | None = None
    max_chars: int = MAX_CHARS
    html_favor_precision: bool = True
    date_format: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.input_format is not None and self.input_format not in FORMATS:
            raise FramingError(Errors.E203.format(fmt=self.input_format,
                                                  formats=", ".join(FORMATS)))
        if not self.text_field:
            raise FramingError("[E203] --text-field must not be empty.")
        if self.max_chars <= 0:
            raise FramingError("[E203] --max-chars must be positive.")
        check_date_format(self.date_format)

    def row_options(self) -> RowOptions:
        return RowOptions(text_field=self.text_field, id_field=self.id_field,
                          html_favor_precision=self.html_favor_precision,
                          max_record_chars=max(4 * self.max_chars, 1_000_000))


Item = Article | Reject


def read_records(paths: Sequence[str | Path], config: IngestConfig | None = None
                 ) -> Iterator[Item]:
    """Stream Articles and Rejects from all inputs, in order (E201 for a missing input)."""
    cfg = config or IngestConfig()
    kinds = input_formats(paths, cfg)
    opts = cfg.row_options()
    columns = None
    if cfg.meta_fields is not None:
        columns = [cfg.text_field, cfg.id_field, *cfg.meta_fields]
    for path, kind in kinds:
        if kind == "parquet":
            _check_parquet_columns(path, cfg)
        for item in iter_rows(path, kind, opts, columns):
            yield item if isinstance(item, Reject) else make_article(item, cfg)


def input_formats(paths: Sequence[str | Path], cfg: IngestConfig) -> list[tuple[Path, str]]:
    """Each input with its reader, checked before anything is read (E201, E202)."""
    out = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise FramingError(Errors.E201.format(path=path))
        if path.is_dir():
            out.append((path, "folder"))
        else:
            out.append((path, cfg.input_format or detect_format(path)))
    return out


def _check_parquet_columns(path: Path, cfg: IngestConfig) -> None:
    """A Parquet input without the text column is a usage error (every row would fail)."""
    import pyarrow.parquet as pq

    try:
        names = pq.ParquetFile(path).schema_arrow.names
    except Exception:  # unreadable: the reader rejects it with a reason
        return
    if cfg.text_field not in names:
        raise FramingError(Errors.E206.format(path=path, field=cfg.text_field,
                                              columns=", ".join(names)))


def _record_id(value: Any, cfg: IngestConfig, default: str) -> str:
    if value is None or value == "":
        return default
    if isinstance(value, str):
        return check_text(value, cfg.id_field)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    raise RecordError(Errors.E115.format(field=cfg.id_field, kind=type(value).__name__))


def _safe_id(value: Any, default: str) -> str:
    """An id for the rejects file, whatever the record holds."""
    if isinstance(value, str) and value:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return default


def make_article(row: Row, cfg: IngestConfig, default_id: str | None = None) -> Item:
    """Validate one row and turn it into an Article, or a Reject saying why not (the id of a
    row without one: ``default_id``, else ``file:line``)."""
    obj, loc = row.data, row.loc
    default_id = default_id or loc.default_id
    raw_id = obj.get(cfg.id_field)
    try:
        rid = _record_id(raw_id, cfg, default_id)
        if cfg.text_field not in obj or obj[cfg.text_field] is None:
            raise RecordError(Errors.E103.format(field=cfg.text_field))
        text = obj[cfg.text_field]
        if isinstance(text, bytes | bytearray):
            text = json_safe(text, cfg.text_field)
        if not isinstance(text, str):
            raise RecordError(Errors.E107.format(field=cfg.text_field, kind=type(text).__name__))
        if not text.strip():
            raise RecordError(Errors.E104.format(field=cfg.text_field))
        if len(text) > cfg.max_chars:
            raise RecordError(Errors.E109.format(limit=cfg.max_chars, n=len(text)))
        check_text(text, cfg.text_field)
        raw_meta: dict[str, Any] = {}
        nested = obj.get("meta")
        if isinstance(nested, dict):
            raw_meta.update(nested)
        for k, v in obj.items():
            if k in (cfg.text_field, cfg.id_field, "meta"):
                continue
            if cfg.meta_fields is not None and k not in cfg.meta_fields:
                continue
            raw_meta[k] = v
        meta = normalise_meta(json_safe(raw_meta), date_field=cfg.date_field,
                              date_format=cfg.date_format)
    except RecordError as e:
        return Reject(file=loc.file, line=loc.line, code=e.code, reason=e.reason,
                      id=_safe_id(raw_id, default_id))
    return Article(id=rid, text=text, meta=meta)


def normalise_meta(raw: dict[str, Any], date_field: str | None = None,
                   date_format: str | None = None) -> dict[str, Any]:
    """Rename aliases to standard names, parse the date, keep every other field as it is.

    Example:
        >>> normalise_meta({"publication": "The Ledger", "published": "March 3, 2019"})
        {'outlet': 'The Ledger', 'date': '2019-03-03'}
    """
    out: dict[str, Any] = {}
    for k, v in raw.items():
        std = ALIASES.get(k.lower(), k) if isinstance(k, str) else str(k)
        if k == date_field:
            std = "date"
        if std in out and out[std] not in (None, ""):
            # keep the first non-empty value; remember the alternative under its own name
            out.setdefault(k, v)
            continue
        out[std] = v
    if isinstance(out.get("author"), list):
        out["author"] = "; ".join(str(a) for a in out["author"])
    if "date" in out:
        out["date"] = parse_date(out["date"], field=date_field or "date",
                                 date_format=date_format)
    return {k: v for k, v in out.items() if v is not None}
