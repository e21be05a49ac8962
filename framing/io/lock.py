"""One writer per output: an exclusive lock file beside every output file or directory.

A run that writes ``out.jsonl`` or ``OUTDIR/`` first takes ``.out.jsonl.lock`` /
``.OUTDIR.lock`` in the same folder (a hidden name, so dataset readers skip it). The lock file
holds the writer's pid, host and start time, and the writer keeps an exclusive ``flock`` on it
for as long as it runs: the kernel drops that lock when the process ends in any way (``kill
-9`` included), so a lock left by a dead run is *stale* and the next run takes it over, while a
second run next to a live one is refused with E614 naming the pid and host. Where ``flock`` is
not available the lock is an exclusive create plus a pid check on the same host.

Example:
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "labels.jsonl"
    >>> with OutputLock(out) as lock:
    ...     try:
    ...         OutputLock(out).acquire()
    ...     except Exception as e:
    ...         print(str(e)[:6], lock.path.name)
    [E614] .labels.jsonl.lock
    >>> lock.path.exists()
    False
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import os
import socket
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any

from framing.errors import Errors, FramingError, FramingWarning, Warnings

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


_NAMED = (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS)


def lock_path(target: str | Path) -> Path:
    """The lock file of an output: ``dir/out.jsonl`` -> ``dir/.out.jsonl.lock``."""
    t = Path(os.path.abspath(target))
    return t.with_name(f".{t.name}.lock")


def _holder(path: Path) -> dict[str, Any]:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return d if isinstance(d, dict) else {}
    except (OSError, ValueError):
        return {}


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this host (a zombie, killed but not yet reaped, does
    not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    try:  # a zombie (killed, not yet reaped) holds nothing any more
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def holder_alive(info: dict[str, Any]) -> bool:
    """Whether the process a lock file names is still running (unknown host: assumed yes)."""
    pid = info.get("pid")
    if not isinstance(pid, int):
        return False
    if info.get("host") != socket.gethostname():
        return True
    return pid_alive(pid)


class OutputLock:
    """The exclusive lock of one output (see the module docstring); a context manager."""

    def __init__(self, target: str | Path) -> None:
        self.target = Path(target)
        self.path = lock_path(target)
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        """Take the lock, or raise E614 (held by a live run) / E615 (cannot be created)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if fcntl is not None:
                self._acquire_flock()
            else:  # pragma: no cover - Windows
                self._acquire_exclusive()
        except OSError as e:
            if e.errno in _NAMED:  # disk full, permission denied, read-only: say which
                from framing.io.fsutil import os_error

                raise os_error(e, self.target, "write") from None
            raise FramingError(Errors.E615.format(path=self.target,
                                                  detail=e.strerror or e)) from None
        return self

    def _acquire_flock(self) -> None:
        assert fcntl is not None
        for _ in range(10):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                self._refuse(_holder(self.path))
            # the file may have been removed (released) between open and flock: lock the file
            # that is at the path now, not an unlinked one
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            old = _holder(self.path)
            if old.get("pid") not in (None, os.getpid()):
                warnings.warn(FramingWarning(Warnings.W619.format(
                    path=self.target, pid=old.get("pid"), host=old.get("host", "?"))),
                    stacklevel=4)
            self._fd = fd
            self._write(fd)
            return
        raise OSError(f"the lock file {self.path} keeps changing")

    def _acquire_exclusive(self) -> None:  # pragma: no cover - Windows
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                info = _holder(self.path)
                if holder_alive(info):
                    self._refuse(info)
                warnings.warn(FramingWarning(Warnings.W619.format(
                    path=self.target, pid=info.get("pid"), host=info.get("host", "?"))),
                    stacklevel=4)
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                continue
            self._fd = fd
            self._write(fd)
            return
        raise OSError(f"could not create {self.path}")

    def _refuse(self, info: dict[str, Any]) -> None:
        raise FramingError(Errors.E614.format(
            path=self.target, pid=info.get("pid", "?"), host=info.get("host", "?"),
            since=info.get("started", "?"), lock=self.path))

    def _write(self, fd: int) -> None:
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "target": str(self.target)}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode("utf-8"), 0)

    def release(self) -> None:
        """Remove the lock file and drop the lock (idempotent)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> OutputLock:
        return self.acquire() if self._fd is None else self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def writer_of(target: str | Path) -> dict[str, Any] | None:
    """The live run writing ``target`` (pid, host, started), or ``None`` when none is.

    Readers use it to refuse a directory that a run is still writing. It only reads the lock
    file (taking even a shared lock could make a run starting at that moment fail), so a lock
    left on another host counts as live."""
    path = lock_path(target)
    if not path.exists():
        return None
    info = _holder(path)
    return info if holder_alive(info) else None
