"""CSV and TSV rows that never swallow or merge their neighbours (see :mod:`framing.io.rows`).

RFC 4180 quoting is read with Python's ``csv`` module in strict mode, text fields spanning lines
included. When a record goes wrong (a quote that does not close properly, the wrong number of
fields, a record running past ``max_record_chars``, undecodable bytes in a record spanning
lines, an id or metadata field spanning lines: a stray quote that joined the records after
it) only the physical line the record started on is rejected (E117/E111/E105), and the
lines after it are read again on their own: an unterminated quote can no longer swallow the
rest of the file. TSV lines whose quotes do not follow RFC 4180 are read as written (IANA TSV
has no quoting), so a text that starts with a quote keeps it.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.tsv"
    >>> _ = p.write_bytes(b'id\\ttext\\n1\\t"Quote" he said\\n2\\tplain\\n')
    >>> [r.data["text"] for r in read_tsv(p, RowOptions(), None)]
    ['"Quote" he said', 'plain']
"""

from __future__ import annotations

import csv
import sys
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from framing.errors import Errors, FramingWarning, Warnings
from framing.io.records import Location, Reject, Row, RowOptions
from framing.io.streams import StreamBroken, broken, iter_lines, utf16
from framing.io.values import ESCAPED_BYTE

Item = Row | Reject


class _TooLong(Exception):
    pass


class _Lines:
    """Decoded physical lines for ``csv.reader``, with push-back (to re-read the lines after a
    bad quote) and a budget of characters per record."""

    def __init__(self, raw: Iterator[tuple[int, bytes]], budget: int) -> None:
        self.raw = raw
        self.back: list[tuple[int, str]] = []  # a stack: the next line is the last item
        self.taken: list[tuple[int, str]] = []
        self.budget = budget
        self.used = 0

    def start(self) -> None:
        self.taken = []
        self.used = 0

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self.back.extend(reversed(lines))

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.back:
            n, s = self.back.pop()
        else:
            n, raw = next(self.raw)
            s = raw.decode("utf-8", "surrogateescape")
        self.taken.append((n, s))
        self.used += len(s)
        if self.used > self.budget and len(self.taken) > 1:
            raise _TooLong
        return s


def _raw_split(line: str, delimiter: str) -> list[str]:
    return line.rstrip("\r\n").split(delimiter)


def read_csv(path: Path, opts: RowOptions, columns: Sequence[str] | None,
              delimiter: str = ",") -> Iterator[Item]:
    file = str(path)
    csv.field_size_limit(sys.maxsize)
    try:
        lines = _Lines(iter_lines(path), opts.max_record_chars)
    except OSError as e:
        yield Reject.at(Location(file, None), Errors.E110.format(detail=e))
        return
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    tsv = delimiter == "\t"
    while True:
        lines.start()
        problem: str | None = None
        try:
            fields = next(reader)
        except StopIteration:
            return
        except StreamBroken as e:
            at = lines.taken[0][0] if lines.taken else e.line
            yield broken(file, StreamBroken(at, e.detail))
            return
        except OSError as e:
            yield Reject.at(Location(file, None), Errors.E110.format(detail=e))
            return
        except csv.Error as e:
            problem = str(e)
        except _TooLong:
            problem = (f"the record runs past {opts.max_record_chars:,} characters "
                       "without its quote closing")
        taken = lines.taken
        if not taken:
            return
        n0, first = taken[0]
        if header is None:
            if problem is None and (not fields or (len(fields) == 1 and not fields[0].strip())):
                continue  # blank lines before the header
            if n0 == 1 and problem is None and utf16(first.encode("utf-8", "surrogateescape")):
                problem = "the file is UTF-16"
            if problem is not None:
                yield Reject.at(Location(file, None), Errors.E111.format(
                    detail=f"the header (line {n0}) could not be parsed ({problem}), so no "
                           "row of the file can be read"))
                return
            names = _header(fields, file)
            if isinstance(names, Reject):
                yield names
                return
            header = names
            continue
        if problem is None and (not fields or (len(fields) == 1 and not fields[0].strip())):
            continue  # a blank line is not a record
        if problem is None and len(fields) != len(header):
            problem = f"{len(fields)} fields, the header has {len(header)}"
            if len(taken) > 1:
                problem = f"a quoted field spans lines {n0}-{taken[-1][0]} and gives {problem}"
        loc = Location(file, n0)
        if problem is None:
            item = _csv_row(fields, header, loc, opts)
            if isinstance(item, Row) and len(taken) > 1:
                # only the text may span lines: an id or metadata field spanning lines is a
                # stray quote that joined the records after it into one (read again below)
                spans = [k for k, v in zip(header, fields, strict=True)
                         if k != opts.text_field and ("\n" in v or "\r" in v)]
                if spans:
                    problem = (f"field '{spans[0]}' is a quoted field spanning lines "
                               f"{n0}-{taken[-1][0]}; only the text field may span lines")
        if problem is None:
            if isinstance(item, Reject) and len(taken) > 1:
                # a record spanning lines that cannot be used may be a stray quote that
                # swallowed its neighbours: reject its first line, read the others again
                lines.push_back(taken[1:])
                item = Reject.at(loc, item.reason + f" (in a quoted field spanning lines "
                                 f"{n0}-{taken[-1][0]}; only line {n0} is rejected, the "
                                 "lines after it are read on their own)", item.id)
            yield item
            continue
        lines.push_back(taken[1:])
        if tsv:
            raw = _raw_split(first, delimiter)
            if len(raw) == len(header):  # TSV as written: no quoting
                yield _csv_row(raw, header, loc, opts)
                continue
        if len(taken) > 1 or "end of data" in problem or "expected after" in problem:
            yield Reject.at(loc, Errors.E117.format(
                detail=f"a quoted field opened on line {n0} does not close properly "
                       f"({problem})", next=n0 + 1), loc.default_id)
        else:
            yield Reject.at(loc, Errors.E111.format(detail=problem), loc.default_id)


def _header(fields: list[str], file: str) -> list[str] | Reject:
    bad = [f for f in fields if ESCAPED_BYTE.search(f)]
    names = [f.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for f in fields]
    if bad:
        warnings.warn(FramingWarning(Warnings.W112.format(
            path=file, names=", ".join(repr(n) for n in names if "\ufffd" in n))),
            stacklevel=3)
    dup = sorted(n for n, c in Counter(names).items() if c > 1)
    if dup:
        return Reject.at(Location(file, 1), Errors.E111.format(
            detail=f"the header repeats the column name(s) {dup}, so their values would be "
                   "ambiguous; rename them. No row of the file can be read"))
    return names


def _csv_row(fields: list[str], header: list[str], loc: Location, opts: RowOptions) -> Item:
    for name, v in zip(header, fields, strict=True):
        m = ESCAPED_BYTE.search(v)
        if m is not None:
            rid = dict(zip(header, fields, strict=True)).get(opts.id_field) or ""
            return Reject.at(loc, Errors.E105.format(
                encoding="UTF-8", detail=f"field '{name}', character {m.start()}"),
                rid if rid and not ESCAPED_BYTE.search(rid) else loc.default_id)
    if opts.empty_as_none:  # an empty text stays "" (an empty text, not a missing one)
        return Row({k: (v if v != "" or k == opts.text_field else None)
                    for k, v in zip(header, fields, strict=True)}, loc)
    return Row(dict(zip(header, fields, strict=True)), loc)


def read_tsv(path: Path, opts: RowOptions, columns: Sequence[str] | None) -> Iterator[Item]:
    return read_csv(path, opts, columns, delimiter="\t")
