"""Task files for annotation tools, and those tools' exports read back.

Four tools, each in its own documented format (the doc pages are cited at each writer/reader):

============ ======================================= =========================================
tool          ``framing annotate export`` writes      ``framing annotate import`` reads
============ ======================================= =========================================
label-studio  JSON list of tasks, ``data`` +          the project's JSON export (tasks with
              ``predictions`` (``choices`` for the    ``annotations``: ``completed_by``,
              frames, ``labels`` spans for evidence)  ``created_at``/``updated_at``, result)
prodigy       JSONL: ``text``, ``spans``,             ``prodigy db-out`` JSONL (``answer``,
              ``options``, ``accept`` (choice view)   ``_annotator_id``, ``_timestamp``)
doccano       JSONL: ``text``, ``entities``           the project's JSONL export: a .zip of
              ``[start, end, label]`` and ``cats``    ``<user>.jsonl`` files, or ``all.jsonl``
              (or ``label`` for one-kind projects)    of a collaborative project
argilla       JSON list of records: ``fields``,       ``dataset.records.to_json`` (nested) or
              ``metadata``, ``suggestions``           flattened records (``to_list(flatten=
                                                      True)``, ``to_datasets()`` JSON lines)
============ ======================================= =========================================

Every task carries ``framing_id``, ``doc_id``, ``level``, ``start`` and ``end`` (see
:class:`~framing.annotate.items.Item`); the tools keep such extra keys (Label Studio in
``data``, Prodigy in the task, doccano as example metadata, Argilla as record metadata), so an
annotation finds its item again. The frame question is called ``frames`` (choices, plus
``no_frame`` to say "none of these" explicitly), the span question ``evidence``.

Example:
    >>> from framing.annotate.items import Item, Span
    >>> from framing.annotate.formats import ExportOptions, to_task
    >>> it = Item("d:0-5", "d", "sentence", "Hello", 0, 5, labels=["economic"],
    ...           spans=[Span(0, 5, "Hello", "economic", "rule:x", 0.6)])
    >>> opts = ExportOptions(frames=["economic", "morality"])
    >>> to_task(it, "prodigy", opts)["accept"]
    ['economic']
    >>> to_task(it, "doccano", opts)["entities"]
    [[0, 5, 'economic']]
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from framing.annotate.items import Item, Span
from framing.errors import Errors, FramingError

TOOLS = ("label-studio", "prodigy", "doccano", "argilla")
#: the classification question (Label Studio control, Prodigy choice, Argilla question)
FRAMES = "frames"
#: the span question
EVIDENCE = "evidence"
#: the explicit "no frame applies" choice; read back as an empty label list
NO_FRAME = "no_frame"
DOCCANO_PROJECTS = ("slot-filling", "classification", "spans")
REF_KEYS = ("framing_id", "doc_id", "level", "start", "end")


def check_tool(tool: str) -> str:
    t = tool.lower().replace("_", "-")
    t = {"labelstudio": "label-studio", "ls": "label-studio"}.get(t, t)
    if t not in TOOLS:
        raise FramingError(Errors.E850.format(tool=tool, tools=", ".join(TOOLS)))
    return t


def suffix(tool: str) -> str:
    """The file suffix a tool's task file has."""
    return ".jsonl" if tool in ("prodigy", "doccano") else ".json"


@dataclass
class ExportOptions:
    """What goes into the tasks besides the items: the frames offered, their display names,
    whether to pre-fill the pipeline's labels and evidence, and the model's name."""

    frames: list[str]
    names: dict[str, str] = field(default_factory=dict)
    prefill: bool = True
    model: str = "framing"
    doccano_project: str = "slot-filling"

    def __post_init__(self) -> None:
        if self.doccano_project not in DOCCANO_PROJECTS:
            raise FramingError(Errors.E856.format(
                detail=f"doccano project must be one of {', '.join(DOCCANO_PROJECTS)}, got "
                       f"{self.doccano_project!r}"))

    def choices(self, labels: Sequence[str]) -> list[str]:
        """Pre-filled choices: the item's labels among the offered frames, or ``no_frame``."""
        got = [lab for lab in labels if lab in self.frames]
        return got or [NO_FRAME]


def _span_ok(s: Span, opts: ExportOptions) -> bool:
    return s.frame in opts.frames


# ----------------------------------------------------------------------------------------------
# writers: one task per item
# ----------------------------------------------------------------------------------------------


def _label_studio(item: Item, opts: ExportOptions) -> dict[str, Any]:
    # https://labelstud.io/guide/predictions (tasks with a `predictions` list, each a `result`
    # of regions: `choices` for classification, `labels` with start/end/text for text spans)
    # and https://labelstud.io/guide/task_format (task `data`).
    data: dict[str, Any] = {"text": item.text, **item.ref()}
    if item.meta:
        data["meta"] = dict(item.meta)
    if item.reason:
        data["selected_because"] = dict(item.reason)
    task: dict[str, Any] = {"data": data}
    if opts.prefill:
        result: list[dict[str, Any]] = [{
            "id": "frames-0", "from_name": FRAMES, "to_name": "text", "type": "choices",
            "value": {"choices": opts.choices(item.labels)}}]
        for k, s in enumerate(x for x in item.spans if _span_ok(x, opts)):
            region: dict[str, Any] = {
                "id": f"evidence-{k}", "from_name": EVIDENCE, "to_name": "text",
                "type": "labels",
                "value": {"start": s.start, "end": s.end, "text": s.text, "labels": [s.frame]}}
            if s.score is not None:
                region["score"] = s.score
            result.append(region)
        top = max((item.scores.get(f, 0.0) for f in opts.frames), default=0.0)
        task["predictions"] = [{"model_version": opts.model, "score": round(top, 4),
                                "result": result}]
    return task


def _prodigy(item: Item, opts: ExportOptions) -> dict[str, Any]:
    # https://prodi.gy/docs/api-interfaces (the `choice` interface: `options` with id/text,
    # selected ids in `accept`; `spans` with start/end/label are highlighted in the text).
    task: dict[str, Any] = {
        "text": item.text,
        "options": [{"id": f, "text": opts.names.get(f, f)} for f in opts.frames] +
                   [{"id": NO_FRAME, "text": "No frame"}],
        "meta": {"id": item.id, **{k: v for k, v in item.meta.items()
                                   if isinstance(v, (str, int, float))}},
        **item.ref(),
    }
    if item.reason:
        task["selected_because"] = dict(item.reason)
    if opts.prefill:
        task["accept"] = opts.choices(item.labels)
        task["spans"] = [{"start": s.start, "end": s.end, "label": s.frame}
                         for s in item.spans if _span_ok(s, opts)]
    return task


def _doccano(item: Item, opts: ExportOptions) -> dict[str, Any]:
    # doccano's JSONL import (https://doccano.github.io/doccano/tutorial/#import-dataset):
    # text classification reads `label` as a list of category names, sequence labelling reads
    # `label` as [start, end, label] triples, "intent detection and slot filling" reads
    # `cats` and `entities`; every other key is kept as the example's metadata.
    task: dict[str, Any] = {"text": item.text, **item.ref()}
    if item.reason:
        task["selected_because"] = json.dumps(item.reason, sort_keys=True)
    cats = opts.choices(item.labels) if opts.prefill else []
    ents = [[s.start, s.end, s.frame] for s in item.spans if _span_ok(s, opts)] \
        if opts.prefill else []
    if opts.doccano_project == "slot-filling":
        task["entities"], task["cats"] = ents, cats
    elif opts.doccano_project == "classification":
        task["label"] = cats
    else:
        task["label"] = ents
    return task


def _argilla(item: Item, opts: ExportOptions) -> dict[str, Any]:
    # Argilla 2.x record dicts (https://docs.argilla.io/latest/how_to_guides/record/ and
    # `Record.from_dict`): `fields`, `metadata`, `suggestions` {question: {value, score,
    # agent}}; a multi-label question's value is a list of labels, a span question's value a
    # list of {start, end, label}.
    meta: dict[str, Any] = {**item.ref()}
    for k, v in item.meta.items():
        if isinstance(v, (str, int, float)) and k not in meta:
            meta[k] = v
    rec: dict[str, Any] = {"id": item.id, "fields": {"text": item.text}, "metadata": meta,
                           "suggestions": {}, "responses": {}, "vectors": {}}
    if item.reason:
        meta["selected_because"] = json.dumps(item.reason, sort_keys=True)
    if opts.prefill:
        labels = opts.choices(item.labels)
        rec["suggestions"][FRAMES] = {
            "value": labels, "agent": opts.model,
            "score": [round(float(item.scores.get(lab, 0.0)), 4) if lab != NO_FRAME else None
                      for lab in labels] if any(lab != NO_FRAME for lab in labels) else None}
        spans = [{"start": s.start, "end": s.end, "label": s.frame}
                 for s in item.spans if _span_ok(s, opts)]
        if spans:
            rec["suggestions"][EVIDENCE] = {"value": spans, "agent": "framing rules",
                                            "score": None}
    return rec


_WRITERS = {"label-studio": _label_studio, "prodigy": _prodigy, "doccano": _doccano,
            "argilla": _argilla}


def to_task(item: Item, tool: str, opts: ExportOptions) -> dict[str, Any]:
    """The task (or record) of one item in the tool's import format."""
    return _WRITERS[check_tool(tool)](item, opts)


def dump_tasks(tasks: Sequence[dict[str, Any]], tool: str) -> str:
    """The file content: a JSON list (Label Studio, Argilla) or JSON lines (Prodigy, doccano)."""
    if suffix(check_tool(tool)) == ".json":
        return json.dumps(list(tasks), ensure_ascii=False, indent=1) + "\n"
    return "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks)


# ----------------------------------------------------------------------------------------------
# readers: the tools' exports back into annotations
# ----------------------------------------------------------------------------------------------


@dataclass
class Annotation:
    """One annotator's answer for one item, as read from a tool's export.

    ``labels`` are as the annotator gave them (``no_frame`` included; the importer checks
    them); ``where`` locates the record in the export for messages.
    """

    item_id: str
    text: str
    labels: list[str]
    where: str
    annotator: str | None = None
    timestamp: str | None = None
    doc_id: str | None = None
    level: str | None = None
    start: int | None = None
    end: int | None = None
    spans: list[Span] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Skipped:
    """A record of the export that gives no annotation, and why (it goes to the rejects)."""

    where: str
    reason: str
    item_id: str | None = None
    annotator: str | None = None
    code: str = "E865"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.where, "id": self.item_id, "annotator": self.annotator,
                "code": self.code, "reason": self.reason}


@dataclass
class ReadResult:
    annotations: list[Annotation] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _iso(ts: Any) -> str | None:
    """A timestamp as ISO 8601 (UTC for Unix seconds); strings are kept as the tool wrote them."""
    if ts is None or ts == "":
        return None
    if isinstance(ts, (int, float)) and not isinstance(ts, bool):
        return datetime.fromtimestamp(float(ts), tz=timezone.utc).isoformat()
    return str(ts)


def _bad(path: Path, tool: str, detail: str, how: str) -> FramingError:
    return FramingError(Errors.E851.format(path=path, tool=tool, detail=detail, how=how))


def _ref(d: dict[str, Any], text: str) -> dict[str, Any]:
    """The item reference of a task (framing's keys), or one derived from the text."""
    import hashlib

    fid = d.get("framing_id")
    out: dict[str, Any] = {
        "item_id": str(fid) if fid not in (None, "") else
        "text:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16],
        "doc_id": None if d.get("doc_id") is None else str(d["doc_id"]),
        "level": d.get("level") if d.get("level") in ("sentence", "document") else None,
    }
    for k in ("start", "end"):
        v = d.get(k)
        out[k] = int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    return out


def _span_from(obj: Any, text: str) -> Span | None:
    """A span from the shapes the tools use: [start, end, label], {start, end, label},
    {start_offset, end_offset, label}."""
    if isinstance(obj, (list, tuple)) and len(obj) == 3:
        s, e, lab = obj
    elif isinstance(obj, dict):
        s = obj.get("start", obj.get("start_offset"))
        e = obj.get("end", obj.get("end_offset"))
        lab = obj.get("label")
    else:
        return None
    if not isinstance(s, int) or not isinstance(e, int) or not isinstance(lab, str):
        return None
    return Span(s, e, text[s:e], lab, "annotator")


def _labels_list(v: Any) -> list[str] | None:
    if isinstance(v, str):
        return [v]
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return list(v)
    return None


def _load_json(path: Path, tool: str, how: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _bad(path, tool, f"not JSON ({e})", how) from None


def _jsonl_lines(text: str, name: str, tool: str, how: str, path: Path
                 ) -> Iterator[tuple[str, dict[str, Any]]]:
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise _bad(path, tool, f"line {n} of {name} is not JSON ({e.msg})", how) from None
        if not isinstance(row, dict):
            raise _bad(path, tool, f"line {n} of {name} is not a JSON object", how)
        yield f"{name}:{n}", row


# ----- Label Studio ---------------------------------------------------------------------------
_LS_HOW = "JSON (Export > JSON; not JSON-MIN or CSV)"


def read_label_studio(path: Path) -> ReadResult:
    """Label Studio's JSON export: a list of tasks, each with ``data`` and ``annotations``
    (``result`` regions, ``completed_by``, ``created_at``/``updated_at``, ``was_cancelled``).

    Format: https://labelstud.io/guide/export#Label-Studio-JSON-format-of-annotated-tasks and
    https://labelstud.io/guide/task_format.
    """
    data = _load_json(path, "label-studio", _LS_HOW)
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise _bad(path, "label-studio", "expected a JSON list of tasks", _LS_HOW)
    out = ReadResult()
    for i, task in enumerate(data):
        where = f"{path.name}[{i}]"
        d = task.get("data")
        if not isinstance(d, dict) or not isinstance(d.get("text"), str):
            raise _bad(path, "label-studio", f"task {i} has no data.text", _LS_HOW)
        text = d["text"]
        ref = _ref(d, text)
        anns = task.get("annotations")
        if anns is None and "completions" in task:  # Label Studio < 1.0 called them so
            anns = task["completions"]
        if not anns:
            out.skipped.append(Skipped(where, "not annotated yet", ref["item_id"]))
            continue
        for j, a in enumerate(anns):
            w = f"{where}.annotations[{j}]"
            who = a.get("completed_by")
            if isinstance(who, dict):
                who = who.get("email") or who.get("username") or who.get("id")
            annotator = None if who is None else str(who)
            if a.get("was_cancelled"):
                out.skipped.append(Skipped(w, "skipped (cancelled) in Label Studio",
                                           ref["item_id"], annotator))
                continue
            labels: list[str] | None = None
            spans: list[Span] = []
            for r in a.get("result") or []:
                if not isinstance(r, dict):
                    continue
                v = r.get("value") or {}
                if r.get("type") == "choices" and r.get("from_name", FRAMES) == FRAMES:
                    labels = (labels or []) + list(v.get("choices") or [])
                elif r.get("type") == "labels":
                    for lab in v.get("labels") or []:
                        sp = _span_from({"start": v.get("start"), "end": v.get("end"),
                                         "label": lab}, text)
                        if sp is not None:
                            spans.append(sp)
            if labels is None:
                out.skipped.append(Skipped(
                    w, f"no answer to the '{FRAMES}' choices (tick the frames, or "
                       f"'{NO_FRAME}')", ref["item_id"], annotator))
                continue
            out.annotations.append(Annotation(
                text=text, labels=labels, where=w, annotator=annotator,
                timestamp=_iso(a.get("updated_at") or a.get("created_at")), spans=spans,
                meta={k: a[k] for k in ("id", "lead_time", "ground_truth") if k in a} |
                     {"task_id": task.get("id")}, **ref))
    return out


# ----- Prodigy --------------------------------------------------------------------------------
_PRODIGY_HOW = "JSON lines (prodigy db-out DATASET > file.jsonl)"


def read_prodigy(path: Path) -> ReadResult:
    """``prodigy db-out`` JSONL: each line one answered task with ``answer`` (accept, reject or
    ignore), ``_annotator_id``/``_session_id`` and ``_timestamp`` (Unix seconds, Prodigy 1.11+).
    Choice tasks give their labels in ``accept``; tasks without ``options`` (span interfaces)
    give the distinct labels of their ``spans``.

    Format: https://prodi.gy/docs/api-interfaces and https://prodi.gy/docs/recipes#db-out.
    """
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise _bad(path, "prodigy", f"not UTF-8 ({e})", _PRODIGY_HOW) from None
    out = ReadResult()
    for where, row in _jsonl_lines(content, path.name, "prodigy", _PRODIGY_HOW, path):
        text = row.get("text")
        if not isinstance(text, str):
            raise _bad(path, "prodigy", f"{where} has no 'text'", _PRODIGY_HOW)
        ref = _ref(row, text)
        annotator = row.get("_annotator_id") or row.get("_session_id")
        annotator = None if annotator is None else str(annotator)
        answer = row.get("answer")
        if answer is None:
            out.skipped.append(Skipped(where, "no 'answer': a task, not an annotation "
                                       "(export with prodigy db-out)", ref["item_id"]))
            continue
        if answer != "accept":
            out.skipped.append(Skipped(where, f"answered '{answer}' in Prodigy",
                                       ref["item_id"], annotator))
            continue
        spans = [sp for sp in (_span_from(s, text) for s in row.get("spans") or [])
                 if sp is not None]
        if "options" in row:
            labels = _labels_list(row.get("accept", []))
            if labels is None:
                out.skipped.append(Skipped(where, Errors.E852.format(
                    tool="prodigy", detail="'accept' is not a list of option ids"),
                    ref["item_id"], annotator, "E852"))
                continue
        else:
            labels = sorted({s.frame for s in spans}) or [NO_FRAME]
        out.annotations.append(Annotation(
            text=text, labels=labels, where=where, annotator=annotator,
            timestamp=_iso(row.get("_timestamp")), spans=spans,
            meta={k: row[k] for k in ("_input_hash", "_task_hash", "_session_id", "_view_id")
                  if k in row}, **ref))
    return out


# ----- doccano --------------------------------------------------------------------------------
_DOCCANO_HOW = "JSONL (Export Dataset > JSONL: a .zip with one file per user, or all.jsonl)"


def read_doccano(path: Path, annotator: str | None = None, empty_as_negative: bool = False
                 ) -> ReadResult:
    """doccano's JSONL export. A project without collaborative annotation exports a .zip with
    one ``<username>.jsonl`` per member (the annotator is the file name); a collaborative one
    exports ``all.jsonl`` with everyone's labels merged (pass ``annotator`` to name them).
    Records have ``text``, doccano's ``id``, the metadata (framing's keys) and the labels:
    ``label`` (categories or [start, end, label] spans) or ``cats`` + ``entities``.

    doccano lists every example for every member, labelled or not, and keeps no timestamps,
    so an example without any label is "not annotated" (skipped, reported) unless
    ``empty_as_negative``; ``no_frame`` says "no frame" explicitly.

    Format: backend/data_export in https://github.com/doccano/doccano (per-user files,
    ``all.jsonl``) and https://doccano.github.io/doccano/tutorial/#export-dataset.
    """
    members: list[tuple[str, str | None, str]] = []
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                if info.is_dir() or not info.filename.endswith((".jsonl", ".json")):
                    continue
                name = Path(info.filename).name
                stem = name.rsplit(".", 1)[0]
                try:
                    content = z.read(info).decode("utf-8")
                except UnicodeDecodeError as e:
                    raise _bad(path, "doccano", f"{name} is not UTF-8 ({e})", _DOCCANO_HOW
                               ) from None
                members.append((f"{path.name}/{name}", None if stem == "all" else stem,
                                content))
        if not members:
            raise _bad(path, "doccano", "the .zip holds no .jsonl files", _DOCCANO_HOW)
    else:
        try:
            members.append((path.name, annotator, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError as e:
            raise _bad(path, "doccano", f"not UTF-8 ({e})", _DOCCANO_HOW) from None
    out = ReadResult()
    for name, member_user, content in members:
        user = member_user if member_user is not None else annotator
        for where, row in _jsonl_lines(content, name, "doccano", _DOCCANO_HOW, path):
            text = row.get("text", row.get("data"))
            if not isinstance(text, str):
                raise _bad(path, "doccano", f"{where} has no 'text'", _DOCCANO_HOW)
            ref = _ref(row, text)
            cats: list[str] | None = None
            raw_spans: list[Any] = []
            if "cats" in row or "entities" in row:
                cats = _labels_list(row.get("cats") or [])
                raw_spans = list(row.get("entities") or [])
            else:
                lab = row.get("label") or []
                if isinstance(lab, list) and lab and not all(isinstance(x, str) for x in lab):
                    raw_spans = lab
                else:
                    cats = _labels_list(lab)
            spans = [sp for sp in (_span_from(s, text) for s in raw_spans) if sp is not None]
            if len(spans) != len(raw_spans) or (cats is None and not raw_spans):
                out.skipped.append(Skipped(where, Errors.E852.format(
                    tool="doccano", detail="labels are neither category names nor "
                                           "[start, end, label] spans"),
                    ref["item_id"], user, "E852"))
                continue
            if cats is None:  # a span-only project: the frames of the spans label the item
                cats = sorted({s.frame for s in spans})
            if not cats:
                if not empty_as_negative:
                    out.skipped.append(Skipped(
                        where, f"no label: not annotated, or no frame without saying so (tick "
                               f"'{NO_FRAME}', or import with --empty-as-negative)",
                        ref["item_id"], user))
                    continue
                cats = [NO_FRAME]
            out.annotations.append(Annotation(
                text=text, labels=cats, where=where, annotator=user, spans=spans,
                meta={"doccano_id": row.get("id")}, **ref))
    return out


# ----- Argilla --------------------------------------------------------------------------------
_ARGILLA_HOW = ("records JSON (dataset.records.to_json(path), or the flattened records of "
                "dataset.records.to_list(flatten=True) / to_datasets() as JSON or JSON lines)")


def _argilla_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise _bad(path, "argilla", f"not UTF-8 ({e})", _ARGILLA_HOW) from None
    stripped = content.lstrip()
    if stripped.startswith("["):
        data = _load_json(path, "argilla", _ARGILLA_HOW)
        if not all(isinstance(r, dict) for r in data):
            raise _bad(path, "argilla", "expected a list of record objects", _ARGILLA_HOW)
        return [(f"{path.name}[{i}]", r) for i, r in enumerate(data)]
    return list(_jsonl_lines(content, path.name, "argilla", _ARGILLA_HOW, path))


def read_argilla(path: Path) -> ReadResult:
    """Argilla 2.x records. Nested (``dataset.records.to_json``: ``fields``, ``metadata``,
    ``responses`` {question: [{value, user_id[, status]}]}) or flattened (``to_list(flatten=
    True)`` / ``to_datasets()``: ``text``, metadata keys, ``frames.responses``,
    ``frames.responses.users``, ``frames.responses.status``). Responses whose status is
    ``draft`` or ``discarded`` are skipped; the nested export has no per-response status, so
    its responses count as submitted. Argilla's exports keep no response timestamps.

    Format: ``Record.to_dict`` and ``GenericIO._record_to_dict`` in
    https://github.com/argilla-io/argilla (argilla/src/argilla/records/) and
    https://docs.argilla.io/latest/how_to_guides/import_export/.
    """
    out = ReadResult()
    for where, rec in _argilla_rows(path):
        nested = isinstance(rec.get("fields"), dict)
        text = rec["fields"].get("text") if nested else rec.get("text")
        if not isinstance(text, str):
            raise _bad(path, "argilla", f"{where} has no text field 'text'", _ARGILLA_HOW)
        meta: dict[str, Any] = rec["metadata"] if nested and isinstance(
            rec.get("metadata"), dict) else rec
        ref = _ref(meta, text)
        if ref["item_id"].startswith("text:") and rec.get("id"):
            ref["item_id"] = str(rec["id"])  # a record framing did not write: Argilla's id
        # per user: (frames value, status, spans)
        users: dict[str, dict[str, Any]] = {}
        if nested:
            responses = rec.get("responses") or {}
            for q in (FRAMES, EVIDENCE):
                for r in responses.get(q) or []:
                    u = users.setdefault(str(r.get("user_id")), {})
                    u[q] = r.get("value")
                    if r.get("status") is not None:
                        u["status"] = r.get("status")
        else:
            for q in (FRAMES, EVIDENCE):
                vals = rec.get(f"{q}.responses") or []
                who = rec.get(f"{q}.responses.users") or []
                status = rec.get(f"{q}.responses.status") or [None] * len(vals)
                for v, u_id, st in zip(vals, who, status, strict=False):
                    u = users.setdefault(str(u_id), {})
                    u[q] = v
                    if st is not None:
                        u["status"] = st
        if not users:
            out.skipped.append(Skipped(where, "no responses yet", ref["item_id"]))
            continue
        for user, u in users.items():
            w = f"{where}.responses[{user}]"
            status = u.get("status")
            if status in ("draft", "discarded"):
                out.skipped.append(Skipped(w, f"response is {status} in Argilla",
                                           ref["item_id"], user))
                continue
            spans = [sp for sp in (_span_from(s, text) for s in u.get(EVIDENCE) or [])
                     if sp is not None]
            labels = _labels_list(u.get(FRAMES)) if FRAMES in u else None
            if labels is None:
                out.skipped.append(Skipped(
                    w, f"no answer to the '{FRAMES}' question", ref["item_id"], user))
                continue
            out.annotations.append(Annotation(
                text=text, labels=labels, where=w, annotator=user,
                timestamp=_iso(rec.get("updated_at") or rec.get("inserted_at")), spans=spans,
                meta={"argilla_status": status or "unknown",
                      "argilla_id": rec.get("_server_id") or rec.get("id")}, **ref))
    return out


def read_export(path: str | Path, tool: str, *, annotator: str | None = None,
                empty_as_negative: bool = False) -> ReadResult:
    """Read one export file of ``tool`` (see the module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise FramingError(Errors.E201.format(path=p))
    t = check_tool(tool)
    if t == "label-studio":
        return read_label_studio(p)
    if t == "prodigy":
        return read_prodigy(p)
    if t == "doccano":
        return read_doccano(p, annotator=annotator, empty_as_negative=empty_as_negative)
    return read_argilla(p)


def detect_tool(path: str | Path) -> str:
    """Guess the tool that wrote an export from its first record; E851 when it cannot tell."""
    p = Path(path)
    if zipfile.is_zipfile(p):
        return "doccano"
    with open(p, encoding="utf-8", errors="replace") as fh:
        head = fh.read(1 << 20)
    first: Any = None
    s = head.lstrip()
    try:
        if s.startswith("["):
            data = json.loads(Path(p).read_text(encoding="utf-8"))
            first = data[0] if isinstance(data, list) and data else None
        else:
            first = json.loads(io.StringIO(s).readline())
    except (json.JSONDecodeError, UnicodeDecodeError):
        first = None
    if isinstance(first, dict):
        keys = set(first)
        if "data" in keys and ("annotations" in keys or "predictions" in keys or
                               "completions" in keys):
            return "label-studio"
        if "fields" in keys or any(k.startswith(f"{FRAMES}.") for k in keys):
            return "argilla"
        if "_input_hash" in keys or "answer" in keys or "_task_hash" in keys:
            return "prodigy"
        if "text" in keys and ({"cats", "entities", "label"} & keys):
            return "doccano"
    raise FramingError(Errors.E851.format(
        path=p, tool="known tool's", detail="cannot tell which tool wrote it",
        how="one of " + ", ".join(TOOLS) + " (or pass --tool)"))
