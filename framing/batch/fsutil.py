"""Moved to :mod:`framing.io.fsutil` (kept so existing imports work)."""

from framing.io.fsutil import TMP_PREFIX, atomic_write, fsync_dir, sha256_bytes, sha256_file

__all__ = ["TMP_PREFIX", "atomic_write", "fsync_dir", "sha256_bytes", "sha256_file"]
