"""Annotation tools' exports into training rows, with every annotator's answer kept.

Rows are what ``framing train`` reads (``text`` + ``labels``) plus where they came from::

    {"id": "w1-001:0-95", "text": "...", "labels": ["federalism", "legality_..."],
     "level": "sentence", "doc_id": "w1-001", "start": 0, "end": 95,
     "agreement": "unanimous",
     "annotations": [{"annotator": "alice", "timestamp": "2024-05-01T10:00:00Z",
                      "labels": [...], "spans": [...], "file": "export.json[3]..."}, ...]}

Labels are closed under the codebook's parents (a child implies its parent), so "federalism"
and "federalism + its parent" are the same answer. One annotator's repeated answers for an item
count once (the latest, by timestamp where the tool keeps one, else the last in the file).
Items on which annotators disagree are **never merged silently**: they go to the conflicts file
with every answer, and into the training rows only under ``conflicts="majority"`` (a frame is
kept when more than half of the item's annotators chose it; the row says so). Records that give
no usable annotation (not annotated yet, cancelled, rejected, unknown label, ``no_frame``
together with a frame) go to the rejects file with the reason.

Example:
    >>> from framing.annotate.formats import Annotation
    >>> from framing.annotate.importing import resolve
    >>> a = Annotation("x", "Leave it to the states.", ["federalism"], "f:1", "alice")
    >>> b = Annotation("x", "Leave it to the states.", ["economic"], "f:2", "bob")
    >>> rows, conflicts, rejects = resolve([a, b])
    >>> len(rows), conflicts[0]["id"], sorted(conflicts[0]["disagree_on"])
    (0, 'x', ['economic', 'federalism', 'legality_constitutionality_and_jurisprudence'])
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing.annotate.formats import NO_FRAME, Annotation, Skipped, detect_tool, read_export
from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.guard import check_outputs, check_replaceable

CONFLICT_POLICIES = ("exclude", "majority")


@dataclass
class ImportSummary:
    """What an import did."""

    out: Path
    rows: int
    annotations: int
    items: int
    conflicts: int
    rejected: int
    superseded: int
    annotators: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    levels: Counter[str] = field(default_factory=Counter)
    conflicts_path: Path | None = None
    rejects_path: Path | None = None

    def line(self) -> str:
        parts = [f"read {self.annotations} annotation(s) of {self.items} item(s) by "
                 f"{len(self.annotators)} annotator(s): wrote {self.rows} training row(s) to "
                 f"{self.out}"]
        if self.conflicts:
            parts.append(f"{self.conflicts} item(s) with conflicting annotations -> "
                         f"{self.conflicts_path}")
        if self.rejected:
            why = ", ".join(f"{n} {r}" for r, n in self.reasons.most_common(4))
            parts.append(f"{self.rejected} record(s) not used ({why}) -> {self.rejects_path}")
        if self.superseded:
            parts.append(f"{self.superseded} earlier answer(s) replaced by the same "
                         "annotator's later one")
        return "; ".join(parts)


def _reason_kind(reason: str) -> str:
    return reason.split(" (")[0].split(":")[0][:60]


def _check_labels(a: Annotation, cb: Codebook) -> tuple[list[str] | None, Skipped | None]:
    labels = list(dict.fromkeys(lab.strip() for lab in a.labels if lab.strip()))
    if NO_FRAME in labels:
        if len(labels) > 1:
            return None, Skipped(a.where, Errors.E865.format(
                detail=f"'{NO_FRAME}' together with frame(s) {sorted(set(labels) - {NO_FRAME})}"),
                a.item_id, a.annotator)
        return [], None
    for lab in labels:
        if lab not in cb:
            return None, Skipped(a.where, Errors.E853.format(label=lab, codebook=cb.name),
                                 a.item_id, a.annotator, "E853")
    return cb.closure(labels), None


def _latest(anns: list[tuple[int, Annotation]]) -> tuple[int, Annotation]:
    """The latest of one annotator's answers: by timestamp when all have one, else by order."""
    if all(a.timestamp for _, a in anns):
        return max(anns, key=lambda x: (str(x[1].timestamp), x[0]))
    return anns[-1]


def _ann_dict(a: Annotation, labels: list[str]) -> dict[str, Any]:
    return {"annotator": a.annotator, "timestamp": a.timestamp, "labels": labels,
            "spans": [s.to_dict() for s in a.spans], "file": a.where,
            **({"meta": a.meta} if a.meta else {})}


def resolve(annotations: Sequence[Annotation], codebook: Codebook | None = None,
            conflicts: str = "exclude") -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                 list[Skipped]]:
    """Group annotations by item into (training rows, conflicts, rejects); see the module
    docstring. ``conflicts`` is ``"exclude"`` or ``"majority"``."""
    if conflicts not in CONFLICT_POLICIES:
        raise FramingError(Errors.E856.format(
            detail=f"conflicts must be one of {', '.join(CONFLICT_POLICIES)}, got {conflicts!r}"))
    cb = codebook or Codebook.default()
    rejects: list[Skipped] = []
    by_item: dict[str, list[tuple[int, Annotation, list[str]]]] = defaultdict(list)
    for i, a in enumerate(annotations):
        labels, bad = _check_labels(a, cb)
        if bad is not None:
            rejects.append(bad)
            continue
        assert labels is not None
        by_item[a.item_id].append((i, a, labels))
    rows: list[dict[str, Any]] = []
    conflict_rows: list[dict[str, Any]] = []
    for item_id, group in by_item.items():
        texts = {a.text for _, a, _ in group}
        if len(texts) > 1:
            for _, a, _ in group:
                rejects.append(Skipped(a.where, Errors.E865.format(
                    detail=f"item '{item_id}' appears with {len(texts)} different texts; "
                           "its annotations cannot be combined"), item_id, a.annotator))
            continue
        per_user: dict[str, list[tuple[int, Annotation]]] = defaultdict(list)
        labels_of: dict[int, list[str]] = {}
        for i, a, labels in group:
            # an answer without an annotator id is its own annotator: merging unknowns could
            # hide a disagreement
            per_user[a.annotator or f"<unknown #{i}>"].append((i, a))
            labels_of[i] = labels
        final: list[tuple[Annotation, list[str]]] = []
        superseded: list[dict[str, Any]] = []
        for anns in per_user.values():
            i_last, last = _latest(anns)
            final.append((last, labels_of[i_last]))
            superseded += [_ann_dict(a, labels_of[i]) for i, a in anns if i != i_last]
        first = final[0][0]
        row: dict[str, Any] = {
            "id": item_id, "text": first.text, "labels": [], "level": first.level,
            "doc_id": first.doc_id, "start": first.start, "end": first.end,
            "annotations": [_ann_dict(a, labs) for a, labs in final]}
        if superseded:
            row["superseded"] = superseded
        sets = {tuple(labs) for _, labs in final}
        if len(sets) == 1:
            row["labels"] = list(final[0][1])
            row["agreement"] = "single" if len(final) == 1 else "unanimous"
            rows.append(row)
            continue
        votes = Counter(lab for _, labs in final for lab in labs)
        n = len(final)
        every = set.intersection(*(set(labs) for _, labs in final))
        disagree = sorted(set(votes) - every, key=cb.frame_ids.index)
        majority = [lab for lab in cb.frame_ids if votes.get(lab, 0) * 2 > n]
        detail = ", ".join(f"{lab} chosen by {votes[lab]} of {n}" for lab in disagree)
        conflict_rows.append({**row, "code": "E866", "reason": Errors.E866.format(detail=detail),
                              "disagree_on": disagree,
                              "votes": {lab: votes[lab] for lab in disagree},
                              "resolved": "majority" if conflicts == "majority" else "excluded",
                              "majority_labels": majority})
        if conflicts == "majority":
            row["labels"] = cb.closure(majority)
            row["agreement"] = "majority"
            rows.append(row)
    return rows, conflict_rows, rejects


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def import_annotations(paths: Sequence[str | Path], out: str | Path, *,
                       tool: str | None = None, codebook: str | Path | Codebook | None = None,
                       level: str | None = None, conflicts: str = "exclude",
                       conflicts_out: str | Path | None = None,
                       rejects: str | Path | None = None, annotator: str | None = None,
                       empty_as_negative: bool = False, overwrite: bool = False
                       ) -> ImportSummary:
    """Read annotation exports and write training rows (JSONL) to ``out``.

    Args:
        paths: export files of one tool (several files are combined, e.g. two annotators'
            Prodigy datasets).
        out: the training file to write (``.jsonl``).
        tool: ``label-studio``, ``prodigy``, ``doccano`` or ``argilla``; default: detected from
            the first file.
        codebook: labels must be its frames (default: the shipped codebook).
        level: keep only ``sentence`` or ``document`` items; needed when the exports hold both.
        conflicts: ``exclude`` (default) or ``majority``; see the module docstring.
        conflicts_out: the conflicts file (default ``OUT.conflicts.jsonl``; written only when
            there are conflicts).
        rejects: the rejects file (default ``OUT.rejects.jsonl``; written only when needed).
        annotator: the annotator of a doccano ``all.jsonl`` (collaborative projects name none).
        empty_as_negative: doccano only: an example without labels means "no frame".
        overwrite: replace existing output files.
    """
    out_p = Path(out)
    if out_p.suffix.lower() != ".jsonl":
        raise FramingError(Errors.E856.format(detail=f"--out must be a .jsonl file, got '{out}'"))
    if not paths:
        raise FramingError(Errors.E855.format(where="the command line", detail="no export files"))
    for p in paths:
        if not Path(p).is_file():
            raise FramingError(Errors.E201.format(path=p))
    base = str(out_p)[: -len(".jsonl")]
    conf_p = Path(conflicts_out) if conflicts_out else Path(base + ".conflicts.jsonl")
    rej_p = Path(rejects) if rejects else Path(base + ".rejects.jsonl")
    check_outputs(paths, {"output file": out_p, "conflicts file": conf_p,
                          "rejects file": rej_p})
    for p, role in ((out_p, "output file"), (conf_p, "conflicts file"), (rej_p, "rejects file")):
        check_replaceable(p, role, bool(overwrite), recognised=False)
    cb = codebook if isinstance(codebook, Codebook) else \
        Codebook.load(codebook) if codebook else Codebook.default()
    t = tool or detect_tool(paths[0])
    anns: list[Annotation] = []
    skipped: list[Skipped] = []
    for p in paths:
        res = read_export(p, t, annotator=annotator, empty_as_negative=empty_as_negative)
        anns += res.annotations
        skipped += res.skipped
    levels = Counter(a.level or "unknown" for a in anns)
    if level is not None:
        if level not in ("sentence", "document"):
            raise FramingError(Errors.E856.format(detail=f"--level must be sentence or "
                                                         f"document, got {level!r}"))
        kept = [a for a in anns if a.level in (level, None)]
        for a in anns:
            if a.level not in (level, None):
                skipped.append(Skipped(a.where, Errors.E865.format(
                    detail=f"a {a.level} item; this import keeps {level} items (--level)"),
                    a.item_id, a.annotator))
        anns = kept
    elif len({lv for lv in levels if lv != "unknown"}) > 1:
        raise FramingError(Errors.E854.format(
            path=", ".join(str(p) for p in paths),
            levels=" and ".join(f"{n} {lv}" for lv, n in sorted(levels.items()))))
    rows, conflict_rows, more = resolve(anns, cb, conflicts)
    skipped += more
    if not rows and not conflict_rows:
        why = Counter(_reason_kind(s.reason) for s in skipped)
        raise FramingError(Errors.E855.format(
            where=", ".join(str(p) for p in paths),
            detail=f"{len(skipped)} record(s) gave none: " +
                   ", ".join(f"{n} {r}" for r, n in why.most_common(4)) if skipped else
                   "the export holds no records"))
    _write_jsonl(out_p, rows)
    if conflict_rows:
        _write_jsonl(conf_p, conflict_rows)
    if skipped:
        _write_jsonl(rej_p, [s.to_dict() for s in skipped])
    n_sup = sum(len(r.get("superseded", [])) for r in rows + conflict_rows)
    return ImportSummary(
        out=out_p, rows=len(rows), annotations=len(anns),
        items=len({a.item_id for a in anns}), conflicts=len(conflict_rows),
        rejected=len(skipped), superseded=n_sup,
        annotators=Counter(a.annotator or "<unknown>" for a in anns),
        reasons=Counter(_reason_kind(s.reason) for s in skipped),
        levels=levels, conflicts_path=conf_p if conflict_rows else None,
        rejects_path=rej_p if skipped else None)
