"""Crash-safe file writes: write a temporary file, fsync it, rename it over the target.

A reader (or a resumed run) sees either the old file or the complete new one, never a torn
write, even after ``kill -9`` or a power cut: ``os.replace`` is atomic on POSIX and Windows
within one file system, and fsyncing the file before and the directory after the rename makes
the result durable.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.json"
    >>> atomic_write(p, b"{}")
    >>> p.read_bytes()
    b'{}'
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

from framing.errors import Errors, FramingError

#: Temporary files start with a dot, so dataset readers (pyarrow, pandas, dask) ignore them.
TMP_PREFIX = ".tmp-"


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Write ``data`` to ``path`` atomically and durably (see the module docstring)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}.{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_dir:
        fsync_dir(path.parent)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def os_error(e: OSError, path: str | Path | None = None, what: str = "write") -> FramingError:
    """An ``OSError`` as a numbered error naming the path: disk full (E901), permission denied
    (E902), read-only file system (E903), anything else (E904).

    Example:
        >>> import errno
        >>> str(os_error(OSError(errno.ENOSPC, "No space left on device"), "out.jsonl"))[:6]
        '[E901]'
    """
    where = str(path if path is not None else (e.filename or "(unknown path)"))
    detail = e.strerror or str(e)
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return FramingError(Errors.E901.format(path=where))
    if e.errno in (errno.EACCES, errno.EPERM):
        return FramingError(Errors.E902.format(path=where, detail=detail, what=what))
    if e.errno == errno.EROFS:
        return FramingError(Errors.E903.format(path=where))
    return FramingError(Errors.E904.format(what=what, path=where, detail=detail))
