"""One date parser for ingest and aggregation: exact or refused, never guessed (issue 14,
item 6)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from framing.aggregate.load import period_of
from framing.errors import FramingError, RecordError
from framing.io import IngestConfig, Reject, check_date_format, parse_date, read_records
from framing.types import Article


@pytest.mark.parametrize("value,expected", [
    ("2019-03-04", "2019-03-04"), ("2019-03-04T23:30:00-05:00", "2019-03-04"),
    ("2019-03-04 10:00:00Z", "2019-03-04"), ("2020/03/05", "2020-03-05"),
    ("2020.11.05", "2020-11-05"), (20200105, "2020-01-05"), ("20200105", "2020-01-05"),
    (2019, "2019"), (2019.0, "2019"), ("2019-07", "2019-07"), ("March 3, 2019", "2019-03-03"),
    ("3 Mar 2019", "2019-03-03"), ("Tue, 05 Mar 2019 10:00:00 GMT", "2019-03-05"),
    ("March 2019", "2019-03"), ("25/03/2019", "2019-03-25"), ("03/25/2019", "2019-03-25"),
    ("05/05/2019", "2019-05-05"), (datetime.date(2020, 2, 29), "2020-02-29"),
    (datetime.datetime(2020, 2, 29, 23, 59), "2020-02-29"), ("", None), (None, None),
    (float("nan"), None),
])
def test_exact_values(value: object, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value,why", [
    ("5", "not a year or YYYYMMDD"), (5, "not a year or YYYYMMDD"),
    (1583020800, "--date-format unix"), ("03/05/2020", "ambiguous"),
    ("03/05/20", "two-digit year"), ("March 3", "year is missing"), ("3 Mar 19", "two digits"),
    ("2020-13-45", "no such day"), ("2020-02-30", "no such day"), ("0005-01-01", "outside"),
    ("9999", "outside"), ("someday", "not a date"), (True, "not a date"), (2019.5, "fraction"),
    ("2019-13", "no month"),
])
def test_ambiguous_or_implausible_values_are_refused(value: object, why: str) -> None:
    with pytest.raises(RecordError, match=r"\[E106\]") as e:
        parse_date(value)
    assert why in str(e.value)


def test_date_format() -> None:
    assert parse_date("03/05/2020", date_format="%d/%m/%Y") == "2020-05-03"
    assert parse_date("03/05/2020", date_format="%m/%d/%Y") == "2020-03-05"
    assert parse_date(1583020800, date_format="unix") == "2020-03-01"
    assert parse_date("1583020800000", date_format="unix_ms") == "2020-03-01"
    with pytest.raises(RecordError, match="does not match --date-format"):
        parse_date("2020-03-05", date_format="%d/%m/%Y")
    for bad in ("dd/mm/yyyy", "%d/%m/%y", "%Q"):
        with pytest.raises(FramingError, match=r"\[E213\]"):
            check_date_format(bad)


def test_ingest_uses_the_parser(tmp_path: Path) -> None:
    p = tmp_path / "in.jsonl"
    p.write_text("\n".join(json.dumps({"id": str(i), "text": "T.", "date": d})
                           for i, d in enumerate([20200105, "5", "2020/03/05", "05/03/2020"]))
                 + "\n")
    items = list(read_records([p]))
    assert [a.meta.get("date") if isinstance(a, Article) else a.code for a in items] == [
        "2020-01-05", "E106", "2020-03-05", "E106"]
    items = list(read_records([p], IngestConfig(date_format="%d/%m/%Y")))
    assert [a.meta.get("date") if isinstance(a, Article) else a.code for a in items] == [
        "E106", "E106", "E106", "2020-03-05"]
    assert all(isinstance(r, Reject) and "--date-format" in r.reason
               for r in items[:3])


def test_periods_come_from_the_same_parser() -> None:
    assert [period_of(d, "month") for d in ("2020/03/05", "2020/07/05", "2020/11/05")] == [
        "2020-03", "2020-07", "2020-11"]
    assert period_of(20200105, "quarter") == "2020-Q1"
    assert period_of("5", "year") is None
    assert period_of("05/03/2020", "month", date_format="%d/%m/%Y") == "2020-03"
    # a year alone: the start of the year for a split point, undated for a document
    assert period_of("2020", "month") == "2020-01"
    assert period_of("2020", "month", partial="none") is None
    assert period_of("2020", "year", partial="none") == "2020"
