"""A fuzzing harness for the readers: generated and corrupted JSONL, CSV, TSV, Parquet, gzip
and HTML inputs, run through :func:`framing.batch.label`, checked for lost records.

Used by ``tests/io/test_io_fuzz.py`` (a few hundred examples per format) and
``scripts/fuzz_inputs.py`` (tens of thousands); it needs ``hypothesis`` (a dev dependency),
imported only when the strategies are built.

A *recipe* (drawn by :func:`recipes`) is a list of records and a list of corruptions; :func:`build`
turns it into input files plus an oracle, and :func:`check` labels them and compares:

* **good** records (valid, and not touched by any corruption) must be labelled, each once,
  under their own id; a CSV/TSV record after a stray quote may instead sit inside a labelled
  neighbour's text when the quote closes so that the merged record is valid RFC 4180 (no reader
  can tell that from a real multi-line field; counted as ``merged``, not lost);
* every record is accounted for: ``read == labelled + rejected``, the output holds
  ``labelled`` documents and the rejects file ``rejected`` lines;
* no exception escapes, and every input file is byte-identical afterwards; an input refused
  whole with a numbered usage error (:data:`REFUSALS`) before anything is written counts as
  ``refused``.

Example:
    >>> from framing.io.fuzzing import Recipe, build
    >>> case = build(Recipe("jsonl", [{"id": "a", "text": "Hi there."}], []))
    >>> sorted(case.files), case.good
    (['in.jsonl'], ['a'])
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import shutil
import tempfile
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing.errors import FramingError

#: The formats the harness generates.
FUZZ_FORMATS = ("jsonl", "csv", "tsv", "parquet", "gzip", "html")

_WORDS = ("the", "states", "police", "arrested", "governor", "court", "budget", "schools",
          "federal", "law", "café", "naïve", "Zürich", "東京", "مرحبا", "😀", "«quoted»",
          "it's", "a,b", "x;y", "tab\there", "new\nline", '"quote"', "back\\slash", "\u200b",
          "", " ", "\u00a0", "NUL\x00", "é́", "\ufeff")


@dataclass
class Recipe:
    """What to generate: ``records`` (dicts with ``id``, ``text`` and extra fields, or
    ``{"bad": kind}`` markers) and ``ops`` (corruptions: ``(kind, position, value)``)."""

    fmt: str
    records: list[dict[str, Any]]
    ops: list[tuple[str, int, int]]
    inner: str = "jsonl"  # the format inside a .gz file


@dataclass
class Case:
    """Input files (relative path -> bytes), the path to label, and the oracle."""

    fmt: str
    files: dict[str, bytes]
    target: str
    good: list[str]
    maybe_merged: set[str] = field(default_factory=set)


@dataclass
class Outcome:
    """What :func:`check` found; ``ok`` when nothing was lost, changed or raised."""

    read: int = 0
    labelled: int = 0
    rejected: int = 0
    lost: list[str] = field(default_factory=list)
    merged: int = 0
    changed: list[str] = field(default_factory=list)
    error: str | None = None
    #: the whole input was refused before anything was written, with this numbered error
    #: (a Parquet file whose text column a corruption renamed: E206); not a loss, the user is
    #: told, and every record of the file is still in the file
    refused: str | None = None

    @property
    def ok(self) -> bool:
        return not self.lost and not self.changed and self.error is None


# ----- building inputs ----------------------------------------------------------------------
def _text(rec: dict[str, Any]) -> str:
    return str(rec.get("text", ""))


def _is_good(rec: dict[str, Any]) -> bool:
    t = rec.get("text")
    return "bad" not in rec and isinstance(t, str) and bool(t.strip())


def _jsonl(records: list[dict[str, Any]]) -> list[bytes]:
    return [json.dumps(r, ensure_ascii=bool(i % 2)).encode("utf-8") for i, r in
            enumerate(records)]


def _bad_json(kind: str, i: int) -> bytes:
    return {
        "surrogate": b'{"id": "s%d\\ud800", "text": "lone surrogate"}' % i,
        "deep": b'{"id": "n%d", "text": "x", "m": ' % i + b"[" * 5000 + b"]" * 5000 + b"}",
        "notobj": b"[1, 2, 3]",
        "empty": b'{"id": "e%d", "text": "  "}' % i,
        "notext": b'{"id": "t%d"}' % i,
        "numtext": b'{"id": "u%d", "text": 42}' % i,
        "listid": b'{"id": [1], "text": "list id"}',
        "date": b'{"id": "d%d", "text": "bad date", "date": "03/05/2020"}' % i,
    }.get(kind, b"{broken")


def _table(records: list[dict[str, Any]], delimiter: str) -> tuple[list[bytes], bytes]:
    """CSV/TSV: one serialised record (maybe several physical lines) per record."""
    cols = ["id", "text", "outlet", "date"]
    head = io.StringIO()
    csv.writer(head, delimiter=delimiter).writerow(cols)  # \r\n line ends, as RFC 4180
    out = []
    for r in records:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter).writerow(
            [r.get("id", ""), _text(r), r.get("outlet", ""), r.get("date", "")])
        out.append(buf.getvalue().encode("utf-8"))
    return out, head.getvalue().encode("utf-8")


def _corrupt_line(raw: bytes, kind: str, pos: int, value: int, delimiter: bytes) -> bytes:
    """``raw`` with one corruption inside its body (never after its line ending, which would
    damage the next record instead)."""
    body = raw.rstrip(b"\r\n")
    return _corrupt(body, kind, pos, value, delimiter) + raw[len(body):]


def _corrupt(line: bytes, kind: str, pos: int, value: int, delimiter: bytes) -> bytes:
    p = pos % (len(line) + 1)
    if kind == "truncate":
        return line[:p]
    if kind == "flip":
        if not line:
            return line
        b = bytearray(line)
        b[pos % len(b)] ^= (value % 255) + 1
        return bytes(b)
    if kind == "badbytes":
        return line[:p] + bytes([0x80 + value % 64, 0xFF]) + line[p:]
    if kind == "quote":  # a stray quote at the start of a field
        fields = line.split(delimiter)
        j = value % len(fields)
        fields[j] = b'"' + fields[j]
        return delimiter.join(fields)
    if kind == "delim":
        return line[:p] + delimiter + line[p:]
    if kind == "nul":
        return line[:p] + b"\x00" + line[p:]
    if kind == "garbage":
        return hashlib.sha256(line + bytes([value % 256])).digest().replace(b"\n", b"?")
    return line


_LINE_OPS = ("truncate", "flip", "badbytes", "quote", "delim", "nul", "garbage")
_HARMLESS = ("bom", "crlf", "blank")


def build(recipe: Recipe) -> Case:
    """Input files and oracle for ``recipe`` (see the module docstring)."""
    if recipe.fmt == "parquet":
        return _build_parquet(recipe)
    if recipe.fmt == "html":
        return _build_html(recipe)
    inner = recipe.inner if recipe.fmt == "gzip" else recipe.fmt
    delim = b"\t" if inner == "tsv" else b","
    records = recipe.records
    if inner == "jsonl":
        lines = [(_bad_json(r["bad"], i) if "bad" in r else raw) + b"\n"
                 for i, (r, raw) in enumerate(zip(records, _jsonl(records), strict=True))]
        header = b""
    else:
        lines, header = _table([r for r in records], delim.decode())
        lines = [(b"bad,\xff\xfe\n" if "bad" in r else ln) for r, ln in zip(records, lines,
                                                                           strict=True)]
    touched: set[int] = set()
    bom = crlf = False
    blanks: list[int] = []
    for kind, pos, value in recipe.ops:
        if kind == "bom":
            bom = True
        elif kind == "crlf":
            crlf = True
        elif kind == "blank":
            blanks.append(pos % (len(lines) + 1))
        elif lines and kind in _LINE_OPS and recipe.fmt != "gzip":
            i = pos % len(lines)
            new = _corrupt_line(lines[i], kind, pos, value, delim)
            if new != lines[i]:
                lines[i] = new
                touched.add(i)
    good_idx = [i for i, r in enumerate(records) if _is_good(r) and i not in touched]
    maybe: set[str] = set()
    if inner in ("csv", "tsv"):
        # after a damaged line, a neighbour may legally end up inside a quoted field
        for i in sorted(touched):
            for j in range(i + 1, len(records)):
                if _is_good(records[j]):
                    maybe.add(str(records[j]["id"]))
                if b'"' in lines[j]:
                    break
    if crlf:
        lines = [ln[:-1] + b"\r\n" if ln.endswith(b"\n") and inner == "jsonl" else ln
                 for ln in lines]
    for at in sorted(blanks, reverse=True):
        if inner == "jsonl":
            lines.insert(at, b"   \n")
    data = (b"\xef\xbb\xbf" if bom else b"") + header + b"".join(lines)
    if recipe.fmt != "gzip":
        name = f"in.{inner}"
        return Case(recipe.fmt, {name: data}, name, [str(records[i]["id"]) for i in good_idx],
                    maybe)
    return _gzip_case(recipe, data, lines, header, bom, records, good_idx, inner)


def _gzip_case(recipe: Recipe, data: bytes, lines: list[bytes], header: bytes, bom: bool,
               records: list[dict[str, Any]], good_idx: list[int], inner: str) -> Case:
    comp = bytearray(gzip.compress(data, mtime=0))
    damaged = False
    cut = len(comp)
    for kind, pos, value in recipe.ops:
        if kind == "gz_truncate":
            cut = min(cut, 10 + pos % max(1, len(comp) - 10))
        elif kind == "gz_flip" and len(comp) > 20:
            comp[10 + pos % (len(comp) - 18)] ^= (value % 255) + 1
            damaged = True
        elif kind == "gz_garbage":
            comp += bytes([value % 256]) * (1 + pos % 7)
            damaged = True
    blob = bytes(comp[:cut])
    name = f"in.{inner}.gz"
    if damaged:  # the CRC (checked at the end) decides whether any line can be trusted
        return Case("gzip", {name: blob}, name, [], set())
    try:
        prefix = zlib.decompressobj(31).decompress(blob)
    except zlib.error:
        prefix = b""
    # lines that end inside the part that can still be decompressed are read as written
    ok_upto = len(prefix) if cut < len(comp) else len(data)
    good = []
    end = (3 if bom else 0) + len(header)
    for i, ln in enumerate(lines):
        end += len(ln)
        if end <= ok_upto and i in good_idx:
            good.append(str(records[i]["id"]))
    return Case("gzip", {name: blob}, name, good, set())


def _build_parquet(recipe: Recipe) -> Case:
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    recs = recipe.records
    n = len(recs)
    cols: dict[str, Any] = {
        "id": pa.array([str(r.get("id")) for r in recs], pa.string()),
        "text": pa.array([_text(r) if "bad" not in r else None for r in recs], pa.string()),
    }
    kinds = {v % 8 for kind, _, v in recipe.ops if kind == "column"}
    for k in sorted(kinds):
        name = f"c{k}"
        if k == 0:
            cols[name] = pa.array([1_600_000_000_000_000 + i for i in range(n)],
                                  pa.timestamp("us", "UTC"))
        elif k == 1:
            cols[name] = pa.array([(decimal.Decimal(i) / 7).quantize(decimal.Decimal("1e-6"))
                                   for i in range(n)],
                                  pa.decimal128(20, 6))
        elif k == 2:
            cols[name] = pa.array([f"b{i}".encode() for i in range(n)], pa.binary())
        elif k == 3:
            cols[name] = pa.array([[str(i)] * (i % 3) for i in range(n)], pa.list_(pa.string()))
        elif k == 4:
            cols[name] = pa.array([{"a": i, "b": "x"} for i in range(n)])
        elif k == 5:
            cols[name] = pa.array([float("nan") if i % 2 else i / 3 for i in range(n)])
        elif k == 6:
            cols[name] = pa.array([str(i % 3) for i in range(n)]).dictionary_encode()
        else:
            cols[name] = pa.array([None] * n, pa.null())
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf, row_group_size=max(1, n // 3 or 1))
    data = bytearray(buf.getvalue())
    damaged = False
    for kind, pos, value in recipe.ops:
        if kind == "flip" and len(data) > 8:
            data[4 + pos % (len(data) - 8)] ^= (value % 255) + 1
            damaged = True
        elif kind == "truncate":
            data = data[:pos % max(1, len(data))]
            damaged = True
    good = [] if damaged else [str(r["id"]) for r in recs if _is_good(r)]
    return Case("parquet", {"in.parquet": bytes(data)}, "in.parquet", good, set())


_HTML_PARTS = ("<p>{t}</p>", "<div><p>{t}", "<article><h1>Title</h1><p>{t}</p></article>",
               "<script>var x = '{t}';</script>", "<p>{t}<b>unclosed", "&amp;&#x1F600;&bogus;",
               "<table><tr><td>{t}</td></tr></table>", "<!-- {t} -->", "<p>{t}</p>" * 5,
               "<div>" * 300 + "{t}" + "</div>" * 300, "\x00\udcff\udc80",
               "<meta charset='latin-1'>")


def _build_html(recipe: Recipe) -> Case:
    files: dict[str, bytes] = {}
    for i, r in enumerate(recipe.records):
        parts = [_HTML_PARTS[v % len(_HTML_PARTS)] for k, p, v in recipe.ops if p % max(
            1, len(recipe.records)) == i and k == "html"] or [_HTML_PARTS[0]]
        body = "".join(x.replace("{t}", _text(r)) for x in parts)
        raw = f"<html><head><title>t{i}</title></head><body>{body}</body></html>"
        data = raw.encode("utf-8", "surrogateescape")
        if any(k == "flip" and p % max(1, len(recipe.records)) == i for k, p, _ in recipe.ops):
            data = data[: len(data) // 2]
        files[f"docs/{r['id']}.html"] = data
    return Case("html", files, "docs", [], set())


# ----- hypothesis strategies -------------------------------------------------------------
def recipes(fmt: str, max_records: int | None = None) -> Any:
    """A hypothesis strategy of :class:`Recipe` for ``fmt`` (one of :data:`FUZZ_FORMATS`);
    up to ``max_records`` records (8; 4 HTML files, whose main-text extraction is slow)."""
    from hypothesis import strategies as st

    if max_records is None:
        max_records = 4 if fmt == "html" else 8

    words = st.lists(st.sampled_from(_WORDS), min_size=0, max_size=12)
    text = st.one_of(words.map(" ".join), st.text(max_size=40))
    meta = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=10),
                     st.lists(st.integers(), max_size=3),
                     st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))

    @st.composite
    def records(draw: Any) -> list[dict[str, Any]]:
        n = draw(st.integers(0, max_records))
        out = []
        for i in range(n):
            if draw(st.integers(0, 9)) == 0:
                out.append({"id": f"bad{i}", "bad": draw(st.sampled_from(
                    ["surrogate", "deep", "notobj", "empty", "notext", "numtext", "listid",
                     "date", "junk"]))})
                continue
            rec: dict[str, Any] = {"id": f"r{i}-{draw(st.integers(0, 999))}",
                                   "text": draw(text)}
            if draw(st.booleans()):
                rec["outlet"] = draw(st.sampled_from(["A", "B", "Le Monde", ""]))
            if draw(st.booleans()):
                rec["date"] = draw(st.sampled_from(["2020-01-05", "2020/03/05", "", "2021"]))
            if fmt == "jsonl" and draw(st.booleans()):
                rec["extra"] = draw(meta)
            out.append(rec)
        return out

    ops_for = {
        "jsonl": (*_LINE_OPS, *_HARMLESS), "csv": (*_LINE_OPS, "bom"),
        "tsv": (*_LINE_OPS, "bom"), "parquet": ("column", "column", "column", "flip",
                                                 "truncate"),
        "gzip": ("gz_truncate", "gz_flip", "gz_garbage", "bom"), "html": ("html", "flip"),
    }[fmt]
    op = st.tuples(st.sampled_from(ops_for), st.integers(0, 10_000), st.integers(0, 10_000))
    return st.builds(Recipe, st.just(fmt), records(), st.lists(op, max_size=4),
                     st.sampled_from(["jsonl", "csv", "tsv"]) if fmt == "gzip"
                     else st.just("jsonl"))


# ----- running a case ---------------------------------------------------------------------
#: Numbered errors that refuse a whole input before anything is read or written: a file
#: without the text column (a corrupted Parquet column name) is a usage error, said so.
REFUSALS = ("E206",)


def _changed(inputs: Path, case: Case) -> list[str]:
    """The input files that are gone or differ from what was written, and any new file."""
    out = [rel for rel, data in case.files.items()
           if not (inputs / rel).is_file() or (inputs / rel).read_bytes() != data]
    extra = sorted(str(p.relative_to(inputs)) for p in inputs.rglob("*")
                   if p.is_file() and str(p.relative_to(inputs)) not in case.files)
    return out + [f"new file {x}" for x in extra]


def check(case: Case, analyzer: Any, workdir: Path | None = None) -> Outcome:
    """Label ``case`` with ``analyzer`` in a fresh folder and compare with its oracle."""
    from framing.batch import label
    from framing.io.output import read_output, read_rejects

    root = Path(tempfile.mkdtemp(prefix="fuzz-", dir=workdir))
    out = Outcome()
    try:
        inputs = root / "inputs"
        if case.fmt == "html":  # a folder, even when it holds no file
            (inputs / case.target).mkdir(parents=True)
        inputs.mkdir(exist_ok=True)
        for rel, data in case.files.items():
            p = inputs / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        target = root / "out.jsonl"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = label([inputs / case.target], target, analyzer=analyzer, progress=False)
                got = read_output(target)
        except FramingError as e:
            code = str(e)[1:5] if str(e).startswith("[E") else None
            written = sorted(p.name for p in root.iterdir() if p.name != "inputs")
            if code in REFUSALS and not written and not _changed(inputs, case):
                out.refused = code
            else:
                out.error = f"{type(e).__name__}: {e}"[:500]
            return out
        except Exception as e:  # the harness reports it; it must never happen
            out.error = f"{type(e).__name__}: {e}"[:500]
            return out
        out.read, out.labelled, out.rejected = s.stats.read, s.stats.labelled, s.stats.rejected
        rejects = read_rejects(target)
        if not (s.stats.balanced and len(got) == out.labelled and len(rejects) == out.rejected):
            out.error = (f"accounting: read {out.read}, labelled {out.labelled} "
                         f"({len(got)} in the output), rejected {out.rejected} "
                         f"({len(rejects)} in the rejects file)")
        if case.fmt == "html" and out.read != len(case.files):
            out.error = f"{len(case.files)} files, {out.read} records read"
        remaining = [r.id for r in got]
        inside = [json.dumps([x.text for x in r.sentences] + [r.meta], ensure_ascii=False)
                  for r in got]
        for rid in case.good:
            if rid in remaining:
                remaining.remove(rid)
            elif rid in case.maybe_merged and any(rid in t for t in inside):
                out.merged += 1
            else:
                out.lost.append(rid)
        out.changed = _changed(inputs, case)
        left = sorted(p.name for p in root.iterdir())
        if set(left) - {"inputs", "out.jsonl", "out.rejects.jsonl"}:
            out.error = f"left behind: {left}"
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)
