"""Moved to :mod:`framing.io` (this package re-exports the ingest names so existing imports
keep working).

Example:
    >>> from framing.ingest import IngestConfig, read_records
    >>> cfg = IngestConfig(text_field="body", id_field="doc_id")
"""

from framing.io.articles import IngestConfig, make_article, normalise_meta, read_records
from framing.io.dates import parse_date
from framing.io.records import IngestStats, Reject
from framing.io.rows import FORMATS, detect_format

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
