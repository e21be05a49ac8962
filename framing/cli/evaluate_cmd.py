"""``framing evaluate``: precision, recall and F1 of a trained model (any task; the model
directory says which) on labelled data. An option the model's task does not have is
``[E413]``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from framing.cli._common import (
    DeviceOpt,
    Format,
    FormatOpt,
    LabelsFieldOpt,
    Level,
    ModelDirOpt,
    StanceFieldOpt,
    TargetFieldOpt,
    Task,
    TextFieldOpt,
    console,
    handle_errors,
    use_device,
)
from framing.errors import Errors, FramingError


def _metrics_table(title: str, rep: dict[str, Any], others: dict[str, dict[str, Any]]
                   ) -> Table:
    t = Table(title=f"{title}: micro-F1 {rep['micro_f1']:.3f}, macro-F1 {rep['macro_f1']:.3f}, "
                    f"n {rep['n']}", title_justify="left")
    t.add_column("label", style="bold")
    for col in ("precision", "recall", "F1", "support"):
        t.add_column(col, justify="right")
    for name in others:
        t.add_column(f"F1 {name}", justify="right")
    for lab, m in rep["per_label"].items():
        row = [lab, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
               str(m["support"])]
        row += [f"{o['per_label'][lab]['f1']:.3f}" for o in others.values()]
        t.add_row(*row)
    if others:
        t.add_row("[dim]micro / macro[/]", "", "", f"{rep['micro_f1']:.3f}", "",
                  *[f"{o['micro_f1']:.3f} / {o['macro_f1']:.3f}" for o in others.values()])
    return t


def _abbrev(label: str) -> str:
    parts = label.split("_")
    return label if len(label) <= 8 else "".join(p[:3] for p in parts[:3])


def _cooc_table(labels: list[str], counts: Any, scorer: str) -> Table:
    t = Table(title=f"Gold label (rows) x predicted label (columns), {scorer}: diagonal = true "
                    "positives", title_justify="left")
    t.add_column("gold \\ pred", style="bold")
    for lab in labels:
        t.add_column(_abbrev(lab), justify="right")
    for i, lab in enumerate(labels):
        cells = []
        for j in range(len(labels)):
            v = int(counts[i, j])
            cells.append(f"[bold green]{v}[/]" if i == j else (str(v) if v else "[dim]·[/]"))
        t.add_row(lab, *cells)
    return t


def _label_table(title: str, rep: dict[str, Any]) -> Table:
    """A single-label report (stance and other label tasks) as a table."""
    extra = f", F-avg {rep['f_avg']:.3f}" if "f_avg" in rep else ""
    t = Table(title=f"{title}: accuracy {rep['accuracy']:.3f}, macro-F1 "
                    f"{rep['macro_f1']:.3f}{extra}, n {rep['n']}", title_justify="left")
    t.add_column("label", style="bold")
    for col in ("precision", "recall", "F1", "support"):
        t.add_column(col, justify="right")
    for lab, m in rep["per_label"].items():
        t.add_row(lab, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
                  str(m["support"]))
    return t


@handle_errors
def evaluate_cli(
    data: Annotated[Path, typer.Argument(
        help="Labelled rows (.jsonl / .csv / .tsv / .parquet): frames: 'text' and 'labels'; "
             "stance: 'text', 'target' and 'stance'.")],
    model: ModelDirOpt,
    fmt: FormatOpt = Format.pretty,
    task: Annotated[Task | None, typer.Option(
        help="Check that the model is of this task [default: the model's own].")] = None,
    compare_rules: Annotated[bool, typer.Option(
        "--compare-rules", help="frames: also score the rule layer alone and the "
                                "rules+classifier fusion.")] = False,
    level: Annotated[Level | None, typer.Option(
        help="stance: score rows as one input each (sentence) or split into sentences and "
             "pooled like the Analyzer (document) [default: sentence].")] = None,
    batch_size: Annotated[int | None, typer.Option(
        help="Windows per inference batch (frames: batch-size x 32 padded tokens, more short "
             "windows, fewer long ones; stance: at most 1,024 padded tokens) [default: frames "
             "32, stance 64].")] = None,
    text_field: TextFieldOpt = None,
    labels_field: LabelsFieldOpt = None,
    target_field: TargetFieldOpt = None,
    stance_field: StanceFieldOpt = None,
    documents: Annotated[bool, typer.Option(
        "--documents", help="frames: each row is a whole document with the frames it uses; "
                            "label it as `framing label` does (rules, classifier and the "
                            "document layer) and report document-level precision, recall, "
                            "F1, labels per document and the top frame's share, beside every "
                            "frame any sentence carries.")] = False,
    device: DeviceOpt = "auto",
) -> None:
    """Evaluate a model of any task on labelled rows: overall and per-label precision,
    recall, F1 and support."""
    from framing.models.model import Model
    from framing.models.trainer import evaluate

    use_device(device)

    m = Model.load(model)
    if task is not None and task.value != m.head.task:
        raise FramingError(Errors.E416.format(path=model, task=m.head.task, given=task.value))
    if documents:
        if m.head.task != "frames":
            raise FramingError(Errors.E416.format(path=model, task=m.head.task,
                                                  given="frames (--documents)"))
        rep = _document_report(data, model, text_field or "text", labels_field or "labels")
        if fmt is Format.json:
            typer.echo(json.dumps(rep, ensure_ascii=False, indent=1))
            return
        console.print(_document_table(f"{model.name} on {data.name} (documents)", rep))
        return
    opposites = None
    if m.head.task == "stance" and level is not None and level.value == "document":
        # pooled like the Analyzer, so with the declared opposite targets it reads from the
        # shipped codebook (the model's `auto` pairing multiplies both views for those)
        from framing.codebook import Codebook
        from framing.pipeline.issue import opposites_of

        opposites = opposites_of(Codebook.default()) or None
    ev = evaluate(data, m, compare_rules=compare_rules or None, level=level,
                  batch_size=batch_size, text_field=text_field, labels_field=labels_field,
                  target_field=target_field, stance_field=stance_field, opposites=opposites)
    rep = getattr(ev, "report", ev)
    if fmt is Format.json:
        typer.echo(json.dumps(rep, ensure_ascii=False, indent=1))
        return
    if not hasattr(ev, "cooccurrence"):
        console.print(_label_table(f"{model.name} on {data.name}", rep))
        return
    others: dict[str, dict[str, Any]] = {k: rep[k] for k in ("rules", "fused") if k in rep}
    console.print(_metrics_table(f"{model.name} on {data.name}", rep, others))
    console.print(_cooc_table(ev.labels, ev.cooccurrence("classifier"), "classifier"))
    if "fused" in others:
        console.print(_cooc_table(ev.labels, ev.cooccurrence("fused"), "fused"))


def _document_report(data: Path, model: Path, text_field: str, labels_field: str
                     ) -> dict[str, Any]:
    """Document-level metrics of the model's pipeline (document layer) and of the sentence
    union on labelled documents."""
    import framing
    from framing.doclayer import document_metrics
    from framing.models.frames.data import read_labelled

    rows = read_labelled(data, text_field, labels_field)
    an = framing.load(model, stance_model=None)
    cb = an.codebook
    gold = [cb.closure(lab for lab in labs if lab in cb) for labs in rows.labels]
    pred: list[list[str]] = []
    union: list[list[str]] = []
    for r in an.pipe(rows.texts):
        pred.append(list(r.labels))
        union.append(cb.closure(f for s in r.sentences for f in s.labels))
    frames = list(cb.frame_ids)
    return {"documents": document_metrics(pred, gold, frames),
            "sentence_union": document_metrics(union, gold, frames),
            "document_layer": an.model_info.get("document_layer")}


def _document_table(title: str, rep: dict[str, Any]) -> Table:
    t = Table(title=title)
    for col in ("decision", "micro-P", "micro-R", "micro-F1", "macro-F1", "labels/doc (gold)",
                "top frame on (gold)"):
        t.add_column(col)
    for name, key in (("document layer", "documents"), ("sentence union", "sentence_union")):
        m = rep[key]
        t.add_row(name, f"{m['micro_precision']:.3f}", f"{m['micro_recall']:.3f}",
                  f"{m['micro_f1']:.3f}", f"{m['macro_f1']:.3f}",
                  f"{m['labels_per_doc']:.2f} ({m['gold_labels_per_doc']:.2f})",
                  f"{100 * m['max_frame_share']:.0f}% ({100 * m['gold_max_frame_share']:.0f}%)")
    return t
