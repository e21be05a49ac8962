"""Batch labelling: stream inputs through the Analyzer into one file or a directory of shards.

Sharded runs are resumable after any crash, run in parallel on one machine (``workers=N``) or
on a Dask cluster (``scheduler=...``), and give the same bytes whichever way they ran.

Example:
    >>> import json, tempfile, pathlib
    >>> from framing.batch import label, read_output
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "in.jsonl").write_text(json.dumps({"id": "a", "text": "Police made arrests."}))
    >>> s = label([d / "in.jsonl"], d / "out/", load_kwargs={"rules_only": True},
    ...           shard_size=100, progress=False)
    >>> s.shards, [r.id for r in read_output(d / "out")]
    (1, ['a'])
"""

from framing.batch.label import (
    DEFAULT_SHARD_SIZE,
    DEFAULT_SHARD_WORDS,
    BatchOptions,
    LabelSummary,
    default_workers,
    label,
)
from framing.batch.sinks import JsonlSink, ParquetSink, open_sink, read_results
from framing.io.manifest import Manifest, ShardEntry
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

__all__ = [
    "DEFAULT_SHARD_SIZE",
    "DEFAULT_SHARD_WORDS",
    "BatchOptions",
    "JsonlSink",
    "LabelSummary",
    "Manifest",
    "ParquetSink",
    "ShardEntry",
    "check_run",
    "default_workers",
    "iter_output",
    "iter_rejects",
    "label",
    "load_manifest",
    "open_sink",
    "output_files",
    "read_output",
    "read_rejects",
    "read_results",
    "read_table",
]
