"""Ingest: read article collections as a stream of Articles and Rejects.

Example:
    >>> from framing.ingest import IngestConfig, read_records
    >>> cfg = IngestConfig(text_field="body", id_field="doc_id")
"""

from framing.ingest.meta import normalise_meta, parse_date
from framing.ingest.readers import (
    FORMATS,
    IngestConfig,
    Reject,
    detect_format,
    make_article,
    read_records,
)
from framing.ingest.rejects import IngestStats, RejectsWriter

__all__ = [
    "FORMATS",
    "IngestConfig",
    "IngestStats",
    "Reject",
    "RejectsWriter",
    "detect_format",
    "make_article",
    "normalise_meta",
    "parse_date",
    "read_records",
]
