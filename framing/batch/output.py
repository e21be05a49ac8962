"""Moved to :mod:`framing.io.output` (re-exported here so existing imports keep working)."""

from framing.io.output import (
    check_run,
    iter_output,
    iter_rejects,
    load_manifest,
    output_files,
    read_output,
    read_rejects,
    read_table,
)

__all__ = ["check_run", "iter_output", "iter_rejects", "load_manifest", "output_files",
           "read_output", "read_rejects", "read_table"]
