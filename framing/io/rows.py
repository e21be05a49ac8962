"""Located row iterators: JSON Lines, JSON arrays, CSV, TSV, Parquet, text and HTML files, and
folders of any of them (gzip looked through), each row with its file and line, each problem a
:class:`~framing.io.records.Reject` with a numbered reason.

:func:`iter_rows` is the one place input files are parsed; ingest (articles to label), the
training-data readers and aggregation build on it. It never merges, drops or reorders rows
silently:

* **JSONL**: one row per line; a UTF-8 byte-order mark is removed; a line that is not UTF-8,
  not JSON, nested too deep or not an object is rejected alone (E105/E101/E113/E102);
* **CSV/TSV**: RFC 4180 quoting, fields spanning lines included; a quoted field that does not
  close properly rejects only the line it opened on (E117) and reading goes on with the next
  line, so it never swallows the rows after it; a row with the wrong number of fields is
  rejected (E111); in TSV a line whose quotes do not follow RFC 4180 is read as written
  (IANA TSV has no quoting), so a text starting with a quote keeps it;
* **compressed** streams that end early or are damaged reject "line N and everything after
  it" (E118);
* **Parquet** is read row group by row group; a group that cannot be read rejects its rows
  (E119); a column Python cannot convert rejects only the rows it fails on (E120);
* **folders** are walked in sorted order: data files with their reader, ``.txt``/``.html``
  files as one document each (ids are relative paths without the suffix, or with it where two
  files would otherwise share an id); hidden files are skipped, other files are rejected
  (E116).

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_bytes(b'id,text\\n1,"never closed\\n2,fine\\n')
    >>> [(type(r).__name__, r.line if hasattr(r, "line") else str(r.loc)) for r in iter_rows(p)]
    [('Reject', 2), ('Row', 'line 3 of a.csv')]
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from framing.errors import Errors, FramingError
from framing.io.csvrows import read_csv, read_tsv
from framing.io.records import Location, Reject, Row, RowOptions
from framing.io.streams import StreamBroken, broken, iter_lines, read_all, utf16
from framing.io.values import MAX_DEPTH

#: Reader names (``--input-format``).
FORMATS = ("jsonl", "json", "csv", "tsv", "parquet", "txt", "html", "folder")
#: File suffix -> reader (``.gz`` is looked through).
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv",
            ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
            ".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html"}
#: Whole-file documents (one record per file).
FILE_DOCS = ("txt", "html")

Item = Row | Reject


def detect_format(path: Path) -> str:
    """The reader for ``path``: ``folder`` for a directory, else by suffix (``.gz`` is looked
    through); E202 when the suffix is unknown."""
    if path.is_dir():
        return "folder"
    fmt = format_of(path)
    if fmt is None:
        raise FramingError(Errors.E202.format(path=path, formats=", ".join(FORMATS)))
    return fmt


def format_of(path: Path) -> str | None:
    """The reader a file name asks for, or ``None``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return SUFFIXES.get(suffixes[-1]) if suffixes else None


def iter_rows(path: str | Path, fmt: str | None = None, options: RowOptions | None = None,
              columns: Sequence[str] | None = None) -> Iterator[Item]:
    """Every row of ``path`` (a file or folder) in order, or a Reject saying why not.

    ``fmt`` forces a reader for a file; ``columns`` limits the Parquet columns read. A missing
    path is an error (E201); everything wrong *inside* a file is a Reject."""
    p = Path(path)
    if not p.exists():
        raise FramingError(Errors.E201.format(path=p))
    opts = options or RowOptions()
    kind = "folder" if p.is_dir() else (fmt or detect_format(p))
    if kind not in _READERS:
        raise FramingError(Errors.E203.format(fmt=kind, formats=", ".join(FORMATS)))
    if kind == "folder":
        yield from _read_folder(p, opts, columns)
    elif kind in FILE_DOCS:
        yield from _read_file_doc(p, kind, opts, _file_id(p, None, set()))
    else:
        yield from _READERS[kind](p, opts, columns)


# ----- JSON ---------------------------------------------------------------------------------
def _decode_json(raw: bytes, loc: Location) -> Item:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return Reject.at(loc, Errors.E105.format(encoding="UTF-8",
                                                 detail=f"byte {e.start} of the line"),
                         loc.default_id)
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        return Reject.at(loc, Errors.E101.format(detail=f"{e.msg} at column {e.colno}"),
                         loc.default_id)
    except RecursionError:
        return Reject.at(loc, Errors.E113.format(limit=MAX_DEPTH, where=""), loc.default_id)
    if not isinstance(obj, dict):
        return Reject.at(loc, Errors.E102.format(kind=type(obj).__name__), loc.default_id)
    return Row(obj, loc)


def _read_jsonl(path: Path, opts: RowOptions, columns: Sequence[str] | None) -> Iterator[Item]:
    file = str(path)
    try:
        for n, raw in iter_lines(path):
            if n == 1 and utf16(raw):
                yield Reject.at(Location(file, None), Errors.E105.format(
                    encoding="UTF-8", detail="the file is UTF-16 (it starts with a UTF-16 "
                                             "byte-order mark); save it as UTF-8"))
                return
            if not raw.strip():
                continue
            yield _decode_json(raw, Location(file, n))
    except StreamBroken as e:
        yield broken(file, e)
    except OSError as e:
        yield Reject.at(Location(file, None), Errors.E110.format(detail=e))


def _read_json(path: Path, opts: RowOptions, columns: Sequence[str] | None) -> Iterator[Item]:
    """A .json file: JSON Lines unless it starts with ``[`` (one array, read whole)."""
    file = str(path)
    try:
        data = read_all(path)
    except StreamBroken as e:
        yield broken(file, e)
        return
    except OSError as e:
        yield Reject.at(Location(file, None), Errors.E110.format(detail=e))
        return
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"["):
        yield from _read_jsonl(path, opts, columns)
        return
    whole = Location(file, None)
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        yield Reject.at(whole, Errors.E105.format(encoding="UTF-8", detail=f"byte {e.start}"))
        return
    except json.JSONDecodeError as e:
        yield Reject.at(whole, Errors.E101.format(detail=f"{e.msg} at line {e.lineno}"))
        return
    except RecursionError:
        yield Reject.at(whole, Errors.E113.format(limit=MAX_DEPTH, where=""))
        return
    if not isinstance(items, list):
        yield Reject.at(whole, Errors.E102.format(kind=type(items).__name__))
        return
    for i, obj in enumerate(items, 1):
        loc = Location(file, i, "item")
        if isinstance(obj, dict):
            yield Row(obj, loc)
        else:
            yield Reject.at(loc, Errors.E102.format(kind=type(obj).__name__), loc.default_id)


# ----- Parquet ------------------------------------------------------------------------------
def _read_parquet(path: Path, opts: RowOptions, columns: Sequence[str] | None
                  ) -> Iterator[Item]:
    import pyarrow.parquet as pq

    file = str(path)
    try:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        n_groups = pf.metadata.num_row_groups
        sizes = [pf.metadata.row_group(i).num_rows for i in range(n_groups)]
    except Exception as e:  # pyarrow raises several types for corrupt files
        yield Reject.at(Location(file, None), Errors.E110.format(detail=f"not Parquet ({e})"))
        return
    dup = sorted(n for n, c in Counter(names).items() if c > 1)
    if dup:
        yield Reject.at(Location(file, None), Errors.E110.format(
            detail=f"the file repeats the column name(s) {dup}, so their values would be "
                   "ambiguous"))
        return
    cols = [c for c in names if c in set(columns)] if columns is not None else None
    row = 0
    for g in range(n_groups):
        end = row + sizes[g]
        try:
            for batch in pf.iter_batches(batch_size=1024, row_groups=[g], columns=cols):
                for rec, err in _batch_rows(batch):
                    row += 1
                    loc = Location(file, row, "row")
                    yield Reject.at(loc, err, loc.default_id) if err else Row(rec, loc)
        except Exception as e:  # a damaged row group: its unread rows are rejected
            first = row + 1
            for r in range(first, end + 1):
                loc = Location(file, r, "row")
                yield Reject.at(loc, Errors.E119.format(group=g, start=first, end=end,
                                                        detail=str(e)[:200]), loc.default_id)
        row = end


def _batch_rows(batch: Any) -> Iterator[tuple[dict[str, Any], str | None]]:
    """The rows of an Arrow record batch as dicts; a value Python cannot convert (invalid
    UTF-8 in a string column, an unsupported type) rejects only its row."""
    try:
        yield from ((r, None) for r in batch.to_pylist())
        return
    except Exception:
        pass
    names = batch.schema.names
    cols: list[list[Any]] = []
    errors: list[dict[int, str]] = []
    for j, name in enumerate(names):
        col = batch.column(j)
        errs: dict[int, str] = {}
        try:
            values = col.to_pylist()
        except Exception:
            values = []
            for i in range(len(col)):
                try:
                    values.append(col[i].as_py())
                except Exception as e:
                    values.append(None)
                    errs[i] = Errors.E120.format(column=name, type=col.type,
                                                 detail=str(e)[:200])
        cols.append(values)
        errors.append(errs)
    for i in range(batch.num_rows):
        err = next((e[i] for e in errors if i in e), None)
        yield {n: c[i] for n, c in zip(names, cols, strict=True)}, err


# ----- whole files and folders --------------------------------------------------------------
def _read_file_doc(path: Path, kind: str, opts: RowOptions, rid: str) -> Iterator[Item]:
    loc = Location(str(path), None)
    try:
        data = read_all(path)
    except StreamBroken as e:
        yield Reject.at(loc, Errors.E118.format(detail=e.detail, line=1), rid)
        return
    except OSError as e:
        yield Reject.at(loc, Errors.E110.format(detail=e), rid)
        return
    if kind == "txt":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            yield Reject.at(loc, Errors.E105.format(encoding="UTF-8", detail=f"byte {e.start}"),
                            rid)
            return
        yield Row({opts.text_field: text, opts.id_field: rid, "file": path.name}, loc)
        return
    yield from _html_doc(data, loc, opts, rid, path.name)


def _html_doc(data: bytes, loc: Location, opts: RowOptions, rid: str, name: str
              ) -> Iterator[Item]:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False,
                                          include_tables=False,
                                          favor_precision=opts.html_favor_precision)
    except Exception as e:  # a parser failure on odd markup is this file's problem only
        yield Reject.at(loc, Errors.E110.format(detail=f"HTML could not be parsed ({e})"), rid)
        return
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        yield Reject.at(loc, Errors.E108, rid)
        return
    title = getattr(doc, "title", None)
    if title and text.startswith(title):
        # the headline is metadata; the body starts after it
        text = text[len(title):].lstrip("\n")
        if not text.strip():
            text = title
    obj = {opts.text_field: text, opts.id_field: rid, "file": name, "title": title,
           "author": getattr(doc, "author", None), "date": getattr(doc, "date", None),
           "url": getattr(doc, "url", None), "outlet": getattr(doc, "sitename", None)}
    yield Row({k: v for k, v in obj.items() if v is not None}, loc)


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def _read_folder(path: Path, opts: RowOptions, columns: Sequence[str] | None) -> Iterator[Item]:
    files = sorted(f for f in path.rglob("*")
                   if f.is_file() and not _hidden(f.relative_to(path)))
    docs = [f for f in files if format_of(f) in FILE_DOCS]
    stems = Counter(_stem(f.relative_to(path)) for f in docs)
    shared = {s for s, c in stems.items() if c > 1}
    known = ", ".join(sorted({*SUFFIXES, ".gz"}))
    for f in files:
        kind = format_of(f)
        if kind is None:
            yield Reject.at(Location(str(f), None), Errors.E116.format(
                suffix="".join(f.suffixes) or f.name, formats=known),
                _stem(f.relative_to(path)))
        elif kind in FILE_DOCS:
            yield from _read_file_doc(f, kind, opts, _file_id(f, path, shared))
        else:
            yield from _READERS[kind](f, opts, columns)


def _stem(rel: Path) -> str:
    """``sub/a.html`` -> ``sub/a``; ``a.txt.gz`` -> ``a``."""
    name = rel.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return (rel.parent / Path(name).stem).as_posix() if str(rel.parent) != "." \
        else Path(name).stem


def _file_id(path: Path, root: Path | None, shared: set[str]) -> str:
    """A file document's id: its path relative to the folder without the suffix, or with the
    suffix where another file of the folder has the same stem (``good.html``/``good.txt``)."""
    rel = path.relative_to(root) if root else Path(path.name)
    stem = _stem(rel)
    return rel.as_posix() if stem in shared else stem


# ----- labelled rows for training and evaluation ------------------------------------------
class RowError(FramingError):
    """The first row of a labelled-data file that could not be read; ``loc`` says where,
    ``detail`` why (the reason without its code), ``reject`` holds both."""

    def __init__(self, reject: Reject) -> None:
        super().__init__(reject.reason)
        self.reject = reject
        self.loc = Location(reject.file, reject.line,
                            "row" if format_of(Path(reject.file)) == "parquet" else "line")
        self.detail = reject.reason[7:] if reject.reason.startswith("[E") else reject.reason


def read_rows(path: str | Path, fields: Sequence[str] = (), *, fmt: str | None = None,
              empty_as_none: bool = False, columns: Sequence[str] | None = None
              ) -> Iterator[Row]:
    """The rows of a labelled-data file (JSONL, JSON array, CSV/TSV, Parquet; gzip looked
    through), each with its :class:`~framing.io.records.Location` (``str(row.loc)`` is
    ``"line 3 of d.jsonl"`` or ``"row 3 of d.parquet"``), for readers of training and
    evaluation data that stop at the first problem.

    A row that cannot be read raises :class:`RowError` at that row; a CSV/TSV/Parquet file
    without one of ``fields`` raises :class:`ColumnsError` (E214) listing its columns. CSV
    cells are strings as written (``""`` when empty) unless ``empty_as_none``; ``columns``
    limits the Parquet columns read (a column of a type Python cannot hold is then no reason
    to stop when it is not needed).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
        >>> _ = p.write_text("text,labels\\nLeave it to the states.,federalism\\n")
        >>> [(str(r.loc), r.data["labels"]) for r in read_rows(p, ["text", "labels"])]
        [('line 2 of d.csv', 'federalism')]
    """
    p = Path(path)
    kind = fmt or detect_format(p)
    if kind in FILE_DOCS or kind == "folder":
        raise FramingError(Errors.E203.format(fmt=kind, formats="jsonl, json, csv, tsv, parquet"))
    opts = RowOptions(empty_as_none=empty_as_none)
    if kind == "parquet" and fields:
        import pyarrow.parquet as pq

        try:
            names = pq.ParquetFile(p).schema_arrow.names
        except Exception:  # unreadable: the reader below says why, with its location
            names = list(fields)
        _require(p, fields, names)
    first = True
    for item in iter_rows(p, kind, opts, columns):
        if isinstance(item, Reject):
            raise RowError(item)
        if first and fields and kind in ("csv", "tsv"):
            _require(p, fields, list(item.data))
        first = False
        yield item


class ColumnsError(FramingError):
    """A labelled-data file lacks ``missing`` of the fields asked for; ``columns`` are the
    ones it has (E214; callers with their own codes re-raise with these)."""

    def __init__(self, path: Path, missing: list[str], columns: list[str]) -> None:
        super().__init__(Errors.E214.format(path=path, missing=", ".join(missing),
                                            columns=", ".join(columns)))
        self.missing, self.columns = missing, columns


def _require(path: Path, fields: Sequence[str], names: Sequence[str]) -> None:
    missing = [f for f in fields if f not in names]
    if missing:
        raise ColumnsError(path, missing, list(names))


_READERS: dict[str, Any] = {
    "jsonl": _read_jsonl, "json": _read_json, "csv": read_csv, "tsv": read_tsv,
    "parquet": _read_parquet, "txt": None, "html": None, "folder": None,
}
