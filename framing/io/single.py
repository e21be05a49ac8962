"""The one text ``framing score`` analyses: ``--text``, standard input, or one .txt/.html file.

A collection given where one text is expected (a ``.jsonl``/``.csv``/``.parquet`` file, a
folder) is refused with E211 pointing to ``framing label``, instead of being scored as one
long text or reported as missing; text that is not valid UTF-8 (bytes a terminal passed through
undecoded) is refused with E212 instead of failing later.

Example:
    >>> read_one(None, "Leave it to the states.").text
    'Leave it to the states.'
    >>> try:
    ...     read_one("speeches.jsonl", None)
    ... except Exception as e:
    ...     print(str(e)[:6])
    [E211]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

from framing.errors import Errors, FramingError
from framing.io.records import Reject
from framing.io.rows import FILE_DOCS, RowOptions, format_of, iter_rows
from framing.io.values import SURROGATE
from framing.types import Article


def _checked(text: str, where: str) -> str:
    m = SURROGATE.search(text)
    if m is not None:
        raise FramingError(Errors.E212.format(where=where, pos=m.start()))
    if not text.strip():
        raise FramingError(Errors.E205)
    return text


def read_one(path: str | None, text: str | None, stdin: IO[str] | None = None) -> Article:
    """The text to score: ``text`` (``--text``), ``path`` ``-`` (standard input), or a .txt /
    .html file (HTML: its main text). Raises numbered errors (E205, E201, E211, E212)."""
    if text is not None:
        return Article(id="text", text=_checked(text, "with --text"))
    if path is None:
        raise FramingError(Errors.E205)
    if path == "-":
        stream = stdin or sys.stdin
        try:
            data = stream.read()
        except UnicodeDecodeError as e:
            raise FramingError(Errors.E212.format(where="on standard input",
                                                  pos=e.start)) from None
        return Article(id="stdin", text=_checked(data, "on standard input"))
    p = Path(path)
    fmt = format_of(p)
    if p.is_dir():
        raise FramingError(Errors.E211.format(path=p, what="a folder"))
    if fmt is not None and fmt not in FILE_DOCS:
        raise FramingError(Errors.E211.format(path=p, what=f"a {fmt} file (a collection of "
                                                            "records)"))
    if not p.exists():
        raise FramingError(Errors.E201.format(path=p))
    kind = fmt or "txt"
    item = next(iter(iter_rows(p, kind, RowOptions())))
    if isinstance(item, Reject):
        raise FramingError(f"{item.reason} ('{p}')")
    data = item.data["text"]
    return Article(id=str(item.data["id"]), text=_checked(data, f"in '{p}'"))
