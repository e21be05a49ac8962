"""The command line through Typer's CliRunner, plus ``python -m framing`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from framing.batch.sinks import read_results
from framing.cli import app

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def test_score_json_from_file() -> None:
    r = runner.invoke(app, ["score", str(DATA / "oped_states_drugs.txt"), "--format", "json",
                            "--rules-only"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert {"federalism", "enforcement"} <= set(d["labels"])


def test_score_text_pretty() -> None:
    r = runner.invoke(app, ["score", "--text", "Leave marijuana policy to the states.",
                            "--rules-only"])
    assert r.exit_code == 0, r.output
    assert "federalism" in r.stdout and "primary frame" in r.stdout
    assert "rule:federalism." in r.stdout


def test_score_stdin() -> None:
    r = runner.invoke(app, ["score", "-", "-f", "json", "--rules-only"],
                      input="Federal prosecutors raided the dispensary.")
    assert r.exit_code == 0, r.output
    assert "enforcement" in json.loads(r.stdout)["labels"]


def test_score_usage_errors_exit_2(tmp_path: Path) -> None:
    r = runner.invoke(app, ["score", "--rules-only"])
    assert r.exit_code == 2 and "[E205]" in r.output
    r = runner.invoke(app, ["score", str(tmp_path / "nope.txt"), "--rules-only"])
    assert r.exit_code == 2 and "[E201]" in r.output
    r = runner.invoke(app, ["score", "--text", "x", "--format", "xml"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["score", "--text", "x", "--codebook", str(tmp_path / "cb.json")])
    assert r.exit_code == 2 and "[E001]" in r.output
    assert "Traceback" not in r.output


def _inputs(tmp_path: Path) -> Path:
    p = tmp_path / "in.jsonl"
    p.write_bytes(
        (json.dumps({"id": "a", "text": "Leave marijuana to the states.", "outlet": "L",
                     "date": "2019-01-02"}) + "\n").encode()
        + b"{broken\n"
        + (json.dumps({"id": "c", "text": ""}) + "\n").encode()
        + (json.dumps({"id": "d", "text": "Police arrested ten people.",
                       "date": "sometime"}) + "\n").encode()
        + b"\xff\xfe\n"
        + (json.dumps({"id": "f", "text": "A quiet day in the park."}) + "\n").encode())
    return p


def test_label_jsonl_accounts_for_every_record(tmp_path: Path) -> None:
    inp = _inputs(tmp_path)
    out = tmp_path / "out.jsonl"
    r = runner.invoke(app, ["label", str(inp), "--out", str(out), "--rules-only", "--quiet"])
    assert r.exit_code == 0, r.output
    assert "read 6, labelled 2, rejected 4" in r.output
    got = read_results(out)
    assert [d.id for d in got] == ["a", "f"]
    assert got[0].meta == {"outlet": "L", "date": "2019-01-02"}
    rej = [json.loads(x) for x in (tmp_path / "out.rejects.jsonl").read_text().splitlines()]
    assert [(x["line"], x["code"]) for x in rej] == [(2, "E101"), (3, "E104"), (4, "E106"),
                                                      (5, "E105")]
    assert all(x["file"] == str(inp) and x["reason"] for x in rej)


def test_label_strict_exit_1_and_parquet(tmp_path: Path) -> None:
    inp = _inputs(tmp_path)
    out = tmp_path / "out.parquet"
    rej = tmp_path / "bad.jsonl"
    r = runner.invoke(app, ["label", str(inp), "-o", str(out), "--rules-only", "--strict",
                            "--rejects", str(rej)])
    assert r.exit_code == 1, r.output
    t = pq.read_table(out)
    assert t.column("id").to_pylist() == ["a", "f"]
    assert "score__federalism" in t.column_names
    assert t.column("outlet").to_pylist() == ["L", None]
    assert len(rej.read_text().splitlines()) == 4
    back = read_results(out)
    assert "federalism" in back[0].labels and back[0].sentences


def test_label_bad_output_and_missing_input(tmp_path: Path) -> None:
    inp = _inputs(tmp_path)
    r = runner.invoke(app, ["label", str(inp), "-o", str(tmp_path / "o.txt"), "--rules-only"])
    assert r.exit_code == 2 and "[E204]" in r.output
    r = runner.invoke(app, ["label", str(tmp_path / "x.jsonl"), "-o", str(tmp_path / "o.jsonl"),
                            "--rules-only"])
    assert r.exit_code == 2 and "[E201]" in r.output


def test_label_csv_with_custom_fields(tmp_path: Path) -> None:
    p = tmp_path / "in.csv"
    p.write_text("key,body,publication,published\nk1,Prosecutors charged him.,Ledger,"
                 "\"March 3, 2019\"\n")
    out = tmp_path / "o.jsonl"
    r = runner.invoke(app, ["label", str(p), "-o", str(out), "--text-field", "body",
                            "--id-field", "key", "--rules-only", "-q"])
    assert r.exit_code == 0, r.output
    (d,) = read_results(out)
    assert d.id == "k1" and d.meta == {"outlet": "Ledger", "date": "2019-03-03"}


def test_codebook_show_and_validate(tmp_path: Path, tiny_codebook_file: Path) -> None:
    r = runner.invoke(app, ["codebook", "show"])
    assert r.exit_code == 0 and "federalism" in r.stdout and "enforcement" in r.stdout
    r = runner.invoke(app, ["codebook", "show", "--format", "json"])
    assert len(json.loads(r.stdout)["frames"]) == 17
    r = runner.invoke(app, ["codebook", "validate", str(tiny_codebook_file)])
    assert r.exit_code == 0 and "valid" in r.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"frames": [{"id": "a", "parent": "zz"}, {"id": "a"}]}))
    r = runner.invoke(app, ["codebook", "validate", str(bad)])
    assert r.exit_code == 2
    assert "2 problem(s)" in r.output and "parent 'zz'" in r.output and "duplicate" in r.output


def test_python_dash_m_framing() -> None:
    r = subprocess.run([sys.executable, "-m", "framing", "--version"], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 0 and r.stdout.startswith("framing ")
