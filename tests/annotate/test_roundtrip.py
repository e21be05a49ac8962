"""Export tasks -> the tool's export (written as the tool writes it) -> import, for every tool,
at sentence and document level: labels, annotators, timestamps and item references survive;
conflicts are reported and never merged silently; unusable records are accounted for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tool_exports as tx
from conftest import read_jsonl
from tool_exports import Answer

from framing.annotate import export_tasks, import_annotations
from framing.annotate.formats import NO_FRAME
from framing.codebook import Codebook
from framing.errors import FramingError

CB = Codebook.default()
FED, LEG = "federalism", "legality_constitutionality_and_jurisprudence"
LS_USERS = {"alice": 11, "bob": 12, "carol": 13}
AR_USERS = {"alice": "5e2c6a60-0000-4000-8000-000000000001",
            "bob": "5e2c6a60-0000-4000-8000-000000000002",
            "carol": "5e2c6a60-0000-4000-8000-000000000003"}


def _export(labelled: Path, tmp: Path, tool: str, level: str = "sentence") -> tuple[Path, list]:
    out = tmp / f"tasks.{'json' if tool in ('label-studio', 'argilla') else 'jsonl'}"
    s = export_tasks([labelled], out, tool, level=level)
    text = out.read_text(encoding="utf-8")
    tasks = json.loads(text) if out.suffix == ".json" else \
        [json.loads(line) for line in text.splitlines()]
    assert s.tasks == len(tasks) > 0
    return out, tasks


def _ref(task: dict, tool: str) -> dict:
    return task["data"] if tool == "label-studio" else \
        task["metadata"] if tool == "argilla" else task


def _plan(tasks: list, tool: str) -> tuple[dict[str, list[Answer]], dict[str, object]]:
    """Answers for the first five items: alice accepts the pre-annotation on 0-3, bob agrees
    on 1 and disagrees on 2, alice answers 'no frame' on 4 and carol skips it."""
    ids = [_ref(t, tool)["framing_id"] for t in tasks]
    pre = []
    for t in tasks[:5]:
        if tool == "label-studio":
            pre.append(t["predictions"][0]["result"][0]["value"]["choices"])
        elif tool == "argilla":
            pre.append(t["suggestions"]["frames"]["value"])
        elif tool == "prodigy":
            pre.append(t["accept"])
        else:
            pre.append(t["cats"])
    other = ["economic"] if pre[2] != ["economic"] else ["morality"]
    skip = {"label-studio": "cancelled", "prodigy": "ignore", "argilla": "draft",
            "doccano": "submitted"}[tool]
    answers = {
        ids[0]: [Answer("alice", pre[0], ts=tx.T0 + 10)],
        ids[1]: [Answer("alice", pre[1], ts=tx.T0 + 20), Answer("bob", pre[1], ts=tx.T0 + 25)],
        ids[2]: [Answer("alice", pre[2], ts=tx.T0 + 30), Answer("bob", other, ts=tx.T0 + 35)],
        ids[3]: [Answer("alice", pre[3], ts=tx.T0 + 40)],
        ids[4]: [Answer("alice", [NO_FRAME], ts=tx.T0 + 50)] +
                ([Answer("carol", [FED], status=skip, ts=tx.T0 + 55)] if tool != "doccano"
                 else []),
    }
    return answers, {"ids": ids, "pre": pre, "other": other}


def _write_tool_export(tool: str, tasks: list, answers: dict, tmp: Path, flatten: bool = False
                       ) -> Path:
    if tool == "label-studio":
        p = tmp / "project-1-at-2024-05-01-10-00.json"
        p.write_text(json.dumps(tx.label_studio(tasks, answers, LS_USERS)), encoding="utf-8")
    elif tool == "prodigy":
        p = tmp / "frames_r1.jsonl"
        p.write_text(tx.prodigy(tasks, answers), encoding="utf-8")
    elif tool == "doccano":
        p = tx.doccano_zip(tmp / "doccano-export.zip", tasks, answers, ["admin", "alice", "bob"])
    else:
        p = tmp / "records.json"
        p.write_text(json.dumps(tx.argilla(tasks, answers, AR_USERS, flatten)),
                     encoding="utf-8")
    return p


@pytest.mark.parametrize("tool", ["label-studio", "prodigy", "doccano", "argilla"])
def test_roundtrip_sentence_level(tool: str, labelled: Path, tmp_path: Path) -> None:
    _, tasks = _export(labelled, tmp_path, tool)
    answers, info = _plan(tasks, tool)
    ids, pre = info["ids"], info["pre"]
    # Argilla: the flattened records, which keep each response's status
    export = _write_tool_export(tool, tasks, answers, tmp_path, flatten=tool == "argilla")
    s = import_annotations([export], tmp_path / "rows.jsonl", tool=tool)
    rows = {r["id"]: r for r in read_jsonl(tmp_path / "rows.jsonl")}
    # agreed items are rows; the disagreement is not
    assert set(rows) == {ids[0], ids[1], ids[3], ids[4]}
    for k in (0, 1, 3):
        want = CB.closure([lab for lab in pre[k] if lab != NO_FRAME])
        assert rows[ids[k]]["labels"] == want
    assert rows[ids[4]]["labels"] == []  # "no frame", said explicitly
    assert rows[ids[1]]["agreement"] == "unanimous"
    assert rows[ids[0]]["agreement"] == "single"
    # the text and the reference back to the document survive the tool
    task0 = next(t for t in tasks if _ref(t, tool)["framing_id"] == ids[0])
    ref0 = _ref(task0, tool)
    text0 = task0["data"]["text"] if tool == "label-studio" else \
        task0["fields"]["text"] if tool == "argilla" else task0["text"]
    assert rows[ids[0]]["text"] == text0
    assert (rows[ids[0]]["doc_id"], rows[ids[0]]["start"], rows[ids[0]]["end"]) == \
        (ref0["doc_id"], ref0["start"], ref0["end"])
    assert rows[ids[0]]["level"] == "sentence"
    # annotators (and, where the tool keeps them, timestamps) are kept
    who = sorted(a["annotator"] for a in rows[ids[1]]["annotations"])
    if tool == "label-studio":
        assert who == ["11", "12"]
        assert rows[ids[0]]["annotations"][0]["timestamp"].startswith("2024-05-01T10:00:15")
    elif tool == "prodigy":
        assert who == ["frames_r1-alice", "frames_r1-bob"]
        assert rows[ids[0]]["annotations"][0]["timestamp"] == "2024-05-01T10:00:10+00:00"
    elif tool == "doccano":
        assert who == ["alice", "bob"]
    else:
        assert who == sorted([AR_USERS["alice"], AR_USERS["bob"]])
    # the conflict is reported with every answer
    conflicts = read_jsonl(tmp_path / "rows.conflicts.jsonl")
    assert [c["id"] for c in conflicts] == [ids[2]]
    assert len(conflicts[0]["annotations"]) == 2
    assert info["other"][0] in conflicts[0]["disagree_on"]
    assert s.conflicts == 1 and s.rows == 4
    # nothing silently dropped: every other record is in the rejects with a reason
    rejects = read_jsonl(tmp_path / "rows.rejects.jsonl")
    reasons = " | ".join(r["reason"] for r in rejects)
    if tool == "label-studio":
        assert "cancelled" in reasons
        assert sum("not annotated yet" in r["reason"] for r in rejects) == len(tasks) - 5
    elif tool == "prodigy":
        assert "answered 'ignore'" in reasons
    elif tool == "doccano":  # admin's file and unlabelled examples: "not annotated"
        assert all("no label" in r["reason"] for r in rejects)
        assert len(rejects) == 3 * len(tasks) - 7
    else:
        assert "response is draft" in reasons and "no responses yet" in reasons


def test_argilla_nested_export_counts_a_draft_as_an_answer(labelled: Path, tmp_path: Path
                                                           ) -> None:
    """Argilla's nested JSON has no per-response status: a draft is indistinguishable from a
    submitted response, so carol's draft makes item 4 a conflict (which is reported)."""
    _, tasks = _export(labelled, tmp_path, "argilla")
    answers, info = _plan(tasks, "argilla")
    export = _write_tool_export("argilla", tasks, answers, tmp_path)
    import_annotations([export], tmp_path / "rows.jsonl", tool="argilla")
    conflicts = {c["id"] for c in read_jsonl(tmp_path / "rows.conflicts.jsonl")}
    assert info["ids"][4] in conflicts


@pytest.mark.parametrize("tool", ["label-studio", "prodigy", "doccano", "argilla"])
def test_roundtrip_document_level(tool: str, labelled: Path, tmp_path: Path) -> None:
    _, tasks = _export(labelled, tmp_path, tool, level="document")
    assert len(tasks) == 6
    ref = [_ref(t, tool) for t in tasks]
    assert {r["level"] for r in ref} == {"document"}
    assert [r["framing_id"] for r in ref] == [r["doc_id"] for r in ref]
    answers = {ref[0]["framing_id"]: [Answer("alice", [FED, "economic"])],
               ref[1]["framing_id"]: [Answer("bob", [NO_FRAME])]}
    export = _write_tool_export(tool, tasks, answers, tmp_path)
    import_annotations([export], tmp_path / "docs.jsonl", tool=tool)
    rows = {r["id"]: r for r in read_jsonl(tmp_path / "docs.jsonl")}
    assert rows[ref[0]["framing_id"]]["labels"] == CB.closure([FED, "economic"])
    assert rows[ref[1]["framing_id"]]["labels"] == []
    assert rows[ref[0]["framing_id"]]["level"] == "document"


def test_label_studio_evidence_spans_index_the_task_text(labelled: Path, tmp_path: Path
                                                         ) -> None:
    _, tasks = _export(labelled, tmp_path, "label-studio", level="document")
    n = 0
    for t in tasks:
        for r in t["predictions"][0]["result"][1:]:
            v = r["value"]
            assert t["data"]["text"][v["start"]:v["end"]] == v["text"]
            assert r["type"] == "labels" and r["from_name"] == "evidence"
            n += 1
    assert n > 10


def test_annotator_spans_are_kept(labelled: Path, tmp_path: Path) -> None:
    _, tasks = _export(labelled, tmp_path, "label-studio")
    fid, text = tasks[0]["data"]["framing_id"], tasks[0]["data"]["text"]
    answers = {fid: [Answer("alice", [FED], spans=[(0, 5, FED)])]}
    export = _write_tool_export("label-studio", tasks, answers, tmp_path)
    import_annotations([export], tmp_path / "rows.jsonl", tool="label-studio")
    (row,) = read_jsonl(tmp_path / "rows.jsonl")
    assert row["annotations"][0]["spans"] == [
        {"start": 0, "end": 5, "text": text[:5], "frame": FED, "source": "annotator"}]


def test_majority_policy_resolves_and_still_reports(labelled: Path, tmp_path: Path) -> None:
    _, tasks = _export(labelled, tmp_path, "prodigy")
    fid = tasks[0]["framing_id"]
    answers = {fid: [Answer("alice", [FED, "economic"]), Answer("bob", [FED]),
                     Answer("carol", [FED, "economic"])]}
    export = _write_tool_export("prodigy", tasks, answers, tmp_path)
    import_annotations([export], tmp_path / "rows.jsonl", tool="prodigy", conflicts="majority")
    (row,) = read_jsonl(tmp_path / "rows.jsonl")
    assert row["labels"] == CB.closure([FED, "economic"]) and row["agreement"] == "majority"
    (c,) = read_jsonl(tmp_path / "rows.conflicts.jsonl")
    assert c["resolved"] == "majority" and c["votes"] == {"economic": 2}


def test_same_annotator_twice_keeps_the_latest(labelled: Path, tmp_path: Path) -> None:
    _, tasks = _export(labelled, tmp_path, "prodigy")
    fid = tasks[0]["framing_id"]
    answers = {fid: [Answer("alice", ["economic"], ts=tx.T0 + 100),
                     Answer("alice", [FED], ts=tx.T0 + 50)]}
    export = _write_tool_export("prodigy", tasks, answers, tmp_path)
    s = import_annotations([export], tmp_path / "rows.jsonl", tool="prodigy")
    (row,) = read_jsonl(tmp_path / "rows.jsonl")
    assert row["labels"] == ["economic"]
    assert row["superseded"][0]["labels"] == CB.closure([FED])
    assert s.superseded == 1


def test_bad_labels_are_rejected_with_a_reason(labelled: Path, tmp_path: Path) -> None:
    _, tasks = _export(labelled, tmp_path, "prodigy")
    ids = [t["framing_id"] for t in tasks]
    answers = {ids[0]: [Answer("alice", ["no_such_frame"])],
               ids[1]: [Answer("alice", [NO_FRAME, FED])],
               ids[2]: [Answer("alice", [FED])]}
    export = _write_tool_export("prodigy", tasks, answers, tmp_path)
    s = import_annotations([export], tmp_path / "rows.jsonl", tool="prodigy")
    assert s.rows == 1
    rejects = read_jsonl(tmp_path / "rows.rejects.jsonl")
    assert {r["code"] for r in rejects} == {"E853", "E865"}
    assert any("no_such_frame" in r["reason"] for r in rejects)


def test_doccano_collaborative_and_empty_as_negative(labelled: Path, tmp_path: Path) -> None:
    _, tasks = _export(labelled, tmp_path, "doccano")
    answers = {tasks[0]["framing_id"]: [Answer("alice", [FED])]}
    z = tx.doccano_zip(tmp_path / "e.zip", tasks, answers, ["alice"])
    import zipfile

    all_jsonl = tmp_path / "all.jsonl"
    all_jsonl.write_bytes(zipfile.ZipFile(z).read("alice.jsonl"))
    s = import_annotations([all_jsonl], tmp_path / "rows.jsonl", tool="doccano",
                           annotator="team", empty_as_negative=True)
    rows = read_jsonl(tmp_path / "rows.jsonl")
    assert s.rows == len(tasks) and s.rejected == 0
    assert rows[0]["labels"] == CB.closure([FED])
    assert all(r["labels"] == [] for r in rows[1:])
    assert {a["annotator"] for r in rows for a in r["annotations"]} == {"team"}


def test_import_detects_the_tool(labelled: Path, tmp_path: Path) -> None:
    for tool in ("label-studio", "prodigy", "argilla"):
        d = tmp_path / tool
        d.mkdir()
        _, tasks = _export(labelled, d, tool)
        answers = {_ref(tasks[0], tool)["framing_id"]: [Answer("alice", [FED])]}
        export = _write_tool_export(tool, tasks, answers, d)
        s = import_annotations([export], d / "rows.jsonl")
        assert s.rows == 1


def test_mixed_levels_need_a_choice(labelled: Path, tmp_path: Path) -> None:
    _, sent = _export(labelled, tmp_path, "prodigy")
    d = tmp_path / "doc"
    d.mkdir()
    _, docs = _export(labelled, d, "prodigy", level="document")
    answers = {sent[0]["framing_id"]: [Answer("alice", [FED])],
               docs[0]["framing_id"]: [Answer("alice", [FED])]}
    both = tmp_path / "both.jsonl"
    both.write_text(tx.prodigy(sent + docs, answers), encoding="utf-8")
    with pytest.raises(FramingError, match=r"\[E854\]"):
        import_annotations([both], tmp_path / "rows.jsonl", tool="prodigy")
    s = import_annotations([both], tmp_path / "rows.jsonl", tool="prodigy", level="document")
    assert s.rows == 1 and read_jsonl(tmp_path / "rows.jsonl")[0]["level"] == "document"


def test_documented_label_studio_export_shape(tmp_path: Path) -> None:
    """A literal export in the shape of the Label Studio docs' example (task_format page),
    for a text task made outside framing (no framing_id): the item id comes from the text."""
    export = [{
        "id": 1, "created_at": "2021-03-09T21:52:49.513742Z",
        "updated_at": "2021-03-09T22:16:08.746926Z", "project": 83,
        "data": {"text": "Drug policy should be left to the states."},
        "annotations": [{
            "id": "1001", "result": [{"from_name": "frames", "id": "Dx_aB91ISN",
                                      "source": "$text", "to_name": "text", "type": "choices",
                                      "value": {"choices": ["federalism"]}}],
            "was_cancelled": False, "ground_truth": False,
            "created_at": "2021-03-09T22:16:08.728353Z",
            "updated_at": "2021-03-09T22:16:08.728378Z", "lead_time": 4.288,
            "result_count": 0, "task": 1, "completed_by": 10}],
        "predictions": [{"created_ago": "3 hours", "model_version": "model 1",
                         "result": [{"from_name": "frames", "id": "t5sp3TyXPo",
                                     "source": "$text", "to_name": "text", "type": "choices",
                                     "value": {"choices": ["economic"]}}]}]}]
    p = tmp_path / "export.json"
    p.write_text(json.dumps(export), encoding="utf-8")
    s = import_annotations([p], tmp_path / "rows.jsonl", level="sentence")
    (row,) = read_jsonl(tmp_path / "rows.jsonl")
    assert s.rows == 1 and row["labels"] == CB.closure([FED])
    assert row["id"].startswith("text:") and row["annotations"][0]["annotator"] == "10"
    assert row["annotations"][0]["timestamp"] == "2021-03-09T22:16:08.728378Z"


def test_import_refuses_to_overwrite_and_reads_nothing_else(labelled: Path, tmp_path: Path
                                                            ) -> None:
    _, tasks = _export(labelled, tmp_path, "prodigy")
    answers = {tasks[0]["framing_id"]: [Answer("alice", [FED])]}
    export = _write_tool_export("prodigy", tasks, answers, tmp_path)
    before = export.read_bytes()
    with pytest.raises(FramingError, match=r"\[E208\]"):
        import_annotations([export], export.with_suffix(".jsonl"), tool="prodigy")
    (tmp_path / "rows.jsonl").write_text("mine\n")
    with pytest.raises(FramingError, match=r"\[E207\]"):
        import_annotations([export], tmp_path / "rows.jsonl", tool="prodigy")
    assert (tmp_path / "rows.jsonl").read_text() == "mine\n"
    assert export.read_bytes() == before
    with pytest.raises(FramingError, match=r"\[E851\]"):
        import_annotations([export], tmp_path / "r2.jsonl", tool="label-studio")
