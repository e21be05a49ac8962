"""Inputs are sacred: every way a command could write over or delete an input is refused
before anything is written, and the inputs are byte-identical afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from framing.cli import app

runner = CliRunner()
ROWS = [{"id": str(i), "text": f"Leave drug policy number {i} to the states."} for i in range(3)]


def _write(p: Path) -> bytes:
    p.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(r) + "\n" for r in ROWS).encode()
    p.write_bytes(data)
    return data


def _label(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["label", *args, "--rules-only", "--quiet"])
    assert "Traceback" not in r.output
    return r.exit_code, r.output


def test_input_inside_output_directory_resume(tmp_path: Path) -> None:
    d = tmp_path / "d"
    src = d / "part-01.jsonl"
    data = _write(src)
    for extra in (["--resume"], ["--overwrite"], []):
        code, out = _label(str(src), "--out", f"{d}/", *extra)
        assert code == 2, out
        assert "[E209]" in out or "[E603]" in out
        assert src.read_bytes() == data


def test_rejects_is_the_input(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    data = _write(src)
    code, out = _label(str(src), "--out", str(tmp_path / "o.jsonl"), "--rejects", str(src))
    assert code == 2 and "[E208]" in out
    assert src.read_bytes() == data
    assert not (tmp_path / "o.jsonl").exists()


def test_input_named_like_the_default_rejects(tmp_path: Path) -> None:
    src = tmp_path / "x.rejects.jsonl"
    data = _write(src)
    code, out = _label(str(src), "--out", str(tmp_path / "x.jsonl"))
    assert code == 2 and "[E208]" in out
    assert src.read_bytes() == data


def test_output_is_the_input(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    data = _write(src)
    for extra in ([], ["--overwrite"]):
        code, out = _label(str(src), "--out", str(src), *extra)
        assert code == 2 and "[E208]" in out
        assert src.read_bytes() == data


def test_hard_link_to_the_input_is_the_input(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    data = _write(src)
    (tmp_path / "link.jsonl").hardlink_to(src)
    code, out = _label(str(src), "--out", str(tmp_path / "link.jsonl"), "--overwrite")
    assert code == 2 and "[E208]" in out
    assert src.read_bytes() == data


def test_output_inside_an_input_folder(tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text("Leave it to the states.")
    code, out = _label(str(folder), "--out", str(folder / "labels.jsonl"))
    assert code == 2 and "[E209]" in out
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt"]


def test_foreign_existing_file_is_not_replaced(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    _write(src)
    mine = tmp_path / "notes.jsonl"
    mine.write_text('{"my": "notes"}\n')
    code, out = _label(str(src), "--out", str(mine))
    assert code == 2 and "[E210]" in out
    assert mine.read_text() == '{"my": "notes"}\n'
    rej = tmp_path / "keep.jsonl"
    rej.write_text("precious\n")
    code, out = _label(str(src), "--out", str(tmp_path / "o.jsonl"), "--rejects", str(rej))
    assert code == 2 and "[E210]" in out
    assert rej.read_text() == "precious\n"
    # framing's own output is replaced by a rerun; --overwrite replaces anything
    assert _label(str(src), "--out", str(tmp_path / "o.jsonl"))[0] == 0
    assert _label(str(src), "--out", str(tmp_path / "o.jsonl"))[0] == 0
    assert _label(str(src), "--out", str(mine), "--overwrite")[0] == 0


def test_failed_run_keeps_previous_rejects(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "Leave it to the states."}) + "\n{bad\n")
    out = tmp_path / "o.jsonl"
    assert _label(str(src), "--out", str(out))[0] == 0
    rej = tmp_path / "o.rejects.jsonl"
    before = rej.read_bytes()
    code, _ = _label(str(src), str(tmp_path / "missing.jsonl"), "--out", str(out))
    assert code == 2
    assert rej.read_bytes() == before


def test_directory_without_manifest_is_not_ours(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    _write(src)
    d = tmp_path / "d"
    d.mkdir()
    (d / "part-000000.parquet").write_bytes(b"user data")
    for extra in (["--resume"], ["--overwrite"]):
        code, out = _label(str(src), "--out", f"{d}/", *extra)
        assert code == 2 and "[E603]" in out
        assert (d / "part-000000.parquet").read_bytes() == b"user data"


def test_overwrite_keeps_files_a_run_does_not_write(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    _write(src)
    d = tmp_path / "d"
    assert _label(str(src), "--out", f"{d}/")[0] == 0
    (d / "part-01.jsonl").write_text("mine")  # not a name a run writes
    assert _label(str(src), "--out", f"{d}/", "--overwrite")[0] == 0
    assert (d / "part-01.jsonl").read_text() == "mine"


@pytest.mark.parametrize("inside", [True, False])
def test_train_overwrite_never_deletes_data(tmp_path: Path, inside: bool) -> None:
    d = tmp_path / "work"
    d.mkdir()
    train = d / "train.jsonl" if inside else tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps({"text": f"t {i}", "labels": ["economic"]}) + "\n"
                             for i in range(4)))
    (d / "notes.txt").write_text("mine")
    r = runner.invoke(app, ["train", str(train), "--out", str(d), "--overwrite",
                            "--method", "tfidf"])
    assert r.exit_code == 2, r.output
    assert ("[E209]" if inside else "[E210]") in r.output
    assert (d / "notes.txt").read_text() == "mine" and train.exists()


def test_aggregate_never_writes_over_its_input(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    _write(src)
    out = tmp_path / "out"
    lab = out / "shares.csv"
    out.mkdir()
    assert _label(str(src), "--out", str(tmp_path / "l.jsonl"))[0] == 0
    lab.write_bytes((tmp_path / "l.jsonl").read_bytes())
    data = lab.read_bytes()
    r = runner.invoke(app, ["aggregate", str(lab), "--out", str(out)])
    assert r.exit_code == 2 and "[E208]" in r.output, r.output
    assert lab.read_bytes() == data
