"""Annotation tools' exports, written the way each tool writes them, from framing's task files
and simulated annotators' answers. Each writer follows the tool's documented export schema
(cited at each function); the readers under test must not rely on anything else.

An answer is ``Answer(annotator, labels, spans=None, status="submitted", ts=...)``; for Label
Studio ``status="cancelled"`` is a skipped task, for Prodigy ``"reject"``/``"ignore"`` are the
other answers, for Argilla ``"draft"``/``"discarded"`` are response statuses.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

T0 = 1714557600  # 2024-05-01T10:00:00Z


@dataclass
class Answer:
    annotator: str
    labels: list[str]
    spans: list[tuple[int, int, str]] | None = None
    status: str = "submitted"
    ts: int = T0


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def label_studio(tasks: list[dict], answers: dict[str, list[Answer]], users: dict[str, int]
                 ) -> list[dict]:
    """Label Studio's JSON export: https://labelstud.io/guide/export#Label-Studio-JSON-format-
    of-annotated-tasks (a list of tasks: id, data, annotations with completed_by (user id),
    result regions (value/id/from_name/to_name/type/origin), was_cancelled, ground_truth,
    created_at/updated_at, lead_time, task, project; plus predictions, drafts, meta)."""
    out = []
    for i, t in enumerate(tasks, 1):
        fid = t["data"]["framing_id"]
        anns = []
        for j, a in enumerate(answers.get(fid, []), 1):
            result: list[dict[str, Any]] = []
            if a.status != "cancelled":
                result.append({"value": {"choices": a.labels}, "id": uuid.uuid4().hex[:10],
                               "from_name": "frames", "to_name": "text", "type": "choices",
                               "origin": "manual"})
                for s, e, lab in a.spans or []:
                    result.append({"value": {"start": s, "end": e,
                                             "text": t["data"]["text"][s:e], "labels": [lab]},
                                   "id": uuid.uuid4().hex[:10], "from_name": "evidence",
                                   "to_name": "text", "type": "labels", "origin": "manual"})
            anns.append({
                "id": i * 100 + j, "completed_by": users[a.annotator], "result": result,
                "was_cancelled": a.status == "cancelled", "ground_truth": False,
                "created_at": _iso(a.ts), "updated_at": _iso(a.ts + 5),
                "draft_created_at": None, "lead_time": 12.5, "prediction": {},
                "result_count": 0, "unique_id": str(uuid.uuid4()), "import_id": None,
                "last_action": None, "task": i, "project": 1, "updated_by": users[a.annotator],
                "parent_prediction": i, "parent_annotation": None, "last_created_by": None})
        out.append({
            "id": i, "annotations": anns, "file_upload": "tasks.json", "drafts": [],
            "predictions": [dict(p, id=i, task=i, project=1) for p in t.get("predictions", [])],
            "data": t["data"], "meta": {}, "created_at": _iso(T0 - 3600),
            "updated_at": _iso(T0), "inner_id": i, "total_annotations": len(anns),
            "cancelled_annotations": sum(a["was_cancelled"] for a in anns),
            "total_predictions": len(t.get("predictions", [])), "comment_count": 0,
            "unresolved_comment_count": 0, "last_comment_updated_at": None, "project": 1,
            "updated_by": None, "comment_authors": []})
    return out


def prodigy(tasks: list[dict], answers: dict[str, list[Answer]], dataset: str = "frames_r1"
            ) -> str:
    """``prodigy db-out`` JSONL (https://prodi.gy/docs/api-interfaces, https://prodi.gy/docs/
    recipes#db-out): the task as streamed, plus _input_hash, _task_hash, _view_id, the answer
    (accept/reject/ignore), the selected option ids in accept, _timestamp (Unix seconds),
    _annotator_id and _session_id ("<dataset>-<session name>")."""
    lines = []
    for t in tasks:
        for a in answers.get(t["framing_id"], []):
            eg = dict(t)
            eg.update({"_input_hash": hash(t["text"]) % 2**31, "_task_hash": hash(
                (t["text"], a.annotator)) % 2**31, "_is_binary": False, "_view_id": "choice",
                "config": {"choice_style": "multiple"},
                "accept": a.labels, "answer": "accept" if a.status == "submitted" else a.status,
                "_timestamp": a.ts, "_annotator_id": f"{dataset}-{a.annotator}",
                "_session_id": f"{dataset}-{a.annotator}"})
            if a.spans is not None:
                eg["spans"] = [{"start": s, "end": e, "label": lab} for s, e, lab in a.spans]
            lines.append(json.dumps(eg))
    return "\n".join(lines) + "\n"


def doccano_zip(path: Path, tasks: list[dict], answers: dict[str, list[Answer]],
                members: list[str]) -> Path:
    """doccano's JSONL export of a project without collaborative annotation: a .zip with one
    ``<username>.jsonl`` per member, every example in each (labelled or not), each line
    {"id", "text", **metadata, <labels>} (backend/data_export in github.com/doccano/doccano:
    ExportedExample.to_dict, the intent-detection formatter writes "entities" as
    [start, end, label] and "cats" as names; no timestamps)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for user in members:
            lines = []
            for i, t in enumerate(tasks, 1):
                meta = {k: v for k, v in t.items() if k not in ("text", "entities", "cats")}
                mine = [a for a in answers.get(t["framing_id"], []) if a.annotator == user]
                ents = [[s, e, lab] for a in mine for s, e, lab in (a.spans or [])]
                cats = [lab for a in mine for lab in a.labels]
                lines.append(json.dumps({"id": i, "text": t["text"], **meta, "entities": ents,
                                         "cats": cats, "Comments": []}))
            z.writestr(f"{user}.jsonl", "\n".join(lines) + "\n")
    path.write_bytes(buf.getvalue())
    return path


def argilla(records: list[dict], answers: dict[str, list[Answer]], users: dict[str, str],
            flatten: bool = False) -> list[dict]:
    """Argilla 2.x records: nested ``Record.to_dict`` (dataset.records.to_json: id, fields,
    metadata, suggestions {q: {value, score, agent}}, responses {q: [{value, user_id}]},
    vectors, status, _server_id) or flattened ``GenericIO._record_to_dict(flatten=True)``
    (fields and metadata as top-level keys, "<q>.responses", "<q>.responses.users",
    "<q>.responses.status", "<q>.suggestion", ".score", ".agent"); github.com/argilla-io/
    argilla, argilla/src/argilla/records/."""
    out = []
    for r in records:
        mine = answers.get(r["metadata"]["framing_id"], [])
        status = "completed" if any(a.status == "submitted" for a in mine) else "pending"
        if not flatten:
            resp: dict[str, list[dict[str, Any]]] = {}
            for a in mine:
                if a.status == "discarded":
                    continue  # a discarded response has no value
                resp.setdefault("frames", []).append({"value": a.labels,
                                                      "user_id": users[a.annotator]})
                if a.spans:
                    resp.setdefault("evidence", []).append(
                        {"value": [{"start": s, "end": e, "label": lab} for s, e, lab in a.spans],
                         "user_id": users[a.annotator]})
            out.append({"id": r["id"], "fields": r["fields"], "metadata": r["metadata"],
                        "suggestions": r.get("suggestions", {}), "responses": resp,
                        "vectors": {}, "status": status, "_server_id": str(uuid.uuid4())})
            continue
        flat: dict[str, Any] = {"id": r["id"], "status": status,
                                "_server_id": str(uuid.uuid4()), **r["fields"],
                                **r["metadata"]}
        if mine:
            flat["frames.responses"] = [a.labels for a in mine]
            flat["frames.responses.users"] = [users[a.annotator] for a in mine]
            flat["frames.responses.status"] = [a.status for a in mine]
        for q, s in (r.get("suggestions") or {}).items():
            flat[f"{q}.suggestion"] = s["value"]
            flat[f"{q}.suggestion.score"] = s["score"]
            flat[f"{q}.suggestion.agent"] = s["agent"]
        out.append(flat)
    return out
