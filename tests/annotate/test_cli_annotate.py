"""`framing annotate` through the command line: exit codes, numbered errors, no traceback,
inputs untouched."""

from __future__ import annotations

import json
from pathlib import Path

import tool_exports as tx
from conftest import read_jsonl
from tool_exports import Answer
from typer.testing import CliRunner

from framing.cli import app

runner = CliRunner()


def test_export_from_texts_with_rejects(oped_inputs: Path, tmp_path: Path) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text(oped_inputs.read_text() + '{"id": "bad"}\nnot json\n')
    r = runner.invoke(app, ["annotate", "export", str(inp), "--texts", "--rules-only",
                            "--tool", "prodigy", "--out", str(tmp_path / "t.jsonl"),
                            "--level", "document", "--no-prefill"])
    assert r.exit_code == 0, r.output
    assert "2 input record(s) rejected" in r.output
    tasks = read_jsonl(tmp_path / "t.jsonl")
    assert len(tasks) == 6 and all("accept" not in t and "spans" not in t for t in tasks)
    # the original text (paragraph breaks included) when the analyzer ran here
    assert "\n" in tasks[0]["text"]
    rejects = read_jsonl(tmp_path / "t.jsonl.rejects.jsonl")
    assert [x["code"] for x in rejects] == ["E103", "E101"]


def test_export_refuses_and_keeps_inputs(labelled: Path, tmp_path: Path) -> None:
    before = labelled.read_bytes()
    r = runner.invoke(app, ["annotate", "export", str(labelled), "--tool", "brat", "--out",
                            str(tmp_path / "x.json")])
    assert r.exit_code == 2 and "[E850]" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["annotate", "export", str(labelled), "--tool", "label-studio",
                            "--out", str(labelled)])
    assert r.exit_code == 2 and ("[E856]" in r.output or "[E208]" in r.output)
    (tmp_path / "keep.json").write_text("[]")
    r = runner.invoke(app, ["annotate", "export", str(labelled), "--tool", "label-studio",
                            "--out", str(tmp_path / "keep.json")])
    assert r.exit_code == 2 and "[E207]" in r.output
    assert (tmp_path / "keep.json").read_text() == "[]"
    r = runner.invoke(app, ["annotate", "export", str(labelled), "--tool", "argilla",
                            "--out", str(tmp_path / "a.json"), "--frames", "federalism,nope"])
    assert r.exit_code == 2 and "[E004]" in r.output
    assert labelled.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.json"]


def test_import_strict_exit_code(labelled: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["annotate", "export", str(labelled), "--tool", "label-studio",
                            "--out", str(tmp_path / "t.json")])
    assert r.exit_code == 0, r.output
    tasks = json.loads((tmp_path / "t.json").read_text())
    fid = [t["data"]["framing_id"] for t in tasks]
    answers = {fid[0]: [Answer("a", ["federalism"]), Answer("b", ["economic"])],
               fid[1]: [Answer("a", ["economic"])]}
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tx.label_studio(tasks, answers, {"a": 1, "b": 2})))
    r = runner.invoke(app, ["annotate", "import", str(export), "--out",
                            str(tmp_path / "rows.jsonl"), "--strict"])
    assert r.exit_code == 1, r.output
    assert "1 item(s) with conflicting annotations" in r.output
    assert "not annotated yet" in r.output
    assert len(read_jsonl(tmp_path / "rows.jsonl")) == 1
    r = runner.invoke(app, ["annotate", "import", str(tmp_path / "t.json"), "--out",
                            str(tmp_path / "none.jsonl")])
    assert r.exit_code == 2 and "[E855]" in r.output and not (tmp_path / "none.jsonl").exists()


def test_config_for_each_tool() -> None:
    r = runner.invoke(app, ["annotate", "config", "--tool", "label-studio", "--frames",
                            "federalism,enforcement"])
    assert r.exit_code == 0 and '<Choice value="federalism"' in r.output
    assert '<Labels name="evidence" toName="text">' in r.output
    r = runner.invoke(app, ["annotate", "config", "--tool", "prodigy"])
    assert "prodigy mark" in r.output and "choice_style" in r.output
    r = runner.invoke(app, ["annotate", "config", "--tool", "doccano"])
    assert '"text": "no_frame"' in r.output
    r = runner.invoke(app, ["annotate", "config", "--tool", "argilla"])
    assert "rg.MultiLabelQuestion(name=\"frames\"" in r.output
    assert "rg.Record.from_dict" in r.output


def test_a_users_codebook_must_be_named(oped_inputs: Path, tmp_path: Path) -> None:
    from test_bootstrap import new_codebook

    from framing.batch import label

    cb = new_codebook(tmp_path)
    out = tmp_path / "labels.jsonl"
    label([oped_inputs], out, load_kwargs={"rules_only": True, "codebook": str(cb)},
          progress=False)
    r = runner.invoke(app, ["annotate", "export", str(out), "--tool", "label-studio",
                            "--out", str(tmp_path / "t.json")])
    assert r.exit_code == 2 and "[E856]" in r.output and "states_decide" in r.output
    r = runner.invoke(app, ["annotate", "export", str(out), "--tool", "label-studio",
                            "--out", str(tmp_path / "t.json"), "--codebook", str(cb),
                            "--frames", "states_decide"])
    assert r.exit_code == 0, r.output
    tasks = json.loads((tmp_path / "t.json").read_text())
    assert any(reg["type"] == "labels" for t in tasks for reg in t["predictions"][0]["result"])
