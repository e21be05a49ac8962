"""Every reader and every rejection reason; nothing is lost (read = ok + rejected)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from framing.errors import FramingError
from framing.ingest import IngestConfig, Reject, detect_format, parse_date, read_records
from framing.ingest.meta import normalise_meta
from framing.types import Article


def _split(items: list) -> tuple[list[Article], list[Reject]]:
    return ([i for i in items if isinstance(i, Article)],
            [i for i in items if isinstance(i, Reject)])


def test_jsonl_good_and_every_bad_kind(tmp_path: Path) -> None:
    p = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "ok1", "text": "Fine text.", "published": "March 3, 2019",
                    "source": "The Ledger", "headline": "H", "byline": "A. B.", "tags": ["x"]}),
        "{bad json",
        json.dumps([1, 2]),
        json.dumps({"id": "nt"}),
        json.dumps({"id": "empty", "text": "   "}),
        json.dumps({"id": "num", "text": 42}),
        json.dumps({"id": "date", "text": "x", "date": "not a date"}),
        "",
        json.dumps({"text": "No id here."}),
    ]
    data = "\n".join(lines).encode() + b"\n\xff\xfe{}\n"
    p.write_bytes(data)
    ok, rej = _split(list(read_records([p])))
    assert [a.id for a in ok] == ["ok1", "in.jsonl:9"]
    assert ok[0].meta == {"date": "2019-03-03", "outlet": "The Ledger", "title": "H",
                          "author": "A. B.", "tags": ["x"]}
    assert [(r.line, r.code) for r in rej] == [
        (2, "E101"), (3, "E102"), (4, "E103"), (5, "E104"), (6, "E107"), (7, "E106"),
        (10, "E105")]
    assert all(r.file == str(p) and r.reason.startswith(f"[{r.code}]") for r in rej)


def test_gzip_jsonl(tmp_path: Path) -> None:
    p = tmp_path / "in.jsonl.gz"
    with gzip.open(p, "wt") as fh:
        fh.write(json.dumps({"id": "g", "text": "Zipped."}) + "\n")
    assert detect_format(p) == "jsonl"
    assert [a.id for a in read_records([p])] == ["g"]


def test_json_array(tmp_path: Path) -> None:
    p = tmp_path / "in.json"
    p.write_text(json.dumps([{"id": "a", "text": "A."}, 3]))
    ok, rej = _split(list(read_records([p])))
    assert [a.id for a in ok] == ["a"] and rej[0].code == "E102"


def test_csv_fields_lines_and_rejects(tmp_path: Path) -> None:
    p = tmp_path / "in.csv"
    p.write_bytes(
        b"doc_id,body,outlet,date\n"
        b'1,"Multi\nline text, quoted",X,2020-01-02\n'
        b"2,,X,2020-01-02\n"
        b"3,text,X,2020-13-45\n"
        b"4,too,many,fields,here\n"
        b"5,bad \xff byte,X,2020-01-02\n"
        b"6,last one,Y,\n"
    )
    cfg = IngestConfig(text_field="body", id_field="doc_id")
    ok, rej = _split(list(read_records([p], cfg)))
    assert [a.id for a in ok] == ["1", "6"]
    assert ok[0].text == "Multi\nline text, quoted" and ok[0].meta["date"] == "2020-01-02"
    assert "date" not in ok[1].meta
    assert [(r.id, r.line, r.code) for r in rej] == [
        ("2", 4, "E104"), ("3", 5, "E106"), ("in.csv:6", 6, "E111"), ("5", 7, "E105")]


def test_tsv(tmp_path: Path) -> None:
    p = tmp_path / "in.tsv"
    p.write_text("id\ttext\na\tHello there.\n")
    assert [a.text for a in read_records([p])] == ["Hello there."]


def test_parquet_streaming_and_missing_column(tmp_path: Path) -> None:
    p = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a", "b", "c"], "text": ["One.", "", None],
                             "date": ["2021-05-01", "2021-05-02", None]}), p)
    ok, rej = _split(list(read_records([p])))
    assert [a.id for a in ok] == ["a"]
    assert [(r.line, r.code) for r in rej] == [(2, "E104"), (3, "E103")]
    with pytest.raises(FramingError, match=r"\[E206\].*columns are: id, text, date"):
        list(read_records([p], IngestConfig(text_field="body")))


def test_corrupt_parquet_is_rejected_not_raised(tmp_path: Path) -> None:
    p = tmp_path / "bad.parquet"
    p.write_bytes(b"this is not parquet")
    (r,) = list(read_records([p]))
    assert isinstance(r, Reject) and r.code == "E110"


def test_folder_txt_and_html(tmp_path: Path) -> None:
    d = tmp_path / "articles"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("Plain text article about the Tenth Amendment.")
    (d / "sub" / "b.html").write_text(
        "<html><head><title>Leave it to the states</title>"
        '<meta name="author" content="Jane Roe">'
        '<meta property="article:published_time" content="2019-03-04">'
        '<meta property="og:site_name" content="The Ledger"></head><body>'
        "<nav>Home | About | Contact</nav><article><h1>Leave it to the states</h1>"
        "<p>Drug policy should largely be left to the states, and prosecutors should focus on "
        "violent crime rather than licensed shops that follow state law.</p>"
        "<p>Mandatory minimum sentences have filled federal prisons for decades.</p>"
        "</article><footer>Copyright 2019 The Ledger</footer></body></html>")
    (d / "c.html").write_text("<html><head><title></title></head><body><div></div></body></html>")
    (d / "d.txt").write_bytes(b"caf\xe9 latin-1")
    (d / "ignored.pdf").write_bytes(b"%PDF")
    ok, rej = _split(list(read_records([d])))
    assert [a.id for a in ok] == ["a", "sub/b"]
    b = ok[1]
    assert b.text.startswith("Drug policy should largely be left to the states")
    assert "Home | About" not in b.text and "Copyright" not in b.text
    assert b.meta["title"] == "Leave it to the states"
    assert b.meta["author"] == "Jane Roe" and b.meta["date"] == "2019-03-04"
    assert b.meta["outlet"] == "The Ledger"
    assert [(r.id, r.code) for r in rej] == [("c", "E108"), ("d", "E105"), ("ignored", "E116")]


def test_too_long_text(tmp_path: Path) -> None:
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "big", "text": "word " * 50}) + "\n")
    (r,) = list(read_records([p], IngestConfig(max_chars=100)))
    assert isinstance(r, Reject) and r.code == "E109"


def test_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(FramingError, match=r"\[E201\]"):
        list(read_records([tmp_path / "missing.jsonl"]))
    (tmp_path / "x.docx").write_text("?")
    with pytest.raises(FramingError, match=r"\[E202\]"):
        list(read_records([tmp_path / "x.docx"]))
    with pytest.raises(FramingError, match=r"\[E203\]"):
        IngestConfig(input_format="xml")


def test_input_format_override(tmp_path: Path) -> None:
    p = tmp_path / "data.log"
    p.write_text(json.dumps({"id": "a", "text": "A."}) + "\n")
    assert [a.id for a in read_records([p], IngestConfig(input_format="jsonl"))] == ["a"]


@pytest.mark.parametrize("value,expected", [
    ("2019-03-04", "2019-03-04"), ("March 3, 2019", "2019-03-03"),
    ("2019-03-04T10:00:00Z", "2019-03-04"), ("3 Mar 2019", "2019-03-03"), (2019, "2019"),
    ("", None), (None, None),
])
def test_parse_date(value: object, expected: str | None) -> None:
    assert parse_date(value) == expected


def test_meta_aliases_keep_first_and_unknown_fields() -> None:
    m = normalise_meta({"outlet": "A", "source": "B", "authors": ["x", "y"], "section": "Op"})
    assert m == {"outlet": "A", "source": "B", "author": "x; y", "section": "Op"}
