"""framing.io: every file framing reads or writes, in one place.

* **Reading inputs** (:mod:`~framing.io.rows`, :mod:`~framing.io.articles`): located row
  iterators for JSONL, JSON, CSV/TSV, Parquet, text/HTML files and folders of any of them
  (gzip looked through), with a :class:`Reject` and a numbered reason for every record that
  cannot be used; :func:`read_records` turns rows into Articles to label, :func:`read_rows`
  serves readers of training data. Nothing is merged, dropped or guessed.
* **Values and dates** (:mod:`~framing.io.values`, :mod:`~framing.io.dates`): one way to make
  a record's values storable, one date parser.
* **The results schema** (:mod:`~framing.io.schema`): how a DocResult is stored in JSONL and
  Parquet (``score__<frame>`` columns, ``*_json`` columns), for writers and every reader.
* **Labelled output** (:mod:`~framing.io.output`, :mod:`~framing.io.manifest`,
  :mod:`~framing.io.lock`, :mod:`~framing.io.tables`): one writer per output, manifests that
  readers check, and DataFrames / Datasets of documents or sentences.

Example:
    >>> import json, tempfile, pathlib
    >>> from framing.io import read_records, Reject
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "in.jsonl"
    >>> _ = p.write_text(json.dumps({"id": "a", "text": "Hi."}) + "\\n[1]\\n")
    >>> [(type(r).__name__, getattr(r, "code", None)) for r in read_records([p])]
    [('Article', None), ('Reject', 'E102')]
"""

from framing.io.articles import ALIASES, MAX_CHARS, IngestConfig, make_article, normalise_meta
from framing.io.articles import read_records as read_records
from framing.io.dates import check_date_format, parse_date
from framing.io.lock import OutputLock
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
from framing.io.records import IngestStats, Location, Reject, Row
from framing.io.rows import (
    FORMATS,
    ColumnsError,
    RowError,
    RowOptions,
    detect_format,
    iter_rows,
    read_rows,
)
from framing.io.schema import (
    MENTIONS_PREFIX,
    N_SENTENCES,
    SCORE_PREFIX,
    SHARE_PREFIX,
    frame_of,
    frames_in,
    mentions_column,
    parquet_schema,
    result_line,
    result_row,
    row_to_dict,
    row_to_result,
    score_column,
    share_column,
    stores_shares,
)
from framing.io.tables import (
    documents_dataset,
    documents_frame,
    sentences_dataset,
    sentences_frame,
)
from framing.io.values import check_text, json_safe

__all__ = [
    "ALIASES",
    "FORMATS",
    "MAX_CHARS",
    "MENTIONS_PREFIX",
    "N_SENTENCES",
    "SCORE_PREFIX",
    "SHARE_PREFIX",
    "ColumnsError",
    "IngestConfig",
    "IngestStats",
    "Location",
    "OutputLock",
    "Reject",
    "Row",
    "RowError",
    "RowOptions",
    "check_date_format",
    "check_run",
    "check_text",
    "detect_format",
    "documents_dataset",
    "documents_frame",
    "frame_of",
    "frames_in",
    "iter_output",
    "iter_rejects",
    "iter_rows",
    "json_safe",
    "load_manifest",
    "make_article",
    "mentions_column",
    "normalise_meta",
    "output_files",
    "parquet_schema",
    "parse_date",
    "read_output",
    "read_records",
    "read_rejects",
    "read_rows",
    "read_table",
    "result_line",
    "result_row",
    "row_to_dict",
    "row_to_result",
    "score_column",
    "sentences_dataset",
    "sentences_frame",
    "share_column",
    "stores_shares",
]
