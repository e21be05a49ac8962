"""The command line through Typer's CliRunner, plus ``python -m framing`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

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


# ----- the error boundary and exit codes (issue 14 item 7) ------------------------------------
def test_unexpected_errors_become_e900_with_a_log(tmp_path: Path, monkeypatch: Any) -> None:
    import framing.cli.label_cmd as label_cmd

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def boom(*a: Any, **k: Any) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(label_cmd, "label", boom)
    inp = _inputs(tmp_path)
    r = runner.invoke(app, ["label", str(inp), "-o", str(tmp_path / "o.jsonl"), "--rules-only"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    text = r.output.replace("\n", " ")
    assert "[E900] Unexpected error: RuntimeError: boom." in text
    (log,) = (tmp_path / "state" / "framing" / "logs").glob("framing-error-*.log")
    assert str(log) in text
    assert "Traceback" in log.read_text() and "RuntimeError: boom" in log.read_text()

    def oserror(*a: Any, **k: Any) -> None:
        raise PermissionError(13, "Permission denied", "/some/where.jsonl")

    monkeypatch.setattr(label_cmd, "label", oserror)
    r = runner.invoke(app, ["label", str(inp), "-o", str(tmp_path / "o.jsonl"), "--rules-only"])
    assert r.exit_code == 2
    assert "[E902] Permission denied: '/some/where.jsonl'" in r.output.replace("\n", " ")


def test_exit_codes(tmp_path: Path) -> None:
    inp = _inputs(tmp_path)
    ok = tmp_path / "ok.jsonl"
    ok.write_text(json.dumps({"id": "a", "text": "Leave it to the states."}) + "\n")
    assert runner.invoke(app, ["label", str(ok), "-o", str(tmp_path / "a.jsonl"),
                               "--rules-only", "--strict", "-q"]).exit_code == 0
    assert runner.invoke(app, ["label", str(inp), "-o", str(tmp_path / "b.jsonl"),
                               "--rules-only", "--strict", "-q"]).exit_code == 1
    assert runner.invoke(app, ["label", str(inp), "-o", str(tmp_path / "b.jsonl"),
                               "--rules-only", "-q"]).exit_code == 0
    assert runner.invoke(app, ["label", str(tmp_path / "nope.jsonl"), "-o", "x.jsonl",
                               "--rules-only"]).exit_code == 2
    assert runner.invoke(app, ["label", "--bogus-option"]).exit_code == 2


def test_corrupt_parquet_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    r = runner.invoke(app, ["label", str(bad), "-o", str(tmp_path / "o.jsonl"), "--rules-only",
                            "-q"])
    assert r.exit_code == 0 and "rejected 1" in r.output
    rej = json.loads((tmp_path / "o.rejects.jsonl").read_text())
    assert rej["code"] == "E110" and "not Parquet" in rej["reason"]
    r = runner.invoke(app, ["aggregate", str(bad), "--out", str(tmp_path / "agg")])
    assert r.exit_code == 2 and "[E905]" in r.output and "Traceback" not in r.output


def test_score_refuses_collections_and_bad_text(tmp_path: Path) -> None:
    inp = _inputs(tmp_path)
    r = runner.invoke(app, ["score", str(inp), "--rules-only"])
    assert r.exit_code == 2 and "[E211]" in r.output and "framing label" in r.output
    r = runner.invoke(app, ["score", str(tmp_path), "--rules-only"])
    assert r.exit_code == 2 and "[E211]" in r.output and "is a folder" in r.output
    r = runner.invoke(app, ["score", "--text", "caf\udce9 au lait", "--rules-only"])
    assert r.exit_code == 2 and "[E212]" in r.output and "character 3" in r.output
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9 au lait")
    r = runner.invoke(app, ["score", str(latin), "--rules-only"])
    assert r.exit_code == 2 and "[E105]" in r.output


def test_score_non_utf8_argv_in_a_real_process() -> None:
    r = subprocess.run([sys.executable, "-m", "framing", "score", "--rules-only", "--text",
                        b"Leave it to the st\xe4tes."], capture_output=True, check=False,
                       env={**__import__("os").environ, "LC_ALL": "C.UTF-8"})
    assert r.returncode == 2, r.stderr
    assert b"[E212]" in r.stderr and b"Traceback" not in r.stderr


def test_aggregate_reads_manifests_and_counts_ids_once(tmp_path: Path) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps({"id": f"d{i}", "text": "Police arrested the dealer.",
                                       "outlet": "X", "date": d}) + "\n"
                           for i, d in enumerate(["2020/03/05", "2020/07/05", "2020/11/05"]
                                                 * 100)))
    run = tmp_path / "run"
    r = runner.invoke(app, ["label", str(inp), "--out", f"{run}/", "--rules-only", "-q",
                            "--shard-size", "75"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["aggregate", str(run), str(run), str(run), "--out",
                            str(tmp_path / "a1"), "--freq", "month", "-q", "--no-vocab"])
    assert r.exit_code == 0, r.output
    text = r.output.replace("\n", " ")
    assert "aggregated 300 documents" in text and "3 periods" in text
    assert "[W616] 600 document(s) repeat an id" in text
    r = runner.invoke(app, ["aggregate", str(run), str(run), "--keep-duplicates", "--out",
                            str(tmp_path / "a2"), "-q", "--no-vocab"])
    assert "aggregated 600 documents" in r.output.replace("\n", " ")
    m = json.loads((run / "_manifest.json").read_text())
    m["complete"] = False
    m["shards"] = m["shards"][:1]
    (run / "_manifest.json").write_text(json.dumps(m))
    r = runner.invoke(app, ["aggregate", str(run), "--out", str(tmp_path / "a3"), "-q"])
    assert r.exit_code == 2 and "[E609]" in r.output
    r = runner.invoke(app, ["aggregate", str(run), "--allow-incomplete", "--out",
                            str(tmp_path / "a4"), "-q", "--no-vocab"])
    assert r.exit_code == 0, r.output
    text = r.output.replace("\n", " ")
    assert "[W615]" in text and "aggregated 75 documents" in text
    r = runner.invoke(app, ["report", str(run), "--out", str(tmp_path / "rep")])
    assert r.exit_code == 2 and "[E609]" in r.output
