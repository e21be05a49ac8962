"""``framing evaluate``: precision, recall and F1 of a trained model on labelled data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from framing.cli._common import console, handle_errors
from framing.errors import FramingError


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


@handle_errors
def evaluate_cli(
    data: Annotated[Path, typer.Argument(
        help="Labelled data (.jsonl / .csv / .tsv / .parquet with 'text' and 'labels').")],
    model: Annotated[Path, typer.Option("--model", "-m", help="Trained model directory.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="pretty or json")] = "pretty",
    compare_rules: Annotated[bool, typer.Option(
        "--compare-rules", help="Also score the rule layer alone and the rules+classifier "
                                "fusion.")] = False,
    batch_size: Annotated[int, typer.Option(
        help="Windows per inference batch (frames: batch-size x 32 padded tokens, more short "
             "windows, fewer long ones; stance: at most 1,024 padded tokens).")] = 32,
    text_field: Annotated[str, typer.Option(help="Column holding the text.")] = "text",
    labels_field: Annotated[str, typer.Option(help="Column holding the labels.")] = "labels",
    task: Annotated[str, typer.Option(help="frames or stance")] = "frames",
) -> None:
    """Evaluate a model: micro/macro-F1 and per-label precision, recall, F1 and support."""
    if task == "stance":
        import json as _json

        from framing.stance.evaluate import evaluate_stance

        typer.echo(_json.dumps(evaluate_stance(model, data), indent=1))
        return
    if fmt not in ("pretty", "json"):
        raise FramingError("[E203] --format must be 'pretty' or 'json'.")
    from framing.train import evaluate

    ev = evaluate(data, model, compare_rules=compare_rules, batch_size=batch_size,
                  text_field=text_field, labels_field=labels_field)
    if fmt == "json":
        typer.echo(json.dumps(ev.report, ensure_ascii=False, indent=1))
        return
    rep = ev.report
    others: dict[str, dict[str, Any]] = {k: rep[k] for k in ("rules", "fused") if k in rep}
    console.print(_metrics_table(f"{model.name} on {data.name}", rep, others))
    console.print(_cooc_table(ev.labels, ev.cooccurrence("classifier"), "classifier"))
    if "fused" in others:
        console.print(_cooc_table(ev.labels, ev.cooccurrence("fused"), "fused"))
