"""Moved to :mod:`framing.io.articles` and :mod:`framing.io.dates` (re-exported here)."""

from framing.io.articles import ALIASES, normalise_meta
from framing.io.dates import parse_date

__all__ = ["ALIASES", "normalise_meta", "parse_date"]
