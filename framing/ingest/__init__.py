"""Moved to :mod:`framing.io` (this package re-exports the ingest names so existing imports
keep working).

Example:
    >>> from framing.ingest import IngestConfig, read_records
    >>> cfg = IngestConfig(text_field="body", id_field="doc_id")
"""

from typing import Any

from framing.io.articles import IngestConfig, normalise_meta, read_records
from framing.io.articles import make_article as _make_article
from framing.io.dates import parse_date
from framing.io.records import IngestStats, Location, Reject, Row
from framing.io.rows import FORMATS, detect_format
from framing.types import Article


def make_article(obj: dict[str, Any], file: str, line: int | None, cfg: IngestConfig,
                 default_id: str) -> Article | Reject:
    """One mapping as an Article, or a Reject saying why not (the signature before
    :func:`framing.io.make_article`, which takes a located :class:`~framing.io.Row`)."""
    return _make_article(Row(obj, Location(file, line)), cfg, default_id=default_id)


__all__ = [
    "FORMATS",
    "IngestConfig",
    "IngestStats",
    "Reject",
    "detect_format",
    "make_article",
    "normalise_meta",
    "parse_date",
    "read_records",
]
