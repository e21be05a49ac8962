"""Make any value a record can hold storable: JSON-ready, valid UTF-8, bounded nesting.

Readers return whatever the file holds: Parquet timestamps, decimals and bytes, JSON escapes
of half a character (lone surrogates), NaN, structures nested thousands of levels deep. Any of
these used to stop a whole run when the output was written. :func:`json_safe` converts what has
one clear text form (dates and times to ISO, decimals to their exact digits, UTF-8 bytes to
text, NaN to null) and raises a :class:`~framing.errors.RecordError` naming the field for what
has none, so the record is rejected with a reason and the run goes on.

Example:
    >>> import datetime, decimal
    >>> json_safe({"when": datetime.date(2020, 1, 5), "price": decimal.Decimal("1.10"),
    ...            "raw": b"caf\\xc3\\xa9", "gap": float("nan")})
    {'when': '2020-01-05', 'price': '1.10', 'raw': 'café', 'gap': None}
    >>> try:
    ...     json_safe({"id": "a\\ud800"})
    ... except Exception as e:
    ...     print(str(e)[:6])
    [E112]
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
import re
import uuid
from collections.abc import Mapping
from typing import Any

from framing.errors import Errors, RecordError

#: Deepest nesting of lists and objects a record may have (the JSON encoder and Arrow recurse).
MAX_DEPTH = 64
#: Any UTF-16 surrogate code point: Python strings can hold them, UTF-8 cannot.
SURROGATE = re.compile("[\ud800-\udfff]")
#: Surrogates that ``surrogateescape`` decoding leaves for undecodable bytes.
ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def check_text(value: str, field: str) -> str:
    """``value`` if it can be written as UTF-8, else a RecordError (E112) naming ``field``."""
    m = SURROGATE.search(value)
    if m is not None:
        raise RecordError(Errors.E112.format(field=field, cp=ord(m.group()), pos=m.start()))
    return value


def json_safe(value: Any, field: str = "record", depth: int = 0) -> Any:
    """``value`` as plain JSON types (dict/list/str/int/float/bool/None); see the module
    docstring. Raises :class:`~framing.errors.RecordError` (E112/E113/E114) for what cannot be
    stored."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return check_text(value, field)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if depth >= MAX_DEPTH:
        raise RecordError(Errors.E113.format(limit=MAX_DEPTH, where=f" (field '{field}')"))
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            key = check_text(k, f"{field} (a key)") if isinstance(k, str) else _key(k, field)
            out[key] = json_safe(v, key if depth == 0 and field == "record" else
                                 f"{field}.{key}", depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [json_safe(v, field, depth + 1) for v in value]
    return _scalar(value, field, depth)


def _key(k: Any, field: str) -> str:
    if k is None or isinstance(k, bool | int | float | str):
        return str(k)
    raise RecordError(Errors.E114.format(field=field, kind=f"a key of type {type(k).__name__}",
                                         detail="object keys must be text"))


def _scalar(value: Any, field: str, depth: int) -> Any:
    if isinstance(value, _dt.datetime | _dt.date | _dt.time):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(value) if value.is_finite() else json_safe(float(value), field, depth)
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        try:
            return check_text(data.decode("utf-8"), field)
        except UnicodeDecodeError as e:
            raise RecordError(Errors.E114.format(
                field=field, kind=f"{len(data)} bytes of binary data",
                detail=f"not UTF-8 text: byte {e.start}")) from None
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return [json_safe(v, field, depth + 1) for v in sorted(value, key=repr)]
    item = getattr(value, "item", None)  # numpy scalars (pandas inputs)
    if callable(item) and type(value).__module__ == "numpy":
        try:
            return json_safe(item(), field, depth)
        except (TypeError, ValueError):
            pass
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist) and type(value).__module__ == "numpy":
        return json_safe(tolist(), field, depth)
    raise RecordError(Errors.E114.format(field=field, kind=f"a value of type "
                                         f"{type(value).__name__}", detail="no text form"))
