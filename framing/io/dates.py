"""One date parser for ingest and aggregation: exact where the value is clear, an error where
it is not, never a guess.

:func:`parse_date` returns an ISO date with the precision the value has (``2019``,
``2019-03`` or ``2019-03-04``) or raises a :class:`~framing.errors.RecordError` (``E106``)
saying why the value is unusable:

* ISO dates and timestamps (``2019-03-04``, ``2019-03-04T10:00:00Z``; the date as written, no
  time-zone shift), ``2019/03/04``, ``2019.03.04``, ``20190304`` (string or integer), ``2019-03``
  and a year (``2019``) are read directly;
* month names (``March 3, 2019``, ``3 Mar 2019``, ``Tue, 05 Mar 2019 10:00:00 GMT``) go through
  dateutil, and are refused when the year is missing (``March 3``);
* numeric day/month orders are read when only one order is possible (``25/03/2019``) and
  refused as ambiguous otherwise (``03/05/2019``: 3 May or 5 March?);
* a bare number that is not a plausible year or ``YYYYMMDD`` (``"5"``, ``1583020800``) is
  refused: Unix timestamps need ``date_format="unix"`` (or ``"unix_ms"``);
* years outside 1000-2999 are refused as implausible.

``date_format`` (``--date-format``) takes strptime codes (``%d/%m/%Y``) or ``unix`` /
``unix_ms``; values must then match it.

Example:
    >>> [parse_date(v) for v in ("2020/03/05", 20200105, "March 3, 2019", "2019-07", 2019)]
    ['2020-03-05', '2020-01-05', '2019-03-03', '2019-07', '2019']
    >>> parse_date("05/03/2020", date_format="%d/%m/%Y")
    '2020-03-05'
    >>> try:
    ...     parse_date("5")
    ... except Exception as e:
    ...     print(str(e)[:6], "not a year" in str(e))
    [E106] True
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from functools import lru_cache
from typing import Any

from framing.errors import Errors, FramingError, RecordError

#: Plausible years; anything else is a typo or a number that is not a year.
MIN_YEAR, MAX_YEAR = 1000, 2999
#: Special ``date_format`` values.
UNIX_FORMATS = ("unix", "unix_ms")

_Y = re.compile(r"^(\d{4})$")
_YM = re.compile(r"^(\d{4})-(\d{1,2})$")
_YMD8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YMD = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ](.*))?$")
_TIME = re.compile(r"^\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?$",
                   re.I)
_DMY = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_HAS_LETTER = re.compile(r"[A-Za-z]")
_FOUR_DIGITS = re.compile(r"(?<!\d)\d{4}(?!\d)")


def check_date_format(date_format: str | None) -> str | None:
    """``date_format`` if usable, else a FramingError (E213)."""
    if date_format is None or date_format in UNIX_FORMATS:
        return date_format
    if "%" not in date_format:
        raise FramingError(Errors.E213.format(fmt=date_format, detail="it has no % codes"))
    try:
        _dt.datetime(2001, 2, 3).strftime(date_format)
    except ValueError as e:
        raise FramingError(Errors.E213.format(fmt=date_format, detail=e)) from None
    if "%Y" not in date_format and "%G" not in date_format:
        raise FramingError(Errors.E213.format(
            fmt=date_format, detail="it has no four-digit year (%Y); two-digit years are "
                                    "ambiguous"))
    return date_format


def _bad(value: Any, field: str, detail: str) -> RecordError:
    return RecordError(Errors.E106.format(value=str(value)[:80], field=field, detail=detail))


def _year(y: int, value: Any, field: str) -> int:
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise _bad(value, field, f"year {y} is outside {MIN_YEAR}-{MAX_YEAR}")
    return y


def _ymd(y: int, m: int, d: int, value: Any, field: str) -> str:
    _year(y, value, field)
    try:
        return _dt.date(y, m, d).isoformat()
    except ValueError as e:
        raise _bad(value, field, f"no such day ({e})") from None


def parse_date(value: Any, field: str = "date", date_format: str | None = None) -> str | None:
    """The ISO form of ``value`` (see the module docstring); ``None`` for an empty value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, _dt.datetime):
        return _ymd(value.year, value.month, value.day, value, field)
    if isinstance(value, _dt.date):
        return _ymd(value.year, value.month, value.day, value, field)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad(repr(value), field, f"a {type(value).__name__} is not a date")
    if date_format in UNIX_FORMATS:
        return _unix(value, field, date_format == "unix_ms")
    if isinstance(value, float):
        if not value.is_integer():
            raise _bad(value, field, "a fractional number is not a date (for Unix timestamps "
                                     "pass --date-format unix)")
        value = int(value)
    s = str(value).strip()
    if date_format is not None:
        return _strptime(s, field, date_format)
    return _parse_str(s, field)


def _unix(value: Any, field: str, ms: bool) -> str:
    try:
        x = float(value)
        d = _dt.datetime.fromtimestamp(x / 1000 if ms else x, tz=_dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise _bad(value, field, "not a Unix timestamp") from None
    return _ymd(d.year, d.month, d.day, value, field)


def _strptime(s: str, field: str, fmt: str) -> str:
    try:
        d = _dt.datetime.strptime(s, fmt)
    except ValueError:
        raise _bad(s, field, f"does not match --date-format '{fmt}'") from None
    return _ymd(d.year, d.month, d.day, s, field)


@lru_cache(maxsize=65_536)
def _parse_str_cached(s: str) -> tuple[str | None, str | None]:
    """(iso, None) or (None, why): the same strings repeat a lot in a collection."""
    try:
        return _parse(s), None
    except _Unusable as e:
        return None, str(e)


class _Unusable(ValueError):
    pass


def _parse_str(s: str, field: str) -> str:
    iso, why = _parse_str_cached(s)
    if iso is None:
        raise _bad(s, field, why or "not a date")
    return iso


def _check_year(y: int) -> None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise _Unusable(f"year {y} is outside {MIN_YEAR}-{MAX_YEAR}")


def _date(y: int, m: int, d: int) -> str:
    _check_year(y)
    try:
        return _dt.date(y, m, d).isoformat()
    except ValueError as e:
        raise _Unusable(f"no such day ({e})") from None


def _parse(s: str) -> str:
    if m := _Y.match(s):
        y = int(m.group(1))
        _check_year(y)
        return f"{y:04d}"
    if m := _YM.match(s):
        y, mo = int(m.group(1)), int(m.group(2))
        _check_year(y)
        if not 1 <= mo <= 12:
            raise _Unusable(f"no month {mo}")
        return f"{y:04d}-{mo:02d}"
    if m := _YMD8.match(s):
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if (m := _YMD.match(s)) and (m.group(5) is None or _TIME.match(m.group(5).strip())):
        return _date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    if m := _DMY.match(s):
        a, b, ys = int(m.group(1)), int(m.group(3)), m.group(4)
        if len(ys) == 2:
            raise _Unusable("a two-digit year is ambiguous; pass --date-format")
        if a > 12 >= b:
            return _date(int(ys), b, a)
        if b > 12 >= a or a == b:
            return _date(int(ys), a, b)
        raise _Unusable(f"ambiguous: day {a} of month {b}, or day {b} of month {a}? Pass "
                        f"--date-format %d{m.group(2)}%m{m.group(2)}%Y or "
                        f"%m{m.group(2)}%d{m.group(2)}%Y")
    if _NUMBER.match(s):
        raise _Unusable("a number that is not a year or YYYYMMDD (for Unix timestamps pass "
                        "--date-format unix)")
    if not _HAS_LETTER.search(s):
        raise _Unusable("not a date")
    return _textual(s)


def _textual(s: str) -> str:
    """Dates with month names, through dateutil; a part dateutil had to fill in from its
    default (two different defaults give two different answers) is missing, not guessed."""
    from dateutil import parser as dp

    try:
        a = dp.parse(s, default=_dt.datetime(2000, 1, 1))
        b = dp.parse(s, default=_dt.datetime(2004, 2, 2))
    except (ValueError, OverflowError, TypeError) as e:
        raise _Unusable(f"not a date ({str(e)[:60]})") from None
    if not _FOUR_DIGITS.search(s):
        raise _Unusable("the year is missing or has two digits; pass --date-format")
    if a.year != b.year:
        raise _Unusable("the year is missing")
    _check_year(a.year)
    if a.month != b.month:
        return f"{a.year:04d}"
    if a.day != b.day:
        return f"{a.year:04d}-{a.month:02d}"
    return a.date().isoformat()
