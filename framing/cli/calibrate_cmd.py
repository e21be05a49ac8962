"""``framing calibrate``: fit domain gates of a frame model on a labelled sample of your texts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from framing.cli._common import (
    Format,
    FormatOpt,
    LabelsFieldOpt,
    ModelDirOpt,
    TextFieldOpt,
    console,
    handle_errors,
)


@handle_errors
def calibrate_cli(
    data: Annotated[Path, typer.Argument(
        help="Labelled sample of the texts the model will read (.jsonl / .csv / .tsv / "
             ".parquet with 'text' and 'labels'); a few hundred rows.")],
    model: ModelDirOpt,
    label: Annotated[list[str] | None, typer.Option(
        "--label", "-l", help="Label to gate (repeatable; default: every label with at least "
                              "10 positive and 10 negative rows).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write a calibrated copy here instead of changing MODEL.")] = None,
    beta: Annotated[float, typer.Option(
        "--beta", help="The bars maximise F-beta: 1 = F1; below 1 weighs precision more "
                       "(fewer texts flagged that lack the label), e.g. 0.5.")] = 1.0,
    fmt: FormatOpt = Format.pretty,
    text_field: TextFieldOpt = None,
    labels_field: LabelsFieldOpt = None,
) -> None:
    """Gate a model for a new domain: per label, how sure the classifier must be when the rules
    found strong, weak or no evidence. Writes the gates into the model and its card."""
    from framing.models.frames.calibrate import calibrate

    rep = calibrate(data, model, labels=label or None, out=out, text_field=text_field or "text",
                    labels_field=labels_field or "labels", beta=beta)
    if fmt is Format.json:
        typer.echo(json.dumps(rep, indent=1, ensure_ascii=False))
        return
    t = Table(title=f"Calibrated {out or model} on {rep['rows']} rows of {data.name} "
                    "(in-sample figures)", title_justify="left")
    for col in ("label", "strong / weak / none", "rules P/R/F1", "before P/R/F1",
                "after P/R/F1"):
        t.add_column(col)
    for lab, v in rep["labels"].items():
        g = v["gate"]
        bars = " / ".join("never" if g[k] > 1 else f"{g[k]:.2f}" for k in
                          ("strong", "weak", "none"))
        t.add_row(lab, bars, *(f"{v[k]['precision']:.2f} / {v[k]['recall']:.2f} / "
                               f"{v[k]['f1']:.2f}" for k in ("rules", "before", "after")))
    console.print(t)
