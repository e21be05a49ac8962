"""Metadata normalisation: field aliases and ISO dates.

Example:
    >>> from framing.ingest.meta import normalise_meta
    >>> normalise_meta({"publication": "The Ledger", "published": "March 3, 2019"})
    {'outlet': 'The Ledger', 'date': '2019-03-03'}
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from dateutil import parser as _dateparser

from framing.errors import Errors, RecordError

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


def parse_date(value: Any, field: str = "date") -> str | None:
    """Parse many date spellings to ``YYYY-MM-DD``; ``None``/empty stays ``None``.

    Raises a :class:`RecordError` (``E106``) when a non-empty value cannot be parsed.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # a bare year, or a Unix timestamp in seconds
        if 1000 <= value <= 9999:
            return f"{int(value):04d}-01-01"
        try:
            return _dt.datetime.fromtimestamp(float(value), tz=_dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            raise RecordError(Errors.E106.format(value=value, field=field)) from None
    s = str(value).strip()
    try:
        # fixed default so missing parts are deterministic (day 1 of month 1)
        d = _dateparser.parse(s, default=_dt.datetime(2000, 1, 1))
    except (ValueError, OverflowError, TypeError):
        raise RecordError(Errors.E106.format(value=s[:80], field=field)) from None
    return d.date().isoformat()


def normalise_meta(raw: dict[str, Any], date_field: str | None = None) -> dict[str, Any]:
    """Rename aliases to standard names, parse the date, keep every other field as it is."""
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
        out["date"] = parse_date(out["date"], field=date_field or "date")
    return {k: v for k, v in out.items() if v is not None}
