"""Moved to :mod:`framing.io.rows` and :mod:`framing.io.articles` (re-exported here)."""

from framing.ingest import make_article
from framing.io.articles import MAX_CHARS, IngestConfig, read_records
from framing.io.records import Reject
from framing.io.rows import FORMATS, detect_format

__all__ = ["FORMATS", "MAX_CHARS", "IngestConfig", "Reject", "detect_format", "make_article",
           "read_records"]
