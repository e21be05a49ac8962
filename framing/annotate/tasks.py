"""Writing task files: every item (``export``) or the most useful ones (``select``).

Example:
    >>> import json, tempfile, pathlib
    >>> from framing.annotate.tasks import export_tasks
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "in.jsonl").write_text(json.dumps(
    ...     {"id": "a", "text": "Police arrested him. Leave it to the states."}))
    >>> s = export_tasks([d / "in.jsonl"], d / "tasks.json", "label-studio", texts=True,
    ...                  load_kwargs={"rules_only": True})
    >>> s.tasks, json.loads((d / "tasks.json").read_text())[1]["data"]["framing_id"]
    (2, 'a:21-44')
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from framing.annotate.formats import ExportOptions, check_tool, dump_tasks, suffix, to_task
from framing.annotate.items import Item, check_level, items_from_results
from framing.annotate.sources import load_results, read_ids
from framing.codebook import Codebook
from framing.errors import Errors, FramingError
from framing.guard import check_outputs, check_replaceable


@dataclass
class ExportSummary:
    """What an export or a selection wrote."""

    out: Path
    tool: str
    level: str
    tasks: int
    candidates: int
    rejected: int = 0
    by_frame: Counter[str] = field(default_factory=Counter)
    rejects_path: Path | None = None

    def line(self) -> str:
        s = (f"wrote {self.tasks} {self.tool} task(s) ({self.level} level, of "
             f"{self.candidates} candidate(s)) to {self.out}")
        if self.by_frame:
            s += "; by frame: " + ", ".join(f"{f} {n}" for f, n in self.by_frame.most_common())
        if self.rejected:
            s += f"; {self.rejected} input record(s) rejected -> {self.rejects_path}"
        return s


def _codebook(cb: str | Path | Codebook | None, fallback: Any = None,
              results: Sequence[Any] = ()) -> Codebook:
    """The codebook given, else the analyzer's, else the shipped one; results labelled with
    frames it does not know (a user's codebook) need it named, or those frames would vanish
    from the tasks."""
    if isinstance(cb, Codebook):
        return cb
    if cb:
        return Codebook.load(cb)
    book = fallback if isinstance(fallback, Codebook) else Codebook.default()
    unknown = sorted({f for r in results for f in r.frames if f not in book})
    if unknown:
        names = ", ".join(unknown[:5])
        raise FramingError(Errors.E856.format(
            detail=f"the labelled output has frames the shipped codebook lacks ({names}); "
                   "pass the codebook it was labelled with (--codebook)"))
    return book


def write_file(path: Path, content: str) -> None:
    """Atomic write: temporary file in the same folder, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_out(out: Path, tool: str, inputs: Sequence[str | Path], overwrite: bool,
              rejects: Path | None = None) -> None:
    """Refuse before anything is read: wrong suffix, an input as output, an existing file."""
    want = suffix(tool)
    if out.suffix.lower() != want:
        raise FramingError(Errors.E856.format(
            detail=f"{tool} tasks are {'a JSON list' if want == '.json' else 'JSON lines'}; "
                   f"--out must end in {want}, got '{out}'"))
    outputs: dict[str, str | Path | None] = {"output file": out}
    if rejects is not None:
        outputs["rejects file"] = rejects
    check_outputs(inputs, outputs)
    check_replaceable(out, "output file", bool(overwrite), recognised=False)
    if rejects is not None:
        check_replaceable(rejects, "rejects file", bool(overwrite),
                          recognised=False)


def write_tasks(items: Sequence[Item], out: Path, tool: str, opts: ExportOptions) -> None:
    write_file(out, dump_tasks([to_task(it, tool, opts) for it in items], tool))


def _options(cb: Codebook, frames: Sequence[str] | None, prefill: bool, model: str,
             doccano_project: str) -> ExportOptions:
    fr = list(frames) if frames else cb.frame_ids
    unknown = [f for f in fr if f not in cb]
    if unknown:
        raise FramingError(Errors.E004.format(frame=unknown[0], where=" in --frames",
                                              known=", ".join(cb.frame_ids)))
    return ExportOptions(frames=fr, names={f.id: f.name for f in cb.frames}, prefill=prefill,
                         model=model, doccano_project=doccano_project)


def _model_name(results: Sequence[Any]) -> str:
    for r in results:
        clf = (r.model or {}).get("classifier")
        if isinstance(clf, dict) and clf.get("name"):
            return f"framing:{clf['name']}"
        if r.model:
            return "framing:rules"
    return "framing"


def _write_rejects(path: Path | None, rejects: list[dict[str, Any]]) -> Path | None:
    if path is None or not rejects:
        return None
    import json

    write_file(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rejects))
    return path


def export_tasks(inputs: Sequence[str | Path], out: str | Path, tool: str, *,
                 level: str = "sentence", texts: bool = False,
                 load_kwargs: dict[str, Any] | None = None,
                 codebook: str | Path | Codebook | None = None,
                 frames: Sequence[str] | None = None, prefill: bool = True,
                 doccano_project: str = "slot-filling", text_field: str = "text",
                 id_field: str = "id", limit: int | None = None,
                 rejects: str | Path | None = None, overwrite: bool = False) -> ExportSummary:
    """Write one task per sentence (or document) of ``inputs`` for ``tool``.

    ``inputs`` are labelled output (``framing label``), or with ``texts=True`` input texts that
    are analyzed here with ``framing.load(**load_kwargs)``. Tasks are pre-filled with the
    pipeline's labels and rule evidence unless ``prefill=False`` (blind annotation).
    """
    t = check_tool(tool)
    check_level(level)
    out_p = Path(out)
    rej_p = Path(rejects) if rejects else (out_p.with_name(out_p.name + ".rejects.jsonl")
                                           if texts else None)
    check_out(out_p, t, inputs, overwrite, rej_p)
    got = load_results(inputs, texts=texts, load_kwargs=load_kwargs, text_field=text_field,
                       id_field=id_field, limit=limit)
    cb = _codebook(codebook, got.codebook, got.results)
    items = items_from_results(got.results, level, got.texts)
    if not items:
        raise FramingError(Errors.E855.format(where=", ".join(map(str, inputs)),
                                              detail="no documents or sentences to export"))
    opts = _options(cb, frames, prefill, _model_name(got.results), doccano_project)
    write_tasks(items, out_p, t, opts)
    return ExportSummary(out_p, t, level, len(items), len(items), got.rejected,
                         rejects_path=_write_rejects(rej_p, got.rejects))


def infer_thresholds(items: Sequence[Item], frames: Sequence[str], cb: Codebook) -> np.ndarray:
    """Each frame's decision threshold as the labelled output shows it.

    A result keeps scores and labels, not thresholds; a label means score >= threshold, so the
    threshold lies above every unlabelled item's score and at or below every labelled one's
    (items labelled only because a child frame is, have no say). The midpoint of that gap is
    used; without positives or negatives, the codebook threshold bounded by what is seen.
    """
    out = np.zeros(len(frames))
    for j, f in enumerate(frames):
        kids = set(cb.children(f)) if f in cb else set()
        neg = [it.scores.get(f, 0.0) for it in items if f not in it.labels]
        pos = [it.scores.get(f, 0.0) for it in items
               if f in it.labels and not kids.intersection(it.labels)]
        base = cb.threshold(f) if f in cb else cb.default_threshold
        lo, hi = (max(neg) if neg else None), (min(pos) if pos else None)
        if lo is not None and hi is not None and lo < hi:
            out[j] = (lo + hi) / 2
        elif hi is not None:
            out[j] = min(base, hi)
        elif lo is not None:
            out[j] = max(base, min(lo + 1e-3, 0.999))
        else:
            out[j] = base
    return out


def select_items(items: Sequence[Item], n: int, frames: Sequence[str], cb: Codebook, *,
                 embeddings: np.ndarray | None = None, exclude: set[str] | None = None,
                 disagreement_weight: float = 0.5, pool_factor: int = 4, seed: int = 0
                 ) -> list[Item]:
    """The ``n`` items to label next (see :mod:`framing.annotate.select`), each with its
    ``reason``."""
    from framing.annotate.select import select_indices

    if not items:
        raise FramingError(Errors.E858.format(detail="no items"))
    scores = np.array([[it.scores.get(f, 0.0) for f in frames] for it in items])
    th = infer_thresholds(items, frames, cb)
    votes = None
    if all(it.rule_labels is not None for it in items):
        votes = np.array([[f in (it.rule_labels or []) for f in frames] for it in items])
    ex = [i for i, it in enumerate(items) if exclude and it.id in exclude]
    if len(ex) == len(items):
        raise FramingError(Errors.E858.format(
            detail=f"all {len(items)} items are already labelled (--exclude)"))
    picks = select_indices(scores, th, n, embeddings=embeddings, rule_votes=votes,
                           exclude=ex or None, disagreement_weight=disagreement_weight,
                           pool_factor=pool_factor, seed=seed)
    chosen = []
    for p in picks:
        it = items[p.index]
        reason = p.reason(frames)
        reason["score"] = round(float(scores[p.index, p.frame]), 4)
        reason["threshold"] = round(float(th[p.frame]), 4)
        it.reason = reason
        chosen.append(it)
    return chosen


def select_tasks(inputs: Sequence[str | Path], out: str | Path, tool: str, n: int, *,
                 level: str = "sentence", texts: bool = False,
                 load_kwargs: dict[str, Any] | None = None,
                 codebook: str | Path | Codebook | None = None,
                 frames: Sequence[str] | None = None, exclude: Sequence[str | Path] = (),
                 encoder: str | Path | None = None, diversity: bool = True,
                 disagreement_weight: float = 0.5, pool_factor: int = 4, seed: int = 0,
                 prefill: bool = True, doccano_project: str = "slot-filling",
                 text_field: str = "text", id_field: str = "id",
                 rejects: str | Path | None = None, overwrite: bool = False) -> ExportSummary:
    """Pick the ``n`` most useful sentences (or documents) to label next and write them as
    ``tool`` tasks: uncertainty, rules-versus-model disagreement and diversity (MiniLM
    embeddings, k-means), stratified by frame. ``exclude`` names earlier rounds (training rows
    of ``framing annotate import``, or task files) whose items are not picked again."""
    t = check_tool(tool)
    check_level(level)
    if n < 1:
        raise FramingError(Errors.E857.format(detail=f"--n must be at least 1, got {n}"))
    out_p = Path(out)
    rej_p = Path(rejects) if rejects else (out_p.with_name(out_p.name + ".rejects.jsonl")
                                           if texts else None)
    check_out(out_p, t, list(inputs) + list(exclude), overwrite, rej_p)
    done = read_ids(exclude) if exclude else set()
    got = load_results(inputs, texts=texts, load_kwargs=load_kwargs, text_field=text_field,
                       id_field=id_field)
    cb = _codebook(codebook, got.codebook, got.results)
    opts = _options(cb, frames, prefill, _model_name(got.results), doccano_project)
    items = items_from_results(got.results, level, got.texts, codebook=cb)
    emb = None
    if diversity and items:
        from framing.annotate.embed import SentenceEncoder

        enc = SentenceEncoder(encoder, max_length=128 if level == "sentence" else 256)
        emb = enc.encode([it.text for it in items])
    chosen = select_items(items, n, opts.frames, cb, embeddings=emb, exclude=done,
                          disagreement_weight=disagreement_weight, pool_factor=pool_factor,
                          seed=seed)
    write_tasks(chosen, out_p, t, opts)
    by_frame = Counter(str((it.reason or {}).get("frame")) for it in chosen)
    return ExportSummary(out_p, t, level, len(chosen), len(items) - len(
        [it for it in items if it.id in done]), got.rejected, by_frame,
        rejects_path=_write_rejects(rej_p, got.rejects))
