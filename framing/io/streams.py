"""Opening input files: transparent gzip, and line iteration that says where a stream broke.

A truncated or damaged ``.gz`` file used to stop a run with "Aborted." and lose everything after
the damage. :func:`iter_lines` yields every complete line and then raises :class:`StreamBroken`
with the number of the first line it could not read, so the reader rejects "line N and
everything after it" with a reason and the run goes on with the next input.

Example:
    >>> import gzip, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl.gz"
    >>> _ = p.write_bytes(gzip.compress(b"one\\ntwo\\nthree\\n")[:-12])
    >>> lines = []
    >>> try:
    ...     for n, line in iter_lines(p):
    ...         lines.append(line)
    ... except StreamBroken as e:
    ...     print(lines, e.line)
    [b'one\\n', b'two\\n'] 3
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from framing.errors import Errors
from framing.io.records import Location, Reject

BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class StreamBroken(Exception):
    """The stream could not be read from line ``line`` on (``detail`` says why)."""

    def __init__(self, line: int, detail: str) -> None:
        super().__init__(f"line {line}: {detail}")
        self.line = line
        self.detail = detail


def is_gzip(path: Path) -> bool:
    return path.suffix.lower() == ".gz"


def open_binary(path: Path) -> IO[bytes]:
    """``path`` opened for binary reading, decompressed when it ends in ``.gz``."""
    if is_gzip(path):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")


def read_all(path: Path) -> bytes:
    """The whole (decompressed) content; :class:`StreamBroken` at line 1 when it cannot be
    read to the end."""
    try:
        with open_binary(path) as fh:
            return fh.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise StreamBroken(1, _why(e) + "; no part of it can be trusted") from None


def _why(e: BaseException) -> str:
    if isinstance(e, EOFError):
        return "the compressed file ends early (truncated)"
    if isinstance(e, gzip.BadGzipFile):
        return f"not a gzip file ({e})"
    if isinstance(e, zlib.error):
        return f"corrupt compressed data ({e})"
    return f"{type(e).__name__}: {e}"


def check_gzip(path: Path) -> None:
    """Read a ``.gz`` file through once: a file that merely ends early is fine here (its lines
    up to the cut are what was written); damaged data (a CRC mismatch, an invalid code,
    trailing garbage) raises :class:`StreamBroken` at line 1, because gzip checks its CRC only
    at the end and lines read before that point may already be altered."""
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except EOFError:
        return
    except (zlib.error, gzip.BadGzipFile) as e:
        raise StreamBroken(1, _why(e) + "; no line of it can be trusted") from None


def iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(line number, raw line with its ending)`` for every line, a UTF-8 byte-order mark
    removed from the first; raises :class:`StreamBroken` where reading stops early (for a
    damaged ``.gz`` file, before the first line: see :func:`check_gzip`).

    Opening errors (a missing or unreadable file) raise ``OSError`` as usual."""
    if is_gzip(path):
        check_gzip(path)
    fh = open_binary(path)
    n = 0
    with fh:
        while True:
            try:
                raw = fh.readline()
            except (EOFError, zlib.error, gzip.BadGzipFile) as e:
                raise StreamBroken(n + 1, _why(e)) from None
            except OSError as e:  # an I/O error in the middle of the file
                raise StreamBroken(n + 1, f"read error ({e.strerror or e})") from None
            if not raw:
                return
            n += 1
            if n == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
            yield n, raw


def utf16(first: bytes) -> bool:
    """Whether a file's first bytes are a UTF-16 byte-order mark (framing reads UTF-8)."""
    return first.startswith(UTF16_BOMS)


def broken(file: str, e: StreamBroken) -> Reject:
    """The reject for "line N and everything after it" of a stream that broke."""
    return Reject.at(Location(file, e.line), Errors.E118.format(detail=e.detail, line=e.line))
