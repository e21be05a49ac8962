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
    ev = evaluate(data, m, compare_rules=compare_rules or None, level=level,
                  batch_size=batch_size, text_field=text_field, labels_field=labels_field,
                  target_field=target_field, stance_field=stance_field)
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
